"""Fuel Management (Art. 16): the monthly provision, the statements and the quarterly settlement
(the card: domain/contract/fuel_card.py).

- O-16 (Art. 16.5): the service stops by mutual agreement (`stop_fuel_management`) or
  with an early end (T-18.10); no provision follows, and the card is to be handed back.
- M-25 / P-29 / P-44 / D-27 (Art. 16.3): the billing run invoices the provision of every
  calendar month from the Start Date's month while the service runs ([INT] a whole month
  each time, the first and last too: the quarterly settlement corrects it); the Lessor may
  adjust its criteria at any time (`adjust_fuel_provision`), for the months not yet invoiced.
- D-27 (Art. 16.2): statements, monthly or at least quarterly (`record_fuel_statement`),
  state the fuel bought with the card and the period's card and management costs.
- M-26 / D-27 / A-31: a calendar quarter is settled once it is over, or earlier once the
  service stopped or the contract ended (the final settlement, L-27); its statements'
  costs less its provisions is invoiced when positive, credited when negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import takewhile
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_months, billing_period
from domain.contract.billing_events import CreditNoteIssued
from domain.contract.charges import CHARGEABLE
from domain.contract.command import Command, bounded
from domain.contract.cover_events import AncillaryServiceStopped
from domain.contract.fuel_events import (
    FuelProvisionAdjusted,
    FuelProvisionInvoiced,
    FuelQuarterSettled,
    FuelSettlementInvoiced,
    FuelStatementIssued,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED, RUNNING
from domain.fuel_money import (
    FuelInputs,
    worked_fuel_credit,
    worked_fuel_provision,
    worked_fuel_settlement,
)
from domain.fuel_terms import validate_fuel_inputs
from domain.money import Money, total
from domain.values import Frequency
from domain.workings import records

if TYPE_CHECKING:
    from collections.abc import Iterator

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

SERVICE = "FUEL_MANAGEMENT"
ZERO = Money.of("0.00")


@dataclass(frozen=True)
class StopFuelManagement(Command):
    """O-16 (Art. 16.5): Fuel Management stops by mutual agreement; the card goes back."""

    name: ClassVar[str] = "stop_fuel_management"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-16",)


@dataclass(frozen=True)
class AdjustFuelProvision(Command):
    """M-25: new criteria for the provision of the months not yet invoiced."""

    name: ClassVar[str] = "adjust_fuel_provision"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-25", "P-29", "P-44")
    avg_monthly_km: int = bounded(low=1)
    din_consumption_per_100km: Decimal = bounded()
    fuel_price_per_unit: Decimal = bounded()
    fuel_card_cost: Money = bounded(ZERO, low=ZERO)
    management_fee: Money = bounded(ZERO, low=ZERO)


@dataclass(frozen=True)
class RecordFuelStatement(Command):
    """D-27: the statement of a month (or of a quarter) of fuel bought with the card."""

    name: ClassVar[str] = "record_fuel_statement"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-27", "M-26")
    period_start: date = bounded()
    period_end: date = bounded()
    transactions: int = bounded(0)
    total: Money = bounded(ZERO, low=ZERO)
    card_and_management: Money = bounded(ZERO, low=ZERO)


@dataclass(frozen=True)
class SettleFuelQuarter(Command):
    """M-26 / D-27: settle the calendar quarter that starts on `quarter_start`."""

    name: ClassVar[str] = "settle_fuel_quarter"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-26", "D-27")
    quarter_start: date = bounded()


def require_fuel(c: Contract, rule: str) -> None:
    require(c.terms.fuel_management, rule, "the contract has no Fuel Management (P-28)")


def is_running(c: Contract) -> bool:
    return c.terms.fuel_management and SERVICE not in c.stopped_services


def current_inputs(c: Contract) -> FuelInputs:
    """M-25: the criteria in force, the last adjustment's or the P-29 terms'."""
    adjusted, inputs = c.fuel.adjusted_inputs, c.terms.fuel_inputs
    assert inputs is not None  # only asked with Fuel Management
    if not adjusted:
        return inputs
    return FuelInputs(
        int(adjusted["avg_monthly_km"]),
        Decimal(adjusted["din_consumption_per_100km"]),
        Decimal(adjusted["fuel_price_per_unit"]),
        Money.of(adjusted["card_cost"]),
        Money.of(adjusted["management_fee"]),
    )


def stop_fuel_management(c: Contract, ctx: Ctx) -> None:
    """O-16 (Art. 16.5): stopped by mutual agreement from `ctx.on`; no later provision."""
    require_status(c, RUNNING, "O-16", "stop_fuel_management")
    require_fuel(c, "O-16")
    require(is_running(c), "O-16", "Fuel Management has already stopped")
    c.emit(
        AncillaryServiceStopped,
        ctx,
        ["O-16"],
        service=SERVICE,
        ground="16.5",
        effective_on=ctx.on,
    )


def adjust_fuel_provision(
    c: Contract,
    ctx: Ctx,
    avg_monthly_km: int,
    din_consumption_per_100km: Decimal,
    fuel_price_per_unit: Decimal,
    fuel_card_cost: Money,
    management_fee: Money,
) -> None:
    """M-25: any criterion may change at any time; the months already invoiced stay."""
    require_status(c, NOT_ENDED, "M-25", "adjust_fuel_provision")
    require_fuel(c, "M-25")
    require(is_running(c), "M-25", "Fuel Management has stopped")
    inputs = FuelInputs(
        avg_monthly_km,
        din_consumption_per_100km,
        fuel_price_per_unit,
        fuel_card_cost,
        management_fee,
    )
    validate_fuel_inputs(inputs)
    c.emit(
        FuelProvisionAdjusted,
        ctx,
        ["M-25", "P-29", "P-44"],
        inputs=inputs.as_facts(),
        amount=worked_fuel_provision(inputs).amount,
    )


def due_months(c: Contract, on: date) -> list[date]:
    """D-27: the calendar months from the Start Date's to `on`'s not yet invoiced, while
    the service runs and the contract has not ended."""
    last = on.replace(day=1)
    return list(takewhile(lambda month: month <= last, uninvoiced_months(c)))


def uninvoiced_months(c: Contract) -> Iterator[date]:
    """The first days of the months from the Start Date's on whose provision is not invoiced,
    in order, without end (none when the service or the contract is not running)."""
    if not is_running(c) or c.start_date is None or c.status not in RUNNING:
        return
    month = c.start_date.replace(day=1)
    while True:
        if month.isoformat() not in c.fuel.provisions:
            yield month
        month = add_months(month, 1)


def invoice_fuel_provisions(c: Contract, ctx: Ctx) -> None:
    """M-25 / D-27: the billing run's provision for each month due, at the inputs in force."""
    for month in due_months(c, ctx.on):
        inputs = current_inputs(c)
        worked = worked_fuel_provision(inputs)
        c.issue(
            FuelProvisionInvoiced,
            ctx,
            ["M-25", "P-29", "P-44", "D-27"],
            amount=worked.amount,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            month=month,
            inputs=inputs.as_facts(),
            workings=records([worked.citing(month=month.isoformat())]),
        )


