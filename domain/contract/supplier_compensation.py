"""The supplier's compensation for non-conformity, deducted from the instalments (M-05, Art. 4.4).

Art. 4.4 leaves delivery delays and non-conformity to the supplier; what the supplier pays
the Lessor for it is deducted from the Customer's instalments "in a way the Lessor chooses"
(HUMAN choice, RULES 9 `SupplierCompensationAllocated`):

- LUMP_CREDIT: one credit note for the whole amount now, set off against what is open;
- SPREAD: equal shares, one credited on each of the next `instalments` instalment invoices
  as the billing run issues them (`credit_spread_shares`, called by the daily `bill`).

Readings [INT] (the terms say no more): the amount is what the supplier paid, to the cent;
the shares are the amount divided by the number of instalments, rounded half-up, the last
share taking the rounding difference so the shares add up to the amount; SPREAD needs a
contract that is still billed. Shares still pending when the contract stops billing stay
recorded in the state (`compensation_shares`); crediting them at the end is not built yet.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from domain.contract.billing_events import CreditNoteIssued
from domain.contract.command import Command, bounded
from domain.contract.compensation_events import (
    SupplierCompensationAllocated,
    SupplierCompensationReceived,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.money import Money
from domain.values import ContractStatus, ReceivableKind
from domain.workings import Working, records, stated, working

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

ALLOCATIONS = ("LUMP_CREDIT", "SPREAD")
SPREAD_REASON = "SUPPLIER_COMPENSATION_SPREAD"
LUMP_REASON = "SUPPLIER_COMPENSATION"
CREDITABLE = NOT_ENDED | {
    ContractStatus.ENDED_AWAITING_RETURN,
    ContractStatus.RETURNED,
    ContractStatus.IN_SETTLEMENT,
}
"""A lump credit can be given from conclusion until closure."""
MAX_INSTALMENTS = 120


@dataclass(frozen=True)
class CreditSupplierCompensation(Command):
    """M-05: the supplier's compensation, credited at once or spread over instalments."""

    name: ClassVar[str] = "credit_supplier_compensation"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-05",)
    amount: Money = bounded(low=Money.zero())
    supplier: str = bounded()
    allocation: str = bounded("LUMP_CREDIT", choices=ALLOCATIONS)
    instalments: int = bounded(1, low=1, high=MAX_INSTALMENTS)


def spread_shares(amount: Money, instalments: int) -> list[Working]:
    """M-05 SPREAD: amount / instalments to the cent; the last share takes the rest."""
    if instalments < 1:
        raise ValueError(f"M-05: spread over at least one instalment, got {instalments}")
    share = Money(amount.amount / instalments).rounded()
    last = amount.rounded() - share * (instalments - 1)
    each = working(
        "M-05",
        "supplier_compensation / instalments",
        f"{amount} / {instalments}",
        share,
        supplier_compensation=amount,
        instalments=instalments,
    )
    rest = working(
        "M-05",
        "supplier_compensation - share x (instalments - 1)",
        f"{amount} - {share} x {instalments - 1}",
        last,
        supplier_compensation=amount,
        share=share,
        instalments=instalments,
    )
    return [each] * (instalments - 1) + [rest]


def credit_supplier_compensation(
    c: Contract, ctx: Ctx, amount: Money, supplier: str, allocation: str, instalments: int
) -> None:
    """M-05: record the compensation and deduct it the way the Lessor chose."""
    spread = allocation == "SPREAD"
    require_status(c, NOT_ENDED if spread else CREDITABLE, "M-05", "credit_supplier_compensation")
    require(allocation in ALLOCATIONS, "M-05", f"{allocation} is not an allocation")
    require(bool(supplier.strip()), "M-05", "supplier is required")
    require(amount == amount.rounded(), "M-05", "amount must be in whole cents")
    require(amount.is_positive, "M-05", "the compensation must be more than 0")
    require(spread or instalments == 1, "M-05", "a lump credit is one credit note")
    shares = spread_shares(amount, instalments) if spread else []
    require(all(s.amount.is_positive for s in shares), "M-05", "a share must be more than 0")
    c.emit(SupplierCompensationReceived, ctx, ["M-05"], amount=amount, supplier=supplier)
    note_ids = [] if spread else [c.next_receivable_id()]
    c.emit(
        SupplierCompensationAllocated,
        ctx,
        ["M-05"],
        allocation=allocation,
        shares=list(records(shares)),
        credit_note_ids=note_ids,
    )
    if not spread:
        worked = stated("M-05", f"compensation paid by {supplier}", amount, supplier=supplier)
        c.issue(
            CreditNoteIssued,
            ctx,
            ["M-05"],
            amount=amount,
            relates_to=None,
            reason=LUMP_REASON,
            workings=records([worked]),
        )


def _credited_shares(c: Contract) -> int:
    return sum(1 for r in c.receivables.values() if r.category == SPREAD_REASON)


def credit_spread_shares(c: Contract, ctx: Ctx, before: int) -> None:
    """M-05 SPREAD: credit the next pending share on each instalment invoice issued since
    the contract had `before` documents (documents are only ever added), against it."""
    if not c.compensation_shares:  # most contracts: nothing spread
        return
    since = itertools.islice(c.receivables.values(), before, None)
    issued = [r for r in since if r.kind is ReceivableKind.INVOICE]
    for invoice in issued:
        done = _credited_shares(c)
        if done >= len(c.compensation_shares):
            return
        share = c.compensation_shares[done]
        cites = {**share["cites"], "receivable_id": invoice.receivable_id}
        c.issue(
            CreditNoteIssued,
            ctx,
            ["M-05"],
            amount=Money(Decimal(share["amount"])),
            relates_to=invoice.receivable_id,
            reason=SPREAD_REASON,
            workings=({**share, "cites": cites},),
        )


HANDLERS: Handlers = {CreditSupplierCompensation: credit_supplier_compensation}
