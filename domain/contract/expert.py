"""The independent expert's binding decision on a contested Protection claim (L-35, Art. 10.7).

After the Customer contested a claim decision in time (D-21, `contest_protection_decision`),
the Lessor may appoint an independent expert, at joint cost, whose decision is binding and
final (L-35 `EXPERT_DECIDED`). `record_expert_decision` records it
(`IndependentExpertDecisionRecorded`) and replaces the contested decision's money effect:

- accepted or partially accepted, with the Customer's share the expert sets (the flat fee, at
  most the damage): a share other than the fee charged is put right by withdrawing what is
  left of the old fee (a FLAT_FEE_WITHDRAWN credit note, as a refusal does) and charging the
  new share (`FlatDamageFeeCharged`), so on balance the Customer is charged or credited the
  difference, and a later third-party recovery refunds the new fee (M-16);
- refused under an Art. 10.2 code: as `refuse_protection_claim` does, the fee is withdrawn and
  the repair cost less what third parties paid back is charged (M-17);
- a refusal the expert upholds changes no amount.

Readings [INT]:
- "at joint cost": the expert's costs are shared equally; the Lessor pays the expert and
  charges the Customer's half (rounded to the cent) on an EXPERT_COSTS debit note.
- Only a Damage Event's claim (theft and total loss are settled under M-18/M-19) and only one
  expert decision per claim; the decision is binding, so it opens no new D-19 or D-21 window.
- An expert's acceptance of a claim the Lessor had refused (crediting back the M-17 charge)
  is not modelled: it is refused naming L-35, and the Lessor corrects it by hand.
- A contest recorded before contests kept their `in_time` in the contract's state (an older
  snapshot) counts as not in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, ClassVar

from domain.contract.billing_events import DebitNoteIssued, FlatDamageFeeCharged
from domain.contract.claim_window_events import IndependentExpertDecisionRecorded
from domain.contract.claim_windows import decided_claim
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.damage import charge_refused_damage, withdraw_flat_fee
from domain.contract.guards import require
from domain.contract.protection import PX_CODES
from domain.damage_money import worked_damage_shortfall
from domain.money import Money
from domain.values import ContractStatus
from domain.workings import records, stated

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

OUTCOMES = ("ACCEPTED", "PARTIALLY_ACCEPTED", "REFUSED")
COST_SPLIT = "EQUAL"
"""[INT] Art. 10.7 "at joint cost": half each."""
ZERO = Money.of("0.00")
HALF = Decimal("0.5")
EXPERT_WHY = ("L-35", "flat damage fee withdrawn: replaced by the independent expert's decision")


@dataclass(frozen=True)
class RecordExpertDecision(Command):
    """L-35 (Art. 10.7): the independent expert's binding decision on a contested claim."""

    name: ClassVar[str] = "record_expert_decision"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-35", "D-21", "M-15", "M-17")
    incident_id: str = bounded()
    expert_ref: str = bounded()
    outcome: str = bounded(choices=OUTCOMES)
    customer_share: Money = bounded(ZERO, low=ZERO)
    """ACCEPTED / PARTIALLY_ACCEPTED: the flat fee the expert sets (0.00: none)."""
    exclusion_code: str | None = bounded(None, choices=PX_CODES)
    """REFUSED: the Art. 10.2 code the expert refuses the claim under."""
    expert_costs: Money = bounded(ZERO, low=ZERO)
    """The expert's fee, of which the Customer bears half."""
    reason: str = bounded("", max_length=MAX_TEXT)


def record_expert_decision(
    c: Contract,
    ctx: Ctx,
    incident_id: str,
    expert_ref: str,
    outcome: str,
    customer_share: Money,
    exclusion_code: str | None,
    expert_costs: Money,
    reason: str,
) -> None:
    """L-35: the expert's decision replaces the contested one (fee, refusal, costs)."""
    claim = decided_claim(c, incident_id, "L-35")
    require(c.status is not ContractStatus.CLOSED, "L-35", "the contract is closed")
    require(
        bool(claim.get("contest_in_time")),
        "L-35",
        f"no expert without a contest in time (D-21) of the decision on {incident_id}",
    )
    decided_before = claim.get("expert_decided")
    require(not decided_before, "L-35", f"{incident_id} already has an expert's decision")
    require(claim.get("documents_by") is not None, "L-35", f"{incident_id} is not a Damage Event")
    require(bool(expert_ref.strip()), "L-35", "expert_ref is required")
    refused = outcome == "REFUSED"
    require(
        refused == (exclusion_code is not None),
        "L-35",
        "exclusion_code is required for a refusal, and only for a refusal",
    )
    require(
        refused or claim["decision"] == "ACCEPTED",
        "L-35",
        "an expert's acceptance of a refused claim is not supported: correct it by hand",
    )
    require(
        refused or customer_share <= claim["damage"],
        "M-15",
        "customer_share: the flat fee is at most the damage",
    )
    half = Money((expert_costs.amount * HALF).quantize(Decimal("0.01"), ROUND_HALF_UP))
    fee_before: Money = claim.get("fee", ZERO)
    c.emit(
        IndependentExpertDecisionRecorded,
        ctx,
        ["L-35", "D-21"],
        incident_id=incident_id,
        expert_ref=expert_ref.strip(),
        outcome=outcome,
        customer_share=ZERO if refused else customer_share,
        exclusion_codes=[exclusion_code] if exclusion_code else [],
        reason=reason,
        cost_split=COST_SPLIT,
        expert_costs=expert_costs,
        customer_cost_share=half,
    )
    due = ctx.on + timedelta(days=c.terms.payment_term_days)
    if refused and claim["decision"] == "ACCEPTED":
        assert exclusion_code is not None
        withdraw_flat_fee(c, ctx, incident_id, ["L-35", "M-17"], EXPERT_WHY)
        worked = worked_damage_shortfall(claim["damage"], claim["recovered"], ZERO)
        charge_refused_damage(c, ctx, incident_id, exclusion_code, worked)
    elif not refused and customer_share != fee_before:
        withdraw_flat_fee(c, ctx, incident_id, ["L-35", "M-15"], EXPERT_WHY)
        if customer_share.is_positive:
            what = "flat damage fee set by the independent expert (binding)"
            working = stated("L-35", what, customer_share, incident_id=incident_id)
            c.issue(
                FlatDamageFeeCharged,
                ctx,
                ["L-35", "M-15"],
                amount=customer_share,
                due_date=due,
                incident_id=incident_id,
                workings=records([working]),
            )
    if half.is_positive:
        what = "the Customer's half of the independent expert's costs"
        working = stated("L-35", what, half, expert_costs=expert_costs, expert_ref=expert_ref)
        c.issue(
            DebitNoteIssued,
            ctx,
            ["L-35"],
            amount=half,
            due_date=due,
            debit_category="EXPERT_COSTS",
            workings=records([working]),
        )


HANDLERS: Handlers = {RecordExpertDecision: record_expert_decision}
