"""Development tokens: a key pair under the data directory and `lease token --role` (API.md 2).

Production verifies tokens of its identity provider (LEASE_API_JWKS_URL); in development
`lease dev` makes an Ed25519 key pair in `<data dir>/api/` (the private key readable by its
owner only) and signs short-lived tokens with it. The private key never leaves that folder.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

if TYPE_CHECKING:
    from pathlib import Path

    from api.auth import Role

PRIVATE_KEY = "jwt-signing-key.pem"
PUBLIC_KEY = "jwt-public-key.pem"
DEFAULT_TTL = timedelta(hours=8)


def key_dir(data_dir: Path) -> Path:
    return data_dir / "api"


def public_key_path(data_dir: Path) -> Path:
    return key_dir(data_dir) / PUBLIC_KEY


def ensure_key_pair(data_dir: Path) -> Ed25519PrivateKey:
    """The development signing key, made (with its public key file) on first use."""
    folder = key_dir(data_dir)
    private_path = folder / PRIVATE_KEY
    if private_path.exists():
        key = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{private_path} is not an Ed25519 key")
        return key
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public_key_path(data_dir).write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key


def sign(
    key: Ed25519PrivateKey,
    *,
    roles: list[Role],
    audience: str,
    issuer: str,
    subject: str,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
    customer_number: str | None = None,
) -> str:
    """A signed token for `subject` with `roles`, valid for `ttl` from `now` (a customer
    token names its customer)."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": subject,
        "roles": [role.value for role in roles],
        "aud": audience,
        "iss": issuer,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    if customer_number is not None:
        claims["customer_number"] = customer_number
    return jwt.encode(claims, key, algorithm="EdDSA")
