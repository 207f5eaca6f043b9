"""An API app on test keys, served in-process through httpx (no database needed here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from api.metrics import Metrics
from infra.clock import WallClock
from infra.settings import Settings
from tests.api.tokens import Keys, new_keys

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def keys() -> Keys:
    return new_keys()


@pytest.fixture
def client(keys: Keys) -> Iterator[TestClient]:
    services = Services(
        settings=Settings(), verifier=keys.verifier(), clock=WallClock(), metrics=Metrics()
    )
    app = create_app(services)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
