"""Art. 18.8: what the Customer must establish before dissolving against the Lessor.

Grounds (i), (iii) and (iv) need the Customer's registered formal notice to the Lessor and
an 8-day cure period from its dispatch that ran out without the Lessor paying or remedying
(D-12); (iii) and (iv) also rest on the fact itself (seizure or creditors' claims; a serious
failure), and (ii) and (v) on the fact alone (insolvency; trust broken). A fact is HUMAN: it
is recorded with its evidence (RULES 0.4) before the Customer may dissolve on it. The
dissolution itself is `termination.dissolve_against_lessor` (L-25), which asks
`established_lessor_ground` here first.

D-11 (Art. 5.4, 18.8(i)): a notice for an unpaid amount is also the Customer's reminder: the
Lessor has 8 days from it to pay (the same last day as D-12, not rolled, A-05). Each notice's
deadline is recorded with the notice (`cure_deadline`, the deadlines view opens it) and, if
no payment or remedy is recorded by then, expires the day after
(`LessorCureDeadlineExpired`, once per notice, `process_lessor_deadlines` in the daily run).
[INT] The expiry records the fact only: the 18.8 right is already read from the notice
(`established_lessor_ground`), and M-08 (the Lessor's interest and indemnity) is not built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import ONE_DAY, deadline_in_days
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.lessor_grounds_events import (
    LessorBreachRecorded,
    LessorCreditorInterferenceRecorded,
    LessorCureDeadlineExpired,
    LessorDefaultNoticeSent,
    LessorDefaultRemedied,
    LessorGroundFactRecorded,
    LessorInsolvencyRecorded,
    LessorTrustBreakdownRecorded,
)
from domain.contract.status import NOT_ENDED
from domain.money import Money

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import LessorNotice

LESSOR_GROUNDS = ("18.8(i)", "18.8(ii)", "18.8(iii)", "18.8(iv)", "18.8(v)")
"""The Customer's grounds of Art. 18.8, the only ones `dissolve_against_lessor` knows."""
NOTICE_GROUNDS = ("18.8(i)", "18.8(iii)", "18.8(iv)")
"""D-12: the grounds that need a registered notice and 8 days without cure."""
FACTS: dict[str, type[LessorGroundFactRecorded]] = {
    "18.8(ii)": LessorInsolvencyRecorded,
    "18.8(iii)": LessorCreditorInterferenceRecorded,
    "18.8(iv)": LessorBreachRecorded,
    "18.8(v)": LessorTrustBreakdownRecorded,
}
"""The HUMAN fact each ground rests on, as the event that records it (RULES 9.6)."""
FACT_NAMES = {
    "18.8(ii)": "the Lessor's payment stop or bankruptcy",
    "18.8(iii)": "the seizure, confiscation or creditors' claims against the Lessor",
    "18.8(iv)": "the Lessor's serious failure",
    "18.8(v)": "the breakdown of trust in the Lessor",
}
LESSOR_CURE_DAYS = 8  # P-37, D-12
LESSOR_CURE_ROLLS = False
"""D-12 / A-05: only Customer-side deadlines roll forward to a working day; this cure period
is the Lessor's, so its last day is dispatch + 8 days even on a weekend or holiday."""


def rule_of(ground: str) -> str:
    """'18.8(iii)' -> 'T-18.8-iii'."""
    return "T-18.8-" + ground.removeprefix("18.8(").removesuffix(")")


def lessor_cure_deadline(dispatched_on: date) -> date:
    """D-12: the last day the Lessor may pay or remedy; the Customer's right arises the day
    after (Mon 2025-02-10 -> last day Tue 02-18, right on Wed 02-19)."""
    return deadline_in_days(dispatched_on, LESSOR_CURE_DAYS, roll=LESSOR_CURE_ROLLS)


@dataclass(frozen=True)
class SendLessorDefaultNotice(Command):
    """The Customer's formal notice to the Lessor (18.8(i) unpaid amount, (iii) seizure or
    creditors' claims, (iv) serious failure): dispatched on the step's date."""

    name: ClassVar[str] = "send_lessor_default_notice"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-12", "T-18.8-i", "T-18.8-iii", "T-18.8-iv", "A-06")
    ground: str = bounded()
    registered: bool = bounded(True)
    amount: Money | None = bounded(None)


@dataclass(frozen=True)
class RecordLessorRemedy(Command):
    """The Lessor paid or remedied what the Customer's notice `notice_id` named."""

    name: ClassVar[str] = "record_lessor_remedy"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-12", "T-18.8-i", "T-18.8-iii", "T-18.8-iv")
    notice_id: str = bounded()


@dataclass(frozen=True)
class RecordLessorGround(Command):
    """A fact of Art. 18.8 (ii)..(v) recorded with its evidence (judgment, seizure report,
    correspondence) and what it is."""

    name: ClassVar[str] = "record_lessor_ground"
    rule_ids: ClassVar[tuple[str, ...]] = (
        "K-02",
        "T-18.8-ii",
        "T-18.8-iii",
        "T-18.8-iv",
        "T-18.8-v",
    )
    ground: str = bounded()
    evidence: tuple[str, ...] = bounded()
    description: str = bounded("", max_length=MAX_TEXT)


