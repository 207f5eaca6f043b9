"""Money and dates as each portal language writes them (Jinja filters `money` and `day`).

nl: `€ 1.234,56`, fr: `1 234,56 €` (a narrow no-break space groups the thousands), en:
`€1,234.56`; dates dd/mm/yyyy in nl and fr, `2 December 2026` in en.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from jinja2 import pass_context

from projections.views.portal_text import MONTHS

if TYPE_CHECKING:
    from jinja2.runtime import Context

CENT = Decimal("0.01")
NBSP = "\u00a0"
NNBSP = "\u202f"


def _grouped(value: Decimal, thousands: str, decimal_mark: str) -> str:
    rounded = abs(value).quantize(CENT, ROUND_HALF_UP)
    whole, _, cents = f"{rounded:,.2f}".partition(".")
    return whole.replace(",", thousands) + decimal_mark + cents


def money(value: Decimal | float | str | None, language: str) -> str:
    """`value` euros in `language`'s style (an empty string for None)."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    if language == "fr":
        return f"{sign}{_grouped(amount, NNBSP, ',')}{NBSP}€"
    if language == "en":
        return f"{sign}€{_grouped(amount, ',', '.')}"
    return f"€{NBSP}{sign}{_grouped(amount, '.', ',')}"


def day(value: date | datetime | str | None, language: str) -> str:
    """`value` (a date, a datetime or an ISO date) as `language` writes a date."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if language == "en":
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def number(value: int | Decimal | None, language: str) -> str:
    """A whole number (kilometres) grouped as `language` writes it."""
    if value is None:
        return ""
    text = f"{int(value):,}"
    separator = {"nl": ".", "fr": NNBSP}.get(language, ",")
    return text.replace(",", separator)


@pass_context
def money_filter(context: Context, value: Decimal | None) -> str:
    """Jinja `{{ amount|money }}` in the page's language (`lang` in the context)."""
    return money(value, context.get("lang", "nl"))


@pass_context
def day_filter(context: Context, value: date | None) -> str:
    """Jinja `{{ d|day }}` in the page's language."""
    return day(value, context.get("lang", "nl"))


@pass_context
def number_filter(context: Context, value: int | None) -> str:
    """Jinja `{{ km|number }}` in the page's language."""
    return number(value, context.get("lang", "nl"))
