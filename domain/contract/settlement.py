"""Return of the Vehicle, final settlement and closure (L-23, L-26..L-28, M-11, M-22..M-24)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_months, months_covered
from domain.contract import billing, dissolution
from domain.contract.billing_events import (
    CreditNoteIssued,
    EarlyTerminationFeeInvoiced,
    KmSettlementInvoiced,
    LateReturnCompensationCharged,
    MissingItemsCharged,
    ReturnDamageCharged,
)
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.settlement_events import (
    ContractClosed,
    FinalSettlementStarted,
    RepossessionCostsCharged,
    RepossessionOrdered,
    ReturnInspectionCompleted,
    VehicleReturned,
)
from domain.contract.termination_events import ContractTerminatedEarlyByCustomer
from domain.end_money import (
    early_termination_fee,
    late_days,
    return_charges,
    worked_late_return_compensation,
    worked_return_charges,
)
from domain.money import Money
from domain.money_rules import (
    EARLY_TERMINATION_FEE_RATE_MAX,
    expected_km,
    km_settlement,
    monthly_equivalent,
)
from domain.values import ContractStatus, EndKind
from domain.workings import passed_on, records

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

RETENTION_MONTHS = 120  # D-33: 10 years after closure
LATE_RETURN_KINDS = (EndKind.TERM_EXPIRED, EndKind.KM_CAP, EndKind.DISSOLVED_AGAINST_CUSTOMER)
"""M-23 / A-17: late-return compensation applies to these ends only."""

ChargeLines = tuple[tuple[str, Money], ...]
"""(item, amount) lines of a Return Report: damages, missing items."""
Lines = ChargeLines


@dataclass(frozen=True)
class ReturnVehicle(Command):
    """The Vehicle comes back: Return Report at this odometer, with damages and missing items."""

    name: ClassVar[str] = "return_vehicle"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-26", "L-23", "D-25", "M-11", "M-22", "M-23", "M-24")
    odometer: int = bounded()
    damages: ChargeLines = bounded(())
    missing_items: ChargeLines = bounded(())


@dataclass(frozen=True)
class Repossess(Command):
    """The Lessor takes the Vehicle back at the Customer's cost."""

    name: ClassVar[str] = "repossess"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.4", "L-26", "M-32")
    odometer: int = bounded()
    costs: Money = bounded()
    damages: ChargeLines = bounded(())
    missing: ChargeLines = bounded(())


@dataclass(frozen=True)
class CloseContract(Command):
    """Close a settled contract: nothing owed either way."""

    name: ClassVar[str] = "close"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-28", "D-33")


def _check_return(c: Contract, odometer: int, damages: Lines, missing: Lines) -> None:
    last = c.last_odometer or 0
    require(odometer >= last, "M-11", f"odometer {odometer} is below the last reading {last}")
    for item, amount in (*damages, *missing):
        require(amount.amount >= 0, "M-24", f"charge for {item} must not be negative")


def return_vehicle(
    c: Contract, ctx: Ctx, odometer: int, damages: ChargeLines, missing_items: ChargeLines
) -> None:
    """L-26/L-23: Return Report, then the charges that follow from how the contract ended.

    The early-termination fee rate is the Lessor policy's in force (P-42)."""
    fee_rate, missing = ctx.policy.early_termination_fee_rate, missing_items
    allowed = {ContractStatus.ENDED_AWAITING_RETURN, ContractStatus.EARLY_TERMINATION_PENDING}
    require_status(c, allowed, "L-26", "return_vehicle")
    _check_return(c, odometer, damages, missing)
    rate_ok = Decimal(0) <= fee_rate <= EARLY_TERMINATION_FEE_RATE_MAX
    require(rate_ok, "P-42", f"early termination fee rate {fee_rate} must be 0..0.50")
    heirs = c.end_kind is EndKind.DEATH
    c.emit(VehicleReturned, ctx, ["L-26", "D-25"], returned_by="HEIR" if heirs else "CUSTOMER")
    _inspect_and_settle(c, ctx, odometer, damages, missing, fee_rate)


