"""Money and dates of the replacement vehicle and the tyres (Art. 13, 15): pure functions.

- M-28 (Art. 15.3): days used beyond the entitlement are charged at the short-term rental
  rate of the replacement vehicle's handover form; damage to it at the stated cost.
- D-16 (Art. 15.1, 15.2): the entitlement starts 24 h after the Lessor is fully informed, or,
  with Roadside Assistance (Mobility Card), after its first 3 calendar days if later; a theft
  caps it at 30 days from the theft date.
- D-26 / A-32 (Art. 13.1): winter tyres are mounted from 1 November to 31 March; one mount
  and one demount per season are the Lessor's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.workings import Working, passed_on, working

if TYPE_CHECKING:
    from domain.money import Money

ENTITLEMENT_DELAY = timedelta(hours=24)
"""D-16: the replacement is provided 24 h after the Lessor is fully informed."""
MOBILITY_CARD_DAYS = 3
"""D-16 (Art. 15.2): Roadside Assistance gives a replacement for the first 3 calendar days."""
THEFT_CAP_DAYS = 30
"""D-16: on theft, at most 30 days from the theft date."""


def entitled_from(since: date, informed_on: date, mobility_card: bool) -> date:
    """D-16: the first day of the Lessor's replacement (informed_on + 24 h); [INT] with the
    Mobility Card its 3 calendar days from the immobilisation come first."""
    start = informed_on + timedelta(days=ENTITLEMENT_DELAY.days)
    if mobility_card:
        start = max(start, since + timedelta(days=MOBILITY_CARD_DAYS))
    return start


def theft_cap(theft_on: date) -> date:
    """D-16: the last day of a replacement after a theft: theft date + 30 days."""
    return theft_on + timedelta(days=THEFT_CAP_DAYS)


def overrun_days(entitled_until: date, returned_on: date) -> int:
    """D-39 [INT]: calendar days the replacement was kept after its entitlement's last day."""
    return max(0, (returned_on - entitled_until).days)


def worked_overrun(days: int, daily_rate: Money) -> Working:
    """M-28: overrun days x the short-term rental day rate of the handover form."""
    amount = (daily_rate * days).rounded()
    return working(
        "M-28",
        "overrun_days x short_term_day_rate",
        f"{days} x {daily_rate}",
        amount,
        overrun_days=days,
        short_term_day_rate=daily_rate,
    )


def worked_replacement_damage(cost: Money) -> Working:
    """M-28: damage to the replacement vehicle at the rental company's rates."""
    return passed_on("M-28", "Damage to the replacement vehicle", cost)


def winter_season(on: date) -> str | None:
    """D-26 / A-32: the season `on` falls in ("2025/2026" for 2025-11-01..2026-03-31), or
    None outside 1 November - 31 March."""
    if on.month >= 11:
        return f"{on.year}/{on.year + 1}"
    if on.month <= 3:
        return f"{on.year - 1}/{on.year}"
    return None


def worked_extra_fitting(what: str, cost: Money) -> Working:
    """A-32 / D-26: a second mount or demount in the same season, at the fitting's cost."""
    return passed_on("A-32", f"Winter tyres {what} beyond the one of the season", cost)


def worked_winter_kit_rims(cost: Money) -> Working:
    """M-37: a winter kit's rims are the Customer's (the tyres and fitting the Lessor's)."""
    return passed_on("M-37", "Rims of the winter kit", cost)


def worked_tyres_beyond_limits(cost: Money) -> Working:
    """O-13 [INT]: tyres replaced beyond the Special Conditions' limits, at cost."""
    return passed_on("O-13", "Tyres beyond the limits of the Special Conditions", cost)
