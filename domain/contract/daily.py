"""The daily run: what the rules engine and the scheduler do to a contract each business day.

`ApplyArticle18` is the termination consumer's decision (RULES 6, K-02..K-05): ends by law,
expired timers, grounds detected and cleared, the Lessor policy of the `Ctx` on them, and
the services an early end stops. It is state-based, so applying it again records nothing.
`Bill` is the scheduler's billing run (M-02..M-04, DESIGN 5) with the fuel provisions (M-25,
D-27), then the set-off of credits. `next_billing_day` says from which date `Bill` can
record something, so the scheduler asks only the contracts that have something due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from domain.contract import (
    amendments,
    billing,
    claim_windows,
    cover,
    dissolution,
    formation,
    fuel,
    fuel_card,
    grounds,
    lessor_grounds,
    repairs,
    reporting,
    services,
    supplier_compensation,
    termination,
)
from domain.contract.command import Command
from domain.contract.status import billing_end
from domain.values import ContractStatus

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers


@dataclass(frozen=True)
class ApplyArticle18(Command):
    """Apply the Article 18 rules and the Lessor policy on the context's business date."""

    name: ClassVar[str] = "apply_article_18"
    rule_ids: ClassVar[tuple[str, ...]] = ("K-02", "K-03", "K-05", "T-18.10")
    public: ClassVar[bool] = False


@dataclass(frozen=True)
class Bill(Command):
    """Invoice every billing period that has begun, then set credits off against debits."""

    name: ClassVar[str] = "bill"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-02", "M-03", "M-04", "M-05", "M-09")
    public: ClassVar[bool] = False


def apply_article_18(c: Contract, ctx: Ctx) -> None:
    """Every Article 18 rule that applies on `ctx.on`, in the order the catalogue gives."""
    termination.apply_ends_by_law(c, ctx)
    formation.process_deadlines(c, ctx)
    cover.process_replacement_deadlines(c, ctx)
    reporting.process_odometer_requests(c, ctx)
    repairs.process_repair_deadlines(c, ctx)
    claim_windows.process_claim_windows(c, ctx)
    billing.process_notice_deadlines(c, ctx)
    lessor_grounds.process_lessor_deadlines(c, ctx)
    amendments.process_terms_amendments(c, ctx)
    grounds.detect_grounds(c, ctx)
    dissolution.apply_policy(c, ctx)
    services.stop_linked_services(c, ctx)
    services.end_lessor_insurance(c, ctx)
    fuel_card.block_card_on_early_end(c, ctx)


def bill(c: Contract, ctx: Ctx) -> None:
    """The scheduler's billing for one contract on `ctx.on`."""
    before = len(c.receivables)
    billing.run_billing(c, ctx)
    fuel.invoice_fuel_provisions(c, ctx)
    supplier_compensation.credit_spread_shares(c, ctx, before)  # M-05 SPREAD
    billing.set_off_credits(c, ctx)


def next_billing_day(c: Contract) -> date | None:
    """The first business date on which `bill` records something, if nothing else happens to
    the contract before: `date.min` when credits can be set off already, None when never
    (closed, or nothing left to bill or provision).

    `bill` depends on the date only through the periods begun (M-02) and the fuel months
    reached (M-25); both only grow with the date, so from this day on it records something
    and before it nothing. The M-05 SPREAD credits follow the invoices of the same run.
    """
    if c.status is ContractStatus.CLOSED:
        return None
    if c.open_items() and c.open_credits().is_positive:  # what `set_off_credits` settles
        return date.min
    end = billing_end(c)
    periods = billing.due_periods(c, end) if end is not None else []  # all left to bill
    firsts = (periods[0] if periods else None, next(fuel.uninvoiced_months(c), None))
    return min((day for day in firsts if day is not None), default=None)


HANDLERS: Handlers = {ApplyArticle18: apply_article_18, Bill: bill}
