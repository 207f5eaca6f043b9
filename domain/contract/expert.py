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
- a refusal the expert upholds changes no amount;
- accepted (wholly or in part) where the Lessor had refused the claim, wholly or in part:
  the refusal's M-17 charge is credited back (a DAMAGE_SHORTFALL_WITHDRAWN credit note against
  it), the flat fee the expert sets is charged (M-15) in place of any fee left, and the claim
  is accepted again, so a later third-party recovery refunds the fee (M-16); what third parties
  already paid back refunds the new fee at once;
- refused where the Lessor had refused in part: the part's M-17 charge is credited back and
  the whole repair cost less the recoveries charged instead, the fee withdrawn;
- on a theft or total loss: domain/contract/expert_losses.py (a refusal overturned restores
  the M-18 waiver and the M-19 refund).

Readings [INT]:
- "at joint cost": the expert's costs are shared equally; the Lessor pays the expert and
  charges the Customer's half (rounded to the cent) on an EXPERT_COSTS debit note.
- Only one expert decision per claim; the decision is binding, so it opens no new D-19 or
  D-21 window, and the Lessor cannot refuse the claim after it.
- The expert may refuse under D-22 too (documents not sent within 6 months, Art. 10.5), when
  the Lessor could.
- A contest recorded before contests kept their `in_time` in the contract's state (an older
  snapshot) counts as not in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.billing_events import DebitNoteIssued
from domain.contract.claim_window_events import IndependentExpertDecisionRecorded
from domain.contract.claim_windows import decided_claim
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.damage_refusal import (
    LATE_DOCUMENTS,
    charge_flat_fee,
    charge_refused_damage,
    credit_back_shortfall,
    require_documents_late,
    withdraw_flat_fee,
)
from domain.contract.expert_losses import require_loss_decision, waive_loss
from domain.contract.guards import require
from domain.contract.protection import REFUSAL_CODES, loss_incidents
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
    rule_ids: ClassVar[tuple[str, ...]] = ("L-35", "D-21", "M-15", "M-17", "M-18", "M-19")
    incident_id: str = bounded()
    expert_ref: str = bounded()
    outcome: str = bounded(choices=OUTCOMES)
    customer_share: Money = bounded(ZERO, low=ZERO)
    """ACCEPTED / PARTIALLY_ACCEPTED: the flat fee the expert sets (0.00: none)."""
    exclusion_code: str | None = bounded(None, choices=REFUSAL_CODES)
    """REFUSED: the Art. 10.2 code (or D-22) the expert refuses the claim under."""
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
    require(bool(expert_ref.strip()), "L-35", "expert_ref is required")
    refused = outcome == "REFUSED"
    require(
        refused == (exclusion_code is not None),
        "L-35",
        "exclusion_code is required for a refusal, and only for a refusal",
    )
    loss = incident_id in loss_incidents(c)
    if loss:
        require_loss_decision(c, outcome, customer_share)
    else:
        damage_event = claim.get("documents_by") is not None
        require(damage_event, "L-35", f"{incident_id} is not a Damage Event, theft or total loss")
        require(
            refused or customer_share <= claim["damage"],
            "M-15",
            "customer_share: the flat fee is at most the damage",
        )
    require(exclusion_code != LATE_DOCUMENTS or not loss, "D-22", "D-22 is a Damage Event's")
    if exclusion_code == LATE_DOCUMENTS:
        require_documents_late(claim, incident_id, ctx.on)
    half = Money((expert_costs.amount * HALF).quantize(Decimal("0.01"), ROUND_HALF_UP))
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
    if loss and not refused:
        waive_loss(c, ctx)
    elif not loss:
        shares = (customer_share, exclusion_code)
        _replace_damage_money(c, ctx, incident_id, claim, outcome, *shares)
    if half.is_positive:
        what = "the Customer's half of the independent expert's costs"
        working = stated("L-35", what, half, expert_costs=expert_costs, expert_ref=expert_ref)
        c.issue(
            DebitNoteIssued,
            ctx,
            ["L-35"],
            amount=half,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            debit_category="EXPERT_COSTS",
            workings=records([working]),
        )


def _replace_damage_money(
    c: Contract,
    ctx: Ctx,
    incident_id: str,
    before: dict[str, Any],
    outcome: str,
    customer_share: Money,
    exclusion_code: str | None,
) -> None:
    """The Damage Event's money as the expert decided it, in place of the Lessor's decision
    (`before`: the claim as it stood): its M-17 charge credited back and its fee withdrawn
    where they no longer hold, the expert's M-17 charge or fee charged."""
    decision = before["decision"]
    refused = outcome == "REFUSED"
    if refused and decision == "REFUSED":  # upheld: nothing changes
        return
    if decision != "ACCEPTED":  # REFUSED or PARTIALLY_ACCEPTED: its M-17 charge goes
        credit_back_shortfall(c, ctx, incident_id, before, ["L-35", "M-17"], SHORTFALL_WHY)
    live_fee: Money = before.get("fee", ZERO) if decision != "REFUSED" else ZERO
    if refused:
        assert exclusion_code is not None
        withdraw_flat_fee(c, ctx, incident_id, ["L-35", "M-17"], EXPERT_WHY)
        worked = worked_damage_shortfall(before["damage"], before["recovered"], ZERO)
        charge_refused_damage(c, ctx, incident_id, exclusion_code, worked)
    elif customer_share != live_fee:
        if decision != "REFUSED":
            withdraw_flat_fee(c, ctx, incident_id, ["L-35", "M-15"], EXPERT_WHY)
        what = "flat damage fee set by the independent expert (binding)"
        working = stated("L-35", what, customer_share, incident_id=incident_id)
        charge_flat_fee(c, ctx, incident_id, working, ["L-35", "M-15"])


SHORTFALL_WHY = "M-17 charge withdrawn: replaced by the independent expert's decision (binding)"

HANDLERS: Handlers = {RecordExpertDecision: record_expert_decision}
