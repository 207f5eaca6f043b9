"""The windows a Protection claim decision opens, and their timers (Art. 10.5-10.7).

- D-21 (Art. 10.7): the Customer may contest a decision (acceptance or refusal, flat fee,
  repair method, handling) by registered letter with reasons, within 7 days of it; after
  that the decision is final (`ProtectionDecisionBecameFinal`). A later letter is still
  recorded, as not in time (RULES 9.4 `inTime`): its forfeiture is the Lessor's to invoke.
- D-19 (Art. 10.6): either party may end Protection after a claim by registered letter
  within one month of the decision (`notify_protection_termination` with ground
  AFTER_CLAIM); a letter after it is refused, naming D-19. The window closes with
  `ProtectionTerminationWindowClosed`.
- D-22 (Art. 10.5): the documents and the repair invoice of a Damage Event are due within
  6 months of the accident (`ProtectionClaimDocumentsSubmitted`). After that, or when they
  came late, the Lessor MAY refuse the claim wholly or in part (Art. 10.5: "geheel of
  gedeeltelijk"), naming D-22 as its reason (DECIDE, `refuse_protection_claim`,
  domain/contract/damage_refusal.py): the expiry (`ProtectionDocumentsDeadlineExpired`)
  refuses nothing by itself.

Readings [INT]: the decision is notified on the day it is recorded (a Damage Event's claim is
accepted when reported, domain/contract/damage.py), so the windows count from that day. D-21
and D-22 are the Customer's and roll forward to a working day (A-05); D-19 is either party's
and does not. Each timer is recorded once, dated the day after its last day, by the daily run
(after the scheduler's `DeadlineReached`), until the contract is closed; D-19 only until the
contract ends (Protection then ends with it, L-32).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from domain.calendar import deadline_in_days, deadline_in_months
from domain.contract.claim_window_events import (
    CLOSED,
    ProtectionClaimDeadlineExpired,
    ProtectionClaimDocumentsSubmitted,
    ProtectionDecisionBecameFinal,
    ProtectionDecisionContested,
    ProtectionDocumentsDeadlineExpired,
    ProtectionTerminationWindowClosed,
)
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.guards import require
from domain.contract.status import NOT_ENDED
from domain.values import ContractStatus

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

CONTEST_DAYS = 7  # D-21
TERMINATION_MONTHS = 1  # D-19
DOCUMENTS_MONTHS = 6  # D-22
TIMERS: tuple[tuple[str, str, type[ProtectionClaimDeadlineExpired]], ...] = (
    ("D-21", "contest_by", ProtectionDecisionBecameFinal),
    ("D-19", "terminate_by", ProtectionTerminationWindowClosed),
    ("D-22", "documents_by", ProtectionDocumentsDeadlineExpired),
)
"""Each window: its rule, the claim key holding its last day, the event that closes it."""


@dataclass(frozen=True)
class ContestProtectionDecision(Command):
    """The Customer contests a Protection claim decision by registered letter (Art. 10.7)."""

    name: ClassVar[str] = "contest_protection_decision"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-21", "L-35")
    incident_id: str = bounded()
    letter_on: date = bounded()
    reasons: str = bounded(max_length=MAX_TEXT)


@dataclass(frozen=True)
class SubmitProtectionClaimDocuments(Command):
    """The Customer sends a Damage Event's supporting documents and repair invoice."""

    name: ClassVar[str] = "submit_protection_claim_documents"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-22", "L-35")
    incident_id: str = bounded()
    documents: tuple[str, ...] = bounded()
    repair_invoice_id: str = bounded()


