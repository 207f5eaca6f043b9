"""`lease token` (development tokens) and `lease run api` (the HTTP API alone, uvicorn)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Annotated

import typer
import uvicorn

from api.auth import Role
from domain.contract.command import MAX_CODE
from infra.cli.app import DataDir, fail, load_settings
from infra.dev_tokens import ensure_key_pair, sign
from infra.inputs.types import IDENTIFIER_PATTERN

IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
TTL_PATTERN = re.compile(r"^([1-9][0-9]{0,3})([mhd])$")
TTL_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MAX_TTL = timedelta(days=7)


def parse_ttl(text: str) -> timedelta:
    """`30m`, `8h`, `2d` -> a timedelta of at most 7 days."""
    match = TTL_PATTERN.match(text)
    if match is None:
        raise typer.BadParameter("must be a number and m, h or d, e.g. 8h")
    ttl = timedelta(**{TTL_UNITS[match.group(2)]: int(match.group(1))})
    if ttl > MAX_TTL:
        raise typer.BadParameter("must be at most 7 days")
    return ttl


def token_command(
    role: Annotated[list[Role], typer.Option("--role", help="A staff role; repeat for several.")],
    ttl: Annotated[
        str, typer.Option("--ttl", help="How long the token is valid: 30m, 8h, 2d.")
    ] = "8h",
    subject: Annotated[str, typer.Option("--subject", help="The token's `sub`.")] = "dev",
    customer: Annotated[
        str | None,
        typer.Option("--customer", help="The customer number a `customer` token speaks for."),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Print a development bearer token for the API (signed with the data directory's key)."""
    settings = load_settings("token", data_dir)
    if settings.api_jwks_url or settings.api_public_key_file:
        fail("token", "the API verifies an identity provider's tokens; ask it for one")
    if (Role.CUSTOMER in role) != (customer is not None):
        fail("token", "--customer goes with --role customer, and --role customer needs it")
    if customer is not None and not (IDENTIFIER.fullmatch(customer) and len(customer) <= MAX_CODE):
        fail("token", f"--customer must be printable ASCII of at most {MAX_CODE} characters")
    lifetime = parse_ttl(ttl)
    key = ensure_key_pair(settings.data_dir)
    typer.echo(
        sign(
            key,
            roles=role,
            audience=settings.api_audience,
            issuer=settings.api_issuer,
            subject=subject,
            ttl=lifetime,
            customer_number=customer,
        )
    )


def run_api_command(data_dir: DataDir = None) -> None:
    """Serve the HTTP API alone (LEASE_API_HOST, LEASE_API_PORT, LEASE_API_WORKERS)."""
    settings = load_settings("run api", data_dir)
    if data_dir is not None:  # the worker processes read their settings from the environment
        os.environ["LEASE_DATA_DIR"] = str(data_dir)
    uvicorn.run(
        "api.app:app_from_environment",
        factory=True,
        host=settings.api_host,
        port=settings.api_port,
        workers=settings.api_workers,
        log_level="warning",
        access_log=False,  # below the log level anyway; /metrics counts requests by route
    )
