"""`lease history NUMBER` (a contract's timeline) and `lease asyncapi` (the event contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from domain.contract.base_events import ContractEvent
from domain.errors import ContractNotFoundError
from infra.cli.app import (
    DataDir,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
    stored_contracts,
)
from infra.schemas.asyncapi import render_asyncapi

if TYPE_CHECKING:
    from domain.application import ContractsApplication


def asyncapi_command(data_dir: DataDir = None) -> None:
    """Print the AsyncAPI 3.0 document of the service's topics (docs/asyncapi.yaml)."""
    print(render_asyncapi(load_settings("asyncapi", data_dir)), end="")


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
    reach_external("history", settings, broker=False)
    try:
        with stored_contracts(settings) as (_, contracts):
            table = timeline_table(contracts, number)
    except ContractNotFoundError:
        fail("history", f"contract {number} not found")
    except startup_errors() as err:
        fail("history", one_line(err))
    Console().print(table)


def timeline_table(contracts: ContractsApplication, number: str) -> Table:
    """A contract's events in order: business date, type, rule IDs, actor, amount."""
    contract = contracts.get(number)
    table = Table(
        title=f"Contract {number} ({contract.status.value}, version {contract.version})",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
    )
    # On an 80-column terminal: the rule IDs go under the event (they wrap there), and the
    # actor and the amount never wrap (the longest row then needs 79 columns).
    table.add_column("business date", min_width=10, no_wrap=True)
    table.add_column("event, rules")
    table.add_column("actor", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    for event in contracts.events.get(contract.id):
        if not isinstance(event, ContractEvent):
            continue
        amount = getattr(event, "amount", None)
        table.add_row(
            event.occurred_on.isoformat(),
            Text.assemble(type(event).__name__, "\n", (", ".join(event.rule_ids), "dim")),
            event.actor,
            "" if amount is None else str(amount),
        )
    return table
