"""Who is calling: bearer JWTs verified against the configured keys (API.md section 2).

The API verifies tokens, it never issues them (development tokens come from `lease token`,
infra/dev_tokens.py). A token must be signed with RS256 or EdDSA by a key of the JWKS URL or
the key file, name this API as its audience and the configured issuer, carry `sub`, `exp`
and a `roles` claim. Every failure is one `Unauthenticated` with a reason that is safe to
show (it never echoes the token).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import jwt

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

ALGORITHMS = ("RS256", "EdDSA")
REQUIRED_CLAIMS = ("exp", "iat", "aud", "iss", "sub")
MAX_TOKEN = 8192
"""Characters of a bearer token; a JWT with a few claims is well under 1,000."""
LEEWAY_SECONDS = 30
"""Clock skew tolerated on `exp` and `iat` between the issuer and this server."""


class Role(StrEnum):
    """The staff roles of API.md section 2."""

    OPERATOR = "operator"
    SERVICE = "service"
    AUDITOR = "auditor"


class Unauthenticated(Exception):
    """No usable token: 401 with `WWW-Authenticate`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """A verified caller: the token's subject and the staff roles it holds."""

    subject: str
    roles: frozenset[Role]


class TokenVerifier:
    """Verifies bearer tokens against one public key or the keys of a JWKS URL."""

    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        key: PublicKeyTypes | None = None,
        jwks_url: str | None = None,
    ) -> None:
        if (key is None) == (jwks_url is None):
            raise ValueError("give exactly one of key and jwks_url")
        self.audience = audience
        self.issuer = issuer
        self._key = key
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; `Unauthenticated` naming what is wrong otherwise."""
        if len(token) > MAX_TOKEN:
            raise Unauthenticated("token is too long")
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token has expired") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("token is for another audience") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("token is from another issuer") from None
        except jwt.InvalidSignatureError:
            raise Unauthenticated("token signature does not verify") from None
        except jwt.PyJWTError:
            raise Unauthenticated("token is not a valid JWT") from None
        return Principal(str(claims["sub"]), _roles(claims))

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
