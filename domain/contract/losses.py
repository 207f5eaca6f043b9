"""The money of a theft or total loss: the insurer's payout against the Remaining Capital
(M-18, Art. 7.8(ii), 11.1).

A theft not recovered in time or a total loss ends the contract by law with effect from the
theft or the accident (T-18.1-iii/iv); the advance refund (M-19) follows at once. What the
Customer owes for the car itself can only be settled once the insurer has paid the Lessor,
its sole beneficiary (Art. 11.1): Art. 7.8(ii) charges "the difference between the Remaining
Capital and the amounts effectively received from the insurer or accepted under Protection",
and the catalogue's events follow that order (`InsurerPayoutReceived`, then
`TotalLossSettlementComputed`, RULES 9.4). So the settlement is made when the payout is
recorded (`record_insurer_payout`), on the Remaining Capital at the effective end date:

- the shortfall RC(E) - (payout + Protection waiver) is charged on a debit note;
- the payout above RC(E) is the Customer's (Art. 11.1), credited on a credit note.

Protection [INT]: under Protection the Lessor waives its recourse (Art. 10.1) for what the
insurer does not pay, so nothing is charged. Protection covers when the terms include it, it
had not ended before the loss (a termination letter, D-18: cover ends 2 weeks after it,
A-27, or a stop on an Art. 18.2 ground), and the Lessor did not refuse the loss's claim
under Art. 10.2 (`refuse_protection_claim`, protection.py). A
payout of 0.00 records that the insurer paid nothing (no own-damage policy under Art. 11.4,
or a refusal).

GAP (M-20, Art. 11.7, P-45, A-24): with GAP in the terms (P-27), the same settlement works
out the GAP payout (domain/gap_money.py) and credits it to the Customer (credit note GAP),
who is paid out like any credit. [INT] Art. 11.7 says the Customer "receives" the difference
without naming the payer; the Lessor credits it, as A-24(f)'s `GapPayoutDetermined` then
a payment to the Customer (`RefundPaidToCustomer{reason: GAP}`, RULES 9.2). Where Protection
does not cover the loss, term (ii) is the insurer's payout (A-24(a)) and nothing was
refunded under Art. 10.8.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import elapsed_months
from domain.contract.billing_events import CreditNoteIssued, TotalLossShortfallCharged
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import (
    GapPayoutDetermined,
    InsurerPayoutReceived,
    TotalLossSettlementComputed,
)
from domain.contract.protection import advance_refunded
from domain.end_money import protection_waiver, total_loss_settlement
from domain.gap_money import gap_payout
from domain.money import Money
from domain.money_rules import worked_remaining_capital
from domain.values import ContractStatus, EndKind
from domain.workings import records

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.gap_money import GapPayout

LOSS_RULES = {EndKind.THEFT: "T-18.1-iii", EndKind.TOTAL_LOSS: "T-18.1-iv"}
"""The ends by law whose charges include M-18, with the rule that lists them."""


@dataclass(frozen=True)
class RecordInsurerPayout(Command):
    """The insurer paid the Lessor for the stolen or totally lost Vehicle (0.00 if nothing)."""

    name: ClassVar[str] = "record_insurer_payout"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-18", "T-18.1-iii", "T-18.1-iv")
    amount: Money = bounded()
    insurer: str = bounded()


def protection_covers(c: Contract, loss_on: date) -> bool:
    """M-18, M-19 (Art. 10.1, 10.8): Protection is included, had not ended before the loss
    (D-18, A-27, T-18.2-ii), and the Lessor did not refuse the loss's claim (Art. 10.2)."""
    ends_on = c.protection_ends_on
    refused = c.loss_incident_id is not None and c.loss_incident_id in c.protection_refusals
    return c.terms.protection_included and (ends_on is None or loss_on < ends_on) and not refused


