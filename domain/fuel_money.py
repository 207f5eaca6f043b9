"""Money of the Fuel Management service (Art. 16): the monthly provision and its settlement.

- M-25 / P-44 (Art. 16.3): the provision is the estimated fuel cost of a month, the DIN
  consumption raised by 10%, rounded to cents, plus the card cost and the management fee.
- M-26 (Art. 16.2, 16.3): each quarter the actual costs (fuel the Lessor paid, card and
  management costs) are set against the provisions invoiced for it; a positive difference is
  invoiced, a negative one credited.

Pure functions on values: no clock, no I/O; amounts half-up to cents (RULES 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.money import Money, round2
from domain.workings import Working, text, working

FUEL_CONSUMPTION_MARKUP = Decimal("1.10")  # P-44: DIN consumption + 10%
KM_PER_CONSUMPTION_UNIT = Decimal(100)  # DIN consumption is per 100 km


@dataclass(frozen=True)
class FuelInputs:
    """P-29: the criteria the monthly provision is estimated from (Art. 16.3)."""

    avg_monthly_km: int
    din_consumption_per_100km: Decimal
    fuel_price_per_unit: Decimal
    card_cost: Money
    management_fee: Money

    def as_facts(self) -> dict[str, str]:
        """The inputs as the events record them (decimal strings)."""
        return {
            "avg_monthly_km": str(self.avg_monthly_km),
            "din_consumption_per_100km": text(self.din_consumption_per_100km),
            "markup": text(FUEL_CONSUMPTION_MARKUP),
            "fuel_price_per_unit": text(self.fuel_price_per_unit),
            "card_cost": text(self.card_cost),
            "management_fee": text(self.management_fee),
        }


def worked_fuel_provision(inputs: FuelInputs) -> Working:
    """M-25: round2(km / 100 x (DIN x 1.10) x price) + card cost + management fee."""
    hundreds = Decimal(inputs.avg_monthly_km) / KM_PER_CONSUMPTION_UNIT
    consumption = inputs.din_consumption_per_100km * FUEL_CONSUMPTION_MARKUP
    fuel = Money(round2(hundreds * consumption * inputs.fuel_price_per_unit))
    fees = inputs.card_cost.rounded() + inputs.management_fee.rounded()
    amount = fuel + fees
    return working(
        "M-25",
        "round2(avg_monthly_km / 100 x (din_consumption x 1.10) x fuel_price)"
        " + card_cost + management_fee",
        f"round2({text(hundreds)} x {text(consumption)} x {text(inputs.fuel_price_per_unit)})"
        f" + {inputs.card_cost.rounded()} + {inputs.management_fee.rounded()}"
        f" = {fuel} + {fees}",
        amount,
        avg_monthly_km=inputs.avg_monthly_km,
        din_consumption_per_100km=inputs.din_consumption_per_100km,
        markup=FUEL_CONSUMPTION_MARKUP,
        fuel_price_per_unit=inputs.fuel_price_per_unit,
        card_cost=inputs.card_cost.rounded(),
        management_fee=inputs.management_fee.rounded(),
    )


def fuel_provision(inputs: FuelInputs) -> Money:
    """M-25: the monthly provision."""
    return worked_fuel_provision(inputs).amount


def worked_fuel_settlement(fuel: Money, fees: Money, provisions: Money) -> Working:
    """M-26: (actual fuel + card and management costs) - provisions invoiced; positive is
    invoiced to the Customer, negative credited (the working's amount keeps the sign)."""
    actual = fuel.rounded() + fees.rounded()
    difference = actual - provisions.rounded()
    return working(
        "M-26",
        "(actual_fuel + actual_card_and_management) - provisions_invoiced",
        f"({fuel.rounded()} + {fees.rounded()}) - {provisions.rounded()}",
        difference,
        actual_fuel=fuel.rounded(),
        actual_card_and_management=fees.rounded(),
        provisions_invoiced=provisions.rounded(),
    )


def worked_fuel_credit(fuel: Money, fees: Money, provisions: Money) -> Working:
    """M-26: the credit note when the provisions exceed the actual costs (their excess)."""
    actual = fuel.rounded() + fees.rounded()
    return working(
        "M-26",
        "provisions_invoiced - (actual_fuel + actual_card_and_management)",
        f"{provisions.rounded()} - ({fuel.rounded()} + {fees.rounded()})",
        provisions.rounded() - actual,
        provisions_invoiced=provisions.rounded(),
        actual_fuel=fuel.rounded(),
        actual_card_and_management=fees.rounded(),
    )
