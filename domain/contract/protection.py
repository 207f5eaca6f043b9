"""Protection claim decisions on a theft or total loss: the Lessor's refusal under Art. 10.2
(M-15's PX codes), and what it takes away (M-18 waiver, M-19 advance refund).

Art. 10.8 refunds the advance "enkel indien BMW Financial Services conform artikel 10.1
afstand doet van haar verhaal": only where Protection covers the loss. A claim stays accepted
unless the Lessor refuses it (`ProtectionClaimDecided{decision: REFUSED, exclusionCodes}`,
RULES 9.4), and `losses.protection_covers` is then false for that loss.

Readings [INT] (the terms are silent on the order of events):
- A refusal is for the theft or total loss of this contract (its incident id), wholly, or
  for a Damage Event's claim, wholly or in part (domain/contract/damage_refusal.py: the flat
  fee follows the accepted part, M-17 charges the refused part); D-22 (late documents,
  Art. 10.5) is a reason for a Damage Event only.
- One decision per claim: a second refusal is refused (L-35 has one DECIDED state; a change
  goes through contest and the expert, Art. 10.7, D-21).
- Not after the M-18 settlement: Art. 7.8(ii) charges the difference with what was
  "accepted under Protection" when the loss is settled, so the decision precedes it.
- After the M-19 refund was credited (the end by law credits it at once), the refusal takes
  it back on a debit note: the refund was owed only where the Lessor waives (Art. 10.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.catalogue import RULES, Family
from domain.contract.billing_events import DebitNoteIssued
from domain.contract.claim_windows import decision_windows
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.damage_refusal import LATE_DOCUMENTS, refuse_damage_claim
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import ProtectionClaimDecided
from domain.money import Money
from domain.values import ContractStatus, DamageCause, EndKind, ReceivableKind
from domain.workings import records, stated

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers


PX_CODES: tuple[str, ...] = tuple(r for r, e in RULES.items() if e.family is Family.EXCLUSION)
"""The 24 exclusions of Art. 10.2 (M-15), as the catalogue registers them with their titles
(domain/catalogue/exclusions.py)."""
REFUSAL_CODES = (*PX_CODES, LATE_DOCUMENTS)
"""The reasons a refusal may name: an Art. 10.2 exclusion, or D-22 (documents not sent within
6 months, Art. 10.5) for a Damage Event."""

DECIDABLE = {ContractStatus.ACTIVE, ContractStatus.SUSPENDED, ContractStatus.THEFT_PENDING}
DECIDABLE |= {ContractStatus.ENDED_AWAITING_RETURN, ContractStatus.IN_SETTLEMENT}
"""A theft or total loss is pending or ended; its claim can be decided until it is settled."""


@dataclass(frozen=True)
class RefuseProtectionClaim(Command):
    """The Lessor refuses a Protection claim (Damage Event, theft or total loss), Art. 10.2,
    or a Damage Event's claim wholly or in part for late documents (Art. 10.5, D-22)."""

    name: ClassVar[str] = "refuse_protection_claim"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-15", "M-17", "M-18", "M-19", "L-35", "D-22")
    incident_id: str = bounded()
    exclusion_code: str = bounded(choices=REFUSAL_CODES)
    reason: str = bounded(max_length=MAX_TEXT)
    refused_amount: Money | None = bounded(None, low=Money.of("0.01"))
    """A Damage Event refused in part: the part of the damage refused (None: wholly)."""


def loss_incidents(c: Contract) -> dict[str, DamageCause]:
    """The contract's theft (pending or ended) and total loss, by incident id."""
    found: dict[str, DamageCause] = {}
    if c.theft is not None:
        found[c.theft.incident_id] = DamageCause.THEFT
    if c.loss_incident_id is not None and c.loss_incident_id not in found:
        theft = c.end_kind is EndKind.THEFT and c.total_loss_on is None
        found[c.loss_incident_id] = DamageCause.THEFT if theft else DamageCause.OTHER
    return found


def refuse_protection_claim(
    c: Contract,
    ctx: Ctx,
    incident_id: str,
    exclusion_code: str,
    reason: str,
    refused_amount: Money | None,
) -> None:
    """M-15 (Art. 10.2): record the refusal; the loss is then not waived (M-18, M-19)."""
    require_status(c, DECIDABLE, "M-15", "refuse_protection_claim")
    require(c.terms.protection_included, "M-15", "the contract has no Protection")
    require(bool(reason.strip()), "M-15", "reason is required")
    losses = loss_incidents(c)
    if incident_id not in losses and incident_id in c.damage_claims:  # a Damage Event: M-17
        refuse_damage_claim(c, ctx, incident_id, exclusion_code, reason, refused_amount)
        return
    require(incident_id in losses, "M-15", f"{incident_id} is not a Damage Event or a loss")
    require(
        exclusion_code != LATE_DOCUMENTS,
        "D-22",
        "the 6 months for documents (Art. 10.5) are a Damage Event's, not a theft's or loss's",
    )
    require(
        refused_amount is None,
        "M-18",
        "refused_amount: a theft or total loss is refused wholly (M-18 waives all or nothing)",
    )
    require(incident_id not in c.protection_refusals, "L-35", "the claim is already refused")
    expert = c.damage_claims.get(incident_id, {}).get("expert_decided")
    require(not expert, "L-35", "the independent expert's decision binds")
    require(not c.loss_settled, "M-18", "the loss is already settled")
    rules = ["M-15", "L-35", "M-18", "M-19"]
    c.emit(
        ProtectionClaimDecided,
        ctx,
        rules,
        incident_id=incident_id,
        cause=losses[incident_id].value,
        damage_amount=Money.zero(),
        customer_share=Money.zero(),
        waived_amount=Money.zero(),
        decision="REFUSED",
        exclusion_codes=[exclusion_code],
        reason=reason,
        **decision_windows(c, ctx.on),
    )
    refunded = advance_refunded(c)
    if refunded.is_positive:
        c.issue(
            DebitNoteIssued,
            ctx,
            ["M-19", "M-15"],
            amount=refunded,
            due_date=ctx.on,
            debit_category="ADVANCE_REFUND_REVERSAL",
            workings=records([stated("M-19", "advance refund taken back", refunded)]),
        )


def advance_refunded(c: Contract) -> Money:
    """What the M-19 credit notes refunded of the advance so far."""
    total = Money.zero()
    for item in c.receivables.values():
        if item.kind is ReceivableKind.CREDIT_NOTE and item.category == "ADVANCE_REFUND":
            total = total + item.amount
    return total


HANDLERS: Handlers = {RefuseProtectionClaim: refuse_protection_claim}
