"""Costs the Customer bears, passed on as debit notes (M-29, M-30, M-31, M-36; M-35).

Each command records a cost the Lessor has established and issues one debit note for it,
due after the contract's payment term (D-36 / A-43), like the other charges of the ledger:

- M-29 (Art. 11.6): a premium the Lessor paid an insurer for the Vehicle (the liability
  insurance it takes out under Art. 11.4, a replacement policy under Art. 11.5, any other).
  [INT] Art. 11.6 recovers "all" such premiums, so any policy is accepted; one debit note per
  premium and period, as the Lessor paid it (the terms set no premium nor period).
- M-30 (Art. 6.2, P-21): registration costs, plates and BIV, invoiced separately and in full
  when the Special Conditions do not include them in the instalments. [INT] Once per contract
  (the terms speak of the registration, not of each cost), amounts as the Lessor paid them.
- M-31 (Art. 6.3, 8.2, 8.3, 10.4, 12.2, 12.3): a running cost the Customer pays because no
  contract service covers it. [INT] The Lessor gives the amount; a maintenance or repair
  cost is refused while the contract's Maintenance & Repair service runs (P-13).
- M-36 (Art. 5.1, 22.3): the supplement for a non-electronic channel the Customer asked
  for. [GAP] The terms give no amount: it is the Lessor policy's `paper_surcharge`, charged
  per document sent that way; with none set, nothing can be charged.
- M-35 (Art. 5.1) charges nothing: bank charges are never deducted from what is owed, so a
  payment short by them leaves the rest open (the allocation of M-09 already does this).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.billing_events import (
    InsurancePremiumRecharged,
    PaperSurchargeCharged,
    RegistrationCostsCharged,
    RunningCostCharged,
)
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.money import Money
from domain.values import ContractStatus
from domain.workings import passed_on, records, stated

REGISTRATION_ITEMS = ("registration costs", "number plates", "registration tax (BIV)")
"""M-30: the three items a registration costs invoice passes on, in its lines' order."""
if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

CHARGEABLE = NOT_ENDED | {
    ContractStatus.ENDED_AWAITING_RETURN,
    ContractStatus.RETURNED,
    ContractStatus.IN_SETTLEMENT,
}
"""A cost can be passed on from conclusion until the contract is closed."""

RUNNING_COST_TYPES = (
    "MAINTENANCE_REPAIR",  # O-05: the Customer's unless a contract service covers it
    "EXCLUDED_REPAIR",  # O-12: Art. 12.3 exclusions (a)-(t)
    "WORK_WITHOUT_BOOKLET",  # O-12: booklet not shown or the contract not mentioned
    "TAX_CHARGE_OR_FINE",  # O-07
    "LEGAL_ACCESSORY",  # O-02: accessories new laws require
    "SECURITY_SYSTEM",  # O-02: security and alarm systems and their subscriptions
)
"""M-31's list: maintenance and repairs outside Maintenance & Repair (Art. 8.2), Art. 12.3
exclusions, work without the booklet or the contract mentioned (Art. 8.3), taxes, charges and
fines linked to use (Art. 6.3), accessories required by law, security and alarm systems and
their subscriptions (Art. 10.4)."""

_COVERING_SERVICE = {"MAINTENANCE_REPAIR": "MAINTENANCE_REPAIR"}
"""[INT] The running cost types a contract service (P-13) covers while it runs."""

ZERO = Money.of("0.00")


@dataclass(frozen=True)
class ChargeRegistrationCosts(Command):
    """M-30: registration costs, plates and BIV not included in the instalments (P-21)."""

    name: ClassVar[str] = "charge_registration_costs"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-30", "P-21")
    registration_costs: Money = bounded(ZERO, low=ZERO)
    plate_costs: Money = bounded(ZERO, low=ZERO)
    registration_tax: Money = bounded(ZERO, low=ZERO)


@dataclass(frozen=True)
class ChargeRunningCost(Command):
    """M-31: a running cost the Customer bears, of one of the catalogue's types."""

    name: ClassVar[str] = "charge_running_cost"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-31",)
    cost_type: str = bounded(choices=RUNNING_COST_TYPES)
    amount: Money = bounded(low=ZERO)
    description: str = bounded("", max_length=200)


@dataclass(frozen=True)
class RechargeInsurancePremium(Command):
    """M-29: a premium the Lessor paid an insurer for the Vehicle, for one period."""

    name: ClassVar[str] = "recharge_insurance_premium"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-29",)
    policy_ref: str = bounded()
    period_start: date = bounded()
    period_end: date = bounded()
    amount: Money = bounded(low=ZERO)


@dataclass(frozen=True)
class ChargePaperSurcharge(Command):
    """M-36: the supplement for one document sent by the non-electronic channel."""

    name: ClassVar[str] = "charge_paper_surcharge"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-36",)
    document_ref: str = bounded()


