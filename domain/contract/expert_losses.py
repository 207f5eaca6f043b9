"""The independent expert's decision on a theft's or total loss's Protection claim (L-35,
Art. 10.7; M-18, M-19, M-20).

A theft or total loss claim stays accepted unless the Lessor refuses it under Art. 10.2
(domain/contract/protection.py); that refusal is the only decision on a loss the Customer can
contest (D-21), so the expert decides on a refusal:

- upholding it (REFUSED, with its Art. 10.2 code) changes no amount;
- overturning it (ACCEPTED): the refusal is lifted, so Protection covers the loss and the
  Lessor waives its recourse (Art. 10.1). Before the end by law (a theft still pending)
  nothing more is due now: the end refunds the advance and the settlement waives, as for any
  covered loss. After the end, the M-19 advance refund is credited (unless it was credited
  and not taken back). After the M-18 settlement, the shortfall charged is credited back: with
  the waiver (RC - payout, Art. 10.1) the shortfall RC - (payout + waiver) is 0.00. With GAP
  (M-20) its payout is worked again with the waiver (the shortfall charged) and the advance
  refund as term (ii), and the difference is credited (or charged back).

Not modelled, refused naming L-35 [INT]:
- PARTIALLY_ACCEPTED: the terms know no partial waiver of a loss. M-18 waives all that the
  insurer does not pay, and Art. 10.8 refunds the advance "enkel indien" the Lessor waives its
  recourse under Art. 10.1, so a part waiver would leave both the shortfall and the refund
  undefined.
- A Customer's share above 0.00: no flat fee is due on a theft or total loss here (M-15
  exempts theft; the loss's flat fee is not charged by this service), so there is none to set.
- A loss after Protection ended (L-32, D-18): the expert's acceptance cannot make Protection
  cover it.
The reverse (an acceptance of a loss overturned by the expert) cannot come about: an accepted
loss claim is no recorded decision, so there is nothing to contest or refer to the expert.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract.billing_events import CreditNoteIssued, DebitNoteIssued
from domain.contract.guards import require
from domain.contract.losses import determine_gap
from domain.contract.termination import refund_advance
from domain.money import Money
from domain.values import ReceivableKind
from domain.workings import records, stated

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.state import Receivable

ZERO = Money.zero()
RULES = ["L-35", "M-18", "M-19"]


def require_loss_decision(c: Contract, outcome: str, customer_share: Money) -> None:
    """What an expert can decide on a loss's claim (see the module's readings)."""
    require(
        outcome != "PARTIALLY_ACCEPTED",
        "L-35",
        "a theft or total loss is accepted or refused wholly: the terms give no part waiver"
        " of the Remaining Capital (M-18) nor a part advance refund (M-19, Art. 10.8)",
    )
    require(
        not customer_share.is_positive,
        "L-35",
        "customer_share: no flat fee is due on a theft or total loss (M-15)",
    )
    loss_on = _loss_on(c)
    ends = c.protection_ends_on
    require(
        outcome == "REFUSED" or loss_on is None or ends is None or loss_on < ends,
        "L-35",
        f"Protection ended on {ends}, before the loss (L-32): the expert cannot make it cover",
    )


def _loss_on(c: Contract) -> date | None:
    """The day of the loss: the effective end, or the theft still pending."""
    if c.effective_end_date is not None:
        return c.effective_end_date
    return c.theft.theft_date if c.theft is not None else None


def waive_loss(c: Contract, ctx: Ctx) -> None:
    """The refusal overturned: the Lessor's waiver of the loss, as far as it is due yet."""
    end = c.effective_end_date
    if end is None or c.end_kind is None:  # a theft still pending: its end will refund
        return
    if not _net_advance_refunded(c).is_positive:
        refund_advance(c, ctx, end)
    if not c.loss_settled:
        return
    shortfall = _documents(c, ReceivableKind.DEBIT_NOTE, "TOTAL_LOSS_SHORTFALL")
    charged = _total(c, ReceivableKind.DEBIT_NOTE, "TOTAL_LOSS_SHORTFALL")
    if charged.is_positive:
        what = "total loss shortfall waived under Protection (the expert overturned the refusal)"
        c.issue(
            CreditNoteIssued,
            ctx,
            RULES,
            amount=charged,
            relates_to=shortfall[0].receivable_id,
            reason="LOSS_SHORTFALL_WAIVED",
            workings=records([stated("M-18", what, charged, incident_id=c.loss_incident_id)]),
        )
    if c.terms.gap_included:
        _gap_again(c, ctx, end, charged)


def _gap_again(c: Contract, ctx: Ctx, end: date, waived: Money) -> None:
    """M-20 worked again with the Protection waiver and the advance refund as term (ii)
    (A-24): the difference with the GAP already credited is credited or charged back."""
    refund = _net_advance_refunded(c)
    rules = ["L-35", "M-20", "A-24"]
    gap = determine_gap(c, ctx, rules, end, waived, refund)
    if gap is None:  # A-24(c): no GAP after contract month 60
        return
    before = _total(c, ReceivableKind.CREDIT_NOTE, "GAP")
    before = before - _total(c, ReceivableKind.DEBIT_NOTE, "GAP_CORRECTION")
    difference = gap.payout - before
    working = gap.working.citing(incident_id=c.loss_incident_id)
    if difference.is_positive:
        what = f"GAP payout {gap.payout} less {before} already credited"
        more = stated("M-20", what, difference, payout=gap.payout, credited=before)
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=difference,
            relates_to=None,
            reason="GAP",
            workings=records([working, more]),
        )
    elif (before - gap.payout).is_positive:
        what = f"GAP credited {before} above the payout {gap.payout}"
        back = before - gap.payout
        less = stated("M-20", what, back, payout=gap.payout, credited=before)
        c.issue(
            DebitNoteIssued,
            ctx,
            rules,
            amount=back,
            due_date=ctx.on,
            debit_category="GAP_CORRECTION",
            workings=records([working, less]),
        )


def _net_advance_refunded(c: Contract) -> Money:
    """M-19: the advance refund credited, less what a refusal took back."""
    credited = _total(c, ReceivableKind.CREDIT_NOTE, "ADVANCE_REFUND")
    return credited - _total(c, ReceivableKind.DEBIT_NOTE, "ADVANCE_REFUND_REVERSAL")


def _total(c: Contract, kind: ReceivableKind, category: str) -> Money:
    return sum((item.amount for item in _documents(c, kind, category)), ZERO)


def _documents(c: Contract, kind: ReceivableKind, category: str) -> list[Receivable]:
    return [d for d in c.receivables.values() if d.kind is kind and d.category == category]
