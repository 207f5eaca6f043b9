"""`lease token` (development tokens) and `lease run api` (the HTTP API alone, uvicorn)."""

from __future__ import annotations

import os
import re
import socket
from datetime import timedelta
from typing import Annotated, Any

import typer
import uvicorn
from uvicorn.supervisors import Multiprocess

from api.auth import Role
from domain.contract.command import MAX_CODE
from infra.cli.app import DataDir, fail, load_settings
from infra.dev_tokens import ensure_key_pair, sign
from infra.inputs.types import IDENTIFIER_PATTERN

IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
TTL_PATTERN = re.compile(r"^([1-9][0-9]{0,3})([mhd])$")
TTL_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
MAX_TTL = timedelta(days=7)
STARTUP_FAILURE = 3
"""uvicorn's exit code when the server could not start."""
APP_FACTORY = "api.app:app_from_environment"
"""What `lease run api` serves: the app built from the environment (each worker's own)."""


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


ReusePort = Annotated[
    bool,
    typer.Option(
        "--reuse-port",
        envvar="LEASE_API_REUSE_PORT",
        help="Share the port with other `lease run api` replicas on this host (SO_REUSEPORT:"
        " the kernel spreads connections over them; each stops and starts on its own).",
    ),
]


def run_api_command(data_dir: DataDir = None, reuse_port: ReusePort = False) -> None:
    """Serve the HTTP API alone (LEASE_API_HOST, LEASE_API_PORT, LEASE_API_WORKERS)."""
    settings = load_settings("run api", data_dir)
    if data_dir is not None:  # the worker processes read their settings from the environment
        os.environ["LEASE_DATA_DIR"] = str(data_dir)
    options: dict[str, Any] = {
        "factory": True,
        "host": settings.api_host,
        "port": settings.api_port,
        "workers": settings.api_workers,
        "log_level": "warning",
        "access_log": False,  # below the log level anyway; /metrics counts requests by route
    }
    if not reuse_port:
        uvicorn.run(APP_FACTORY, **options)
        return
    try:
        sock = shared_port_socket(settings.api_host, settings.api_port)
    except OSError as err:
        where = f"{settings.api_host}:{settings.api_port}"
        fail("run api", f"cannot listen on {where}: {err.strerror or err}")
    serve_on(uvicorn.Config(APP_FACTORY, **options), sock)


def shared_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port with SO_REUSEPORT, so other processes (each with such
    a socket, as the same user) listen on the same port; the kernel balances connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)  # uvicorn's worker processes (LEASE_API_WORKERS) share it
    except OSError:
        sock.close()
        raise
    return sock


def serve_on(config: uvicorn.Config, sock: socket.socket) -> None:
    """uvicorn on an already bound socket, as `uvicorn.run` would serve on its own."""
    server = uvicorn.Server(config)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if config.workers == 1 and not server.started:
        raise SystemExit(STARTUP_FAILURE)
