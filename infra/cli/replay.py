"""`lease replay NUMBER --as-of DATE [--known-at TIMESTAMP]`: a contract as it stood on a
business date, as the service knew it at a recorded time (infra/audit/replay.py).

`--known-at` must carry its timezone (`Z`, `+01:00`): a recorded time without one is
ambiguous, and an audit answer must not depend on the machine's zone, so it is refused.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from domain.contract import Contract
from domain.errors import ContractNotFoundError
from infra.audit.replay import Cut, NaiveTimestampError, NotKnownError, Replay, replay_contract
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
from projections.registry import postgres_view
from projections.views.invoices import SPEC as INVOICES
from projections.views.invoices import InvoicesView

if TYPE_CHECKING:
    from collections.abc import Mapping


COMMAND = "replay"
OVERVIEW_FIELDS = (
    "status",
    "end_kind",
    "start_date",
    "contractual_end_date",
    "effective_end_date",
    "remaining_capital",
)


def parse_as_of(value: str) -> date:
    """A business date, YYYY-MM-DD; BadParameter otherwise."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a date (YYYY-MM-DD)"
        raise typer.BadParameter(msg) from None


def parse_known_at(value: str) -> datetime:
    """An ISO 8601 timestamp with its timezone; BadParameter otherwise (naive ones too)."""
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        msg = f"{value!r} is not a timestamp (e.g. 2025-03-15T12:00:00Z)"
        raise typer.BadParameter(msg) from None
    if found.utcoffset() is None:
        msg = f"{value!r} has no timezone: add Z or an offset such as +01:00"
        raise typer.BadParameter(msg)
    return found


def replay_command(
    number: Annotated[
        str, typer.Argument(metavar="NUMBER", help="Contract number, e.g. C-2024-0001.")
    ],
    as_of: Annotated[
        date,
        typer.Option(
            "--as-of",
            metavar="DATE",
            parser=parse_as_of,
            help="Business date: only what had happened by then (YYYY-MM-DD).",
        ),
    ],
    known_at: Annotated[
        datetime | None,
        typer.Option(
            "--known-at",
            metavar="TIMESTAMP",
            parser=parse_known_at,
            help="Recorded time: only what the service had recorded by then (with its zone).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document.")] = False,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Show a contract as it stood on a business date, as the service knew it then."""
    configure_logging(verbose=verbose)
    try:
        cut = Cut(as_of, known_at)
    except NaiveTimestampError as err:  # pragma: no cover - the parser refuses them first
        fail(COMMAND, str(err), code=2)
    settings = load_settings(COMMAND, data_dir)
    reach_external(COMMAND, settings, broker=False)
    try:
        with stored_contracts(settings) as (env, contracts):
            found = replay_contract(contracts, number, cut, live_numbers(env, number))
    except ContractNotFoundError:
        fail(COMMAND, f"contract {number} not found")
    except NotKnownError as err:
        fail(COMMAND, str(err))
    except startup_errors() as err:
        fail(COMMAND, one_line(err))
    show(found, as_json=as_json)


def live_numbers(env: Mapping[str, str], number: str) -> dict[str, str]:
    """The numbers the invoices view gave the contract's documents ({} if it has none)."""
    view = postgres_view(INVOICES, env, create=False)
    try:
        assert isinstance(view, InvoicesView)
        return numbers_of(view, number)
    except Exception:  # noqa: BLE001 - no view yet: the replay numbers the documents itself
        return {}
    finally:
        view.datastore.close()


def numbers_of(view: InvoicesView, number: str) -> dict[str, str]:
    rows = view.documents(Contract.create_id(number))
    return {str(r["receivable_id"]): str(r["number"]) for r in rows}


def show(found: Replay, *, as_json: bool, console: Console | None = None) -> None:
    """Print the replay as rich tables, or as one JSON document."""
    console = console or Console()
    if as_json:
        console.print_json(json.dumps(replay_document(found), default=_json_value))
    else:
        console.print(replay_tables(found))


def business_date(found: Replay) -> date:
    """The date the figures are on: `as_of` (the CLI always gives one)."""
    assert found.cut.as_of is not None
    return found.cut.as_of


def replay_document(found: Replay) -> dict[str, Any]:
    """State, documents, balance, grounds, pending deadlines and the timeline."""
    on = business_date(found)
    overview = found.overview(on)
    ledger = found.ledger(on)
    return {
        "contract_number": found.number,
        "as_of": on,
        "known_at": found.cut.known_at,
        "contract": {k: overview[k] for k in OVERVIEW_FIELDS},
        "documents": [
            {k: d[k] for k in ("number", "kind", "category", "issued_on", "amount", "open")}
            for d in found.documents()
        ],
        "balance": {k: ledger[k] for k in ("balance", "credit_balance", "arrears")},
        "grounds": [
            {k: g[k] for k in ("ground", "source", "status", "opened_on", "closed_on")}
            for g in found.grounds()
        ],
        "pending_deadlines": [
            {k: d[k] for k in ("rule_id", "subject", "due_on", "opened_on")}
            for d in found.deadlines(pending=True)
        ],
        "timeline": [
            {k: e[k] for k in ("version", "occurred_on", "recorded_at", "event_type", "rule_ids")}
            for e in found.timeline()
        ],
    }


def replay_tables(found: Replay) -> Group:
    """The replay for a terminal: the contract, then one table per part."""
    doc = replay_document(found)
    c = doc["contract"]
    head = Text.assemble(
        (f"Contract {found.number} ", "bold"),
        found.cut.describe(),
        "\n",
        (c["status"], "bold"),
        f" {c['end_kind'] or ''}  start {_text(c['start_date'])}",
        f"  end {_text(c['contractual_end_date'])}",
        f"  ended {_text(c['effective_end_date'])}" if c["effective_end_date"] else "",
        f"\nremaining capital {c['remaining_capital']}",
        f"  balance {doc['balance']['balance']}  credit {doc['balance']['credit_balance']}",
        f"  overdue {doc['balance']['arrears']['overdue']}",
    )
    docs = _table("documents", "number", "kind", "issued on", "amount", "open")
    for d in doc["documents"]:
        docs.add_row(d["number"], d["kind"], _text(d["issued_on"]), *_money(d))
    grounds = _table("grounds", "ground", "source", "status", "opened on")
    for g in doc["grounds"]:
        grounds.add_row(g["ground"], g["source"], g["status"], _text(g["opened_on"]))
    deadlines = _table("pending deadlines", "rule", "subject", "due on")
    for d in doc["pending_deadlines"]:
        deadlines.add_row(d["rule_id"], d["subject"] or "", _text(d["due_on"]))
    return Group(head, docs, grounds, deadlines)


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, collapse_padding=True, pad_edge=False)
    for column in columns:
        table.add_column(column, no_wrap=True)
    return table


def _money(d: Mapping[str, Any]) -> tuple[str, str]:
    return str(d["amount"]), str(d["open"])


def _text(value: date | None) -> str:
    return value.isoformat() if value is not None else "-"


def _json_value(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    msg = f"not JSON: {type(value).__name__}"
    raise TypeError(msg)
