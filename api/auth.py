"""Who is calling: bearer JWTs verified against the configured keys (API.md section 2).

The API verifies tokens, it never issues them (development tokens come from `lease token`,
infra/dev_tokens.py). A token must be signed with RS256 or EdDSA by a key of the JWKS URL or
the key file, name this API as its audience and the configured issuer, carry `sub`, `exp`
and a `roles` claim. Every failure is one `Unauthenticated` with a reason that is safe to
show (it never echoes the token).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import jwt

from domain.contract.command import MAX_CODE
from infra.inputs.types import IDENTIFIER_PATTERN

if TYPE_CHECKING:
    from collections.abc import Callable

    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

ALGORITHMS = ("RS256", "EdDSA")
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub")
MAX_TOKEN = 8192
"""Characters of a bearer token; a JWT with a few claims is well under 1,000."""
LEEWAY_SECONDS = 30
"""Clock skew tolerated on `exp` and `iat` between the issuer and this server."""
VERIFIED_TOKENS = 4096
"""Tokens whose verification is remembered until they expire (a client sends the same
token with every request until it renews it; the signature check is most of a read's auth
cost). Keyed by the whole token, signature included, so only that exact token hits."""


class Role(StrEnum):
    """The callers of API.md section 2: three staff roles, and a customer, who reads only
    their own contracts (`/v1/me/...`) and whose token names them (`customer_number`)."""

    OPERATOR = "operator"
    SERVICE = "service"
    AUDITOR = "auditor"
    CUSTOMER = "customer"


STAFF = (Role.OPERATOR, Role.SERVICE, Role.AUDITOR)
CUSTOMER_CLAIM = "customer_number"


class Unauthenticated(Exception):
    """No usable token: 401 with `WWW-Authenticate`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """A verified caller: the token's subject and the roles it holds."""

    subject: str
    roles: frozenset[Role]
    customer_number: str | None = None
    """The customer a customer token speaks for; None for staff."""


class TokenVerifier:
    """Verifies bearer tokens against one public key or the keys of a JWKS URL."""

    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        key: PublicKeyTypes | None = None,
        jwks_url: str | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        if (key is None) == (jwks_url is None):
            raise ValueError("give exactly one of key and jwks_url")
        self.audience = audience
        self.issuer = issuer
        self._key = key
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._now = now

    @property
    def fetches_keys(self) -> bool:
        """Whether verifying may fetch the JWKS over the network (then not on the event loop)."""
        return self._jwks is not None

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; `Unauthenticated` naming what is wrong otherwise."""
        if len(token) > MAX_TOKEN:
            raise Unauthenticated("token is too long")
        known = self._verified.get(token)
        if known is None:
            known = self._decode(token)
        principal, expires = known
        if self._now() > expires:
            raise Unauthenticated("token has expired")
        with self._lock:  # JWKS verification runs in the thread pool
            self._verified[token] = (principal, expires)
            while len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        """Verify the signature and claims: the principal and when the token stops being
        accepted (its `exp` plus the leeway, checked by `verify` on this verifier's clock)."""
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS), "verify_exp": False},
            )
        except jwt.InvalidAudienceError:
            raise Unauthenticated("token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature does not verify") from None
        except jwt.PyJWTError:
            raise Unauthenticated("token is not a valid JWT") from None
        expires = claims["exp"]
        if not isinstance(expires, int | float) or isinstance(expires, bool):
            raise Unauthenticated("token is not a valid JWT")
        roles = _roles(claims)
        customer = claims.get(CUSTOMER_CLAIM) if Role.CUSTOMER in roles else None
        if Role.CUSTOMER in roles and not _is_customer_number(customer):
            raise Unauthenticated(f"a customer token must name its {CUSTOMER_CLAIM}")
        principal = Principal(str(claims["sub"]), roles, customer)
        return principal, expires + LEEWAY_SECONDS

    def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._key
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError:
            raise Unauthenticated("the token keys cannot be fetched right now") from None
        except jwt.PyJWTError:
            raise Unauthenticated("token is not signed by a known key") from None


def _roles(claims: dict[str, Any]) -> frozenset[Role]:
    raw = claims.get("roles", [])
    if not isinstance(raw, list):
        return frozenset()
    known = {role.value for role in Role}
    return frozenset(Role(r) for r in raw if isinstance(r, str) and r in known)


def _is_customer_number(value: Any) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= MAX_CODE
        and re.fullmatch(IDENTIFIER_PATTERN, value) is not None
    )
