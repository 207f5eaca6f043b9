"""The fixed parameters of the General Terms (RULES 2.2, P-31..P-47), each shown through the
rule that applies it, with the figures of the terms (EUR, days, months, rates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.calendar import add_working_days
from domain.contract.dissolution import INDEMNITY_PAYMENT_DAYS, SALE_WINDOW_DAYS
from domain.contract.formation import COLLECTION_DAYS, INSURANCE_PROOF_MONTHS
from domain.contract.lessor_grounds import LESSOR_CURE_DAYS
from domain.contract.repairs import REPAIR_WORKING_DAYS
from domain.end_money import dissolution_indemnity, late_return_compensation
from domain.km_cap import km_cap
from domain.money import Money
from domain.money_rules import (
    collection_indemnity,
    km_settlement,
    late_interest,
    remaining_capital,
    worked_file_costs,
)
from domain.values import FuelType, KmBand


def eur(amount: str) -> Money:
    return Money(Decimal(amount))


def test_P_31_the_km_cap_is_140000_for_electric_and_200000_otherwise() -> None:
    assert km_cap(FuelType.BEV) == 140_000
    assert {km_cap(f) for f in (FuelType.PETROL, FuelType.DIESEL, FuelType.PHEV)} == {200_000}


def test_P_32_a_deviation_of_exactly_15_percent_stays_in_the_lower_band() -> None:
    assert km_settlement(23_000, Decimal(20_000), eur("0.10")).band is KmBand.UNDER_15
    assert km_settlement(23_001, Decimal(20_000), eur("0.10")).band is KmBand.OVER_15


def test_P_33_remaining_capital_drops_one_percent_of_invested_capital_a_month() -> None:
    start = date(2024, 3, 12)
    assert remaining_capital(eur("45000.00"), start, date(2025, 3, 12)) == eur("39600.00")


def test_P_34_late_interest_is_two_tenths_of_a_percent_a_month() -> None:
    # 0.2% a month = 2.4% a year, actual/365: 650.00 x 2.4% x 365/365 = 15.60
    assert late_interest(eur("650.00"), date(2025, 1, 1), date(2026, 1, 1)) == eur("15.60")


def test_P_35_collection_indemnity_ten_percent_to_500_then_two_and_a_half() -> None:
    assert collection_indemnity(eur("500.00")) == eur("50.00")
    assert collection_indemnity(eur("1300.00")) == eur("70.00")  # 50.00 + 2.5% of 800.00


def test_P_36_thirty_euros_of_file_costs_per_registered_letter() -> None:
    assert worked_file_costs(2).amount == eur("60.00")


def test_P_37_P_40_the_cure_payment_and_sale_periods() -> None:
    assert LESSOR_CURE_DAYS == 8  # P-37
    assert (INDEMNITY_PAYMENT_DAYS, SALE_WINDOW_DAYS) == (15, 15)  # P-40


def test_P_39_the_reinvestment_indemnity_is_a_tenth_of_the_remaining_capital() -> None:
    indemnity = dissolution_indemnity(eur("39600.00"), None)
    assert indemnity.reinvestment == eur("3960.00")


def test_P_43_late_return_costs_fifty_euros_a_day_on_top_of_the_pro_rata() -> None:
    pro_rata, flat, _ = late_return_compensation(eur("650.00"), 31, 3)
    assert (pro_rata, flat) == (eur("62.90"), eur("150.00"))


def test_P_47_the_reporting_windows() -> None:
    assert (COLLECTION_DAYS, INSURANCE_PROOF_MONTHS) == (14, 1)  # D-08, D-09
    assert REPAIR_WORKING_DAYS == 5  # D-07
    assert add_working_days(date(2025, 6, 2), REPAIR_WORKING_DAYS) == date(2025, 6, 10)
