"""Article 18 ends: by law, early termination by the Customer, death, and against the Lessor
(RULES 6.1, 6.4-6.6). Suspension and dissolution against the Customer: dissolution.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_months, elapsed_months, next_working_day
from domain.contract import billing
from domain.contract.billing_events import (
    CreditNoteIssued,
)
from domain.contract.command import Command, bounded
from domain.contract.guarantee_events import GuaranteeReleased
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import (
    AdvanceRefundDetermined,
    KmCapReached,
    TheftRecoveryDeadlineExpired,
)
from domain.contract.lessor_grounds import LESSOR_GROUNDS, established_lessor_ground, rule_of
from domain.contract.losses import protection_covers
from domain.contract.status import RUNNING
from domain.contract.termination_events import (
    DISSOLUTION_GROUND_OPEN,
    WITHIN_FIRST_12_MONTHS,
    ContractDissolvedAgainstLessor,
    ContractEndedByLaw,
    ContractEndSuperseded,
    ContractTermExpired,
    ContractTerminatedOnDeath,
    CustomerDeathRecorded,
    EarlyTerminationAccepted,
    EarlyTerminationRejected,
    EarlyTerminationRequested,
    early_termination_refusal,
)
from domain.end_money import worked_advance_refund
from domain.values import ContractStatus, EndKind, KmCapEndMode
from domain.workings import records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.errors import RecordedRefusalError

EARLY_TERMINATION_LOCK_MONTHS = 12  # P-41, D-28
INDEMNITY_PAYMENT_DAYS = 15  # P-40, D-13
SALE_WINDOW_DAYS = 15  # P-40, D-14
SYSTEM_ACTOR = "SYSTEM:rules-engine"


@dataclass(frozen=True)
class RequestEarlyTermination(Command):
    """The Customer asks to end the contract early (from month 13, no ground open); a
    rejection is recorded (L-22) and the caller is told of it as of a refusal."""

    name: ClassVar[str] = "request_early_termination"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-20", "L-21", "L-22", "T-18.6", "T-18.7", "D-28")


@dataclass(frozen=True)
class RecordDeath(Command):
    """The Customer died on `died_on` (recorded with evidence)."""

    name: ClassVar[str] = "record_death"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-24", "T-18.9")
    died_on: date = bounded()


@dataclass(frozen=True)
class TerminateOnDeath(Command):
    """The heirs or the Lessor end the contract after the Customer's death."""

    name: ClassVar[str] = "terminate_on_death"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-24", "T-18.9", "M-33", "D-25")
    by: str = bounded()


@dataclass(frozen=True)
class DissolveAgainstLessor(Command):
    """The Customer dissolves the contract on a ground of Art. 18.8, once it is established
    (the fact recorded; for (i), (iii) and (iv) a registered notice left uncured 8 days)."""

    name: ClassVar[str] = "dissolve_against_lessor"
    rule_ids: ClassVar[tuple[str, ...]] = (
        "L-25",
        "T-18.8-i",
        "T-18.8-ii",
        "T-18.8-iii",
        "T-18.8-iv",
        "T-18.8-v",
        "A-29",
        "D-12",
    )
    ground: str = bounded()


@dataclass(frozen=True)
class EndByLaw:
    """A candidate end by operation of law (K-03) and what it needs recorded."""

    kind: EndKind
    effective: date
    occurred: date
    rules: tuple[str, ...]


def ends_by_law(c: Contract, today: date) -> list[EndByLaw]:
    """T-18.1-i..iv and T-4.4: every end by law that applies on `today` (pure)."""
    found: list[EndByLaw] = []
    if c.status is ContractStatus.READY_FOR_HANDOVER and c.refusal_founded and c.refused_on:
        found.append(
            EndByLaw(EndKind.NONCONFORMITY_REFUSAL, c.refused_on, today, ("T-4.4", "L-08"))
        )
    if c.status not in RUNNING and c.status is not ContractStatus.ENDED_AWAITING_RETURN:
        return found
    found.extend(_losses(c, today))
    if c.status in RUNNING:
        found.extend(_running_ends(c, today))
    return found


