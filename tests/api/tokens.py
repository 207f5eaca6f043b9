"""Tokens for API tests: the good ones of each role and every kind of bad one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.auth import Role, TokenVerifier
from infra.dev_tokens import sign

AUDIENCE = "lease-lifecycle"
ISSUER = "lease-test"


@dataclass(frozen=True)
class Keys:
    """The key the test server trusts and one it does not."""

    trusted: Ed25519PrivateKey
    stranger: Ed25519PrivateKey

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(audience=AUDIENCE, issuer=ISSUER, key=self.trusted.public_key())

    def token(
        self,
        *roles: Role,
        key: Ed25519PrivateKey | None = None,
        audience: str = AUDIENCE,
        issued: datetime | None = None,
        subject: str = "staff-1",
        customer: str | None = None,
    ) -> str:
        """A token with `roles`; a customer token names `customer` (K-1 by default)."""
        if customer is None and Role.CUSTOMER in roles:
            customer = "K-1"
        return sign(
            key or self.trusted,
            roles=list(roles),
            audience=audience,
            issuer=ISSUER,
            subject=subject,
            ttl=timedelta(hours=1),
            now=issued,
            customer_number=customer,
        )

    def bad_tokens(self) -> dict[str, str | None]:
        """Each way a caller can fail to authenticate, by name (None: no header at all)."""
        long_ago = datetime.now(UTC) - timedelta(days=2)
        return {
            "no token": None,
            "expired": self.token(Role.OPERATOR, issued=long_ago),
            "wrong audience": self.token(Role.OPERATOR, audience="another-api"),
            "wrong signature": self.token(Role.OPERATOR, key=self.stranger),
            "not a jwt": "not-a-jwt",
        }


def new_keys() -> Keys:
    return Keys(Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate())
