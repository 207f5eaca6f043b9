"""Contract Adjustments (L-30, M-13): the Lessor changes term, km or instalment (Art. 2.2)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import billing_period, contractual_end_date
from domain.contract.billing import due_periods
from domain.contract.command import Command, bounded
from domain.contract.formation_events import ContractAdjustmentIssued
from domain.contract.guards import require, require_status
from domain.money import Money
from domain.values import ContractStatus

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

ADJUSTMENT_REASONS = (
    "KM_DEVIATION",
    "KM_CAP",
    "DAMAGE_HISTORY",
    "SERVICE_CHANGE",
    "PROTECTION_FEE",
    "OTHER",
)


@dataclass(frozen=True)
class IssueContractAdjustment(Command):
    """New Usage Parameters from a future billing period; None keeps the current value."""

    name: ClassVar[str] = "issue_contract_adjustment"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-30", "M-13", "A-33", "A-41")
    reason: str = bounded()
    effective_from: date = bounded()
    term_months: int | None = bounded(None)
    annual_km: int | None = bounded(None)
    instalment_amount: Money | None = bounded(None)


def issue_contract_adjustment(
    c: Contract,
    ctx: Ctx,
    reason: str,
    effective_from: date,
    term_months: int | None,
    annual_km: int | None,
    instalment_amount: Money | None,
) -> None:
    """L-30/M-13: new terms from the start of the next billing period not yet invoiced."""
    change = IssueContractAdjustment(
        reason, effective_from, term_months, annual_km, instalment_amount
    )
    require_status(
        c, {ContractStatus.ACTIVE, ContractStatus.SUSPENDED}, "L-30", "issue_contract_adjustment"
    )
    require(
        change.reason in ADJUSTMENT_REASONS, "M-13", f"unknown adjustment reason {change.reason}"
    )
    assert c.start_date is not None  # ACTIVE and SUSPENDED have a start date
    first, _ = billing_period(change.effective_from, c.terms.instalment_frequency)
    not_invoiced = change.effective_from == first and first not in c.invoiced_periods
    require(
        not_invoiced and first > ctx.on, "M-13", "effective_from must start a future billing period"
    )
    require(not due_periods(c, ctx.on), "M-13", "invoice the current period first")
    terms = replace(
        c.terms,
        term_months=change.term_months or c.terms.term_months,
        annual_km=change.annual_km or c.terms.annual_km,
        instalment_amount=change.instalment_amount or c.terms.instalment_amount,
    )
    terms.validate()
    end = contractual_end_date(c.start_date, terms.term_months)
    require(end >= ctx.on, "A-41", f"the adjusted term would have ended on {end}")
    c.emit(
        ContractAdjustmentIssued,
        ctx,
        ["L-30", "M-13", "A-33"],
        adjustment_id=f"ADJ{c.adjustments + 1:03d}",
        reason=change.reason,
        terms=terms,
        effective_from=change.effective_from,
        contractual_end_date=end,
    )


HANDLERS: Handlers = {IssueContractAdjustment: issue_contract_adjustment}