def repossess(
    c: Contract, ctx: Ctx, odometer: int, costs: Money, damages: ChargeLines, missing: ChargeLines
) -> None:
    """T-18.4, L-26, M-32: the Lessor takes the Vehicle back, at the Customer's cost."""
    require_status(c, {ContractStatus.ENDED_AWAITING_RETURN}, "T-18.4", "repossess")
    _check_return(c, odometer, damages, missing)
    require(costs.amount >= 0, "M-32", "repossession costs must not be negative")
    c.emit(RepossessionOrdered, ctx, ["T-18.4"], reason=c.end_kind.value if c.end_kind else "")
    c.emit(VehicleReturned, ctx, ["L-26", "T-18.4"], returned_by="REPOSSESSION")
    if costs.is_positive:
        c.issue(
            RepossessionCostsCharged,
            ctx,
            ["M-32", "T-18.4"],
            amount=costs.rounded(),
            due_date=_due(c, ctx),
            workings=records([passed_on("M-32", "repossession costs", costs)]),
        )
    _inspect_and_settle(c, ctx, odometer, damages, missing, EARLY_TERMINATION_FEE_RATE_MAX)


def _inspect_and_settle(
    c: Contract, ctx: Ctx, odometer: int, damages: Lines, missing: Lines, fee_rate: Decimal
) -> None:
    """The Return Report, then the charges that follow from how the contract ended."""
    c.emit(
        ReturnInspectionCompleted,
        ctx,
        ["L-26", "M-24", "D-32"],
        odometer=odometer,
        damages=[{"item": i, "amount": a} for i, a in damages],
        missing_items=[{"item": i, "amount": a} for i, a in missing],
    )
    if c.end_kind is None:
        _terminate_early(c, ctx, odometer, damages, missing, fee_rate)
    else:
        dissolution.deduct_recovered_vehicle(c, ctx)
        _settle_return(c, ctx, odometer, damages, missing)
    c.emit(FinalSettlementStarted, ctx, ["L-27"])


def _terminate_early(
    c: Contract, ctx: Ctx, odometer: int, damages: Lines, missing: Lines, rate: Decimal
) -> None:
    """L-23, M-22: the end is the return date; the fee includes km, damage and missing items."""
    c.emit(
        ContractTerminatedEarlyByCustomer,
        ctx,
        ["L-23", "T-18.7", "A-21", "T-18.10"],
        end_kind=EndKind.EARLY_TERMINATION.value,
        effective_end_date=ctx.on,
        return_due_date=None,
        next_status=ContractStatus.RETURNED.value,
    )
    billing.credit_after(c, ctx, ctx.on, "PRO_RATA_END", ["M-04", "A-21"])
    assert c.start_date is not None  # an early termination follows a handover
    fee = early_termination_fee(
        monthly_equivalent(c.terms.instalment_amount, c.terms.instalment_frequency),
        c.terms.term_months,
        months_covered(c.start_date, ctx.on),
        rate,
        c.driven_km(odometer),
        c.terms.annual_km,
        c.terms.excess_km_price,
        return_charges([a for _, a in damages]),
        return_charges([a for _, a in missing]),
    )
    c.issue(
        EarlyTerminationFeeInvoiced,
        ctx,
        ["M-22", "T-18.7", "P-42", "A-21"],
        amount=fee.amount,
        due_date=_due(c, ctx),
        rate=fee.rate,
        remaining_months=fee.remaining_months,
        remaining_instalments=fee.remaining_instalments.rounded(),
        base_fee=fee.base_fee,
        excess_km=fee.excess_km,
        excess_km_charge=fee.excess_km_charge,
        damage_charge=fee.damage_charge,
        missing_items_charge=fee.missing_items_charge,
        workings=records(fee.workings),
    )


def _settle_return(c: Contract, ctx: Ctx, odometer: int, damages: Lines, missing: Lines) -> None:
    """M-04/M-33 (heirs), M-23 (late return), M-11 (km), M-24 (damage, missing items)."""
    if c.end_kind is EndKind.DEATH:
        billing.credit_after(c, ctx, ctx.on, "PRO_RATA_END", ["M-04", "M-33"])
    if c.end_kind in LATE_RETURN_KINDS:
        _charge_late_return(c, ctx)
    # M-21 / A-22: after a dissolution the EMV reflects the condition; no km or damage lines.
    if c.end_kind is not EndKind.DISSOLVED_AGAINST_CUSTOMER:
        _settle_km(c, ctx, odometer)
        _charge_lines(c, ctx, ReturnDamageCharged, damages, ["M-24", "A-28"])
    _charge_lines(c, ctx, MissingItemsCharged, missing, ["M-24"])


