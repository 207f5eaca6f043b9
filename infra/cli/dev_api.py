"""The HTTP API of `lease dev`: its port, its server and a development token per staff role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.app import create_app, services_on
from api.auth import STAFF
from api.server import ThreadedServer
from infra.dev_tokens import ensure_key_pair, sign
from infra.settings import free_port, port_in_use

if TYPE_CHECKING:
    from collections.abc import Mapping

    from infra.settings import Settings


@dataclass(frozen=True)
class DevApi:
    """The API `lease dev` serves: where, by which server, and the tokens it prints."""

    url: str
    server: ThreadedServer
    tokens: dict[str, str]


def dev_api(settings: Settings, env: Mapping[str, str], broker: str) -> DevApi:
    """The API on LEASE_API_PORT (a free port if that one is taken) over the stack's store."""
    host = settings.api_host
    wanted = settings.api_port
    port = wanted if wanted and not port_in_use(wanted, host) else free_port(host)
    # The development console: the portal's development pages are on (LEASE_PORTAL_DEV_PAGES).
    served = settings.model_copy(update={"portal_dev_pages": True})
    app = create_app(lambda: services_on(served, env, broker))
    tokens: dict[str, str] = {}
    if not (settings.api_jwks_url or settings.api_public_key_file):
        key = ensure_key_pair(settings.data_dir)
        tokens = {
            role.value: sign(
                key,
                roles=[role],
                audience=settings.api_audience,
                issuer=settings.api_issuer,
                subject=f"dev-{role.value}",
            )
            for role in STAFF
        }
    return DevApi(f"http://{host}:{port}", ThreadedServer(app, host, port), tokens)
