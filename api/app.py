"""The app factory (API.md): routers per resource, one error mapper, the body limit.

`create_app(services)` builds the ASGI app around the services the caller made (the CLI's
`lease dev` / `lease run api`, or a test); nothing happens at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from fastapi import FastAPI

from api import problems
from api.auth import TokenVerifier
from api.deps import Services
from api.limits import BodyLimit
from api.metrics import Metrics, RequestTimer
from api.routers import contracts, health, rules
from infra.clock import business_clock
from infra.dev_tokens import ensure_key_pair, public_key_path
from infra.settings import get_settings

if TYPE_CHECKING:
    from infra.settings import Settings

TITLE = "lease-lifecycle"
VERSION = "1"


def create_app(services: Services) -> FastAPI:
    """The HTTP API serving `services`."""
    app = FastAPI(
        title=TITLE,
        version=VERSION,
        summary="Private-lease contracts under the General Terms 19-2/HP: commands and queries.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url=None,
    )
    app.state.services = services
    services.metrics.watch(services.positions)
    problems.install(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestTimer, metrics=services.metrics)
    app.include_router(health.router)
    app.include_router(contracts.router)
    app.include_router(rules.router)
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


def app_from_environment() -> FastAPI:
    """The app of `lease run api` (a uvicorn factory: each worker process builds its own)."""
    settings = get_settings()
    clock = business_clock(settings.business_date)
    verifier = verifier_from(settings)
    return create_app(Services(settings, verifier, clock, Metrics()))
