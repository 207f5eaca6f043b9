"""Bounded input types shared by every boundary: identifiers, text, money, dates, counts.

The limits come from the domain's command bounds (`domain.contract.command`), so a value a
boundary accepts is one a command accepts. Money is a plain decimal string (ASCII digits, at
most two decimals, no exponent): "650.00" and "650" are amounts, "6.5e2", full-width digits and
650 are not. Each type's JSON Schema carries its pattern and limits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from domain.contract.command import (
    FIRST_DAY,
    LAST_DAY,
    MAX_AMOUNT,
    MAX_CODE,
    MAX_ODOMETER_KM,
    MAX_TEXT,
)
from domain.money import Money

IDENTIFIER_PATTERN = r"^[!-~](?:[ -~]*[!-~])?$"
"""Printable ASCII, no control characters, no leading or trailing space."""
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Any text without control characters other than tab and line breaks."""
AMOUNT_PATTERN = r"^(?:(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,2})?|1000000000(?:\.0{1,2})?)$"
"""A non-negative amount of euro up to `MAX_AMOUNT`: ASCII digits, at most two decimals."""
UNIT_PRICE_PATTERN = r"^(?:0|[1-9][0-9]{0,5})(?:\.[0-9]{1,4})?$"
"""A price per unit (EUR per km): at most four decimals."""
RATE_PATTERN = r"^(?:0|1)(?:\.[0-9]{1,4})?$"
"""A rate between 0 and 1 with at most four decimals."""
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
"""An ISO calendar date, YYYY-MM-DD."""
MAX_COUNT = 10_000
"""Days, months: no term, payment term or delay of a car lease comes near 10,000."""


class Strict(BaseModel):
    """Base of every input model: unknown fields are refused, nothing is coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_CODE, pattern=IDENTIFIER_PATTERN)
]
"""A contract, customer, payment or reading id; a code such as a ground or a kind."""
Text = Annotated[str, StringConstraints(min_length=0, max_length=MAX_TEXT, pattern=TEXT_PATTERN)]
"""Free text: a rationale, a reason."""


def _money(value: str) -> Money:
    money = Money(Decimal(value))
    if money > MAX_AMOUNT:
        raise ValueError(f"must be at most {MAX_AMOUNT}")
    return money


def _decimal(value: str) -> Decimal:
    return Decimal(value)


def _plain(value: Any) -> str:
    return format(value.amount if isinstance(value, Money) else value, "f")


Amount = Annotated[
    str,
    StringConstraints(max_length=13, pattern=AMOUNT_PATTERN),
    AfterValidator(_money),
    PlainSerializer(_plain, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "maxLength": 13,
            "description": f"EUR, a decimal string of at most {MAX_AMOUNT}",
            "examples": ["650.00"],
        }
    ),
]
"""An amount of euro, read from its decimal string into `Money`."""
UnitPrice = Annotated[
    str,
    StringConstraints(max_length=11, pattern=UNIT_PRICE_PATTERN),
    AfterValidator(_money),
    PlainSerializer(_plain, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": UNIT_PRICE_PATTERN,
            "maxLength": 11,
            "description": "EUR per unit, a decimal string",
            "examples": ["0.10"],
        }
    ),
]
"""A price per km, read into `Money` (it may have up to four decimals)."""
Rate = Annotated[
    str,
    StringConstraints(max_length=6, pattern=RATE_PATTERN),
    AfterValidator(_decimal),
    PlainSerializer(_plain, return_type=str),
    WithJsonSchema({"type": "string", "pattern": RATE_PATTERN, "examples": ["0.50"]}),
]
"""A rate between 0 and 1, read into a `Decimal`."""
Quantity = Annotated[
    str,
    StringConstraints(max_length=11, pattern=UNIT_PRICE_PATTERN),
    AfterValidator(_decimal),
    PlainSerializer(_plain, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": UNIT_PRICE_PATTERN,
            "maxLength": 11,
            "description": "a number of at most four decimals, as a decimal string",
            "examples": ["5.0", "1.859"],
        }
    ),
]
"""A quantity or a price per litre (P-29: DIN consumption, fuel price), read into a `Decimal`."""


def _iso_date(value: str) -> date:
    day = date.fromisoformat(value)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return day


_CENTURIES = "|".join(str(c) for c in range(FIRST_DAY.year // 100, LAST_DAY.year // 100 + 1))
WINDOW_PATTERN = rf"^(?:{_CENTURIES})[0-9]{{2}}-[0-9]{{2}}-[0-9]{{2}}$"
"""The business date window (FIRST_DAY .. LAST_DAY, whole centuries) as JSON Schema can say
it: `^(?:20|21)...` for 2000-01-01 .. 2199-12-31; the validator checks the exact days."""

BusinessDate = Annotated[
    str,
    StringConstraints(min_length=10, max_length=10, pattern=DATE_PATTERN),
    AfterValidator(_iso_date),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": WINDOW_PATTERN,
            "description": f"an ISO business date (Europe/Brussels) from {FIRST_DAY} to {LAST_DAY}",
        }
    ),
]
"""An ISO business date (YYYY-MM-DD) within the service's window."""
Kilometres = Annotated[int, Field(ge=0, le=MAX_ODOMETER_KM)]
"""An odometer reading or a distance in whole km."""
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
"""A number of days or months."""

PATTERN_MEANINGS = {
    IDENTIFIER_PATTERN: "must be printable ASCII without control characters or outer spaces",
    TEXT_PATTERN: "must not contain control characters",
    AMOUNT_PATTERN: (
        f"must be a decimal string of euro up to {MAX_AMOUNT} with at most two decimals,"
        " e.g. '650.00'"
    ),
    UNIT_PRICE_PATTERN: "must be a decimal string with at most four decimals, e.g. '0.10'",
    RATE_PATTERN: "must be a decimal string between 0 and 1, e.g. '0.50'",
}
"""What each pattern means, for error messages a person can act on."""
