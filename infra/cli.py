"""The `lease` command line: `simulate`, `dev`, `history`, `projections` and `run`.

Output goes to stdout (JSON or rich tables); a failure is one line on stderr,
`lease <command>: <message>`, with exit code 1 (2 for usage errors), never a traceback.
"""

from __future__ import annotations

import json
import logging
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import psycopg
import pydantic
import typer
from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresApplicationRecorder
from kafka.errors import KafkaError
from psycopg.sql import SQL, Identifier
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from domain.errors import ContractNotFoundError
from domain.events import ContractEvent
from infra import bootstrap, workers
from infra.clock import business_clock
from infra.embedded.stack import Stack, StackStartError
from infra.schemas.asyncapi import render_asyncapi
from infra.settings import Settings
from infra.simulate.in_process import StepRefusedError, simulate
from infra.simulate.on_stack import PipelineStuckError, simulate_on_stack
from infra.simulate.scenario import ScenarioError, load_scenario
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType

    from domain.application import ContractsApplication
    from infra.simulate.scenario import Scenario
    from infra.supervisor import Supervisor
    from projections.runner import ProjectionGroup

OUR_PACKAGES = ("domain", "projections", "consumers", "api", "infra")
CONSUMING_WORKERS = tuple(name for name in workers.KAFKA_WORKERS if name != "relay")
"""The Kafka-side workers `lease dev` starts besides the relay (which catches up first)."""
INTERRUPTED = 130
"""Exit code of a command interrupted before it was done or ready (128 + SIGINT)."""

