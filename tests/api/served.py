"""The API on a test's event store and views, served in-process through a test client."""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from api.metrics import Metrics
from api.readmodels import ReadModels
from infra.portal.backend import PortalBackend
from infra.settings import Settings
from projections.views.portal import PostgresPortalView

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from domain.application import ContractsApplication
    from infra.clock import Clock
    from tests.api.tokens import Keys


PORTAL_SECRET = b"served-portal-secret-of-tests"
"""The portal's HMAC secret in these tests (codes, throttle keys)."""


@contextmanager
def served(
    contracts: ContractsApplication,
    env: Mapping[str, str],
    keys: Keys,
    clock: Clock,
    wait_ms: int = 200,
) -> Iterator[TestClient]:
    """A client of the API on `contracts` and the views of `env` (their tables must exist),
    trusting `keys`, on `clock`, with the portal's back end on the same store (as
    api/app.py `services_on` builds it); a server fault is an answer, not an exception."""
    read_models = ReadModels.open(env, contracts.name, wait_ms)
    view = partial(read_models.view, "portal", PostgresPortalView)
    portal = PortalBackend.open(env, PORTAL_SECRET, view, contracts)
    services = Services(
        settings=Settings(),
        verifier=keys.verifier(),
        clock=clock,
        metrics=Metrics(),
        read_models=read_models,
        contracts=contracts,
        portal=portal,
    )
    try:
        with TestClient(create_app(services), raise_server_exceptions=False) as client:
            yield client
    finally:
        portal.close()
        read_models.close()
