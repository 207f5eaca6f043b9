"""The daily run: what the rules engine and the scheduler do to a contract each business day.

`ApplyArticle18` is the termination consumer's decision (RULES 6, K-02..K-05): ends by law,
expired timers, grounds detected and cleared, the Lessor policy of the `Ctx` on them, and
the services an early end stops. It is state-based, so applying it again records nothing.
`Bill` is the scheduler's billing run (M-02..M-04, DESIGN 5) with the fuel provisions (M-25,
D-27), then the set-off of credits.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    before = set(c.receivables)
    billing.run_billing(c, ctx)
    fuel.invoice_fuel_provisions(c, ctx)
    supplier_compensation.credit_spread_shares(c, ctx, before)  # M-05 SPREAD
    billing.set_off_credits(c, ctx)


HANDLERS: Handlers = {ApplyArticle18: apply_article_18, Bill: bill}
