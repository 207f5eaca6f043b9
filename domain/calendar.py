"""Contract calendar (RULES 0.5, A-01, A-02, A-05): months, working days, deadlines.

Pure functions on local dates (Europe/Brussels); no clock is read here.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.values import Frequency

ONE_DAY = timedelta(days=1)
SATURDAY = 5  # date.weekday(): Monday 0 .. Sunday 6; Sat and Sun are never working days


def add_months(d: date, k: int) -> date:
    """RULES 0.5 addMonths: same day-of-month k months later, clamped to the month end."""
    years, month_index = divmod(d.month - 1 + k, 12)
    year, month = d.year + years, month_index + 1
    if d.day <= 28:  # every month has the day: no clamping (the daily run's common case)
        return date(year, month, d.day)
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def elapsed_months(start: date | None, d: date) -> int:
    """RULES 0.5 elapsedMonths (A-01): count of k >= 1 with add_months(start, k) <= d."""
    if start is None or d < start:
        return 0
    k = (d.year - start.year) * 12 + (d.month - start.month)
    if add_months(start, k) > d:
        k -= 1
    return max(0, k)


def contractual_end_date(start: date, term_months: int) -> date:
    """RULES 0.5 / A-02: add_months(start, term) - 1 day, inclusive."""
    return add_months(start, term_months) - ONE_DAY


def months_covered(start: date, end_inclusive: date) -> Decimal:
    """RULES 0.5 monthsCovered(E): exact contract months from start to E inclusive (unrounded)."""
    following = end_inclusive + ONE_DAY
    if following <= start:
        return Decimal(0)
    k = elapsed_months(start, following)
    anniversary = add_months(start, k)
    if anniversary == following:
        return Decimal(k)
    month_days = (add_months(start, k + 1) - anniversary).days
    return Decimal(k) + Decimal((following - anniversary).days) / Decimal(month_days)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday_shift) // 433
    month = (h + weekday_shift - 7 * m + 90) // 25
    day = (h + weekday_shift - 7 * m + 33 * month + 19) % 32
    return date(year, month, day)


@lru_cache(maxsize=256)
def belgian_holidays(year: int) -> frozenset[date]:
    """RULES 0.5 / A-05: the ten Belgian statutory public holidays of a year."""
    easter = easter_sunday(year)
    movable = (easter + timedelta(days=1), easter + timedelta(days=39), easter + timedelta(days=50))
    fixed = ((1, 1), (5, 1), (7, 21), (8, 15), (11, 1), (11, 11), (12, 25))
    return frozenset(movable) | frozenset(date(year, month, day) for month, day in fixed)


def is_working_day(d: date) -> bool:
    """RULES 0.5 working day (werkdag): Monday-Friday and not a Belgian public holiday."""
    return d.weekday() < SATURDAY and d not in belgian_holidays(d.year)


def next_working_day(d: date) -> date:
    """D-25: the first working day strictly after d."""
    candidate = d + ONE_DAY
    while not is_working_day(candidate):
        candidate += ONE_DAY
    return candidate


def roll_forward(d: date) -> date:
    """A-05 rollForwardNonWorkingDays: d itself if a working day, else the next working day."""
    return d if is_working_day(d) else next_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """D-06/D-07/D-24: the n-th working day after d (d itself for n = 0)."""
    if n < 0:
        raise ValueError(f"working days must be >= 0, got {n}")
    result = d
    for _ in range(n):
        result = next_working_day(result)
    return result


def deadline_in_days(start: date, days: int, *, roll: bool) -> date:
    """RULES 0.5: last day of a period of N days after start, rolled forward if asked (A-05)."""
    last_day = start + timedelta(days=days)
    return roll_forward(last_day) if roll else last_day


def deadline_in_months(start: date, months: int, *, roll: bool) -> date:
    """RULES 0.5: add_months(start, N), rolled forward to a working day if asked (A-05)."""
    last_day = add_months(start, months)
    return roll_forward(last_day) if roll else last_day


def billing_period(day: date, frequency: Frequency) -> tuple[date, date]:
    """P-15 CALENDAR alignment: the calendar month/quarter/half/year containing day, inclusive."""
    length = frequency.months
    first_month = (day.month - 1) // length * length + 1
    first_day = date(day.year, first_month, 1)
    return first_day, add_months(first_day, length) - ONE_DAY


def days_inclusive(a: date, b: date) -> int:
    """M-03/M-04: number of days from a to b, both inclusive."""
    return (b - a).days + 1


def month_index(d: date) -> int:
    """Months since year 0 of `d`'s month (January of year Y is 12 * Y)."""
    return d.year * 12 + d.month - 1