def _losses(c: Contract, today: date) -> list[EndByLaw]:
    """T-18.1-iii/iv: theft not recovered, total loss (retroactive, A-23)."""
    found = []
    if c.total_loss_on is not None:
        found.append(
            EndByLaw(EndKind.TOTAL_LOSS, c.total_loss_on, today, ("T-18.1-iv", "L-17", "A-23"))
        )
    if c.theft is not None and today > c.theft.recovery_deadline:
        occurred = c.theft.recovery_deadline + timedelta(days=1)
        found.append(
            EndByLaw(EndKind.THEFT, c.theft.theft_date, occurred, ("T-18.1-iii", "L-16", "A-23"))
        )
    return found


def _running_ends(c: Contract, today: date) -> list[EndByLaw]:
    """T-18.1-ii (km cap, A-15) and T-18.1-i (term expiry)."""
    found = []
    read_on = c.km_cap_reading_on  # A-15(c): the first reading at or above the cap
    if read_on is not None:
        found.append(
            EndByLaw(EndKind.KM_CAP, read_on, read_on, ("T-18.1-ii", "L-19", "M-12", "A-15"))
        )
    end = c.contractual_end_date
    if end is not None and today > end:
        found.append(EndByLaw(EndKind.TERM_EXPIRED, end, end, ("T-18.1-i", "L-18", "D-30")))
    return found


def apply_ends_by_law(c: Contract, ctx: Ctx) -> None:
    """K-03/K-05: the end by law with the earliest effective date takes effect.

    On an ended contract (awaiting return) only a theft or total loss with an earlier effective
    date counts, and supersedes the recorded end (K-05); a later one is ignored.
    """
    candidates = ends_by_law(c, ctx.on)
    if ctx.policy.km_cap_end_mode is KmCapEndMode.LESSOR_DECISION:  # A-15(b), km_cap_end.py
        candidates = [e for e in candidates if e.kind is not EndKind.KM_CAP]
        note_km_cap(c, ctx, "A-15")
    if c.effective_end_date is not None:
        recorded = c.effective_end_date
        candidates = [e for e in candidates if e.effective < recorded]
    if not candidates:
        return
    end = min(candidates, key=lambda e: e.effective)
    law = ctx.at(end.occurred)
    _record_trigger(c, law, end)
    if c.end_kind is not None and c.effective_end_date is not None:
        c.emit(
            ContractEndSuperseded,
            law,
            ["K-05", *end.rules],
            previous_end_kind=c.end_kind.value,
            previous_effective_end_date=c.effective_end_date,
            new_end_kind=end.kind.value,
            new_effective_end_date=end.effective,
        )
    else:
        _end_by_law(c, law, end)
    retroactive = end.kind in (EndKind.THEFT, EndKind.TOTAL_LOSS)
    rules = ["M-04", "A-16", *(["A-23"] if retroactive else [])]
    reason = "RETROACTIVE_END" if retroactive else "PRO_RATA_END"
    billing.credit_after(c, ctx, end.effective, reason, rules)
    if retroactive:
        refund_advance(c, ctx, end.effective)
    if end.kind is EndKind.NONCONFORMITY_REFUSAL:
        _undo_on_refusal(c, ctx)


def _record_trigger(c: Contract, law: Ctx, end: EndByLaw) -> None:
    """The timer or fact events that precede the end (D-15, M-12, D-30)."""
    if end.kind is EndKind.THEFT and c.theft is not None:
        c.emit(
            TheftRecoveryDeadlineExpired,
            law,
            ["T-18.1-iii", "D-15"],
            incident_id=c.theft.incident_id,
            deadline=c.theft.recovery_deadline,
        )
    if end.kind is EndKind.KM_CAP:
        note_km_cap(c, law)
    if end.kind is EndKind.TERM_EXPIRED:
        c.emit(ContractTermExpired, law, ["D-30", "T-18.1-i"], contractual_end_date=end.effective)


