"""Open amounts of a contract's documents, kept exactly as the Contract aggregate keeps them.

The `invoices` and `ledger` views each hold one item row per document in a table of their own
(a view reads only its own tables) and change its `open` on the same events, in the same way,
as `Receivable.open` changes on the aggregate:
- a credit note first nets against the document it relates to (`Contract.add_credit`);
- a payment and a set-off reduce the debits they were allocated to (M-09, A-11);
- a set-off and a refund use up the credit notes and the unallocated balance they name.
This module is that one rule; the views add their own columns around it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.events import (
    CREDIT_BALANCE,
    CreditNoteIssued,
    CreditsSetOff,
    PaymentReceived,
    ReceivableIssued,
    RefundPaidToCustomer,
)
from domain.values import Bucket, ReceivableKind

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date
    from uuid import UUID

    from projections.engine.rows import Batch, Row

CREDIT_NOTE = ReceivableKind.CREDIT_NOTE.value
ZERO = Decimal(0)

ITEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("contract_id", "uuid"),
    ("receivable_id", "text"),
    ("version", "bigint"),
    ("kind", "text"),
    ("category", "text"),
    ("bucket", "text"),
    ("issued_on", "date"),
    ("due_on", "date"),
    ("amount", "numeric"),
    ("open", "numeric"),
    ("relates_to", "text"),
)
"""The columns every item table starts with, keyed by (contract_id, receivable_id).

`version` is the contract version of the issuing event (issue order within the contract);
`open` is what is still to be paid (debits) or still owed to the Customer (credit notes)."""


def issued_item(event: object) -> Row | None:
    """The item row a document-issuing event creates (invoice, debit or credit note), or None."""
    if isinstance(event, ReceivableIssued):
        return _item(event, event.KIND, event.category(), event.BUCKET.value, event.due_date)
    if isinstance(event, CreditNoteIssued):
        row = _item(event, CREDIT_NOTE, event.reason, Bucket.OTHER.value, event.occurred_on)
        row["relates_to"] = event.relates_to
        return row
    return None


def _item(
    event: ReceivableIssued | CreditNoteIssued, kind: str, category: str, bucket: str, due: date
) -> Row:
    return {
        "contract_id": event.originator_id,
        "receivable_id": event.receivable_id,
        "version": event.originator_version,
        "kind": kind,
        "category": category,
        "bucket": bucket,
        "issued_on": event.occurred_on,
        "due_on": due,
        "amount": event.amount.amount,
        "open": event.amount.amount,
        "relates_to": None,
    }


class OpenAmounts:
    """Keeps the `open` column of one item table of a view, event by event."""

    def __init__(self, table: str) -> None:
        self.table = table

    def issue(self, batch: Batch, item: Row) -> None:
        """Store a new document; a credit note first nets against the one it relates to."""
        target = self._related_debit(batch, item)
        if target is not None:
            taken = min(target["open"], item["open"])
            target["open"] -= taken
            item["open"] -= taken
            batch.put(self.table, target)
        batch.put(self.table, item)

    def _related_debit(self, batch: Batch, item: Row) -> Row | None:
        if item["kind"] != CREDIT_NOTE or not item["relates_to"]:
            return None
        target = batch.get(self.table, item["contract_id"], item["relates_to"])
        if target is None or target["kind"] == CREDIT_NOTE or target["open"] <= ZERO:
            return None
        return target

    def settle(self, event: object, batch: Batch) -> Decimal | None:
        """Apply a payment, set-off or refund to the documents it names.

        Returns the change of the contract's unallocated balance (overpayments), or None
        when the event changes no open amount.
        """
        if isinstance(event, PaymentReceived):
            self._reduce(batch, event.originator_id, event.allocations)
            return event.unallocated.amount
        if isinstance(event, CreditsSetOff):
            self._reduce(batch, event.originator_id, event.allocations)
            return self._reduce(batch, event.originator_id, event.sources)
        if isinstance(event, RefundPaidToCustomer):
            return self._reduce(batch, event.originator_id, event.sources)
        return None

    def _reduce(self, batch: Batch, contract_id: UUID, lines: Iterable[dict[str, Any]]) -> Decimal:
        """Reduce each named document by its line's amount; returns minus the balance used."""
        balance = ZERO
        for line in lines:
            amount: Decimal = line["amount"].amount
            if line["receivable_id"] == CREDIT_BALANCE:
                balance -= amount
                continue
            row = batch.get(self.table, contract_id, line["receivable_id"])
            if row is not None:  # always present: the aggregate allocated to its own documents
                row["open"] -= amount
                batch.put(self.table, row)
        return balance