def payment_due(c: Contract, ctx: Ctx) -> date:
    """D-36 / A-43: documents are due after the contract's payment term."""
    return ctx.on + timedelta(days=c.terms.payment_term_days)


def charge_registration_costs(
    c: Contract,
    ctx: Ctx,
    registration_costs: Money,
    plate_costs: Money,
    registration_tax: Money,
) -> None:
    """M-30: the three items in full, rounded to cents, on one debit note."""
    require_status(c, CHARGEABLE, "M-30", "charge_registration_costs")
    require(
        not c.terms.registration_costs_included_in_instalments,
        "P-21",
        "the registration costs are included in the instalments",
    )
    charged = [r for r in c.receivables.values() if r.category == "REGISTRATION_COSTS"]
    require(not charged, "M-30", "the registration costs are already invoiced")
    parts = [m.rounded() for m in (registration_costs, plate_costs, registration_tax)]
    for part in parts:
        require(part.amount >= 0, "M-30", "a registration cost must not be negative")
    amount = parts[0] + parts[1] + parts[2]
    require(amount.is_positive, "M-30", "nothing to invoice")
    c.issue(
        RegistrationCostsCharged,
        ctx,
        ["M-30", "P-21"],
        amount=amount,
        due_date=payment_due(c, ctx),
        registration_costs=parts[0],
        plate_costs=parts[1],
        registration_tax=parts[2],
        workings=records(
            [
                passed_on("M-30", what, part)
                for what, part in zip(REGISTRATION_ITEMS, parts, strict=True)
                if part.is_positive
            ]
        ),
    )


def charge_running_cost(
    c: Contract, ctx: Ctx, cost_type: str, amount: Money, description: str
) -> None:
    """M-31: the cost as the Lessor states it, rounded to cents, unless a service covers it."""
    require_status(c, CHARGEABLE, "M-31", "charge_running_cost")
    require(cost_type in RUNNING_COST_TYPES, "M-31", f"{cost_type} is not a running cost type")
    service = _COVERING_SERVICE.get(cost_type)
    covered = (
        service is not None
        and service in c.terms.service_components
        and service not in c.stopped_services
    )
    require(not covered, "M-31", f"the contract's {service} service covers this cost")
    require(amount.rounded().is_positive, "M-31", "the cost must be more than 0")
    c.issue(
        RunningCostCharged,
        ctx,
        ["M-31"],
        amount=amount.rounded(),
        due_date=payment_due(c, ctx),
        cost_type=cost_type,
        description=description,
        workings=records([passed_on("M-31", cost_type, amount, cost_type=cost_type)]),
    )


def recharge_insurance_premium(
    c: Contract, ctx: Ctx, policy_ref: str, period_start: date, period_end: date, amount: Money
) -> None:
    """M-29: the premium as the Lessor paid it, rounded to cents, on one debit note."""
    require_status(c, CHARGEABLE, "M-29", "recharge_insurance_premium")
    require(bool(policy_ref.strip()), "M-29", "policy_ref is required")
    require(period_start <= period_end, "M-29", "the period must not end before it starts")
    require(amount.rounded().is_positive, "M-29", "the premium must be more than 0")
    period = f"{period_start.isoformat()}..{period_end.isoformat()}"
    c.issue(
        InsurancePremiumRecharged,
        ctx,
        ["M-29"],
        amount=amount.rounded(),
        due_date=payment_due(c, ctx),
        policy_ref=policy_ref,
        period_start=period_start,
        period_end=period_end,
        workings=records([passed_on("M-29", f"insurance premium {policy_ref} {period}", amount)]),
    )


def charge_paper_surcharge(c: Contract, ctx: Ctx, document_ref: str) -> None:
    """M-36: the Lessor policy's supplement for one document sent on paper (the sender
    names the document; the contract keeps no list of them, so no new state)."""
    require_status(c, CHARGEABLE, "M-36", "charge_paper_surcharge")
    surcharge = ctx.policy.paper_surcharge.rounded()
    require(surcharge.is_positive, "M-36", "the Lessor policy sets no paper surcharge")
    c.issue(
        PaperSurchargeCharged,
        ctx,
        ["M-36"],
        amount=surcharge,
        due_date=payment_due(c, ctx),
        document_ref=document_ref,
        workings=records([stated("M-36", "paper surcharge of the Lessor policy", surcharge)]),
    )


HANDLERS: Handlers = {
    ChargeRegistrationCosts: charge_registration_costs,
    ChargeRunningCost: charge_running_cost,
    ChargePaperSurcharge: charge_paper_surcharge,
    RechargeInsurancePremium: recharge_insurance_premium,
}
