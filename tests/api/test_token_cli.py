"""`lease token`: development tokens that the API verifies (API.md 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from api.app import verifier_from
from api.auth import Role
from infra.cli import main  # noqa: F401 - registers the commands
from infra.cli.app import app
from infra.settings import Settings

if TYPE_CHECKING:
    from pathlib import Path

    from typer.testing import Result

runner = CliRunner()


def _invoke(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, ["token", "--data-dir", str(data_dir), *args], env=env)


def _token(data_dir: Path, *args: str) -> str:
    result = _invoke(data_dir, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_a_dev_token_carries_its_roles_and_verifies(tmp_path: Path) -> None:
    token = _token(tmp_path, "--role", "operator", "--role", "auditor", "--subject", "anna")
    principal = verifier_from(Settings(data_dir=tmp_path)).verify(token)
    assert principal.subject == "anna"
    assert principal.roles == {Role.OPERATOR, Role.AUDITOR}


def test_the_signing_key_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    _token(tmp_path, "--role", "service")
    assert (tmp_path / "api" / "jwt-signing-key.pem").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("ttl", ["0h", "8", "8w", "8d", "-1h", "99999h"])
def test_a_bad_ttl_is_a_usage_error(tmp_path: Path, ttl: str) -> None:
    result = runner.invoke(
        app, ["token", "--data-dir", str(tmp_path), "--role", "operator", "--ttl", ttl]
    )
    assert result.exit_code == 2


def test_an_unknown_role_is_a_usage_error(tmp_path: Path) -> None:
    result = _invoke(tmp_path, "--role", "admin")
    assert result.exit_code == 2


def test_no_dev_tokens_when_an_identity_provider_is_configured(tmp_path: Path) -> None:
    env = {"LEASE_API_JWKS_URL": "https://idp.example/jwks.json"}
    result = runner.invoke(
        app, ["token", "--data-dir", str(tmp_path), "--role", "operator"], env=env
    )
    assert result.exit_code == 1
    assert "identity provider" in result.stderr
    assert not (tmp_path / "api").exists()


def test_a_customer_token_names_its_customer(tmp_path: Path) -> None:
    token = _token(tmp_path, "--role", "customer", "--customer", "K-0042")
    principal = verifier_from(Settings(data_dir=tmp_path)).verify(token)
    assert principal.roles == {Role.CUSTOMER}
    assert principal.customer_number == "K-0042"


@pytest.mark.parametrize(
    "args",
    [("--role", "customer"), ("--role", "operator", "--customer", "K-1")],
    ids=["customer without a number", "a number without the customer role"],
)
def test_the_customer_option_goes_with_the_customer_role(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = _invoke(tmp_path, *args)
    assert result.exit_code != 0
    assert "--customer goes with --role customer" in result.output
    assert "eyJ" not in result.output
