"""Grounds for the Lessor's rights under Art. 18.3 (K-02): recorded, detected, cleared."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.contract import cover
from domain.contract.command import Command, bounded
from domain.contract.formation import PRE_HANDOVER
from domain.contract.ground_facts import FACT_GROUNDS, fact_recorded
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.contract.termination_events import (
    DissolutionGroundCleared,
    DissolutionGroundDetected,
    DissolutionGroundRecorded,
)
from domain.money import Money, total
from domain.money_rules import monthly_equivalent
from domain.values import GroundStatus, NoticeKind

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import Notice

GROUND_PATTERN = re.compile(r"^18\.(3)\((i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii|xiii|xiv)\)$")
ARREARS_GROUNDS = ("18.2(ii)", "18.3(ii)", "18.3(iii)")
"""Grounds that rest on a notice's unpaid amounts and clear once those are paid (K-02)."""
SERVICE_ARREARS_INVOICES = 2  # T-18.2-ii: "at least twice"
INSTALMENT_ARREARS_MONTHS = 2  # T-18.3-ii, A-12: two monthly instalments overdue


@dataclass(frozen=True)
class RecordGround(Command):
    """The Lessor records a ground of Art. 18.3 it found itself, with its rationale."""

    name: ClassVar[str] = "record_ground"
    rule_ids: ClassVar[tuple[str, ...]] = ("K-02",)
    ground: str = bounded()
    rationale: str = bounded(max_length=2000)


@dataclass(frozen=True)
class NoteCustomerGrounds(Command):
    """The arrears grounds on the Customer's other contracts (`<number>/<ground id>` -> open)."""

    name: ClassVar[str] = "note_customer_grounds"
    rule_ids: ClassVar[tuple[str, ...]] = ("K-01", "T-18.3-ii", "A-37")
    public: ClassVar[bool] = False
    elsewhere: Mapping[str, bool] = bounded()


def instalment_arrears_ground(overdue: Money, monthly: Money) -> bool:
    """T-18.3-ii (A-12): the instalments overdue under a notice reach two months' worth."""
    return overdue.amount >= INSTALMENT_ARREARS_MONTHS * monthly.amount


def service_arrears_ground(late_invoices: int, *, still_unpaid: bool) -> bool:
    """T-18.2-ii (A-13): at least two service invoices paid late, and something still due."""
    return late_invoices >= SERVICE_ARREARS_INVOICES and still_unpaid


def rule_id_of(ground: str) -> str:
    """'18.3(xiv)' -> 'T-18.3-xiv'."""
    article, numeral = ground.rstrip(")").split("(")
    return f"T-{article}-{numeral}"


def record_ground(c: Contract, ctx: Ctx, ground: str, rationale: str) -> None:
    """K-02: a HUMAN ground (e.g. 18.3(xiv)) recorded with its rationale.

    A ground that stands on a fact (18.3(iv), (vi), (ix), (xii), (xiii)) needs that fact
    recorded first, with its evidence (`record_ground_fact`)."""
    require(bool(GROUND_PATTERN.match(ground)), "K-02", f"unknown ground {ground!r}")
    require_status(c, NOT_ENDED, "K-02", "record_ground")
    require(bool(rationale.strip()), rule_id_of(ground), "a documented rationale is required")
    require(
        ground not in FACT_GROUNDS or fact_recorded(c, ground),
        rule_id_of(ground),
        "record the fact with its evidence first (record_ground_fact)",
    )
    c.emit(
        DissolutionGroundRecorded,
        ctx,
        ["K-02", rule_id_of(ground)],
        ground_id=f"G{len(c.grounds) + 1:03d}",
        ground=ground,
        rationale=rationale,
    )