STARTUP_ERRORS = (
    StackStartError,
    ScenarioError,
    StepRefusedError,
    PersistenceError,
    psycopg.Error,
    bootstrap.ProjectionsBusyError,
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
    help="The read models (views): their position and lag, and rebuilds from zero.",
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
    try:
        scenario = load_scenario(path)
        out = simulate_through_stack(scenario) if stack else simulate(scenario)
    except (ScenarioError, StepRefusedError) as err:
        fail("simulate", str(err))
    except (*STARTUP_ERRORS, PipelineStuckError) as err:
        fail("simulate", one_line(err))
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


@app.command("asyncapi")
def asyncapi_command(data_dir: DataDir = None) -> None:
    """Print the AsyncAPI 3.0 document of the service's topics (docs/asyncapi.yaml)."""
    print(render_asyncapi(load_settings("asyncapi", data_dir)), end="")


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


@projections_app.command("status")
def projections_status_command(data_dir: DataDir = None, verbose: Verbose = False) -> None:
    """Each view's position in the event log, the log's head, and the lag (events, seconds)."""
    configure_logging(verbose=verbose)
    command = "projections status"
    settings = load_settings(command, data_dir)
    try:
        with projection_group(settings, None) as (_, group):
            table = status_table(group)
    except STARTUP_ERRORS as err:
        fail(command, one_line(err))
    Console().print(table)


@projections_app.command("rebuild")
def projections_rebuild_command(
    names: ViewNames = None,
    all_views: Annotated[bool, typer.Option("--all", help="Rebuild every view.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Drop the named views (or --all) and replay the whole event log into them."""
    configure_logging(verbose=verbose)
    command = "projections rebuild"
    if bool(names) == all_views:
        fail(command, "name the views to rebuild, or give --all (not both)", code=2)
    chosen = check_view_names(command, names or VIEW_MODULES)
    settings = load_settings(command, data_dir)
    console = Console()
    try:
        with (
            projection_group(settings, chosen) as (contracts, group),
            bootstrap.projections_lock(contracts),
        ):
            applied, elapsed = rebuild(contracts, group, Console(stderr=True))
    except KeyboardInterrupt:
        fail(
            command,
            "interrupted; views not rebuilt yet keep their rows and position, and a runner"
            " or another rebuild goes on from there",
            code=INTERRUPTED,
        )
    except STARTUP_ERRORS as err:
        fail(command, one_line(err))
    rate = applied / elapsed if elapsed > 0 else 0.0
    console.print(
        f"Rebuilt {', '.join(chosen)}: {applied:,} events in {elapsed:.1f} s"
        f" ({rate:,.0f} events/s)."
    )


@run_app.command("projections", help=workers.worker_spec("projections").help)
def run_projections_command(
    names: ViewNames = None, data_dir: DataDir = None, verbose: Verbose = False
) -> None:
    configure_logging(verbose=verbose)
    command = "run projections"
    chosen = check_view_names(command, names or VIEW_MODULES)
    settings = load_settings(command, data_dir)
    console = Console()
    stop = threading.Event()
    # Until the runner follows the log, SIGTERM interrupts like Ctrl-C (committed batches stay).
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with (
            projection_group(settings, chosen) as (contracts, group),
            bootstrap.projections_lock(contracts),
        ):
            applied = bootstrap.catch_up(group)
            position = min((s.position for s in group.status()), default=0)
            console.print(
                f"Caught up: {', '.join(chosen)} at position {position}"
                f" ({applied} events applied). Following the event log; Ctrl-C to stop."
            )

            def request_stop(_signum: int, _frame: FrameType | None) -> None:
                stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, request_stop)
            group.run(stop)
    except KeyboardInterrupt:
        fail(command, "interrupted while catching up (applied batches are kept)", code=INTERRUPTED)
    except STARTUP_ERRORS as err:
        fail(command, one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.print("Stopped.")


def _run_worker_command(name: str) -> Callable[..., None]:
    def command(data_dir: DataDir = None, verbose: Verbose = False) -> None:
        run_kafka_worker(name, data_dir, verbose=verbose)

    command.__doc__ = workers.worker_spec(name).help
    return command


for _name in workers.KAFKA_WORKERS:
    run_app.command(_name)(_run_worker_command(_name))


def run_kafka_worker(name: str, data_dir: Path | None, *, verbose: bool) -> None:
    """Run one Kafka-side worker until Ctrl-C or SIGTERM (graceful: the batch in hand ends)."""
    configure_logging(verbose=verbose)
    command = f"run {name}"
    settings = load_settings(command, data_dir)
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    try:
        with bootstrap.event_store(settings) as info:
            env = info.eventsourcing_env(pool_size=settings.pool_size)
            broker = bootstrap_servers_of(settings, command)
            contracts = bootstrap.build_contracts_app(env)
            wiring = workers.Wiring(settings, env, broker, business_clock(settings.business_date))
            try:
                worker = workers.kafka_workers(wiring, contracts, (name,))[name]
                Console().print(f"{name}: running on {broker}; Ctrl-C to stop.")
                worker(stop)
            finally:
                wiring.close()
                contracts.close()
    except (*STARTUP_ERRORS, KafkaError) as err:
        fail(command, one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    Console().print("Stopped.")


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
def broker_file(settings: Settings, stack: Stack) -> Iterator[None]:
    """Tell `lease run <worker>` where the embedded broker listens, while it runs."""
    if not stack.embedded_broker:
        yield
        return
    path = settings.data_dir / BROKER_FILE
    path.write_text(stack.bootstrap_servers + "\n", encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


# --- lease projections ---------------------------------------------------------------------


def check_view_names(command: str, names: list[str] | tuple[str, ...]) -> list[str]:
    """The named views in registry order; an unknown name is a usage error (exit 2)."""
    unknown = [n for n in names if n not in VIEW_MODULES]
    if unknown:
        fail(command, f"unknown view {unknown[0]!r}; views are {', '.join(VIEW_MODULES)}", code=2)
    return [n for n in VIEW_MODULES if n in names]


@contextmanager
def projection_group(
    settings: Settings, names: list[str] | None
) -> Iterator[tuple[ContractsApplication, ProjectionGroup]]:
    """The event store (PostgreSQL only), the contracts application and a group of views."""
    with bootstrap.event_store(settings) as info:
        env = info.eventsourcing_env(pool_size=settings.pool_size)
        contracts = bootstrap.build_contracts_app(env)
        try:
            group = bootstrap.build_projection_group(contracts, env, names)
            try:
                yield contracts, group
            finally:
                bootstrap.close_projection_group(group)
        finally:
            contracts.close()


def status_table(group: ProjectionGroup) -> Table:
    """One row per view: position, head, lag in events and in seconds."""
    table = Table(
        title="Projections of the contracts event log",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    table.add_column("view", no_wrap=True)
    for column in ("position", "head", "lag events", "lag seconds"):
        table.add_column(column, justify="right", no_wrap=True)
    for status in group.status():
        table.add_row(
            status.name,
            str(status.position),
            str(status.head),
            str(status.lag_events),
            f"{status.lag_seconds:.1f}",
        )
    return table


def rebuild(
    contracts: ContractsApplication, group: ProjectionGroup, console: Console
) -> tuple[int, float]:
    """Replay the log into the group's views from empty; (events read, seconds).

    Each view keeps its rows until its rebuilt rows replace them in one transaction.
    """
    total = stored_notifications(contracts)
    started = time.perf_counter()
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("rebuilding", total=total)
        read = bootstrap.rebuild(group, lambda n: progress.advance(task, n))
        progress.update(task, total=max(total, read), completed=read)
    return read, time.perf_counter() - started


def stored_notifications(contracts: ContractsApplication) -> int:
    """How many events the log holds (the progress bar's total)."""
    recorder = contracts.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        return recorder.max_notification_id() or 0
    query = SQL("SELECT count(*) FROM {0}.{1}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    with recorder.datastore.get_connection() as conn:
        row = conn.execute(query).fetchone()
    return int(row["count"]) if row is not None else 0


def simulate_through_stack(scenario: Scenario) -> dict[str, Any]:
    """The scenario through the pipeline on a stack of its own (embedded parts in a
    temporary directory, unless LEASE_DATABASE_URL / LEASE_KAFKA_BOOTSTRAP_SERVERS say)."""
    with tempfile.TemporaryDirectory(prefix="lease-simulate-") as tmp:
        settings = load_settings("simulate", Path(tmp))
        with Stack(settings) as stack:
            return simulate_on_stack(scenario, settings, stack.postgres, stack.bootstrap_servers)


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
            env = stack.eventsourcing_env()
            group = bootstrap.build_projection_group(contracts, env)
            try:
                with bootstrap.projections_lock(contracts):
                    # The views are filled before "Ready"; the worker then follows live.
                    applied = bootstrap.catch_up(group)
                    console.print(projections_line(group, applied))
                    wiring = workers.Wiring(
                        settings,
                        env,
                        stack.bootstrap_servers,
                        business_clock(settings.business_date),
                    )
                    try:
                        relay = workers.relay(wiring, contracts, child_process=False)
                        sent = relay.catch_up()
                        console.print(f"Relay: {sent} events published to {relay.config.topic}.")
                        others = workers.kafka_workers(wiring, contracts, CONSUMING_WORKERS)
                        supervisor = bootstrap.build_supervisor(
                            projections=group, relay=relay, others=others
                        )
                        with broker_file(settings, stack):
                            return supervise(
                                supervisor,
                                stack,
                                console,
                                started_at,
                                exit_after_ready=exit_after_ready,
                            )
                    finally:
                        wiring.close()
            finally:
                bootstrap.close_projection_group(group)
        finally:
            contracts.close()

    finally:
        stack.close()


def projections_line(group: ProjectionGroup, applied: int) -> str:
    """`Projections: 6 views at position N of N (M events applied now).`"""
    statuses = group.status()
    position = min((s.position for s in statuses), default=0)
    head = max((s.head for s in statuses), default=0)
    return (
        f"Projections: {len(statuses)} views at position {position} of {head}"
        f" ({applied} events applied now)."
    )


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
