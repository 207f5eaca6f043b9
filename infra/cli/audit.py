"""`lease audit verify [NUMBER | --all] [--against-checkpoints]`: the hash chain checked.

Every stored event's link is recomputed (infra.audit.verify); the first broken link of each
aggregate is named, with the contract's number when it is a contract; snapshots are
compared with their events. `--against-checkpoints` also checks the chain heads published
on `lease.audit-checkpoints.v1`. Exit code 1 when anything does not hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from domain.contract import Contract
from domain.portal.application import PortalApplication
from infra import bootstrap
from infra.audit.chain_store import (
    count_rows,
    hold_open,
    name_broken,
    stream_links,
    verify_snapshots,
)
from infra.audit.checkpoints import verify_against_checkpoints
from infra.audit.verify import BrokenLink, verify_rows
from infra.cli.app import (
    DataDir,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.cli.audit_pack import audit_app

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.application import Application

SHOWN = 50
"""Broken links printed at most (the count says how many more)."""


def audit_verify_command(
    number: Annotated[
        str | None,
        typer.Argument(metavar="NUMBER", help="A contract number.", show_default=False),
    ] = None,
    all_events: Annotated[
        bool, typer.Option("--all", help="Every stored event (contracts and portal).")
    ] = False,
    against_checkpoints: Annotated[
        bool,
        typer.Option(
            "--against-checkpoints",
            help="Also check the chain heads published on lease.audit-checkpoints.v1.",
        ),
    ] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Recompute the hash chain and name the first broken link of each aggregate."""
    configure_logging(verbose=verbose)
    command = "audit verify"
    if (number is None) == (not all_events):
        fail(command, "name a contract number, or give --all (not both)", code=2)
    settings = load_settings(command, data_dir)
    if against_checkpoints and not settings.kafka_bootstrap_servers:
        fail(
            command,
            "--against-checkpoints reads the broker: set LEASE_KAFKA_BOOTSTRAP_SERVERS"
            " (the broker the audit_checkpoints worker publishes to)",
            code=2,
        )
    reach_external(command, settings, broker=against_checkpoints)
    console = Console()
    try:
        with bootstrap.event_store(settings) as info:
            env = info.eventsourcing_env(pool_size=2)
            contracts = bootstrap.build_contracts_app(env)
            portal = PortalApplication(env=dict(env)) if all_events else None
            try:
                apps: list[Application[Any]] = [contracts] + ([portal] if portal else [])
                only = Contract.create_id(number) if number is not None else None
                events, broken = verify_apps(apps, only, Console(stderr=True))
                if against_checkpoints:
                    topic = settings.topic("audit_checkpoints")
                    servers = settings.kafka_bootstrap_servers or ""
                    broken += verify_against_checkpoints(contracts, servers, topic, only)
            finally:
                contracts.close()
                if portal is not None:
                    portal.close()
    except startup_errors() as err:
        fail(command, one_line(err))
    if number is not None and events == 0:
        fail(command, f"no contract {number} in the event store")
    for found in broken[:SHOWN]:
        console.print(found.describe(), markup=False, highlight=False)
    if len(broken) > SHOWN:
        console.print(f"... and {len(broken) - SHOWN} more broken links")
    if broken:
        fail(command, f"{len(broken)} broken link(s) in {events:,} events checked")
    console.print(f"Chain intact: {events:,} events checked.")


def verify_apps(
    apps: list[Application[Any]], only: UUID | None, console: Console
) -> tuple[int, list[BrokenLink]]:
    """(events checked, broken links) over the applications' events and snapshots."""
    broken: list[BrokenLink] = []
    checked = 0
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, disable=only is not None) as progress:
        for app in apps:
            recorder: Any = app.recorder
            datastore = recorder.datastore
            schema, table = datastore.schema, recorder.events_table_name
            with datastore.get_connection() as conn, conn.transaction():
                hold_open(conn)
                total = count_rows(conn, schema, table) if only is None else 0
                task = progress.add_task(f"{table}", total=total)

                def advance(n: int, task: TaskID = task) -> None:
                    progress.advance(task, n)

                report = verify_rows(
                    table, stream_links(conn, schema, table, only), progress=advance
                )
                checked += report.events
                found = [name_broken(conn, schema, b) for b in report.broken or []]
            broken += found
            snapshots: Any = app.snapshots
            if snapshots is not None:
                skip = {b.originator_id for b in found}
                with datastore.get_connection() as conn, conn.transaction():
                    hold_open(conn)
                    snapshot_table = snapshots.recorder.events_table_name
                    broken += verify_snapshots(app, conn, snapshot_table, skip, only)
    return checked, broken


audit_app.command("verify")(audit_verify_command)
