"""The `lease` application: its command groups, shared options, and how commands fail.

Output goes to stdout (JSON or rich tables); a failure is one line on stderr,
`lease <command>: <message>`, with exit code 1 (2 for usage errors), never a traceback.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import psycopg
import pydantic
import typer
from eventsourcing.persistence import PersistenceError

from domain.errors import RuleViolationError
from infra import bootstrap
from infra.embedded.postgres import PostgresStartError
from infra.embedded.postgres import wait_until_ready as wait_for_postgres
from infra.embedded.stack import StackStartError
from infra.kafka import BrokerStartError
from infra.kafka import wait_until_ready as wait_for_kafka
from infra.settings import PostgresInfo, Settings
from infra.simulate.in_process import StepRefusedError
from infra.simulate.scenario import ScenarioError
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from domain.application import ContractsApplication

OUR_PACKAGES = ("domain", "projections", "consumers", "api", "infra")
USAGE_ERROR = 2
"""Exit code of a usage error: an unknown option, a missing argument or path (as click's)."""
REACH_TIMEOUT = 5.0
"""Seconds a command waits for an external PostgreSQL or Kafka before it says which one
does not answer (the stack itself would wait 30 s, in silence)."""
INTERRUPTED = 130
"""Exit code of a command interrupted before it was done or ready (128 + SIGINT)."""

STARTUP_ERRORS = (
    StackStartError,
    ScenarioError,
    StepRefusedError,
    PersistenceError,
    psycopg.Error,
    bootstrap.ProjectionsBusyError,
    RuleViolationError,  # the Lessor policy of LEASE_AUTO_*_GROUNDS (K-02, K-08)
    OSError,
)
"""What can stop a command from starting (or a worker from running); reported in one line."""

app = typer.Typer(
    name="lease",
    help="Event-sourced lifecycle of private-lease car contracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log what the service does (INFO) to stderr.")
]
DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Local state (embedded PostgreSQL data); default: LEASE_DATA_DIR, else .lease",
        show_default=False,
    ),
]


projections_app = typer.Typer(
    name="projections",
    help="The read models (views): their position and lag, rebuilds from zero, and checks.",
    no_args_is_help=True,
)
app.add_typer(projections_app, name="projections")
run_app = typer.Typer(
    name="run",
    help="Run one worker of the service in the foreground until Ctrl-C or SIGTERM.",
    no_args_is_help=True,
)
app.add_typer(run_app, name="run")

ViewNames = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[NAME]...",
        help=f"Views: {', '.join(VIEW_MODULES)}.",
        show_default=False,
    ),
]


def configure_logging(*, verbose: bool) -> None:
    """WARNING and up for everything; INFO for our own packages with -v.

    kafka-python logs at ERROR what our workers handle themselves (a metadata refresh
    cancelled by a client closing at shutdown, a broker gone while the relay retries), so
    its own log shows only with -v; the workers log what they could not do.
    """
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("kafka").setLevel(logging.WARNING if verbose else logging.CRITICAL)
    for name in OUR_PACKAGES:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def load_settings(command: str, data_dir: Path | None) -> Settings:
    """Settings from the environment (and .env), with the command line's overrides."""
    try:
        return Settings() if data_dir is None else Settings(data_dir=data_dir)
    except pydantic.ValidationError as err:
        first = err.errors()[0]
        where = "LEASE_" + "_".join(str(part) for part in first["loc"]).upper()
        fail(command, f"{where}: {first['msg']}")


def reach_external(command: str, settings: Settings, *, broker: bool) -> None:
    """Fail in one line within seconds if LEASE_DATABASE_URL (or, with `broker`,
    LEASE_KAFKA_BOOTSTRAP_SERVERS) names a server that does not answer."""
    try:
        if settings.database_url:
            info = PostgresInfo.from_url(settings.database_url)
            wait_for_postgres(info, REACH_TIMEOUT)
    except (ValueError, PostgresStartError) as err:
        fail(command, f"LEASE_DATABASE_URL: {one_line(err)}")
    try:
        if broker and settings.kafka_bootstrap_servers:
            wait_for_kafka(settings.kafka_bootstrap_servers, REACH_TIMEOUT)
    except BrokerStartError as err:
        fail(command, f"LEASE_KAFKA_BOOTSTRAP_SERVERS: {one_line(err)}")


def one_line(err: BaseException) -> str:
    """The first line of an error's message (library errors can span several)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def fail(command: str, message: str, *, code: int = 1) -> NoReturn:
    """Print `lease <command>: <message>` on stderr and exit with `code`."""
    typer.echo(f"lease {command}: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def stored_contracts(
    settings: Settings, pool_size: int | None = None
) -> Iterator[tuple[dict[str, str], ContractsApplication]]:
    """The event store's eventsourcing environment and the contracts application on it, for
    a command that reads stored contracts; both closed on exit."""
    with bootstrap.event_store(settings) as info:
        env = info.eventsourcing_env(pool_size=pool_size or settings.pool_size)
        contracts = bootstrap.build_contracts_app(env)
        try:
            yield env, contracts
        finally:
            contracts.close()