def _charge_late_return(c: Contract, ctx: Ctx) -> None:
    """M-23: instalment of the last invoice that fell due, per day, plus EUR 50 per day."""
    due = c.return_due_date
    if due is None:
        return
    days = late_days(due, ctx.on)
    invoices = [r for r in c.receivables.values() if r.category == "INSTALMENT"]
    if days == 0 or not invoices:
        return
    last = invoices[-1]
    instalment = last.instalment or c.terms.instalment_amount
    pro_rata, flat = worked_late_return_compensation(instalment, last.period_days or 1, days)
    c.issue(
        LateReturnCompensationCharged,
        ctx,
        ["M-23", "D-25", "A-17"],
        amount=pro_rata.amount + flat.amount,
        due_date=_due(c, ctx),
        return_due_date=due,
        returned_on=ctx.on,
        late_days=days,
        pro_rata_part=pro_rata.amount,
        flat_part=flat.amount,
        workings=records([pro_rata.citing(receivable_id=last.receivable_id), flat]),
    )


def _settle_km(c: Contract, ctx: Ctx, odometer: int) -> None:
    """M-11: full-term expected km at expiry, pro rata to the effective end otherwise."""
    assert c.start_date is not None and c.effective_end_date is not None  # noqa: PT018
    if c.end_kind is EndKind.TERM_EXPIRED:
        expected = c.terms.contract_km
    else:
        end = ctx.on if c.end_kind is EndKind.DEATH else c.effective_end_date
        expected = expected_km(c.terms.annual_km, months_covered(c.start_date, end))
    actual = c.driven_km(odometer)
    terms = c.terms
    result = km_settlement(
        actual,
        expected,
        terms.excess_km_price,
        terms.shortfall_km_price,
        terms.shortfall_refund_cap,
    )
    if result.charge.is_positive:
        c.issue(
            KmSettlementInvoiced,
            ctx,
            ["M-11", "A-14"],
            amount=result.charge,
            due_date=_due(c, ctx),
            expected_km=result.expected_km,
            actual_km=actual,
            deviation_km=result.deviation_km,
            workings=records([result.charge_working]),
        )
    if result.credit.is_positive:
        c.issue(
            CreditNoteIssued,
            ctx,
            ["M-11", "P-11", "A-14"],
            amount=result.credit,
            relates_to=None,
            reason="KM_SHORTFALL",
            workings=records([result.credit_working]),
        )


def _charge_lines(
    c: Contract,
    ctx: Ctx,
    event: type[ReturnDamageCharged | MissingItemsCharged],
    lines: Lines,
    rules: list[str],
) -> None:
    amount = return_charges([a for _, a in lines])
    if amount.is_positive:
        c.issue(
            event,
            ctx,
            rules,
            amount=amount,
            due_date=_due(c, ctx),
            lines=[{"item": i, "amount": a.rounded()} for i, a in lines],
            workings=records(worked_return_charges(lines)),
        )


def _due(c: Contract, ctx: Ctx) -> date:
    """D-36 / A-43: documents are due after the contract's payment term."""
    return ctx.on + timedelta(days=c.terms.payment_term_days)


def close(c: Contract, ctx: Ctx) -> None:
    """L-28: all balances zero both ways; after a dissolution the Vehicle must be sold, after a
    theft or total loss the loss settled against the insurer's payout (M-18, L-27), and the
    Fuel Card returned or blocked (O-16, Art. 16.5)."""
    require_status(c, {ContractStatus.IN_SETTLEMENT}, "L-28", "close")
    owed, credit = c.open_debits(), c.open_credits()
    require(owed.is_zero, "L-28", f"customer balance not settled: {owed} open")
    require(credit.is_zero, "L-28", f"lessor owes the customer {credit}")
    sold = c.dissolution is None or c.dissolution.sold
    require(sold, "L-28", "the Vehicle is not sold yet (Art. 18.5)")
    awaited = c.end_kind in (EndKind.THEFT, EndKind.TOTAL_LOSS) and not c.loss_settled
    require(not awaited, "L-28", "the insurer's payout for the loss is not recorded (M-18, L-27)")
    card_out = c.fuel.card_status == "ACTIVE"
    require(not card_out, "O-16", "the Fuel Card is neither returned nor blocked (L-28)")
    c.emit(
        ContractClosed, ctx, ["L-28", "D-33"], retention_until=add_months(ctx.on, RETENTION_MONTHS)
    )


HANDLERS: Handlers = {ReturnVehicle: return_vehicle, Repossess: repossess, CloseContract: close}
