"""`invoices`: every invoice, debit note and credit note as a numbered document (DESIGN 5, 7).

Numbers are `INV-2025-000123`, `DN-…`, `CN-…`: one gap-free sequence per document kind and
year of issue. The one projection assigns them while it reads the event log in order, so
contracts issuing at the same time never share or skip a number, and a rebuild from zero
gives every document the same number again. Each document carries its contract, period,
dates, amount, what is still open (exactly `Receivable.open` on the aggregate, see
projections/views/receivables.py), its lines, and the rule IDs with their articles (auditors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractConcluded
from domain.contract.billing_events import CreditNoteIssued, InstalmentInvoiced, ReceivableIssued
from domain.values import ReceivableKind
from projections.engine.base import BatchProjection, OrderedPart
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views.document_lines import articles, lines_of
from projections.views.receivables import ITEM_COLUMNS, OpenAmounts, issued_item

if TYPE_CHECKING:
    from uuid import UUID

    from projections.engine.rows import Batch, Row

DOCUMENT_PREFIX = {
    ReceivableKind.INVOICE.value: "INV",
    ReceivableKind.DEBIT_NOTE.value: "DN",
    ReceivableKind.CREDIT_NOTE.value: "CN",
}
ISSUE_ORDER = ("ALL", 0)
"""The `sequences` row that counts every document in log order (the documents' `seq`)."""

DOCUMENTS = Table(
    "documents",
    ("contract_id", "receivable_id"),
    (
        *ITEM_COLUMNS,
        ("number", "text"),
        ("seq", "bigint"),
        ("contract_number", "text"),
        ("period_start", "date"),
        ("period_end", "date"),
        ("lines", "jsonb"),
        ("rule_ids", "jsonb"),
        ("articles", "jsonb"),
    ),
)
SEQUENCES = Table(
    "sequences", ("kind", "year"), (("kind", "text"), ("year", "integer"), ("last", "bigint"))
)
NUMBERS = Table(
    "numbers",
    ("number",),
    (("number", "text"), ("contract_id", "uuid"), ("receivable_id", "text")),
    cached=False,
)
"""Document number -> document key, so `document(number)` is two key lookups."""
ISSUED = Table(
    "issued",
    ("contract_id", "receivable_id"),
    (("contract_id", "uuid"), ("receivable_id", "text"), ("number", "text"), ("seq", "bigint")),
    cached=False,
)
"""A chunked rebuild's own table: each document's number and `seq`, decided in log order."""
ISSUE_FACTS = Table(
    "issue_facts",
    ("position",),
    (
        ("position", "bigint"),
        ("contract_id", "uuid"),
        ("receivable_id", "text"),
        ("kind", "text"),
        ("year", "integer"),
    ),
    cached=False,
)
"""A chunked rebuild's own table: what numbering needs of each issuing event, by position."""
CONTRACTS = Table(
    "contracts",
    ("contract_id",),
    (("contract_id", "uuid"), ("contract_number", "text"), ("customer_number", "text")),
)


class InvoicesView(RowView):
    """The numbered documents of every contract."""

    tables: ClassVar[tuple[Table, ...]] = (DOCUMENTS, SEQUENCES, NUMBERS, CONTRACTS)

    def documents(self, contract_id: UUID) -> list[Row]:
        """A contract's documents in issue order."""
        return self.select("documents", order_by=("seq",), contract_id=contract_id)

    def document(self, number: str) -> Row | None:
        """The document with that number (e.g. `INV-2025-000123`), or None."""
        refs = self.select("numbers", number=number)
        if not refs:
            return None
        key = {"contract_id": refs[0]["contract_id"], "receivable_id": refs[0]["receivable_id"]}
        found = self.select("documents", **key)
        return found[0] if found else None

    def customer_of(self, contract_id: UUID) -> str:
        """The customer number of a contract the view has documents of."""
        rows = self.select("contracts", contract_id=contract_id)
        return str(rows[0]["customer_number"]) if rows else ""

    def last_number(self, kind: str, year: int) -> int:
        """The last number issued for a kind of document in a year (0 if none)."""
        rows = self.select("sequences", kind=kind, year=year)
        return int(rows[0]["last"]) if rows else 0


class InMemoryInvoicesView(InMemoryRowView, InvoicesView):
    """Invoices in memory (unit tests, `lease simulate`)."""


class PostgresInvoicesView(PostgresRowView, InvoicesView):
    """Invoices in PostgreSQL."""


OPEN = OpenAmounts("documents")


class InvoicesProjection(BatchProjection[InvoicesView]):
    """Numbers each document as it is issued; keeps its open amount up to date."""

    name = "invoices"

    def apply(self, event: Any, batch: Batch) -> None:
        item = issued_item(event)
        if item is not None:
            issue(event, item, batch)
        elif isinstance(event, ContractConcluded):
            batch.put(
                "contracts",
                {
                    "contract_id": event.originator_id,
                    "contract_number": event.terms.contract_number,
                    "customer_number": event.terms.customer_number,
                },
            )
        else:
            OPEN.settle(event, batch)


def issue(event: ReceivableIssued | CreditNoteIssued, item: Row, batch: Batch) -> None:
    """Number the new document, describe it, and store it (a credit note nets first)."""
    contract_id = item["contract_id"]
    contract = batch.get("contracts", contract_id)
    number, seq = numbered(item, batch)
    period = event if isinstance(event, InstalmentInvoiced) else None
    item |= {
        "number": number,
        "seq": seq,
        "contract_number": contract["contract_number"] if contract is not None else None,
        "period_start": period.period_start if period is not None else None,
        "period_end": period.period_end if period is not None else None,
        "lines": lines_of(event, lambda rid: batch.get("documents", contract_id, rid)),
        "rule_ids": list(event.rule_ids),
        "articles": articles(event.rule_ids),
    }
    OPEN.issue(batch, item)


def numbered(item: Row, batch: Batch) -> tuple[str, int]:
    """The document's number and its place among all documents (`seq`).

    In a chunk of a chunked rebuild (the batch holds `ISSUED`) both were decided beforehand
    in log order; otherwise they are drawn from the sequences now.
    """
    if not batch.holds(ISSUED.name):
        return draw_number(batch, facts_of(item))
    decided = batch.get(ISSUED.name, item["contract_id"], item["receivable_id"])
    if decided is None:
        msg = (
            f"document {item['receivable_id']} of contract {item['contract_id']} was not"
            " numbered by the rebuild's pass in log order"
        )
        raise LookupError(msg)
    return decided["number"], decided["seq"]


def draw_number(batch: Batch, facts: Row) -> tuple[str, int]:
    """The next number of the document's kind and year, and the next `seq`; indexed."""
    number = next_number(batch, facts["kind"], facts["year"])
    seq = _next(batch, *ISSUE_ORDER)
    ref = {"contract_id": facts["contract_id"], "receivable_id": facts["receivable_id"]}
    batch.put("numbers", {"number": number, **ref})
    return number, seq


def issue_facts(event: Any) -> Row | None:
    """What numbering a document needs of the event that issues it (None: issues none)."""
    item = issued_item(event)
    return None if item is None else facts_of(item)


def facts_of(item: Row) -> Row:
    """What numbering needs of a document's item row."""
    return {
        "contract_id": item["contract_id"],
        "receivable_id": item["receivable_id"],
        "kind": item["kind"],
        "year": item["issued_on"].year,
    }


def number_in_log_order(facts: Row, batch: Batch) -> None:
    """A chunked rebuild's numbering, document after document in log order."""
    number, seq = draw_number(batch, facts)
    batch.put(
        ISSUED.name,
        {
            "contract_id": facts["contract_id"],
            "receivable_id": facts["receivable_id"],
            "number": number,
            "seq": seq,
        },
    )


def next_number(batch: Batch, kind: str, year: int) -> str:
    """The next number of the kind's sequence for the year: `INV-2025-000001` is the first."""
    return f"{DOCUMENT_PREFIX[kind]}-{year}-{_next(batch, kind, year):06d}"


def _next(batch: Batch, kind: str, year: int) -> int:
    row = batch.get("sequences", kind, year) or {"kind": kind, "year": year, "last": 0}
    row["last"] += 1
    batch.put("sequences", row)
    return int(row["last"])


InvoicesProjection.ordered = OrderedPart(
    events=(ReceivableIssued, CreditNoteIssued),
    facts=ISSUE_FACTS,
    extract=issue_facts,
    decide=number_in_log_order,
    tables=(SEQUENCES.name, NUMBERS.name),
    decided=ISSUED,
)

SPEC = ViewSpec("invoices", InvoicesProjection, PostgresInvoicesView, InMemoryInvoicesView)
