"""The receivables ledger's arithmetic, as the aggregate and every read model apply it.

A document's open amount changes in three ways: it is issued (`ReceivableIssued`,
`CreditNoteIssued` carry the document), a credit note nets against the debit it relates to
(`netting`), and a payment, set-off or refund takes amounts off the documents it names
(`OpenChange`, carried by those events). Whether an open debit is overdue on a date is
`is_overdue`. The Contract aggregate and the `invoices`, `ledger`, `portal`, `deadlines` and
`exposure` views all use these, so their open and overdue amounts cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.money import Money

if TYPE_CHECKING:
    from datetime import date

CREDIT_BALANCE = "BALANCE"
"""Source id of the unallocated part of payments in a set-off or refund."""


@dataclass(frozen=True)
class OpenChange:
    """What one ledger event does to open amounts."""

    reductions: tuple[tuple[str, Money], ...]
    """(receivable id, amount) taken off each named document (debits and credit notes)."""
    balance: Money
    """The change of the unallocated credit balance (overpayments: +, used: -)."""


def open_change(
    allocations: list[dict[str, object]], sources: list[dict[str, object]], paid_in: Money
) -> OpenChange:
    """The change made by debits `allocations` settled from credit `sources` (credit notes, or
    the BALANCE of unallocated payments) plus `paid_in` money that stays unallocated."""
    reductions: list[tuple[str, Money]] = []
    balance = paid_in
    for line in [*allocations, *sources]:
        receivable_id, amount = str(line["receivable_id"]), line["amount"]
        assert isinstance(amount, Money)  # ledger lines carry Money
        if receivable_id == CREDIT_BALANCE:
            balance = balance - amount
        else:
            reductions.append((receivable_id, amount))
    return OpenChange(tuple(reductions), balance)


def netting(credit_open: Money, debit_open: Money) -> Money:
    """What a new credit note takes off the open debit it relates to (and off itself)."""
    if not debit_open.is_positive:
        return Money.zero()
    return Money(min(debit_open.amount, credit_open.amount))


def is_overdue(open_amount: Money, due_on: date, on: date) -> bool:
    """L-34: an open debit whose due date has passed on `on`."""
    return open_amount.is_positive and due_on < on
