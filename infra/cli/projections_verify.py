"""`lease projections verify`: rebuild views in a scratch schema and report every row that
differs from the live view (projections/verify.py); exit code 1 on drift."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.console import Console
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
from infra.cli.projections import ViewNames, check_view_names, projections_app
from projections.registry import VIEW_MODULES, all_specs
from projections.verify import ViewDrift, ViewMovedError, verify_view

if TYPE_CHECKING:
    from projections.engine.drift import RowDrift

DRIFT = 1
"""Exit code when a view differs from its rebuild (also the code of a failure)."""


def projections_verify_command(
    names: ViewNames = None,
    all_views: Annotated[bool, typer.Option("--all", help="Verify every view.")] = False,
    limit: Annotated[
        int, typer.Option("--limit", min=0, help="Rows listed per table (all are counted).")
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Rebuild the named views (or --all) in a scratch schema, up to the position each live
    view has reached, and report every row that differs; exit code 1 on drift."""
    configure_logging(verbose=verbose)
    command = "projections verify"
    if bool(names) == all_views:
        fail(command, "name the views to verify, or give --all (not both)", code=2)
    chosen = check_view_names(command, names or VIEW_MODULES)
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=False)
    err = Console(stderr=True)
    try:
        with bootstrap.event_store(settings) as info:
            env = info.eventsourcing_env(pool_size=2)
            contracts = bootstrap.build_contracts_app(env)
            try:
                results = []
                for spec in all_specs(chosen):
                    with err.status(f"rebuilding {spec.name} in a scratch schema"):
                        results.append(verify_view(contracts, spec, env, limit=limit))
            finally:
                contracts.close()
    except KeyboardInterrupt:
        fail(command, "interrupted; the scratch schema is dropped", code=INTERRUPTED)
    except startup_errors(ViewMovedError) as error:
        fail(command, one_line(error))
    if as_json:
        typer.echo(json.dumps([drift_json(r) for r in results], indent=2, default=str))
    else:
        console = Console()
        for result in results:
            print_drift(console, result)
    if any(r.total for r in results):
        raise typer.Exit(DRIFT)


def drift_json(result: ViewDrift) -> dict[str, Any]:
    """A view's drift as JSON: position, counts per table and kind, the listed rows."""
    return {
        "view": result.view,
        "position": result.position,
        "drift": result.total,
        "tables": [
            {"table": t.table, "counts": t.counts, "rows": [asdict(r) for r in t.rows]}
            for t in result.tables
        ],
    }


def print_drift(console: Console, result: ViewDrift) -> None:
    """One line per view; a table of the listed rows and the counts if it drifted."""
    if not result.total:
        console.print(f"{result.view}: no drift at position {result.position:,}")
        return
    counts = ", ".join(
        f"{t.table}: " + ", ".join(f"{n} {kind}" for kind, n in t.counts.items() if n)
        for t in result.tables
        if t.total
    )
    console.print(
        f"[bold red]{result.view}: {result.total:,} rows differ[/] at position"
        f" {result.position:,} ({counts}); missing = in the rebuild, not live;"
        " extra = live, not in the rebuild"
    )
    table = Table(box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for column in ("table", "kind", "key", "column", "live", "rebuilt"):
        table.add_column(column, overflow="fold")
    for drift in result.tables:
        for row in drift.rows:
            for cells in row_cells(row):
                table.add_row(*cells)
        listed = len(drift.rows)
        if listed < drift.total:
            table.add_row(drift.table, f"... {drift.total - listed:,} more", "", "", "", "")
    console.print(table)


def row_cells(row: RowDrift) -> list[tuple[str, ...]]:
    """The printed lines of one row: one per changed column (one for missing/extra)."""
    key = ", ".join(f"{k}={v}" for k, v in row.key.items())
    if not row.changes:
        return [(row.table, row.kind, key, "", "", "")]
    return [
        (row.table, row.kind, key, c.column, _shown(c.live), _shown(c.rebuilt)) for c in row.changes
    ]


def _shown(value: Any) -> str:
    return "NULL" if value is None else json.dumps(value, default=str)


projections_app.command("verify")(projections_verify_command)
