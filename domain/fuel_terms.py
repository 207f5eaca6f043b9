"""P-28 / P-29: the Fuel Management terms of the Special Conditions, parsed and checked.

A `fuel_provision` object in the terms means the contract includes Fuel Management (P-28)
and gives the inputs of its monthly provision (P-29, M-25):
`{avg_monthly_km, din_consumption_per_100km, fuel_price_per_unit, fuel_card_cost,
management_fee}`; the card cost and the fee default to 0.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from domain.errors import TermsError
from domain.money import Money

if TYPE_CHECKING:
    from domain.fuel_money import FuelInputs

RULE = "P-29"


def parse_fuel_provision(section: Any) -> dict[str, Any]:
    """The ContractTerms fields of a `fuel_provision` object (none when it is absent)."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise TermsError("fuel_provision", RULE, "must be an object")
    km = section.get("avg_monthly_km")
    if isinstance(km, bool) or not isinstance(km, int):
        raise TermsError("fuel_provision.avg_monthly_km", RULE, f"must be a whole number: {km!r}")
    return {
        "fuel_management": True,
        "fuel_avg_monthly_km": km,
        "fuel_din_consumption_per_100km": _decimal(section, "din_consumption_per_100km"),
        "fuel_price_per_unit": _decimal(section, "fuel_price_per_unit"),
        "fuel_card_cost": Money(_decimal(section, "fuel_card_cost", "0.00")),
        "fuel_management_fee": Money(_decimal(section, "management_fee", "0.00")),
    }


def validate_fuel_inputs(inputs: FuelInputs) -> None:
    """P-29: km, consumption and price above 0; the card cost and the fee not negative."""
    positive = {
        "avg_monthly_km": Decimal(inputs.avg_monthly_km),
        "din_consumption_per_100km": inputs.din_consumption_per_100km,
        "fuel_price_per_unit": inputs.fuel_price_per_unit,
    }
    for name, value in positive.items():
        if value <= 0:
            raise TermsError(f"fuel_provision.{name}", RULE, "must be greater than 0")
    for name, money in (
        ("fuel_card_cost", inputs.card_cost),
        ("management_fee", inputs.management_fee),
    ):
        if money.amount < 0:
            raise TermsError(f"fuel_provision.{name}", RULE, "must not be negative")


def _decimal(section: dict[str, Any], name: str, default: str | None = None) -> Decimal:
    value = section.get(name, default)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TermsError(f"fuel_provision.{name}", RULE, f"must be a decimal string: {value!r}")
    try:
        return Decimal(value)
    except (InvalidOperation, ValueError):
        raise TermsError(f"fuel_provision.{name}", RULE, f"is not a number: {value!r}") from None