def detect_grounds(c: Contract, ctx: Ctx) -> None:
    """K-02 AUTO-DETECT grounds: 18.3(i) from refusal timers, 18.3(ii)/(iii) from notices,
    18.3(vii) from lapsed guarantees, 18.3(viii) from reporting duties breached (D-01,
    D-02; T-6.1), 18.3(x) from insurance lapses not replaced (D-17, and D-18 after
    Protection ended: T-10.6), 18.3(xi) from withdrawal."""
    if c.status in PRE_HANDOVER:
        evidence = list(c.expired_deadlines) + (["L-09"] if c.refusal_founded is False else [])
        _detect(c, ctx, "18.3(i)", evidence, ["T-18.3-i", "T-4.6", "L-09"])
        if c.withdrawal_intent_on is not None:
            _detect(c, ctx, "18.3(xi)", ["L-29"], ["T-18.3-xi", "L-29", "A-20"])
    for notice in c.notices.values():
        if notice.expired and notice.registered:
            _detect_arrears(c, ctx, notice)
    if c.status in NOT_ENDED:
        _detect(c, ctx, "18.3(vii)", list(c.lapsed_guarantees), ["T-18.3-vii"])
        _detect(c, ctx, "18.3(viii)", list(c.reporting_breaches), ["T-18.3-viii", "T-6.1"])
        _detect_uninsured(c, ctx)
    _clear_paid(c, ctx)
    _clear_taken_vehicle(c, ctx)
    _clear_insured(c, ctx)


def _detect_uninsured(c: Contract, ctx: Ctx) -> None:
    """T-18.3-x: a lapse not replaced in time (D-17); T-10.6: also Protection ended with no
    own insurance by the day its cover ended (D-18)."""
    lapsed = cover.lapsed_unreplaced(c)
    if not lapsed:  # most days
        return
    protection = any(cover.protection_ended(c, lapse_id) for lapse_id in lapsed)
    rules = ["T-18.3-x", "D-17", *(["T-10.6", "D-18"] if protection else [])]
    _detect(c, ctx, "18.3(x)", lapsed, rules)


def _detect(c: Contract, ctx: Ctx, ground: str, evidence: list[str], rules: list[str]) -> None:
    if not evidence:  # most days: nothing to detect
        return
    known = {e for g in c.grounds.values() if g.ground == ground for e in g.evidence}
    fresh = [e for e in evidence if e not in known]
    if not fresh:
        return
    c.emit(
        DissolutionGroundDetected,
        ctx,
        ["K-02", *rules],
        ground_id=f"G{len(c.grounds) + 1:03d}",
        ground=ground,
        evidence=fresh,
        cure_deadline=None,
    )


def _detect_arrears(c: Contract, ctx: Ctx, notice: Notice) -> None:
    """T-18.3-ii (two months of instalment arrears, A-12) or T-18.3-iii (other amounts).

    A registered service-arrears notice covers instalment invoices: besides 18.2(ii) it
    counts toward 18.3(ii) exactly as an instalment notice does (A-07, L-34)."""
    unpaid = [c.receivables[r] for r in notice.receivable_ids if c.receivables[r].open.is_positive]
    if not unpaid or c.status not in NOT_ENDED:
        return
    if notice.kind is NoticeKind.OTHER_ARREARS:
        _detect(c, ctx, "18.3(iii)", [notice.notice_id], ["T-18.3-iii", "D-12"])
        return
    if notice.kind is NoticeKind.SERVICE_ARREARS:
        _detect_service_arrears(c, ctx, notice)
    monthly = monthly_equivalent(c.terms.instalment_amount, c.terms.instalment_frequency)
    overdue = total([r.open for r in unpaid if r.category == "INSTALMENT"])
    if instalment_arrears_ground(overdue, monthly):
        _detect(c, ctx, "18.3(ii)", [notice.notice_id], ["T-18.3-ii", "D-12", "A-12"])


def _detect_service_arrears(c: Contract, ctx: Ctx, notice: Notice) -> None:
    """T-18.2-ii (A-13): at least two instalment invoices with a service part (P-13) not
    paid on time - each invoice the notice covers was overdue when it was sent - and
    something of them still unpaid when the cure period ended: the Lessor may stop the
    service. The contract itself continues."""
    if not c.terms.instalment_components:
        return
    covered = [c.receivables[r] for r in notice.receivable_ids]
    late = [r for r in covered if r.category == "INSTALMENT"]
    if service_arrears_ground(len(late), still_unpaid=any(r.open.is_positive for r in late)):
        _detect(c, ctx, "18.2(ii)", [notice.notice_id], ["T-18.2-ii", "D-12", "A-13"])


