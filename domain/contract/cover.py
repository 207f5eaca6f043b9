"""What secures the Lessor besides the car: guarantees (Art. 3.1) and insurance (Art. 11).

Both feed AUTO-DETECT grounds (K-02) that the termination consumer finds:
- T-18.3-vii: a guarantee given for the Customer's obligations lapsed (`GuaranteeLapsed`,
  from an integration, e.g. the bank of a bank guarantee).
- T-18.3-x (L-31, D-17): a required policy or the creditor endorsement was suspended,
  cancelled or dissolved (`InsuranceLapseNotified`) and no replacement was provided, nor
  announced by the Lessor, within 2 weeks: the timer expires (`InsuranceReplacementDeadline
  Expired`) and the ground is detected. A replacement after that remedies it (cleared).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import deadline_in_days
from domain.contract.command import Command, bounded
from domain.contract.cover_events import (
    PROTECTION_ENDED,
    GuaranteeLapsed,
    InsuranceLapseNotified,
    InsuranceReplacementDeadlineExpired,
    ReplacementInsuranceProvided,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.money import Money

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

REPLACEMENT_DAYS = 14  # D-17, D-18: 2 weeks = 14 days (RULES 0.5)
LAPSE_REASONS = ("CANCELLED", "VOIDED", "REDUCED")
POLICY_TYPES = ("COMPREHENSIVE", "MTPL", "CREDITOR_ENDORSEMENT", "PROTECTION_ENDED")
"""PROTECTION_ENDED: D-18, Protection terminated; own insurance is due within 2 weeks."""
LAPSE_TYPES = ("SUSPENSION", "CANCELLATION", "DISSOLUTION", "NOT_SOLE_BENEFICIARY")
PROVIDERS = ("CUSTOMER", "LESSOR")


@dataclass(frozen=True)
class RecordGuaranteeLapsed(Command):
    """A Guarantee lapsed (ground 18.3(vii)), with what remains of it."""

    name: ClassVar[str] = "record_guarantee_lapsed"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.3-vii",)
    guarantee_id: str = bounded()
    reason: str = bounded()
    remaining: Money = bounded()


@dataclass(frozen=True)
class NotifyInsuranceLapse(Command):
    """An insurance policy lapsed; the two-week replacement timer starts."""

    name: ClassVar[str] = "notify_insurance_lapse"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.3-x", "D-17", "D-18")
    policy_type: str = bounded()
    lapse_type: str = bounded()
    notified_by: str = bounded()


@dataclass(frozen=True)
class ProvideReplacementInsurance(Command):
    """Replacement insurance is in place (by the Customer or the Lessor)."""

    name: ClassVar[str] = "provide_replacement_insurance"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.3-x", "D-17")
    provided_by: str = bounded()


def record_guarantee_lapsed(
    c: Contract, ctx: Ctx, guarantee_id: str, reason: str, remaining: Money
) -> None:
    """T-18.3-vii: a guarantee lost in whole or in part, or terminated."""
    require_status(c, NOT_ENDED, "T-18.3-vii", "record_guarantee_lapsed")
    require(bool(guarantee_id.strip()), "T-18.3-vii", "guarantee_id is required")
    require(reason in LAPSE_REASONS, "T-18.3-vii", f"reason must be one of {LAPSE_REASONS}")
    require(guarantee_id not in c.lapsed_guarantees, "T-18.3-vii", f"{guarantee_id} lapsed")
    c.emit(
        GuaranteeLapsed,
        ctx,
        ["T-18.3-vii"],
        guarantee_id=guarantee_id,
        reason=reason,
        remaining_amount=remaining,
    )


def notify_insurance_lapse(
    c: Contract, ctx: Ctx, policy_type: str, lapse_type: str, notified_by: str
) -> None:
    """L-31, D-17: a policy lapse is notified; a replacement is due within 2 weeks."""
    require_status(c, NOT_ENDED, "L-31", "notify_insurance_lapse")
    require(policy_type in POLICY_TYPES, "L-31", f"policy_type must be one of {POLICY_TYPES}")
    require(lapse_type in LAPSE_TYPES, "L-31", f"lapse_type must be one of {LAPSE_TYPES}")
    require(notified_by in ("INSURER", "LESSOR"), "L-31", "notified_by must be INSURER or LESSOR")
    rules = ["L-31", "D-18" if policy_type == "PROTECTION_ENDED" else "D-17"]
    deadline = replacement_deadline(ctx.on, policy_type)
    notify_lapse(c, ctx, rules, policy_type, lapse_type, notified_by, deadline)


def notify_lapse(
    c: Contract,
    ctx: Ctx,
    rules: list[str],
    policy_type: str,
    lapse_type: str,
    notified_by: str,
    deadline: date,
) -> None:
    """Record a lapse under the next lapse id; replacement insurance is due by `deadline`."""
    c.emit(
        InsuranceLapseNotified,
        ctx,
        rules,
        lapse_id=f"L{len(c.insurance_lapses) + 1:03d}",
        policy_type=policy_type,
        lapse_type=lapse_type,
        notified_by=notified_by,
        replacement_deadline=deadline,
    )


def replacement_deadline(notified_on: date, policy_type: str) -> date:
    """D-17: 2 weeks from the notification, a customer-side deadline that, like D-10, rolls
    forward to a working day when it ends on a Saturday, Sunday or public holiday (RULES
    0.5, A-05). D-18 (Protection ended) is not rolled: its [INT] reading makes the own
    insurance due on the day the Protection cover ends (Art. 10.2), which does not move."""
    roll = policy_type != "PROTECTION_ENDED"
    return deadline_in_days(notified_on, REPLACEMENT_DAYS, roll=roll)


def provide_replacement_insurance(c: Contract, ctx: Ctx, provided_by: str) -> None:
    """D-17: replacement insurance provided (by the Customer) or announced by the Lessor."""
    open_lapses = [i for i, lapse in c.insurance_lapses.items() if lapse["replaced_on"] is None]
    require(bool(open_lapses), "L-31", "no insurance lapse is open")
    require(provided_by in PROVIDERS, "D-17", f"provided_by must be one of {PROVIDERS}")
    for lapse_id in open_lapses:
        c.emit(
            ReplacementInsuranceProvided,
            ctx,
            ["D-17", "L-31"],
            lapse_id=lapse_id,
            provided_by=provided_by,
        )


def process_replacement_deadlines(c: Contract, ctx: Ctx) -> None:
    """D-17 timer: no replacement by the deadline -> LAPSED (the ground follows, K-02)."""
    for lapse_id, lapse in list(c.insurance_lapses.items()):
        deadline: date = lapse["deadline"]
        if lapse["replaced_on"] is None and not lapse["expired"] and ctx.on > deadline:
            c.emit(
                InsuranceReplacementDeadlineExpired,
                ctx.at(deadline + timedelta(days=1)),
                ["D-17", "L-31", "T-18.3-x"],
                lapse_id=lapse_id,
                deadline=deadline,
            )


def lapsed_unreplaced(c: Contract) -> list[str]:
    """Lapses whose D-17 deadline expired with no replacement: 18.3(x) evidence."""
    return [
        lapse_id
        for lapse_id, lapse in c.insurance_lapses.items()
        if lapse["expired"] and lapse["replaced_on"] is None
    ]


def protection_ended(c: Contract, lapse_id: str) -> bool:
    """Whether the lapse is the end of Protection (D-18, T-10.6) rather than of a policy."""
    return c.insurance_lapses[lapse_id].get("policy_type") == PROTECTION_ENDED


HANDLERS: Handlers = {
    RecordGuaranteeLapsed: record_guarantee_lapsed,
    NotifyInsuranceLapse: notify_insurance_lapse,
    ProvideReplacementInsurance: provide_replacement_insurance,
}