def decision_windows(
    c: Contract, decided_on: date, incident_on: date | None = None
) -> dict[str, date | None]:
    """The last days a decision of `decided_on` opens (D-21; D-19 only while the contract
    runs, as Protection ends with it), and for a Damage Event of `incident_on` its
    documents' (D-22): `ProtectionClaimDecided` fields."""
    documents = terminate = None
    if incident_on is not None:
        documents = deadline_in_months(incident_on, DOCUMENTS_MONTHS, roll=True)
    if c.status in NOT_ENDED:
        terminate = deadline_in_months(decided_on, TERMINATION_MONTHS, roll=False)
    return {
        "contest_by": deadline_in_days(decided_on, CONTEST_DAYS, roll=True),
        "terminate_by": terminate,
        "documents_by": documents,
    }


def decided_claim(c: Contract, incident_id: str, rule_id: str) -> dict[str, Any]:
    """The decided claim of `incident_id`, refused with `rule_id` when there is none."""
    claim = c.damage_claims.get(incident_id)
    require(claim is not None, rule_id, f"{incident_id} has no Protection claim decision")
    assert claim is not None
    return claim


def contest_protection_decision(
    c: Contract, ctx: Ctx, incident_id: str, letter_on: date, reasons: str
) -> None:
    """D-21: record the contest, in time up to the 7th day after the decision."""
    claim = decided_claim(c, incident_id, "D-21")
    require(c.status is not ContractStatus.CLOSED, "D-21", "the contract is closed")
    require(bool(reasons.strip()), "D-21", "a contest needs sufficient reasons")
    require(letter_on <= ctx.on, "D-21", f"the letter of {letter_on} is in the future")
    require(not claim.get("contested"), "D-21", "this decision is already contested")
    contest_by: date | None = claim.get("contest_by")
    c.emit(
        ProtectionDecisionContested,
        ctx,
        ["D-21", "L-35"],
        incident_id=incident_id,
        registered_letter_date=letter_on,
        reasons=reasons,
        in_time=contest_by is None or letter_on <= contest_by,
        decision_version=claim.get("decided_version"),
    )


def submit_protection_claim_documents(
    c: Contract, ctx: Ctx, incident_id: str, documents: tuple[str, ...], repair_invoice_id: str
) -> None:
    """D-22: the documents of a Damage Event's claim, in time up to 6 months after it."""
    claim = decided_claim(c, incident_id, "D-22")
    require(c.status is not ContractStatus.CLOSED, "D-22", "the contract is closed")
    documents_by: date | None = claim.get("documents_by")
    require(documents_by is not None, "D-22", f"{incident_id} is not a Damage Event's claim")
    assert documents_by is not None
    refs = [d.strip() for d in documents if d.strip()]
    require(bool(refs), "D-22", "at least one supporting document is required")
    require(bool(repair_invoice_id.strip()), "D-22", "the repair invoice is required")
    submitted = claim.get("documents_submitted")
    require(not submitted, "D-22", "the documents were already submitted")
    c.emit(
        ProtectionClaimDocumentsSubmitted,
        ctx,
        ["D-22", "L-35"],
        incident_id=incident_id,
        documents=refs,
        repair_invoice_id=repair_invoice_id.strip(),
        in_time=ctx.on <= documents_by,
    )


def process_claim_windows(c: Contract, ctx: Ctx) -> None:
    """D-19, D-21, D-22 timers: each window still open after its last day closes (once)."""
    if c.status is ContractStatus.CLOSED:
        return
    for incident_id, claim in list(c.damage_claims.items()):
        for rule_id, key, event in TIMERS:
            last_day: date | None = claim.get(key)
            closed = c.damage_claims[incident_id].get(CLOSED, [])
            moot = rule_id == "D-19" and c.status not in NOT_ENDED  # nothing left to end
            if last_day is None or rule_id in closed or ctx.on <= last_day or moot:
                continue
            c.emit(
                event,
                ctx.at(last_day + timedelta(days=1)),
                [rule_id, "L-35"],
                incident_id=incident_id,
                deadline=last_day,
            )


HANDLERS: Handlers = {
    ContestProtectionDecision: contest_protection_decision,
    SubmitProtectionClaimDocuments: submit_protection_claim_documents,
}