def note_km_cap(c: Contract, ctx: Ctx, *rules: str) -> None:
    """M-12: `KmCapReached` once, dated by the first reading at the cap (A-15(c))."""
    on = c.km_cap_reading_on
    if on is None or c.km_cap_noted or c.status not in RUNNING:
        return
    rule_ids = ["M-12", "T-18.1-ii", *rules]
    c.emit(KmCapReached, ctx.at(on), rule_ids, reading=c.km_cap_reading, km_cap=c.terms.km_cap)


def end_on_decision(c: Contract, ctx: Ctx, end: EndByLaw) -> None:
    """An end the Lessor decides (A-15(b)): effective on `end.effective`, the days after it
    credited (M-04, A-16)."""
    _end_by_law(c, ctx, end)
    billing.credit_after(c, ctx, end.effective, "PRO_RATA_END", ["M-04", "A-16"])


def _end_by_law(c: Contract, law: Ctx, end: EndByLaw) -> None:
    no_vehicle = end.kind in (EndKind.THEFT, EndKind.TOTAL_LOSS, EndKind.NONCONFORMITY_REFUSAL)
    next_status = (
        ContractStatus.IN_SETTLEMENT if no_vehicle else ContractStatus.ENDED_AWAITING_RETURN
    )
    c.emit(
        ContractEndedByLaw,
        law,
        ["K-03", *end.rules],
        end_kind=end.kind.value,
        effective_end_date=end.effective,
        return_due_date=None if no_vehicle else next_working_day(end.effective),
        next_status=next_status.value,
        trigger=end.kind.value,
    )


def refund_advance(c: Contract, ctx: Ctx, effective: date) -> None:
    """M-19: with Protection and an advance paid, refund it pro rata (outside VAT).

    Only where the Lessor waives its recourse (Art. 10.8): Protection included and not ended
    before the loss, as M-18 reads it (`protection_covers`). The refund is owed to the
    Customer: a credit note, set off or paid out before closure.
    """
    if not protection_covers(c, effective) or not c.terms.advance_payment.is_positive:
        return
    _credit_advance(c, ctx, elapsed_months(c.start_date, effective), ["M-19", "A-26"])


def _undo_on_refusal(c: Contract, ctx: Ctx) -> None:
    """A-30: a founded refusal for non-conformity (Art. 4.4) gives the advance back in full
    (M-19's formula with no month elapsed: the contract never started) and releases what is
    left of every Guarantee provided under the contract."""
    if c.terms.advance_payment.is_positive:
        _credit_advance(c, ctx, 0, ["A-30"])
    for guarantee_id, held in list(c.guarantees.items()):
        if not held.released:
            c.emit(
                GuaranteeReleased,
                ctx,
                ["A-30", "M-10"],
                guarantee_id=guarantee_id,
                amount_returned=held.available,
            )


def _credit_advance(c: Contract, ctx: Ctx, elapsed: int, rules: list[str]) -> None:
    worked = worked_advance_refund(c.terms.advance_payment, c.terms.term_months, elapsed)
    amount = worked.amount
    c.emit(
        AdvanceRefundDetermined,
        ctx,
        rules,
        amount=amount,
        term_months=c.terms.term_months,
        elapsed_months=elapsed,
    )
    if amount.is_positive:
        c.issue(
            CreditNoteIssued,
            ctx,
            rules,
            amount=amount,
            relates_to=None,
            reason="ADVANCE_REFUND",
            workings=records([worked]),
        )


def request_early_termination(c: Contract, ctx: Ctx) -> RecordedRefusalError | None:
    """L-20..L-22, T-18.6/T-18.7: allowed from the first day of month 13, with no open ground.

    The request is recorded, then the engine's answer: accepted, or rejected with its
    reason (L-22), which is returned as the refusal the caller is told of."""
    if c.status is not ContractStatus.SUSPENDED:  # SUSPENDED: an open ground (T-18.7)
        require_status(c, {ContractStatus.ACTIVE}, "L-20", "request_early_termination")
    assert c.start_date is not None  # ACTIVE and SUSPENDED have a start date
    c.emit(EarlyTerminationRequested, ctx, ["L-20"])
    rejection = early_termination_rejection(c, ctx.on)
    if rejection is not None:
        reason, rules, earliest, grounds = rejection
        c.emit(
            EarlyTerminationRejected,
            ctx,
            rules,
            reason=reason,
            earliest_date=earliest,
            open_grounds=grounds,
        )
        return early_termination_refusal(reason, earliest, grounds)
    c.emit(EarlyTerminationAccepted, ctx, ["L-21", "T-18.7", "D-28", "L-40"])
    return None


