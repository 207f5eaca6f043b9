"""Who may use the portal and until when (PT-01, PT-03, D-34, A-39): pure functions.

An agreement runs until it has an end; access lasts until 18 months after the latest end
of all the Customer's agreements, each end taken as the later of its effective date and the
day it was recorded (a retroactive end does not shorten access already enjoyed, A-39).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.calendar import add_months

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from domain.portal.values import AgreementKind

ACCESS_MONTHS_AFTER_LAST_END = 18
"""PT-03, D-34, P-48: how long access outlives the last running agreement (months)."""


@dataclass(frozen=True)
class Agreement:
    """A lease (from the contract read models) or a financing agreement (external events)."""

    agreement_id: str
    kind: AgreementKind
    ended_on: date | None = None
    """The effective end date; None while the agreement runs."""
    end_recorded_on: date | None = None
    """The day the end was recorded (later than `ended_on` for a retroactive end)."""

    @property
    def running(self) -> bool:
        return self.ended_on is None

    @property
    def counted_end(self) -> date | None:
        """A-39: the later of the effective end and its recording date."""
        if self.ended_on is None:
            return None
        if self.end_recorded_on is None:
            return self.ended_on
        return max(self.ended_on, self.end_recorded_on)


def is_eligible(agreements: Iterable[Agreement]) -> bool:
    """PT-01: the Customer has at least one lease or financing agreement."""
    return any(True for _ in agreements)


def last_agreement_end(agreements: Iterable[Agreement]) -> date | None:
    """The latest counted end (A-39); None if any agreement runs, or there is none."""
    ends = [a.counted_end for a in agreements]
    if not ends or None in ends:
        return None
    return max(e for e in ends if e is not None)


def access_valid_until(agreements: Iterable[Agreement]) -> date | None:
    """PT-03, D-34: the last day of access; None while access stays open (a running
    agreement) or when there is no agreement at all (then nothing is eligible)."""
    last = last_agreement_end(agreements)
    return None if last is None else add_months(last, ACCESS_MONTHS_AFTER_LAST_END)


def expired(agreements: Iterable[Agreement], today: date) -> bool:
    """PT-03: access has ended by `today` (the day after `access_valid_until`)."""
    until = access_valid_until(agreements)
    return until is not None and today > until