def send_lessor_default_notice(
    c: Contract, ctx: Ctx, ground: str, registered: bool, amount: Money | None
) -> None:
    """D-12: the notice starts the Lessor's 8-day cure period from its dispatch (A-06)."""
    require(
        ground in NOTICE_GROUNDS,
        "D-12",
        f"a notice to the Lessor is for 18.8(i), (iii) or (iv), not {ground!r}",
    )
    require_status(c, NOT_ENDED, "D-12", "send_lessor_default_notice")
    if ground == "18.8(i)":
        named = amount is not None and amount.is_positive and amount == amount.rounded()
        require(named, "T-18.8-i", "the notice names the amount the Lessor has not paid")
    c.emit(
        LessorDefaultNoticeSent,
        ctx,
        [*notice_deadlines(ground), rule_of(ground), "A-06"],
        notice_id=f"LN{len(c.lessor_notices) + 1:03d}",
        ground=ground,
        registered=registered,
        amount=amount,
        cure_deadline=lessor_cure_deadline(ctx.on),
    )


def notice_deadlines(ground: str) -> list[str]:
    """D-11 for a reminder of an unpaid amount (18.8(i)), then D-12 (every notice)."""
    return ["D-11", "D-12"] if ground == "18.8(i)" else ["D-12"]


def process_lessor_deadlines(c: Contract, ctx: Ctx) -> None:
    """D-11 / D-12: each notice whose last day passed without a payment or remedy, once."""
    for notice in c.lessor_notices.values():
        deadline_id = f"{notice_deadlines(notice.ground)[0]}:{notice.notice_id}"
        if ctx.on <= notice.cure_deadline or deadline_id in c.expired_deadlines:
            continue
        if notice.remedied_on is not None and notice.remedied_on <= notice.cure_deadline:
            continue
        c.emit(
            LessorCureDeadlineExpired,
            ctx.at(notice.cure_deadline + ONE_DAY),
            [*notice_deadlines(notice.ground), rule_of(notice.ground)],
            deadline_id=deadline_id,
            deadline=notice.cure_deadline,
            notice_id=notice.notice_id,
        )


def record_lessor_remedy(c: Contract, ctx: Ctx, notice_id: str) -> None:
    """The Lessor's payment or remedy; within the cure period it takes the notice's ground away."""
    notice = c.lessor_notices.get(notice_id)
    require(notice is not None, "D-12", f"no notice to the Lessor {notice_id!r}")
    assert notice is not None
    require(notice.remedied_on is None, "D-12", f"notice {notice_id} already remedied")
    require(ctx.on >= notice.dispatch_date, "D-12", f"notice {notice_id} not yet sent")
    c.emit(
        LessorDefaultRemedied,
        ctx,
        ["D-12", rule_of(notice.ground)],
        notice_id=notice_id,
        ground=notice.ground,
        within_cure_period=ctx.on <= notice.cure_deadline,
    )


def record_lessor_ground(
    c: Contract, ctx: Ctx, ground: str, evidence: tuple[str, ...], description: str
) -> None:
    """RULES 0.4 HUMAN: the fact of an 18.8 ground, with its evidence."""
    require(ground in LESSOR_GROUNDS, "K-02", f"unknown ground {ground!r}")
    require(
        ground in FACTS,
        "T-18.8-i",
        "18.8(i) rests on a registered notice left unpaid (send_lessor_default_notice)",
    )
    require_status(c, NOT_ENDED, "K-02", "record_lessor_ground")
    require(bool(evidence), rule_of(ground), "the fact needs at least one evidence reference")
    c.emit(
        FACTS[ground],
        ctx,
        ["K-02", rule_of(ground)],
        ground=ground,
        evidence_refs=list(evidence),
        description=description,
    )


def established_lessor_ground(c: Contract, ground: str, on: date) -> list[str]:
    """L-25, T-18.8-i..v: refuse (with the ground's rule) unless `ground` is established on
    `on`; the rules the dissolution then cites besides the ground's own."""
    require(ground in LESSOR_GROUNDS, "L-25", f"unknown ground {ground!r}")
    rule = rule_of(ground)
    if ground in FACTS:
        recorded = c.lessor_facts.get(ground)
        missing = f"{FACT_NAMES[ground]} is not recorded with evidence (record_lessor_ground)"
        require(recorded is not None and recorded <= on, rule, missing)
    if ground not in NOTICE_GROUNDS:
        return []
    _require_unremedied_notice(c, ground, on, rule)
    return ["D-12"]


def _require_unremedied_notice(c: Contract, ground: str, on: date, rule: str) -> None:
    """D-12: a registered notice for the ground whose cure period ended before `on` without
    the Lessor paying or remedying within it."""
    notices = [n for n in c.lessor_notices.values() if n.ground == ground]
    registered = [n for n in notices if n.registered]
    if not registered:
        sent = f" (notice {notices[0].notice_id} was not registered)" if notices else ""
        require(False, rule, f"no registered formal notice to the Lessor for {ground}{sent}")
    if any(_right_arose(n, on) for n in registered):
        return
    running = [n for n in registered if on <= n.cure_deadline]
    if running:
        first = min(running, key=lambda n: n.cure_deadline)
        arises = first.cure_deadline + ONE_DAY
        require(
            False,
            rule,
            f"cure period of notice {first.notice_id} runs until {first.cure_deadline} "
            f"(dissolution allowed from {arises} unless remedied)",
        )
    last = registered[-1]
    require(False, rule, f"notice {last.notice_id} was remedied on {last.remedied_on}")


def _right_arose(notice: LessorNotice, on: date) -> bool:
    """Day 9 or later, and no payment or remedy by the last day of the cure period."""
    remedied_in_time = notice.remedied_on is not None and notice.remedied_on <= notice.cure_deadline
    return on > notice.cure_deadline and not remedied_in_time


HANDLERS: Handlers = {
    SendLessorDefaultNotice: send_lessor_default_notice,
    RecordLessorRemedy: record_lessor_remedy,
    RecordLessorGround: record_lessor_ground,
}