def _clear_taken_vehicle(c: Contract, ctx: Ctx) -> None:
    """K-02: refusing the Vehicle (18.3(i)) stops being true once it is handed over."""
    if c.start_date is None:
        return
    for ground in list(c.grounds.values()):
        if ground.status is GroundStatus.OPEN and ground.ground == "18.3(i)":
            c.emit(
                DissolutionGroundCleared,
                ctx,
                ["K-02", "T-18.3-i"],
                ground_id=ground.ground_id,
                reason="REMEDIED",
            )


def _clear_paid(c: Contract, ctx: Ctx) -> None:
    """K-02: an arrears ground clears once everything its notice covered is paid."""
    for ground in list(c.grounds.values()):
        if ground.status is not GroundStatus.OPEN or ground.ground not in ARREARS_GROUNDS:
            continue
        notices = [n for n in ground.evidence if n in c.notices]
        if not notices:  # resting on another contract's ground (K-01): cleared from there
            continue
        covered = [r for n in notices for r in c.notices[n].receivable_ids]
        if all(not c.receivables[r].open.is_positive for r in covered):
            c.emit(
                DissolutionGroundCleared,
                ctx,
                ["K-02", rule_id_of(ground.ground)],
                ground_id=ground.ground_id,
                reason="PAID",
            )


def _clear_insured(c: Contract, ctx: Ctx) -> None:
    """K-02: 18.3(x) stops being true once every lapse it rests on is covered again."""
    for ground in list(c.grounds.values()):
        if ground.status is not GroundStatus.OPEN or ground.ground != "18.3(x)":
            continue
        if all(c.insurance_lapses[i]["replaced_on"] is not None for i in ground.evidence):
            c.emit(
                DissolutionGroundCleared,
                ctx,
                ["K-02", "T-18.3-x"],
                ground_id=ground.ground_id,
                reason="REMEDIED",
            )


def local_arrears_grounds(c: Contract) -> dict[str, bool]:
    """K-01: this contract's own 18.3(ii) grounds, as `<number>/<ground id>` -> open, for
    the Customer's other contracts (A-37: arrears under any Contract)."""
    return {
        f"{c.number}/{g.ground_id}": g.status is GroundStatus.OPEN
        for g in c.grounds.values()
        if g.ground == "18.3(ii)" and any(e in c.notices for e in g.evidence)
    }


def note_customer_grounds(c: Contract, ctx: Ctx, elsewhere: Mapping[str, bool]) -> None:
    """K-01, T-18.3-ii, A-37: arrears grounds on the Customer's other contracts count here.

    `elsewhere` maps each such ground (`<number>/<ground id>`) to whether it is open. An open
    one is detected here too (evidence: that reference); once every ground it rests on is
    closed there, the ground here is cleared. State-based: noting the same twice records
    nothing.
    """
    if c.status not in NOT_ENDED:
        return
    open_refs = sorted(ref for ref, is_open in elsewhere.items() if is_open)
    _detect(c, ctx, "18.3(ii)", open_refs, ["T-18.3-ii", "K-01", "A-37"])
    for ground in list(c.grounds.values()):
        refs = ground.evidence
        if ground.status is not GroundStatus.OPEN or ground.ground != "18.3(ii)" or not refs:
            continue
        if all(ref in elsewhere and not elsewhere[ref] for ref in refs):
            c.emit(
                DissolutionGroundCleared,
                ctx,
                ["K-01", "K-02", "T-18.3-ii"],
                ground_id=ground.ground_id,
                reason="CLEARED_ON_OTHER_CONTRACT",
            )


HANDLERS: Handlers = {RecordGround: record_ground, NoteCustomerGrounds: note_customer_grounds}
