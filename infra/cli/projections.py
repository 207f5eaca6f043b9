"""`lease projections status|rebuild`: the read models' position and lag, rebuilds from zero."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Annotated

import typer
from eventsourcing.postgres import PostgresApplicationRecorder
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

from infra import bootstrap
from infra.cli.app import (
    INTERRUPTED,
    DataDir,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.settings import Settings
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from domain.application import ContractsApplication
    from projections.engine.runner import ProjectionGroup


ViewNames = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[NAME]...",
        help=f"Views: {', '.join(VIEW_MODULES)}.",
        show_default=False,
    ),
]
"""The views a command works on (all of them when none is named)."""

projections_app = typer.Typer(
    name="projections",
    help="The read models (views): their position and lag, rebuilds from zero, and checks.",
    no_args_is_help=True,
)
"""`lease projections`: status and rebuild here, verify in infra/cli/projections_verify.py."""


def projections_status_command(data_dir: DataDir = None, verbose: Verbose = False) -> None:
    """Each view's position in the event log, the log's head, and the lag (events, seconds)."""
    configure_logging(verbose=verbose)
    command = "projections status"
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=False)
    try:
        with projection_group(settings, None) as (_, group):
            table = status_table(group)
    except startup_errors() as err:
        fail(command, one_line(err))
    Console().print(table)


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
    reach_external(command, settings, broker=False)
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
    except startup_errors() as err:
        fail(command, one_line(err))
    rate = applied / elapsed if elapsed > 0 else 0.0
    console.print(
        f"Rebuilt {', '.join(chosen)}: {applied:,} events in {elapsed:.1f} s"
        f" ({rate:,.0f} events/s)."
    )


def check_view_names(command: str, names: list[str] | tuple[str, ...]) -> list[str]:
    """The named views in registry order; an unknown name is a usage error (exit 2)."""
    unknown = [n for n in names if n not in VIEW_MODULES]
    if unknown:
        fail(command, f"unknown view {unknown[0]!r}; views are {', '.join(VIEW_MODULES)}", code=2)
    return [n for n in VIEW_MODULES if n in names]


@contextmanager
def projection_group(
    settings: Settings,
    names: list[str] | None,
    lock: Callable[[ContractsApplication], AbstractContextManager[None]] | None = None,
) -> Iterator[tuple[ContractsApplication, ProjectionGroup]]:
    """The event store (PostgreSQL only), the contracts application and a group of views;
    with `lock`, the views are opened (their tables created) only once it is held, so two
    workers starting together on a new event store do not create the same tables at once."""
    with bootstrap.event_store(settings) as info:
        env = info.eventsourcing_env(pool_size=settings.pool_size)
        contracts = bootstrap.build_contracts_app(env)
        try:
            with nullcontext() if lock is None else lock(contracts):
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


projections_app.command("status")(projections_status_command)
projections_app.command("rebuild")(projections_rebuild_command)
