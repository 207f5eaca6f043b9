"""Security headers (ASGI middleware): strict ones for the portal, safe ones elsewhere.

Under /portal: a Content-Security-Policy that allows only the portal's own stylesheet and
images (the portal uses no JavaScript and no inline style), no framing, no sniffing, no
referrer to other sites, no caching of pages. Elsewhere (the JSON API and its Swagger page
at /v1/docs, which loads scripts from a CDN) only nosniff and the referrer policy. HSTS on
every response served over https.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX: Final = "/portal"
STATIC: Final = "/portal/static/"
CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
PERMISSIONS: Final = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HSTS: Final = "max-age=31536000; includeSubDomains"
EVERYWHERE: Final = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
PORTAL: Final = {
    **EVERYWHERE,
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "permissions-policy": PERMISSIONS,
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}


def headers_for(path: str, scheme: str) -> dict[str, str]:
    """The security headers a response to `path` gets (lower-case names)."""
    extra = dict(EVERYWHERE)
    if path == PREFIX or path.startswith(PREFIX + "/"):
        extra = dict(PORTAL)
        extra["cache-control"] = "no-cache" if path.startswith(STATIC) else "no-store"
    if scheme == "https":
        extra["strict-transport-security"] = HSTS
    return extra


class SecurityHeaders:
    """Add `headers_for(path)` to every HTTP response; a header the route set itself wins,
    except Cache-Control on portal pages, which are never stored."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"], scope.get("scheme", "http"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": secured(message.get("headers", []), extra)}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def secured(
    headers: Iterable[tuple[bytes, bytes]], extra: dict[str, str]
) -> list[tuple[bytes, bytes]]:
    """A response's raw headers with the security headers `extra` added: a header the route
    set itself wins, except Cache-Control on portal pages, which are never stored."""
    raw = list(headers)
    present = {name.decode("latin-1").lower() for name, _ in raw}
    if extra.get("cache-control") == "no-store":
        raw = [(n, v) for n, v in raw if n.lower() != b"cache-control"]
        present.discard("cache-control")
    raw += [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in extra.items()
        if name not in present
    ]
    return raw
