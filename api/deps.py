"""The dependencies routes declare: the services of this app and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.auth import Principal, Role, TokenVerifier, Unauthenticated
from api.problems import ProblemError

if TYPE_CHECKING:
    from collections.abc import Callable

    from infra.settings import Settings


@dataclass(frozen=True)
class Services:
    """What the app's routes use, built once by the lifespan (api/app.py)."""

    settings: Settings
    verifier: TokenVerifier


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


_bearer = HTTPBearer(auto_error=False, description="A JWT of the lessor's identity provider")


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller; 401 when the token is missing or does not verify."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    return services(request).verifier.verify(credentials.credentials)


Caller = Annotated[Principal, Depends(authenticated)]


def allow(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency admitting callers that hold one of `roles` (403 otherwise)."""

    def check(caller: Caller) -> Principal:
        if caller.roles.isdisjoint(roles):
            names = ", ".join(r.value for r in roles)
            raise ProblemError(403, f"this needs one of the roles: {names}")
        return caller

    return check


STAFF = (Role.OPERATOR, Role.SERVICE, Role.AUDITOR)
Staff = Annotated[Principal, Depends(allow(*STAFF))]
"""Any staff role: the queries."""
