"""Suspension and dissolution against the Customer, and the M-21 indemnity (RULES 6.3,
L-10..L-13, T-18.5), with the Lessor policy that may apply them by itself (K-02)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import deadline_in_days, next_working_day
from domain.contract import billing
from domain.contract.billing_events import (
    CreditNoteIssued,
    DebitNoteIssued,
    DissolutionIndemnityInvoiced,
)
from domain.contract.command import Command, bounded
from domain.contract.grounds import rule_id_of
from domain.contract.guards import NOT_CLOSED, require, require_status
from domain.contract.status import NOT_ENDED
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    ContractSuspended,
    ContractSuspensionLifted,
    DissolutionIndemnityCorrected,
    VehicleMarketValueEstimated,
    VehicleSold,
)
from domain.end_money import (
    DissolutionIndemnity,
    dissolution_indemnity,
    indemnity_after_later_sale,
    indemnity_after_sale_within_window,
)
from domain.money import Money
from domain.money_rules import worked_remaining_capital
from domain.values import ContractStatus, EndKind
from domain.workings import records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import Ground

INDEMNITY_PAYMENT_DAYS = 15  # P-40, D-13
SALE_WINDOW_DAYS = 15  # P-40, D-14


@dataclass(frozen=True)
class Suspend(Command):
    """The Lessor suspends the contract on open grounds (all open ones if none named)."""

    name: ClassVar[str] = "suspend"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-11", "T-18.3-S")
    grounds: tuple[str, ...] | None = bounded(None)


@dataclass(frozen=True)
class LiftSuspension(Command):
    """The suspension ends; the contract runs again."""

    name: ClassVar[str] = "lift_suspension"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-12", "A-19")


@dataclass(frozen=True)
class EstimateMarketValue(Command):
    """The Lessor's estimate of the Vehicle's market value (the c of M-21)."""

    name: ClassVar[str] = "estimate_market_value"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-21", "A-22")
    amount: Money = bounded()


@dataclass(frozen=True)
class Dissolve(Command):
    """The Lessor dissolves the contract on open grounds of Art. 18.3."""

    name: ClassVar[str] = "dissolve"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-10", "L-41", "A-42", "M-21", "T-18.5", "D-13")
    grounds: tuple[str, ...] | None = bounded(None)
    written_notification_on: date | None = bounded(None)


@dataclass(frozen=True)
class RecordVehicleSale(Command):
    """The Lessor sold the Vehicle after a dissolution; the indemnity may be corrected."""

    name: ClassVar[str] = "record_vehicle_sale"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-21", "D-14", "A-22")
    sold_on: date = bounded()
    gross_price: Money = bounded()
    net_proceeds: Money = bounded()


def _grounds_for(
    c: Contract, names: tuple[str, ...] | list[str] | None, rule_id: str
) -> list[Ground]:
    """The open 18.3 grounds named (or all open ones), each with its cure period over (L-41)."""
    open_grounds = c.open_grounds()
    chosen = open_grounds if not names else [g for g in open_grounds if g.ground in names]
    missing = sorted(set(names or []) - {g.ground for g in chosen})
    require(not missing, rule_id, f"no open ground {', '.join(missing)}")
    require(bool(chosen), rule_id, "no established Art. 18.3 ground")
    return chosen


def suspend(c: Contract, ctx: Ctx, grounds: tuple[str, ...] | None) -> None:
    """L-11, T-18.3-S: suspension instead of (or before) dissolution."""
    require_status(c, {ContractStatus.ACTIVE}, "L-11", "suspend")
    chosen = _grounds_for(c, grounds, "T-18.3-S")
    c.emit(ContractSuspended, ctx, ["L-11", "T-18.3-S"], ground_ids=[g.ground_id for g in chosen])


def lift_suspension(c: Contract, ctx: Ctx) -> None:
    """L-12."""
    require_status(c, {ContractStatus.SUSPENDED}, "L-12", "lift_suspension")
    c.emit(ContractSuspensionLifted, ctx, ["L-12", "A-19"])


def estimate_market_value(c: Contract, ctx: Ctx, amount: Money) -> None:
    """M-21 (A-22 c): the Lessor's estimate of the market value."""
    require(amount.is_positive, "M-21", "market value must be greater than 0")
    require_status(c, NOT_CLOSED, "M-21", "estimate_market_value")
    c.emit(VehicleMarketValueEstimated, ctx, ["M-21", "A-22"], amount=amount.rounded())
    deduct_recovered_vehicle(c, ctx)


def deduct_recovered_vehicle(c: Contract, ctx: Ctx) -> None:
    """M-21 (A-22): once the Lessor holds the Vehicle, c = EMV is deducted from the indemnity."""
    d = c.dissolution
    if d is None or d.sold or c.market_value is None or c.vehicle_with_customer:
        return
    if d.value_deducted.is_positive:
        return
    current = DissolutionIndemnity(d.remaining_capital, d.reinvestment, d.value_deducted, d.amount)
    corrected = dissolution_indemnity(d.remaining_capital, c.market_value)
    _book_correction(c, ctx, current, corrected, None, "VEHICLE_RECOVERED")