def _quarter(day: date) -> tuple[date, date]:
    return billing_period(day, Frequency.QUARTERLY)


def record_fuel_statement(
    c: Contract,
    ctx: Ctx,
    period_start: date,
    period_end: date,
    transactions: int,
    total: Money,
    card_and_management: Money,
) -> None:
    """D-27: a statement within one calendar quarter not yet settled, over before today."""
    require_status(c, CHARGEABLE, "D-27", "record_fuel_statement")
    require_fuel(c, "D-27")
    require(period_start <= period_end < ctx.on, "D-27", "the period must be over")
    first, last = _quarter(period_start)
    require(period_end <= last, "D-27", "a statement covers at most one calendar quarter")
    require(first.isoformat() not in c.fuel.settled, "M-26", f"quarter {first} is settled")
    key = period_start.isoformat()
    require(key not in c.fuel.statement_fuel, "D-27", f"a statement from {key} is recorded")
    c.emit(
        FuelStatementIssued,
        ctx,
        ["D-27", "M-26"],
        period_start=period_start,
        period_end=period_end,
        transactions=transactions,
        total=total.rounded(),
        card_and_management=card_and_management.rounded(),
    )


def _in(quarter: tuple[date, date], amounts: dict[str, Money]) -> Money:
    return total(
        [m for k, m in amounts.items() if quarter[0] <= date.fromisoformat(k) <= quarter[1]]
    )


def settle_fuel_quarter(c: Contract, ctx: Ctx, quarter_start: date) -> None:
    """M-26: (statements' fuel + card and management costs) - provisions of the quarter."""
    require_status(c, CHARGEABLE, "M-26", "settle_fuel_quarter")
    require_fuel(c, "M-26")
    quarter = _quarter(quarter_start)
    require(
        quarter[0] == quarter_start, "M-26", "a quarter starts on 1 January, April, July or October"
    )
    require(quarter_start.isoformat() not in c.fuel.settled, "M-26", "the quarter is settled")
    ended = c.effective_end_date is not None or not is_running(c)
    require(ctx.on > quarter[1] or ended, "D-27", f"the quarter ends on {quarter[1]}")
    fuel = _in(quarter, c.fuel.statement_fuel)
    fees = _in(quarter, c.fuel.statement_fees)
    provisions = _in(quarter, c.fuel.provisions)
    worked = worked_fuel_settlement(fuel, fees, provisions).citing(
        quarter=quarter_start.isoformat()
    )
    c.emit(
        FuelQuarterSettled,
        ctx,
        ["M-26", "D-27"],
        quarter=quarter_start,
        actual_costs=fuel + fees,
        provisions=provisions,
        difference=worked.amount,
    )
    if worked.amount.is_positive:
        c.issue(
            FuelSettlementInvoiced,
            ctx,
            ["M-26"],
            amount=worked.amount,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            quarter=quarter_start,
            actual_costs=fuel + fees,
            provisions=provisions,
            workings=records([worked]),
        )
    elif (-worked.amount).is_positive:
        credit = worked_fuel_credit(fuel, fees, provisions).citing(
            quarter=quarter_start.isoformat()
        )
        c.issue(
            CreditNoteIssued,
            ctx,
            ["M-26"],
            amount=credit.amount,
            relates_to=_last_provision(c, quarter),
            reason="FUEL_SETTLEMENT",
            workings=records([credit]),
        )


def _last_provision(c: Contract, quarter: tuple[date, date]) -> str | None:
    """The quarter's last provision invoice, which the credit note relates to."""
    found = None
    for item in c.receivables.values():
        if item.category == "FUEL_PROVISION" and quarter[0] <= item.issued_on <= quarter[1]:
            found = item.receivable_id
    return found


HANDLERS: Handlers = {
    StopFuelManagement: stop_fuel_management,
    AdjustFuelProvision: adjust_fuel_provision,
    RecordFuelStatement: record_fuel_statement,
    SettleFuelQuarter: settle_fuel_quarter,
}
