"""The portal's pages (PORTAL.md): the router under /portal and the `render` helper.

This module serves what needs no backend: the entry redirect, the contact
channels (PT-05), the security duties (PT-07) and the stylesheet. `render` gives every
template the common context of portal/base.html; `install` answers errors under /portal
as pages in the visitor's language. The pages are HTML for people, not part of the
OpenAPI document.
"""

from __future__ import annotations

import inspect
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.portal import i18n
from api.portal.csrf import CsrfRejectedError
from api.portal.formatting import day_filter, money_filter, number_filter
from api.portal.security import PREFIX, headers_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from fastapi import FastAPI

    Handler = Callable[[Request, Any], Response | Awaitable[Response]]

TEMPLATES: Final = Path(__file__).parent.parent / "templates"
STATIC: Final = Path(__file__).parent / "static"
MEDIA_TYPES: Final = {".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
STATIC_FILES: Final = {p.name: p for p in STATIC.iterdir() if p.suffix in MEDIA_TYPES}
CONTACT: Final = {"email": "contract.sf@bmw.be", "phone": "+32 3 890 51 11"}
"""PT-05: the lessor's contact channels (every working day 08:30-18:00)."""
LINKS: Final = {
    "home": f"{PREFIX}/",
    "login": f"{PREFIX}/login",
    "logout": f"{PREFIX}/logout",
    "register": f"{PREFIX}/register",
    "register_credentials": f"{PREFIX}/register/credentials",
    "register_security": f"{PREFIX}/register/security",
    "contact": f"{PREFIX}/contact",
    "security": f"{PREFIX}/security",
    "terms": f"{PREFIX}/terms",
    "privacy": f"{PREFIX}/privacy",
    "contracts": f"{PREFIX}/contracts",
    "messages": f"{PREFIX}/messages",
    "profile": f"{PREFIX}/profile",
    "static": f"{PREFIX}/static/",
}
"""The portal's URLs, as the templates link them (`links.login`)."""
COOKIE_MAX_AGE: Final = 365 * 24 * 3600

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    auto_reload=False,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(money=money_filter, day=day_filter, number=number_filter)

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _switch(request: Request, language: str) -> list[tuple[str, str, str, bool]]:
    query = {k: v for k, v in request.query_params.items() if k != i18n.QUERY}
    return [
        (
            code,
            i18n.translate(code, f"lang.{code}"),
            f"{request.url.path}?{urlencode({**query, i18n.QUERY: code})}",
            code == language,
        )
        for code in i18n.LANGUAGES
    ]


def render(
    request: Request,
    template: str,
    language: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `portal/<template>` in `language`, with the common context of base.html
    (lang, t, languages, contact, links, logged_in=False and csrf_token="" unless given).
    A language chosen in the query is remembered in the `portal_lang` cookie."""
    common: dict[str, Any] = {
        "lang": language,
        "t": partial(i18n.translate, language),
        "languages": _switch(request, language),
        "contact": CONTACT,
        "links": LINKS,
        "logged_in": False,
        "csrf_token": "",
        "maintenance": None,
    }
    html = environment.get_template(f"portal/{template}").render({**common, **context})
    response = HTMLResponse(html, status_code=status_code)
    chosen = i18n.supported(request.query_params.get(i18n.QUERY))
    if chosen and chosen != request.cookies.get(i18n.COOKIE):
        response.set_cookie(
            i18n.COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            path=PREFIX,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="lax",
        )
    return response


@router.get("/")
async def home(request: Request) -> RedirectResponse:
    """The portal's entry: the login page (the lead sends a logged-in customer on)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(LINKS["login"] + query, status_code=303)


@router.get("/contact")
async def contact(request: Request) -> HTMLResponse:
    """PT-05: the contact channels."""
    return render(request, "contact.html", i18n.language_of(request))


@router.get("/security")
async def security_duties(request: Request) -> HTMLResponse:
    """PT-07: the customer's security duties."""
    return render(request, "security_duties.html", i18n.language_of(request))


@router.get("/privacy")
async def privacy(request: Request) -> HTMLResponse:
    """PT-23: what using the portal means for the customer's data, and its cookies."""
    return render(request, "privacy.html", i18n.language_of(request))


@router.get("/static/{name}")
async def static(name: str) -> FileResponse:
    """The portal's own stylesheet and icon (nothing from a CDN)."""
    path = STATIC_FILES.get(name)
    if path is None:
        raise StarletteHTTPException(404, "no such file")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix])


def error_page(request: Request, status: int, message: str | None = None) -> HTMLResponse:
    """The error page of `status` in the visitor's language, with the portal's headers
    (also when it answers from outside the middleware, as a 500 does)."""
    language = i18n.language_of(request)
    key = f"error.{status}" if status in (403, 404) else "error.500"
    text = message or i18n.translate(language, key)
    response = render(
        request, "error.html", language, status_code=status, status=status, message=text
    )
    response.headers.update(headers_for(request.url.path, request.url.scheme))
    return response


def _in_portal(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def install(app: FastAPI) -> None:
    """Answer errors under /portal with the error page; elsewhere the handlers already
    installed (api.problems) answer as before. Call after `problems.install(app)`."""

    async def on_csrf(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CsrfRejectedError)
        language = i18n.language_of(request)
        return error_page(request, 403, i18n.translate(language, "error.csrf", field=exc.field))

    app.add_exception_handler(CsrfRejectedError, on_csrf)
    for kind in (StarletteHTTPException, Exception):
        previous: Handler | None = app.exception_handlers.get(kind)
        app.add_exception_handler(kind, _page_or(previous))


def _page_or(previous: Handler | None) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        if _in_portal(request) or previous is None:
            status = exc.status_code if isinstance(exc, StarletteHTTPException) else 500
            return error_page(request, status)
        answer = previous(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handle
