"""The `lease` command line: `simulate`, `dev` and `history`.

Output goes to stdout (JSON or rich tables); a failure is one line on stderr,
`lease <command>: <message>`, with exit code 1 (2 for usage errors), never a traceback.
"""

from __future__ import annotations

import json
import logging
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import pydantic
import typer
from eventsourcing.persistence import PersistenceError
from rich import box
from rich.console import Console
from rich.table import Table

from domain.errors import ContractNotFoundError
from domain.events import ContractEvent
from infra import bootstrap
from infra.scenario import ScenarioError, load_scenario
from infra.settings import Settings
from infra.simulate import StepRefusedError, simulate
from infra.stack import Stack, StackStartError

if TYPE_CHECKING:
    from domain.application import ContractsApplication
    from infra.supervisor import Supervisor

OUR_PACKAGES = ("domain", "projections", "consumers", "api", "infra")
INTERRUPTED = 130
"""Exit code of a `lease dev` interrupted before it was ready (128 + SIGINT)."""

STARTUP_ERRORS = (StackStartError, ScenarioError, StepRefusedError, PersistenceError, OSError)
"""What can stop `lease dev` or `lease history` from starting; reported in one line."""

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


def main() -> None:
    """Console-script entry point (`lease`)."""
    app(prog_name="lease")


# --- commands ------------------------------------------------------------------------------


