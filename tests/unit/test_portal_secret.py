"""The portal's server secret: LEASE_PORTAL_SECRET, else a 0600 file in the data directory."""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

import pytest

from infra.portal.secret import PortalSecretError, portal_secret, secret_path
from infra.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path


def test_without_a_setting_a_random_secret_is_made_once_readable_by_its_owner(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    first = portal_secret(settings)
    assert len(first) == 32
    assert portal_secret(settings) == first
    mode = stat.S_IMODE(secret_path(tmp_path).stat().st_mode)
    assert mode == 0o600
    other = Settings(_env_file=None, data_dir=tmp_path / "other")  # type: ignore[call-arg]
    assert portal_secret(other) != first


def test_the_setting_wins_and_is_not_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEASE_PORTAL_SECRET", "a configured secret of some length")
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert portal_secret(settings) == b"a configured secret of some length"
    assert "configured" not in repr(settings)
    assert not secret_path(tmp_path).exists()


def test_a_short_configured_secret_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEASE_PORTAL_SECRET", "short")
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    with pytest.raises(PortalSecretError, match="at least 16 bytes"):
        portal_secret(settings)
