"""The app factory (API.md): lifespan, routers per resource, one error mapper, the limits.

`create_app(services)` builds the ASGI app around ready-made services (a test) or a context
manager that makes them when the app starts and closes them when it stops (`serving`, used
by `lease run api` and `lease dev`); nothing happens at import.
"""

from __future__ import annotations

from contextlib import asynccontextmanager, contextmanager, nullcontext
from functools import partial
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from eventsourcing.postgres import PostgresFactory

from api import problems
from api.auth import TokenVerifier
from api.deps import Services
from api.limits import BodyLimit
from api.metrics import ConsumerLags, Metrics, RequestTimer
from api.openapi import complete
from api.portal import account_pages, entry_pages
from api.portal import pages as portal_pages
from api.portal.security import SecurityHeaders
from api.quick import LaneFirst, LastSegmentIndex, quick_routes
from api.readmodels import ReadModels
from api.routers import (
    commands,
    contracts,
    explanations,
    health,
    me,
    portal_staff,
    portal_standing,
    rules,
)
from infra.bootstrap import event_store
from infra.clock import business_clock
from infra.collector import survivors_set_aside
from infra.dev_tokens import ensure_key_pair, public_key_path
from infra.idempotency import KEY_RETENTION, IdempotentContracts
from infra.portal.backend import PortalBackend
from infra.portal.secret import portal_secret
from infra.relay.tracking import relay_tracking
from infra.settings import get_settings
from infra.workers import consumer_lags
from projections.views.portal import PostgresPortalView

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator, Mapping
    from contextlib import AbstractContextManager

    from fastapi import FastAPI

    from infra.settings import Settings

    ServicesFactory = Callable[[], AbstractContextManager[Services]]

TITLE = "lease-lifecycle"
VERSION = "1"
LAG_TIMEOUT = 2.0
"""Seconds a scrape waits for the broker's partition ends (then the lag is unreadable)."""
BROKER_FILE = "broker"
"""Where a running `lease dev` writes its embedded broker's address (infra/cli/dev.py)."""


def create_app(services: Services | ServicesFactory) -> FastAPI:
    """The HTTP API: `services` as given, or made by the factory for the app's lifetime."""
    factory = (lambda: nullcontext(services)) if isinstance(services, Services) else services

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with factory() as built:
            app.state.services = built
            built.metrics.watch(built.positions)
            if built.bootstrap_servers:
                bootstrap, settings = built.bootstrap_servers, built.settings
                read = partial(consumer_lags, settings, bootstrap, LAG_TIMEOUT)
                built.metrics.watch_consumers(ConsumerLags(read))
            yield

    app = LaneFirst(
        title=TITLE,
        version=VERSION,
        summary="Private-lease contracts under the General Terms 19-2/HP: commands and queries.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
        # the service's metrics are Prometheus (/metrics); FastAPI's OpenTelemetry bridge
        # would otherwise ask on every request whether a provider has been configured since
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.openapi = lambda: complete(app)  # type: ignore[method-assign]
    problems.install(app)
    portal_pages.install(app)  # pages, not problems, under /portal
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestTimer)
    app.add_middleware(SecurityHeaders)  # every answer gets them
    index = LastSegmentIndex(commands.router.routes, quick_routes(contracts.router.routes))
    app.take_quick_lane(index)  # in front of every middleware: api/quick.py
    app.include_router(health.router)
    app.include_router(contracts.router)  # the reads first: routes are matched in order
    app.include_router(explanations.router)
    app.include_router(me.router)
    app.include_router(commands.router)
    app.router.routes.insert(0, index)  # what the lane leaves is routed as fast
    app.include_router(rules.router)
    app.include_router(portal_staff.router)
    app.include_router(portal_standing.router)
    app.include_router(portal_pages.router)
    app.include_router(entry_pages.router)
    app.include_router(account_pages.router)
    return app


def verifier_from(settings: Settings) -> TokenVerifier:
    """The token verifier the settings configure: JWKS URL, key file, or the dev key."""
    audience, issuer = settings.api_audience, settings.api_issuer
    if settings.api_jwks_url:
        return TokenVerifier(audience=audience, issuer=issuer, jwks_url=settings.api_jwks_url)
    path = settings.api_public_key_file or public_key_path(settings.data_dir)
    if settings.api_public_key_file is None:
        ensure_key_pair(settings.data_dir)
    key = serialization.load_pem_public_key(path.read_bytes())
    return TokenVerifier(audience=audience, issuer=issuer, key=key)


def bootstrap_servers(settings: Settings) -> str | None:
    """LEASE_KAFKA_BOOTSTRAP_SERVERS, else the broker of a `lease dev` on this data dir."""
    if settings.kafka_bootstrap_servers:
        return settings.kafka_bootstrap_servers
    path = settings.data_dir / BROKER_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


@contextmanager
def services_on(
    settings: Settings, env: Mapping[str, str], broker: str | None
) -> Iterator[Services]:
    """The services of an API on the event store `env` names: the contracts with their
    idempotency keys, the views (read, never created), the relay's position."""
    readers = {**env, PostgresFactory.CREATE_TABLE: "n"}
    app = IdempotentContracts(env=env)
    app.keys.purge(KEY_RETENTION)
    read_models = ReadModels.open(readers, app.name, settings.api_consistency_wait_ms)
    relay = relay_tracking(readers)
    portal = PortalBackend.open(
        env,
        portal_secret(settings),
        partial(read_models.view, "portal", PostgresPortalView),
        app,
    )
    try:
        yield Services(
            settings=settings,
            verifier=verifier_from(settings),
            clock=business_clock(settings.business_date),
            metrics=Metrics(),
            read_models=read_models,
            contracts=app,
            relay=relay,
            bootstrap_servers=broker,
            portal=portal,
        )
    finally:
        portal.close()
        relay.datastore.close()
        read_models.close()
        app.close()


@contextmanager
def serving(settings: Settings) -> Iterator[Services]:
    """The services of `lease run api`: LEASE_DATABASE_URL or the `lease dev` data dir."""
    with event_store(settings) as postgres:
        env = postgres.eventsourcing_env(pool_size=settings.pool_size)
        with (
            services_on(settings, env, bootstrap_servers(settings)) as services,
            survivors_set_aside(),
        ):
            yield services


def app_from_environment() -> FastAPI:
    """The app of `lease run api` (a uvicorn factory: each worker process builds its own)."""
    settings = get_settings()
    return create_app(lambda: serving(settings))
