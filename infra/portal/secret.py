"""The portal's server secret: the key of its HMACs (authentication codes, login throttle).

LEASE_PORTAL_SECRET when set (production: from the secret store); otherwise 32 random bytes
kept in `<data dir>/portal/portal-secret.bin`, readable by its owner only, made on first use
(development, like the API's signing key in infra/dev_tokens.py). It never enters the repo.
"""

from __future__ import annotations

import os
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import Settings

SECRET_FILE = "portal-secret.bin"  # noqa: S105 - a file name, not a secret
SECRET_BYTES = 32
MIN_SECRET_BYTES = 16
"""A configured secret shorter than this is refused (an HMAC key of a few bytes is no key)."""


class PortalSecretError(ValueError):
    """The configured portal secret is unusable (too short)."""


def secret_path(data_dir: Path) -> Path:
    return data_dir / "portal" / SECRET_FILE


def portal_secret(settings: Settings) -> bytes:
    """The configured secret (LEASE_PORTAL_SECRET) or the data directory's, made if missing."""
    if settings.portal_secret is not None:
        configured = settings.portal_secret.get_secret_value().encode("utf-8")
        if len(configured) < MIN_SECRET_BYTES:
            raise PortalSecretError(
                f"LEASE_PORTAL_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            )
        return configured
    return ensure_secret_file(settings.data_dir)


def ensure_secret_file(data_dir: Path) -> bytes:
    """The secret kept under `data_dir`, made (0600, never overwritten) on first use."""
    path = secret_path(data_dir)
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(SECRET_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_bytes()
    with os.fdopen(fd, "wb") as out:
        out.write(value)
    return value
