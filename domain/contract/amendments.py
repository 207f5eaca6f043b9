"""Amendments of the General Terms (O-23, D-29, Art. 22.3; P-02, A-33).

The Lessor may amend the General Terms without substantially changing the agreement, with at
least one month's notice before they take effect and a right for the Customer to object.
Without an objection the new version becomes part of the Contract on its effective date
(`GeneralTermsAmendmentApplied`, by the daily run: `process_terms_amendments`); the contract's
P-02 `general_terms_version` then names it.

Readings [INT]: the notice is the event's business date; the effective date is at least one
calendar month later (add_months, RULES 0.5: notified 2025-05-15 -> from 2025-06-15); the
Customer may object up to the day before it. One amendment is pending at a time (a second
notice before the first took effect is refused). [GAP] What an objection leads to is not
said: the contract keeps its version, and nothing else follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_months
from domain.contract.amendment_events import (
    GeneralTermsAmendmentApplied,
    GeneralTermsAmendmentNotified,
    GeneralTermsAmendmentObjected,
)
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

NOTICE_MONTHS = 1  # D-29: at least one month before entry into force


@dataclass(frozen=True)
class NotifyTermsAmendment(Command):
    """The Lessor notifies a new version of the General Terms, effective from a date."""

    name: ClassVar[str] = "notify_terms_amendment"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-23", "D-29", "P-02")
    new_version: str = bounded()
    effective_from: date = bounded()


@dataclass(frozen=True)
class ObjectToTermsAmendment(Command):
    """The Customer objects to the pending amendment before it takes effect."""

    name: ClassVar[str] = "object_to_terms_amendment"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-23", "D-29")


def earliest_effective_date(notified_on: date) -> date:
    """D-29: one calendar month after the notice (2025-05-15 -> 2025-06-15)."""
    return add_months(notified_on, NOTICE_MONTHS)


def notify_terms_amendment(c: Contract, ctx: Ctx, new_version: str, effective_from: date) -> None:
    """O-23 / D-29: record the notice; refused if it gives less than a month."""
    require_status(c, NOT_ENDED, "D-29", "notify_terms_amendment")
    require(bool(new_version.strip()), "D-29", "new_version is required")
    current = c.terms.general_terms_version
    require(new_version != current, "D-29", f"the contract already follows {current}")
    require(c.terms_amendment is None, "D-29", "an amendment is already pending")
    earliest = earliest_effective_date(ctx.on)
    require(
        effective_from >= earliest,
        "D-29",
        f"an amendment takes effect at least one month after notice: not before {earliest}",
    )
    c.emit(
        GeneralTermsAmendmentNotified,
        ctx,
        ["O-23", "D-29"],
        new_version=new_version,
        effective_from=effective_from,
    )


def object_to_terms_amendment(c: Contract, ctx: Ctx) -> None:
    """D-29: the Customer's objection, before the effective date."""
    pending = c.terms_amendment
    require(pending is not None, "D-29", "no amendment of the General Terms is pending")
    assert pending is not None
    effective = date.fromisoformat(pending["effective_from"])
    require(ctx.on < effective, "D-29", f"the amendment took effect on {effective}")
    c.emit(GeneralTermsAmendmentObjected, ctx, ["O-23", "D-29"], new_version=pending["new_version"])


def process_terms_amendments(c: Contract, ctx: Ctx) -> None:
    """D-29: on its effective date, a pending amendment without objection applies."""
    pending = c.terms_amendment
    if pending is None or c.status not in NOT_ENDED:
        return
    effective = date.fromisoformat(pending["effective_from"])
    if ctx.on < effective:
        return
    c.emit(
        GeneralTermsAmendmentApplied,
        ctx.at(effective),
        ["O-23", "D-29", "P-02", "A-33"],
        new_version=pending["new_version"],
        previous_version=c.terms.general_terms_version,
    )


HANDLERS: Handlers = {
    NotifyTermsAmendment: notify_terms_amendment,
    ObjectToTermsAmendment: object_to_terms_amendment,
}
