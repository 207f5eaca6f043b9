"""Open amounts of a contract's documents as item rows, by the aggregate's own rules.

The `invoices`, `ledger` and `exposure` views each hold one item row per document in a table
of their own (a view reads only its own tables). The facts come from the domain, which the
Contract aggregate applies too: the document an event issues (`ReceivableIssued.document`,
`CreditNoteIssued.document`), a credit note's netting against the document it relates to
(`ledger.netting`), and what a payment, set-off or refund takes off (`open_change`). This
module only turns them into rows; the views add their own columns around them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import CreditNoteIssued, ReceivableIssued
from domain.contract.ledger import OpenChange, netting
from domain.money import Money
from domain.values import ReceivableKind
from projections.engine.memo import PerEvent

if TYPE_CHECKING:
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


ISSUING = (ReceivableIssued, CreditNoteIssued)
"""The events that issue a document."""


def issued_item(event: object) -> Row | None:
    """The item row a document-issuing event creates (invoice, debit or credit note), or None.

    A new dict each call (the views change it); the row itself is worked out once per event
    (`PerEvent`: five views ask for it).
    """
    if not isinstance(event, ISSUING):
        return None
    return dict(_item_of(event))


@PerEvent
def _item_of(event: object) -> Row:
    assert isinstance(event, ISSUING)  # issued_item
    document = event.document()
    return {
        "contract_id": event.originator_id,
        "receivable_id": document.receivable_id,
        "version": event.originator_version,
        "kind": document.kind.value,
        "category": document.category,
        "bucket": document.bucket.value,
        "issued_on": document.issued_on,
        "due_on": document.due_on,
        "amount": document.amount.amount,
        "open": document.open.amount,
        "relates_to": document.relates_to,
    }


@PerEvent
def _open_change(event: object) -> OpenChange | None:
    """`ContractEvent.open_change`, worked out once per event (the views of open amounts)."""
    assert isinstance(event, ContractEvent)  # OpenAmounts.settle
    return event.open_change()


class OpenAmounts:
    """Keeps the `open` column of one item table of a view, event by event."""

    def __init__(self, table: str) -> None:
        self.table = table

    def issue(self, batch: Batch, item: Row) -> None:
        """Store a new document; a credit note first nets against the one it relates to."""
        target = self._related_debit(batch, item)
        if target is not None:
            taken = netting(Money(item["open"]), Money(target["open"])).amount
            target["open"] -= taken
            item["open"] -= taken
            batch.put(self.table, target)
        batch.put(self.table, item)

    def _related_debit(self, batch: Batch, item: Row) -> Row | None:
        if item["kind"] != CREDIT_NOTE or not item["relates_to"]:
            return None
        target = batch.get(self.table, item["contract_id"], item["relates_to"])
        if target is None or target["kind"] == CREDIT_NOTE:
            return None
        return target

    def settle(self, event: object, batch: Batch) -> Decimal | None:
        """Take a payment's, set-off's or refund's amounts off the documents it names.

        Returns the change of the contract's unallocated balance (overpayments), or None
        when the event changes no open amount.
        """
        if not isinstance(event, ContractEvent):
            return None
        change = _open_change(event)
        if change is None:
            return None
        for receivable_id, amount in change.reductions:
            row = batch.get(self.table, event.originator_id, receivable_id)
            if row is not None:  # always present: the aggregate allocated to its own documents
                row["open"] -= amount.amount
                batch.put(self.table, row)
        return change.balance.amount
