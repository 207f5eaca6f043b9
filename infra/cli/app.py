"""The `lease` application: its commands, shared options, and how commands fail.

Output goes to stdout (JSON or rich tables); a failure is one line on stderr,
`lease <command>: <message>`, with exit code 1 (2 for usage errors), never a traceback.

Each command lives in a module of its own beside this one, and `COMMANDS` names it: a
command's module is imported when the command is run (or its help shown), not before, so
`lease rules` does not wait for what `lease dev` imports (the API, the broker's client, the
PDF renderer): all of it took about 2 s before any command ran.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_command, get_group

if TYPE_CHECKING:
    from collections.abc import Iterator

    from typer._click import Command  # typer's vendored click

    from domain.application import ContractsApplication
    from infra.settings import Settings

OUR_PACKAGES = ("domain", "projections", "consumers", "api", "infra")
USAGE_ERROR = 2
"""Exit code of a usage error: an unknown option, a missing argument or path (as click's)."""
REACH_TIMEOUT = 5.0
"""Seconds a command waits for an external PostgreSQL or Kafka before it says which one
does not answer (the stack itself would wait 30 s, in silence)."""
INTERRUPTED = 130
"""Exit code of a command interrupted before it was done or ready (128 + SIGINT)."""


def startup_errors(*more: type[BaseException]) -> tuple[type[BaseException], ...]:
    """What can stop a command from starting (or a worker from running), and `more`: each is
    reported in one line. Their modules are imported when an exception reaches a command's
    `except` (mostly loaded by then), not at start: a module-level tuple made every command
    load the stack, the event store and the scenario parser."""
    import psycopg
    from eventsourcing.persistence import PersistenceError

    from domain.errors import RuleViolationError
    from infra.bootstrap import ProjectionsBusyError
    from infra.embedded.stack import StackStartError
    from infra.simulate.in_process import StepRefusedError
    from infra.simulate.scenario import ScenarioError

    return (
        StackStartError,
        ScenarioError,
        StepRefusedError,
        PersistenceError,
        psycopg.Error,
        ProjectionsBusyError,
        RuleViolationError,  # the Lessor policy of LEASE_AUTO_*_GROUNDS (K-02, K-08)
        OSError,
        *more,
    )


COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("infra.cli.simulate", "simulate_command"),
    "dev": ("infra.cli.dev", "dev_command"),
    "asyncapi": ("infra.cli.history", "asyncapi_command"),
    "rules": ("infra.cli.rules", "rules"),
    "history": ("infra.cli.history", "history_command"),
    "replay": ("infra.cli.replay", "replay_command"),
    "explain": ("infra.cli.explain", "explain_command"),
    "token": ("infra.cli.api", "token_command"),
    "projections": ("infra.cli.projections_verify", "projections_app"),
    "run": ("infra.cli.run", "run_app"),
    "consumers": ("infra.cli.consumers", "consumers_app"),
    "audit": ("infra.cli.audit", "audit_app"),
}
"""`lease`'s commands, in the order `lease --help` lists them -> the module and the name of
the command's function, or of its group's `typer.Typer` (complete once that module is
imported: `projections verify` and `audit verify` join their groups in their own modules)."""


class Commands(MutableMapping[str, "Command"]):
    """The root group's commands by name: each made from its module on first use."""

    def __init__(self) -> None:
        self.made: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self.made:
            module, attribute = COMMANDS[name]
            found = getattr(import_module(module), attribute)
            if isinstance(found, typer.Typer):
                self.made[name] = get_group(found)  # a group, even of one command
            else:  # a function: typer makes a Typer of one command into that command
                single = typer.Typer(add_completion=False)
                single.command(name)(found)
                self.made[name] = get_command(single)
        return self.made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self.made[name] = command

    def __delitem__(self, name: str) -> None:
        del self.made[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(COMMANDS), **self.made})

    def __len__(self) -> int:
        return len(COMMANDS.keys() | self.made.keys())


class LazyGroup(TyperGroup):
    """The `lease` group over `Commands`: click asks it for the command it runs (all of them
    only for the help), and typer for the names it suggests on a typo."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        commands = Commands()
        commands.update(self.commands)  # any registered on the Typer itself, after the table's
        self.commands = commands


app = typer.Typer(
    name="lease",
    cls=LazyGroup,
    help="Event-sourced lifecycle of private-lease car contracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def lease() -> None:
    """The root of the commands (they are found in `COMMANDS`, not registered here)."""


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
    import pydantic

    from infra.settings import Settings

    try:
        return Settings() if data_dir is None else Settings(data_dir=data_dir)
    except pydantic.ValidationError as err:
        first = err.errors()[0]
        where = "LEASE_" + "_".join(str(part) for part in first["loc"]).upper()
        fail(command, f"{where}: {first['msg']}")


def reach_external(command: str, settings: Settings, *, broker: bool) -> None:
    """Fail in one line within seconds if LEASE_DATABASE_URL (or, with `broker`,
    LEASE_KAFKA_BOOTSTRAP_SERVERS) names a server that does not answer."""
    from infra.embedded.postgres import PostgresStartError
    from infra.embedded.postgres import wait_until_ready as wait_for_postgres
    from infra.kafka import BrokerStartError
    from infra.kafka import wait_until_ready as wait_for_kafka
    from infra.settings import PostgresInfo

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


BROKER_FILE = "broker"
"""In the data directory while `lease dev` runs: its embedded broker's bootstrap servers."""


def bootstrap_servers_of(settings: Settings, command: str) -> str:
    """LEASE_KAFKA_BOOTSTRAP_SERVERS, else the broker of the `lease dev` running here."""
    if settings.kafka_bootstrap_servers:
        return settings.kafka_bootstrap_servers
    path = settings.data_dir / BROKER_FILE
    if not path.exists():
        fail(command, "no broker: set LEASE_KAFKA_BOOTSTRAP_SERVERS or start `lease dev` first")
    return path.read_text(encoding="utf-8").strip()


@contextmanager
def stored_contracts(
    settings: Settings, pool_size: int | None = None
) -> Iterator[tuple[dict[str, str], ContractsApplication]]:
    """The event store's eventsourcing environment and the contracts application on it, for
    a command that reads stored contracts; both closed on exit."""
    from infra import bootstrap

    with bootstrap.event_store(settings) as info:
        env = info.eventsourcing_env(pool_size=pool_size or settings.pool_size)
        contracts = bootstrap.build_contracts_app(env)
        try:
            yield env, contracts
        finally:
            contracts.close()
