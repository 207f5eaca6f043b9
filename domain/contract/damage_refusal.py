"""A Damage Event's Protection claim refused wholly or in part, and the money of a decision
replaced (M-15, M-16, M-17; Art. 10.2, 10.5; D-22, L-35).

A refusal names its reason: an Art. 10.2 exclusion (PX-01..PX-24), or D-22 when the Customer
did not send the documents and the repair invoice within 6 months of the accident (Art. 10.5:
on late or deficient reporting the Lessor may decide, without telling the Customer, that
Protection no longer applies "geheel of gedeeltelijk", wholly or in part).

- Wholly: the flat fee is withdrawn (a FLAT_FEE_WITHDRAWN credit note) and M-17 charges the
  repair cost less what third parties paid back, with 0.00 accepted under Protection.
- In part (`refused_amount`, less than the damage): the rest of the damage stays accepted,
  so M-15 works the flat fee out on the accepted part (a changed fee is withdrawn and the new
  one charged) and M-17 charges the repair cost less the recoveries and the accepted part:
  the refused part, once. The decision is PARTIALLY_ACCEPTED (RULES 9.4).

Readings [INT]:
- D-22 as a reason holds once the window passed without documents, or when they came late
  (`ProtectionClaimDocumentsSubmitted{in_time: false}`); documents recorded before their
  timeliness was kept in the claim (an older snapshot) count as in time.
- One Lessor decision per claim: an accepted claim can be refused once; a partly refused or
  refused claim, or one the independent expert decided, is changed only by the expert.
- A new flat fee on a claim that third parties already paid something back for is refunded
  at once in proportion to all they paid (M-16), as a later recovery would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from domain.contract.billing_events import CreditNoteIssued, FlatDamageFeeCharged
from domain.contract.claim_windows import decision_windows
from domain.contract.damage_events import DamageShortfallCharged
from domain.contract.guards import require
from domain.contract.incidents_events import ProtectionClaimDecided
from domain.damage_money import worked_damage_shortfall, worked_flat_fee_refund
from domain.money import Money
from domain.money_rules import flat_damage_fee
from domain.values import DamageCause, ReceivableKind
from domain.workings import Working, records, stated

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx

ZERO = Money.zero()
LATE_DOCUMENTS = "D-22"
"""The reason code of a refusal for documents not sent within 6 months (Art. 10.5)."""
REFUSED_WHY = ("M-17", "flat damage fee withdrawn: the claim is refused, M-17 charges the damage")
"""The rule and the words of a flat fee withdrawn by a refusal."""


def refuse_damage_claim(
    c: Contract,
    ctx: Ctx,
    incident_id: str,
    code: str,
    reason: str,
    refused_amount: Money | None = None,
) -> None:
    """Art. 10.2 / 10.5: the claim (or `refused_amount` of it) falls outside Protection; the
    flat fee follows the accepted part (M-15) and the refused part is charged (M-17)."""
    claim = c.damage_claims[incident_id]
    require(claim["decision"] == "ACCEPTED", "L-35", f"the claim is already {claim['decision']}")
    require(not claim.get("expert_decided"), "L-35", "the independent expert's decision binds")
    if code == LATE_DOCUMENTS:
        require_documents_late(claim, incident_id, ctx.on)
    damage, recovered = claim["damage"], claim["recovered"]
    require(
        refused_amount is None or ZERO < refused_amount <= damage,
        "M-17",
        f"refused_amount: more than 0.00 and at most the damage ({damage})",
    )
    accepted = damage - refused_amount if refused_amount is not None else ZERO
    worked = worked_damage_shortfall(damage, recovered, accepted)
    share = None
    if accepted.is_positive:
        assert c.terms.flat_damage_fee is not None  # a Damage Event's claim needs Protection
        cause, fee, capital = claim["cause"], c.terms.flat_damage_fee, c.terms.invested_capital
        share = flat_damage_fee(DamageCause(cause), accepted, fee, capital)
    c.emit(
        ProtectionClaimDecided,
        ctx,
        ["M-15", "L-35", "M-17", *([code] if code == LATE_DOCUMENTS else [])],
        incident_id=incident_id,
        cause=claim["cause"],
        damage_amount=damage,
        customer_share=worked.amount if share is None else share.customer_share,
        waived_amount=ZERO if share is None else share.lessor_waived,
        decision="REFUSED" if share is None else "PARTIALLY_ACCEPTED",
        exclusion_codes=[code],
        reason=reason,
        **decision_windows(c, ctx.on),
    )
    if share is None:
        withdraw_flat_fee(c, ctx, incident_id, ["M-15", "M-17"], REFUSED_WHY)
    elif share.customer_share != claim.get("fee", ZERO):
        withdraw_flat_fee(c, ctx, incident_id, ["M-15", "M-17"], PART_REFUSED_WHY)
        working = share.working.citing(incident_id=incident_id)
        charge_flat_fee(c, ctx, incident_id, working, ["M-15", "A-25"])
    charge_refused_damage(c, ctx, incident_id, code, worked, accepted)


PART_REFUSED_WHY = ("M-15", "flat damage fee withdrawn: replaced by the fee on the accepted part")


def require_documents_late(claim: dict[str, Any], incident_id: str, on: date) -> None:
    """D-22 (Art. 10.5): the documents of the claim did not come within 6 months."""
    documents_by: date | None = claim.get("documents_by")
    require(documents_by is not None, "D-22", f"{incident_id} is not a Damage Event's claim")
    if claim.get("documents_submitted"):
        late = claim.get("documents_in_time") is False
        require(late, "D-22", f"the documents of {incident_id} came in time")
    else:
        require(
            documents_by is not None and on > documents_by,
            "D-22",
            f"the documents of {incident_id} may still come until {documents_by}",
        )


def withdraw_flat_fee(
    c: Contract, ctx: Ctx, incident_id: str, rules: list[str], why: tuple[str, str]
) -> None:
    """The claim's flat fee, less what M-16 refunded of it, credited against its document
    (`why`: the rule and the words of the working)."""
    claim = c.damage_claims[incident_id]
    fee_document = claim.get("fee_receivable")
    if fee_document is None:
        return
    withdrawn = claim["fee"] - refunded(c, fee_document)
    if withdrawn.is_positive:
        rule_id, what = why
        fee = claim["fee"]
        working = stated(rule_id, what, withdrawn, flat_damage_fee=fee, incident_id=incident_id)
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=withdrawn,
            relates_to=fee_document,
            reason="FLAT_FEE_WITHDRAWN",
            workings=records([working]),
        )


def charge_flat_fee(
    c: Contract, ctx: Ctx, incident_id: str, working: Working, rules: list[str]
) -> None:
    """M-15: a new flat fee for the claim (if any), refunded at once for what third parties
    already paid back (M-16)."""
    if not working.amount.is_positive:
        return
    c.issue(
        FlatDamageFeeCharged,
        ctx,
        rules,
        amount=working.amount,
        due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
        incident_id=incident_id,
        workings=records([working]),
    )
    refund_flat_fee(c, ctx, incident_id, c.damage_claims[incident_id]["recovered"])


def refund_flat_fee(c: Contract, ctx: Ctx, incident_id: str, recovered: Money) -> None:
    """M-16: the fee refunded in proportion to all that third parties paid back (`recovered`),
    less what was refunded of it before (A-25)."""
    claim = c.damage_claims[incident_id]
    fee_document = claim.get("fee_receivable")
    if fee_document is None or not recovered.is_positive:
        return
    before = refunded(c, fee_document)
    worked = worked_flat_fee_refund(claim["fee"], recovered, claim["damage"], before)
    if worked.amount.is_positive:
        c.issue(
            CreditNoteIssued,
            ctx,
            ["M-16", "A-25"],
            amount=worked.amount,
            relates_to=fee_document,
            reason="FLAT_FEE_REFUND",
            workings=records([worked.citing(incident_id=incident_id)]),
        )


def charge_refused_damage(
    c: Contract,
    ctx: Ctx,
    incident_id: str,
    code: str,
    worked: Working,
    accepted: Money = ZERO,
) -> None:
    """M-17: the repair cost of a refused claim (or part) that no third party paid back."""
    claim = c.damage_claims[incident_id]
    if worked.amount.is_positive:
        c.issue(
            DamageShortfallCharged,
            ctx,
            ["M-17", code],
            amount=worked.amount,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            incident_id=incident_id,
            repair_cost=claim["damage"],
            insurer_paid=claim["recovered"],
            protection_accepted=accepted,
            workings=records([worked.citing(incident_id=incident_id, exclusion=code)]),
        )


def credit_back_shortfall(
    c: Contract, ctx: Ctx, incident_id: str, claim: dict[str, Any], rules: list[str], what: str
) -> None:
    """The M-17 charge of the claim's refusal (`claim`: as the refusal left it) credited back
    (DAMAGE_SHORTFALL_WITHDRAWN), against its document. A claim refused before the charge's
    document was kept in the claim (an older snapshot) is credited its decision's charge,
    against no document."""
    decided = claim.get("charged", ZERO) if claim["decision"] == "REFUSED" else ZERO
    amount: Money = claim.get("shortfall", decided)
    if not amount.is_positive:
        return
    working = stated("M-17", what, amount, incident_id=incident_id)
    c.issue(
        CreditNoteIssued,
        ctx,
        rules,
        amount=amount,
        relates_to=claim.get("shortfall_receivable"),
        reason="DAMAGE_SHORTFALL_WITHDRAWN",
        workings=records([working]),
    )


def refunded(c: Contract, fee_document: str) -> Money:
    """What FLAT_FEE_REFUND credit notes gave back of that fee so far (M-16)."""
    total = Money.zero()
    for item in c.receivables.values():
        if item.kind is ReceivableKind.CREDIT_NOTE and item.category == "FLAT_FEE_REFUND":
            total = total + (item.amount if item.relates_to == fee_document else Money.zero())
    return total