def early_termination_rejection(
    c: Contract, on: date
) -> tuple[str, list[str], date | None, list[str]] | None:
    """L-22: why a request on `on` is rejected (reason, rules, earliest date, open grounds),
    None when it is accepted (L-21)."""
    assert c.start_date is not None
    open_grounds = [g.ground for g in c.open_grounds()]
    if c.status is ContractStatus.SUSPENDED:
        return DISSOLUTION_GROUND_OPEN, ["L-22", "T-18.7"], None, open_grounds
    earliest = add_months(c.start_date, EARLY_TERMINATION_LOCK_MONTHS)
    if on < earliest:
        return WITHIN_FIRST_12_MONTHS, ["L-22", "T-18.6", "D-28"], earliest, []
    if open_grounds:
        return DISSOLUTION_GROUND_OPEN, ["L-22", "T-18.7"], None, open_grounds
    return None


def record_death(c: Contract, ctx: Ctx, died_on: date) -> None:
    """L-24: the Customer's death, recorded with evidence."""
    require_status(c, RUNNING, "L-24", "record_death")
    require(c.death_on is None, "L-24", "death already recorded")
    require(died_on <= ctx.on, "L-24", f"date of death {died_on} is in the future")
    c.emit(CustomerDeathRecorded, ctx, ["L-24", "T-18.9"], date_of_death=died_on)


def terminate_on_death(c: Contract, ctx: Ctx, by: str) -> None:
    """T-18.9: heirs or Lessor end the contract; instalments run until the return (M-33)."""
    require_status(c, RUNNING, "L-24", "terminate_on_death")
    require(c.death_on is not None, "T-18.9", "no death recorded")
    require(by in ("HEIRS", "LESSOR"), "T-18.9", f"terminated_by must be HEIRS or LESSOR, got {by}")
    c.emit(
        ContractTerminatedOnDeath,
        ctx,
        ["L-24", "T-18.9", "M-33", "D-25"],
        end_kind=EndKind.DEATH.value,
        effective_end_date=ctx.on,
        return_due_date=ctx.on,
        next_status=ContractStatus.ENDED_AWAITING_RETURN.value,
        terminated_by=by,
    )


def dissolve_against_lessor(c: Contract, ctx: Ctx, ground: str) -> None:
    """L-25, T-18.8-i..v: the Customer dissolves on an established 18.8 ground
    (lessor_grounds.py); no fee or indemnity (A-29)."""
    require(ground in LESSOR_GROUNDS, "L-25", f"unknown ground {ground!r}")
    allowed = {
        ContractStatus.ACTIVE,
        ContractStatus.SUSPENDED,
        ContractStatus.EARLY_TERMINATION_PENDING,
    }
    require_status(c, allowed, "L-25", "dissolve_against_lessor")
    cited = established_lessor_ground(c, ground, ctx.on)
    c.emit(
        ContractDissolvedAgainstLessor,
        ctx,
        ["L-25", rule_of(ground), *cited, "A-29"],
        end_kind=EndKind.DISSOLVED_AGAINST_LESSOR.value,
        effective_end_date=ctx.on,
        return_due_date=None,
        next_status=ContractStatus.ENDED_AWAITING_RETURN.value,
        ground=ground,
    )
    billing.credit_after(c, ctx, ctx.on, "PRO_RATA_END", ["M-04", "A-29"])


HANDLERS: Handlers = {
    RequestEarlyTermination: request_early_termination,
    RecordDeath: record_death,
    TerminateOnDeath: terminate_on_death,
    DissolveAgainstLessor: dissolve_against_lessor,
}