@app.command("simulate")
def simulate_command(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="Scenario file (SCENARIOS.md, version 1).")
    ],
    stack: Annotated[
        bool, typer.Option("--stack", help="Run through PostgreSQL and the broker.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Live one contract through a scenario and print what the service made of it (JSON)."""
    configure_logging(verbose=verbose)
    if stack:
        fail("simulate", "--stack is not available yet (issue 4)", code=2)
    try:
        out = simulate(load_scenario(path))
    except (ScenarioError, StepRefusedError) as err:
        fail("simulate", str(err))
    typer.echo(json.dumps(out, indent=2, sort_keys=True))


@app.command("dev")
def dev_command(
    data_dir: DataDir = None,
    exit_after_ready: Annotated[
        bool,
        typer.Option(
            "--exit-after-ready", help="For tests and CI: stop cleanly once everything is up."
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Run the service locally: PostgreSQL, broker, demo contract and workers, until Ctrl-C."""
    started_at = time.monotonic()
    configure_logging(verbose=verbose)
    settings = load_settings("dev", data_dir)
    console = Console()
    # Until the workers run, SIGTERM interrupts like Ctrl-C, so the stack is cleaned up.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        failed = run_dev(settings, console, started_at, exit_after_ready=exit_after_ready)
    except KeyboardInterrupt:
        fail("dev", "interrupted before the service was ready", code=INTERRUPTED)
    except STARTUP_ERRORS as err:
        fail("dev", one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        fail("dev", f"worker {', '.join(failed)} failed; see the log above")
    console.print("Stopped.")


@app.command("history")
def history_command(
    number: Annotated[
        str, typer.Argument(metavar="NUMBER", help="Contract number, e.g. C-2024-0001.")
    ],
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Print a contract's event timeline from the event store."""
    configure_logging(verbose=verbose)
    settings = load_settings("history", data_dir)
    try:
        with bootstrap.event_store(settings) as info:
            contracts = bootstrap.build_contracts_app(
                info.eventsourcing_env(pool_size=settings.pool_size)
            )
            try:
                table = timeline_table(contracts, number)
            finally:
                contracts.close()
    except ContractNotFoundError:
        fail("history", f"contract {number} not found")
    except STARTUP_ERRORS as err:
        fail("history", one_line(err))
    Console().print(table)


# --- lease dev -----------------------------------------------------------------------------


def run_dev(
    settings: Settings, console: Console, started_at: float, *, exit_after_ready: bool
) -> list[str]:
    """Start everything, print the summary, run the workers until asked to stop.

    Returns the names of workers that failed (empty on a clean stop).
    """
    stack = Stack(settings)
    try:
        stack.start()  # inside try: an interrupted start still stops what it started
        contracts = bootstrap.build_contracts_app(stack)
        try:
            demo = bootstrap.ensure_demo_contract(contracts)
            console.print(timeline_table(contracts, demo.number))
            if demo.loaded_now:
                console.print(f"Demo contract {demo.number} loaded ({demo.version} events).")
            else:
                console.print(
                    f"Demo contract {demo.number} already loaded (version {demo.version})."
                )
            supervisor = bootstrap.build_supervisor()
            return supervise(
                supervisor, stack, console, started_at, exit_after_ready=exit_after_ready
            )
        finally:
            contracts.close()
    finally:
        stack.close()


def supervise(
    supervisor: Supervisor,
    stack: Stack,
    console: Console,
    started_at: float,
    *,
    exit_after_ready: bool,
) -> list[str]:
    """Run the workers until Ctrl-C or SIGTERM (or at once with --exit-after-ready)."""
    supervisor.start()
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, supervisor.request_stop)
        console.print(endpoints_table(stack, supervisor))
        elapsed = time.monotonic() - started_at
        if exit_after_ready:
            console.print(f"Ready in {elapsed:.1f} s; stopping (--exit-after-ready).")
            supervisor.request_stop()
        else:
            console.print(f"Ready in {elapsed:.1f} s. Press Ctrl-C to stop.")
        supervisor.wait()
    finally:
        supervisor.stop()
    return supervisor.failed


def endpoints_table(stack: Stack, supervisor: Supervisor) -> Table:
    """Where PostgreSQL and the broker listen, and which workers run."""
    pg = stack.postgres
    if stack.embedded_postgres:
        pg_kind = f"embedded, data in {stack.settings.data_dir / 'pg'}"
    else:
        pg_kind = "external (LEASE_DATABASE_URL)"
    if stack.embedded_broker:
        broker_kind = "embedded, in-memory log"
    else:
        broker_kind = "external (LEASE_KAFKA_BOOTSTRAP_SERVERS)"
    grid = Table.grid(padding=(0, 2))
    grid.add_row("PostgreSQL", f"{pg.host}:{pg.port}/{pg.dbname}", pg_kind)
    grid.add_row("Broker", stack.bootstrap_servers, broker_kind)
    grid.add_row("Workers", ", ".join(supervisor.names), "")
    return grid


# --- shared --------------------------------------------------------------------------------


def timeline_table(contracts: ContractsApplication, number: str) -> Table:
    """A contract's events in order: business date, type, rule IDs, actor, amount."""
    contract = contracts.get(number)
    table = Table(
        title=f"Contract {number} ({contract.status.value}, version {contract.version})",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    # Minimum widths keep the table readable on an 80-column terminal (rules wrap first).
    table.add_column("business date", min_width=10)
    table.add_column("event", no_wrap=True)
    table.add_column("rules", min_width=10)
    table.add_column("actor", min_width=11, overflow="fold")
    table.add_column("amount", justify="right", min_width=8, no_wrap=True)
    for event in contracts.events.get(contract.id):
        if not isinstance(event, ContractEvent):
            continue
        amount = getattr(event, "amount", None)
        table.add_row(
            event.occurred_on.isoformat(),
            type(event).__name__,
            ", ".join(event.rule_ids),
            event.actor,
            "" if amount is None else str(amount),
        )
    return table


def configure_logging(*, verbose: bool) -> None:
    """WARNING and up for everything; INFO for our own packages with -v."""
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)
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


def one_line(err: BaseException) -> str:
    """The first line of an error's message (library errors can span several)."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def fail(command: str, message: str, *, code: int = 1) -> NoReturn:
    """Print `lease <command>: <message>` on stderr and exit with `code`."""
    typer.echo(f"lease {command}: {message}", err=True)
    raise typer.Exit(code)


if __name__ == "__main__":
    main()