def record_insurer_payout(c: Contract, ctx: Ctx, amount: Money, insurer: str) -> None:
    """M-18: settle the loss against the Remaining Capital at the effective end date."""
    require_status(c, {ContractStatus.IN_SETTLEMENT}, "M-18", "record_insurer_payout")
    require(c.end_kind in LOSS_RULES, "M-18", "the contract did not end by theft or total loss")
    require(not c.loss_settled, "M-18", "the loss is already settled")
    require(amount == amount.rounded(), "M-18", "amount must be in whole cents")
    require(bool(insurer.strip()), "M-18", "insurer is required")
    assert c.end_kind is not None and c.effective_end_date is not None  # noqa: PT018
    end = c.effective_end_date
    rules = ["M-18", LOSS_RULES[c.end_kind]]
    worked_capital = worked_remaining_capital(c.terms.invested_capital, c.start_date, end, "M-18")
    capital = worked_capital.amount
    covers = protection_covers(c, end)
    waived = protection_waiver(capital, amount) if covers else Money.zero()
    settled = total_loss_settlement(capital, amount, waived)
    incident = c.loss_incident_id
    c.emit(InsurerPayoutReceived, ctx, rules, incident_id=incident, insurer=insurer, amount=amount)
    c.emit(
        TotalLossSettlementComputed,
        ctx,
        rules,
        incident_id=incident,
        remaining_capital=capital,
        insurer_payout=amount,
        protection_waived=settled.protection_waived.rounded(),
        shortfall=settled.shortfall,
        surplus_to_customer=settled.surplus,
    )
    if settled.shortfall.is_positive:
        c.issue(
            TotalLossShortfallCharged,
            ctx,
            rules,
            amount=settled.shortfall,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),  # D-36, A-43
            incident_id=incident,
            remaining_capital=capital,
            insurer_payout=amount,
            protection_waived=settled.protection_waived.rounded(),
            workings=records(settled.line_workings(worked_capital)),
        )
    if settled.surplus.is_positive:
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=settled.surplus,
            relates_to=None,
            reason="INSURER_SURPLUS",
            workings=records([settled.surplus_working()]),
        )
    if c.terms.gap_included:
        _credit_gap(c, ctx, end, amount, settled.protection_waived.rounded() if covers else None)


def _credit_gap(c: Contract, ctx: Ctx, end: date, paid: Money, waived: Money | None) -> None:
    """M-20 (P-45, A-24): the GAP payout from the insured value, less the Protection waiver
    and the advance refund, or less the insurer's payout where Protection did not cover."""
    refund = advance_refunded(c) if waived is not None else Money.zero()
    rules = ["M-20", "P-45", "A-24"]
    gap = determine_gap(c, ctx, rules, end, paid if waived is None else waived, refund)
    if gap is not None and gap.payout.is_positive:
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=gap.payout,
            relates_to=None,
            reason="GAP",
            workings=records([gap.working.citing(incident_id=c.loss_incident_id)]),
        )


def determine_gap(
    c: Contract, ctx: Ctx, rules: list[str], end: date, deducted: Money, refund: Money
) -> GapPayout | None:
    """M-20: the GAP payout from the insured value less `deducted` (the waiver, or the
    insurer's payout) and the advance `refund`, recorded (`GapPayoutDetermined`); None
    after contract month 60 (A-24(c))."""
    insured = c.terms.gap_insured_value
    assert insured is not None  # P-51: GAP terms carry the insured value
    gap = gap_payout(insured, elapsed_months(c.start_date, end), deducted, refund)
    if gap is None:
        return None
    c.emit(
        GapPayoutDetermined,
        ctx,
        rules,
        incident_id=c.loss_incident_id,
        insured_value=insured,
        contract_month_number=gap.month_number,
        base=gap.base,
        waived_amount=gap.deducted - refund,
        advance_refund=refund,
        payout=gap.payout,
    )
    return gap


HANDLERS: Handlers = {RecordInsurerPayout: record_insurer_payout}
