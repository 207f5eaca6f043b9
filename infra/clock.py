"""The business date the workers act on (DESIGN 5): the wall clock, or one a driver sets.

`domain/` never reads a clock; the termination consumer and the scheduler are handed one.
Production uses `WallClock` (the date in Brussels); `lease simulate --stack`, tests and
benches use a `SettableClock` shared by the workers of one process.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


class Clock(Protocol):
    """Today's business date."""

    def today(self) -> date: ...


class WallClock:
    """The calendar date in Brussels now (the contracts' business dates are Belgian)."""

    def today(self) -> date:
        return datetime.now(BRUSSELS).date()


class SettableClock:
    """A date that only moves when told to; safe to read from other threads."""

    def __init__(self, day: date) -> None:
        self._day = day
        self._lock = threading.Lock()

    def today(self) -> date:
        with self._lock:
            return self._day

    def set(self, day: date) -> None:
        """Move to `day`; business time never runs backwards."""
        with self._lock:
            if day < self._day:
                msg = f"the clock cannot go back from {self._day} to {day}"
                raise ValueError(msg)
            self._day = day


def business_clock(pinned: date | None) -> Clock:
    """The clock the workers use: pinned to a date (LEASE_BUSINESS_DATE), else the wall's."""
    return WallClock() if pinned is None else SettableClock(pinned)