def dissolve(
    c: Contract,
    ctx: Ctx,
    grounds: tuple[str, ...] | None,
    written_notification_on: date | None,
) -> None:
    """L-10/L-13: dissolution against the Customer; M-21 indemnity due after 15 days (D-13)."""
    require_status(c, NOT_ENDED, "L-10", "dissolve")
    chosen = _grounds_for(c, grounds, "L-41")
    notified = written_notification_on or ctx.on
    require(notified >= ctx.on, "A-42", "written notification cannot precede the decision")
    with_customer = c.vehicle_with_customer
    c.emit(
        ContractDissolvedAgainstCustomer,
        ctx,
        ["L-10", "L-41", "A-42", *sorted({rule_id_of(g.ground) for g in chosen})],
        end_kind=EndKind.DISSOLVED_AGAINST_CUSTOMER.value,
        effective_end_date=ctx.on,
        return_due_date=next_working_day(ctx.on) if with_customer else None,
        next_status=(
            ContractStatus.ENDED_AWAITING_RETURN if with_customer else ContractStatus.IN_SETTLEMENT
        ).value,
        ground_ids=[g.ground_id for g in chosen],
        written_notification_date=notified,
    )
    billing.credit_after(c, ctx, ctx.on, "PRO_RATA_END", ["M-04", "A-16"])
    _invoice_indemnity(c, ctx, notified)


def _invoice_indemnity(c: Contract, ctx: Ctx, notified: date) -> None:
    """M-21: a = RC(D), b = 10% of a, c = EMV only if the Lessor has the Vehicle (A-22 d)."""
    rc = worked_remaining_capital(c.terms.invested_capital, c.start_date, ctx.on, "M-21")
    in_hand = not c.vehicle_with_customer
    indemnity = dissolution_indemnity(rc.amount, c.market_value if in_hand else None)
    c.issue(
        DissolutionIndemnityInvoiced,
        ctx,
        ["M-21", "T-18.5", "D-13", "A-22"],
        amount=indemnity.amount,
        due_date=deadline_in_days(notified, INDEMNITY_PAYMENT_DAYS, roll=True),
        remaining_capital=indemnity.remaining_capital,
        reinvestment=indemnity.reinvestment,
        market_value_deducted=indemnity.value_deducted,
        workings=records(indemnity.line_workings(rc)),
    )


def record_vehicle_sale(
    c: Contract, ctx: Ctx, sold_on: date, gross_price: Money, net_proceeds: Money
) -> None:
    """M-21: a sale within 15 days at more than the EMV, or a later sale, corrects the indemnity."""
    dissolution, gross, net = c.dissolution, gross_price, net_proceeds
    require(dissolution is not None, "M-21", "no dissolution against the Customer to correct")
    assert dissolution is not None
    require(not dissolution.sold, "M-21", "the Vehicle was already sold")
    require(
        dissolution.decision_date <= sold_on <= ctx.on, "M-21", f"sale date {sold_on} out of range"
    )
    within = sold_on <= dissolution.decision_date + timedelta(days=SALE_WINDOW_DAYS)
    c.emit(
        VehicleSold,
        ctx,
        ["M-21", "D-14"],
        sale_date=sold_on,
        gross_price=gross,
        net_proceeds=net,
        within_window=within,
    )
    current = DissolutionIndemnity(
        dissolution.remaining_capital,
        dissolution.reinvestment,
        dissolution.value_deducted,
        dissolution.amount,
    )
    if within:
        corrected, surplus, basis = (
            indemnity_after_sale_within_window(current, gross),
            None,
            "SALE_WITHIN_15_DAYS",
        )
    else:
        later = indemnity_after_later_sale(current, net)
        corrected, surplus, basis = later.indemnity, later.surplus, "LATER_SALE"
    _book_correction(c, ctx, current, corrected, surplus, basis)


def _book_correction(
    c: Contract,
    ctx: Ctx,
    current: DissolutionIndemnity,
    corrected: DissolutionIndemnity,
    surplus: Money | None,
    basis: str,
) -> None:
    if corrected.amount == current.amount:
        return
    rules = ["M-21", "D-14" if basis == "SALE_WITHIN_15_DAYS" else "A-22"]
    c.emit(
        DissolutionIndemnityCorrected,
        ctx,
        rules,
        previous_amount=current.amount,
        new_amount=corrected.amount,
        basis=basis,
        market_value_deducted=corrected.value_deducted,
        surplus=surplus if surplus is not None else Money.zero(),
    )
    difference = corrected.amount - current.amount
    related = c.dissolution.receivable_id if c.dissolution else None
    worked = records([corrected.correction_working(current).citing(receivable_id=related)])
    if difference.is_positive:
        c.issue(
            DebitNoteIssued,
            ctx,
            rules,
            amount=difference,
            due_date=ctx.on,
            debit_category="DISSOLUTION_INDEMNITY",
            workings=worked,
        )
    else:
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=-difference,
            relates_to=related,
            reason="INDEMNITY_CORRECTION",
            workings=worked,
        )


def apply_policy(c: Contract, ctx: Ctx) -> None:
    """K-02: the Lessor policy of `ctx` may suspend or dissolve on detected grounds by itself."""
    grounds = [g.ground for g in c.open_grounds()]
    dissolve_on = [g for g in grounds if g in ctx.policy.auto_dissolve_grounds]
    if dissolve_on and c.status in NOT_ENDED:
        dissolve(c, ctx, tuple(dissolve_on), None)
        return
    suspend_on = [g for g in grounds if g in ctx.policy.auto_suspend_grounds]
    if suspend_on and c.status is ContractStatus.ACTIVE:
        suspend(c, ctx, tuple(suspend_on))


HANDLERS: Handlers = {
    Suspend: suspend,
    LiftSuspension: lift_suspension,
    EstimateMarketValue: estimate_market_value,
    Dissolve: dissolve,
    RecordVehicleSale: record_vehicle_sale,
}
