"""A visit to the portal: the server-side session behind the cookie, and page answers.

The cookie holds only a random session id (`Secure`, `HttpOnly`, `SameSite=Lax`); the
session row (infra/portal/sessions.py) holds its CSRF token, the account once logged in,
and a registration's progress. A request without a live session (none, idle 15 minutes,
older than 12 hours) gets a new anonymous one; a page that needs a login then sends the
visitor to the login page. Every POST checks the form's CSRF token first.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.portal import i18n
from api.portal.csrf import check_csrf
from api.portal.pages import LINKS, render
from api.portal.security import PREFIX
from domain.portal.account import PortalAccount

if TYPE_CHECKING:
    from fastapi.responses import HTMLResponse

    from domain.portal.terms import Maintenance
    from infra.portal.backend import PortalBackend

R = TypeVar("R", bound="Response")
BRUSSELS = ZoneInfo("Europe/Brussels")
"""The customers' clock: times on the pages are Belgian."""
COOKIE = "portal_session"
CUSTOMER = "customer"
"""The session-data key of the logged-in customer's number."""


def now() -> datetime:
    """The wall-clock time of a portal action (codes and sessions run on real time)."""
    return datetime.now(UTC)


@dataclass
class Visit:
    """This request's session."""

    request: Request
    backend: PortalBackend
    token: str
    csrf: str
    data: dict[str, str] = field(default_factory=dict)
    fresh: bool = False
    """A new session: its cookie goes out with the answer."""
    _recorded: dict[str, str | None] = field(default_factory=dict, repr=False)
    """The language on record per customer, looked up once per request."""

    @property
    def customer(self) -> str | None:
        """The logged-in customer's number (None before login)."""
        return self.data.get(CUSTOMER)

    def language(self) -> str:
        """The page language: a choice made now or remembered, the customer's record (read
        once per request), the browser's, else Dutch."""
        customer = self.customer
        if customer is not None and customer not in self._recorded:
            contact = self.backend.contacts.get(customer)
            self._recorded[customer] = contact.language if contact is not None else None
        recorded = self._recorded.get(customer) if customer is not None else None
        return i18n.language_of(self.request, customer=recorded)

    def text(self, key: str, **params: object) -> str:
        """The text `key` in this visit's language."""
        return i18n.translate(self.language(), key, **params)

    def page(self, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
        """`template` for this visit: its language, CSRF token and login state."""
        context.setdefault("logged_in", self.customer is not None)
        context.setdefault("maintenance", self._maintenance())
        response = render(
            self.request,
            template,
            self.language(),
            status_code=status_code,
            csrf_token=self.csrf,
            **context,
        )
        return self.with_cookie(response)

    def _maintenance(self) -> Maintenance | None:
        """PT-21: the next announced maintenance window not yet over (shown on every page),
        in the customer's time (Europe/Brussels)."""
        at = now()
        windows = self.backend.app.terms().maintenance
        found = next(
            (m for m in sorted(windows, key=lambda m: m.starts_at) if m.ends_at > at), None
        )
        if found is None:
            return None
        return replace(
            found,
            starts_at=found.starts_at.astimezone(BRUSSELS),
            ends_at=found.ends_at.astimezone(BRUSSELS),
        )

    def redirect(self, url: str) -> Response:
        return self.with_cookie(RedirectResponse(url, status_code=303))

    def with_cookie(self, response: R) -> R:
        if self.fresh:
            response.set_cookie(
                COOKIE,
                self.token,
                path=PREFIX,
                secure=True,
                httponly=True,
                samesite="lax",
            )
        return response

    def remember(self, **values: str) -> None:
        """Keep values in the session (a registration's progress)."""
        self.data = {**self.data, **values}
        self.backend.sessions.update_data(self.token, self.data)

    def log_in(self, customer_number: str) -> None:
        """A new session id for the logged-in customer (the old one ends: no fixation)."""
        account_id = PortalAccount.create_id(customer_number)
        opened = self.backend.sessions.rotate(self.token, account_id, now())
        self.token, self.csrf, self.fresh = opened.token, opened.csrf_token, True
        self.data = {CUSTOMER: customer_number}
        self.backend.sessions.update_data(self.token, self.data)

    def log_out(self) -> None:
        self.backend.sessions.end(self.token)
        opened = self.backend.sessions.open(None, now())
        self.token, self.csrf, self.fresh, self.data = opened.token, opened.csrf_token, True, {}


def _backend(request: Request) -> PortalBackend:
    backend: PortalBackend | None = getattr(request.app.state.services, "portal", None)
    if backend is None:
        raise StarletteHTTPException(503, "the portal needs its database")
    return backend


def visit(request: Request) -> Visit:
    """The request's live session, or a new anonymous one."""
    backend = _backend(request)
    token = request.cookies.get(COOKIE, "")
    session = backend.sessions.get(token, now()) if token else None
    if session is None:
        opened = backend.sessions.open(None, now())
        return Visit(request, backend, opened.token, opened.csrf_token, fresh=True)
    return Visit(request, backend, token, session.csrf_token, dict(session.data))


CsrfField = Annotated[str | None, Form(max_length=128)]


def posted(request: Request, csrf_token: CsrfField = None) -> Visit:
    """A POST's visit, once its form carried the session's CSRF token (403 otherwise)."""
    current = visit(request)
    check_csrf("" if current.fresh else current.csrf, csrf_token)
    return current


Visiting = Annotated[Visit, Depends(visit)]
Posting = Annotated[Visit, Depends(posted)]


class LoginRequiredError(Exception):
    """A page for logged-in customers, visited without a login (or after it expired)."""


def customer_of(current: Visit) -> str:
    """The logged-in customer, else LoginRequiredError (answered: the login page)."""
    if current.customer is None:
        raise LoginRequiredError
    return current.customer


def login_redirect(current: Visit) -> Response:
    return current.redirect(LINKS["login"])
