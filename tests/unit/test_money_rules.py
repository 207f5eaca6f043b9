"""RULES.md section 4 worked examples on the REF contract, one test per monetary rule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.calendar import (
    billing_period,
    days_inclusive,
    elapsed_months,
    months_covered,
    next_working_day,
)
from domain.end_money import (
    DissolutionIndemnity,
    advance_refund,
    dissolution_indemnity,
    early_termination_fee,
    indemnity_after_later_sale,
    indemnity_after_sale_within_window,
    late_days,
    late_return_compensation,
    return_charges,
)
from domain.km_cap import KM_CAPS, km_cap, km_cap_reached
from domain.money import Money
from domain.money_rules import (
    REGISTERED_LETTER_FEE,
    OpenItem,
    allocate_payment,
    collection_indemnity,
    expected_km,
    flat_damage_fee,
    km_settlement,
    late_interest,
    monthly_equivalent,
    pro_rata_instalment,
    remaining_capital,
)
from domain.values import Bucket, DamageCause, Frequency, FuelType, KmBand

REF_START = date(2024, 3, 12)
REF_TERM = 48
REF_INSTALMENT = Money.of("650.00")
REF_INVESTED = Money.of("45000.00")
REF_INSURED_VALUE = Money.of("42000.00")
REF_ADVANCE = Money.of("3000.00")
REF_ANNUAL_KM = 20_000
REF_EXCESS_KM_PRICE = Money.of("0.10")
REF_FLAT_FEE = Money.of("500.00")


def eur(value: str) -> Money:
    return Money.of(value)


# --- M-01 Remaining Capital ----------------------------------------------------------------------


def test_M_01_remaining_capital_REF_examples() -> None:
    assert remaining_capital(REF_INVESTED, REF_START, date(2025, 9, 20)) == eur("36900.00")
    assert remaining_capital(REF_INVESTED, REF_START, date(2025, 11, 20)) == eur("36000.00")


def test_M_01_remaining_capital_before_start_is_invested_capital() -> None:
    assert remaining_capital(REF_INVESTED, REF_START, date(2024, 1, 1)) == REF_INVESTED
    assert remaining_capital(REF_INVESTED, None, date(2025, 1, 1)) == REF_INVESTED


def test_M_01_remaining_capital_floors_at_zero() -> None:
    assert remaining_capital(REF_INVESTED, REF_START, date(2034, 3, 12)) == eur("0.00")


# --- M-03 / M-04 / M-33 pro rata invoices --------------------------------------------------------


def test_M_03_first_invoice_pro_rata_REF() -> None:
    _, period_end = billing_period(REF_START, Frequency.MONTHLY)
    covered = days_inclusive(REF_START, period_end)
    assert pro_rata_instalment(REF_INSTALMENT, covered, 31) == eur("419.35")


def test_M_04_last_invoice_pro_rata_REF_expiry_and_credit_note() -> None:
    last = pro_rata_instalment(REF_INSTALMENT, 11, 31)
    assert last == eur("230.65")
    assert REF_INSTALMENT - last == eur("419.35")


def test_M_04_M_22_last_invoice_early_termination_september_2026() -> None:
    last = pro_rata_instalment(REF_INSTALMENT, 11, 30)
    assert last == eur("238.33")
    assert REF_INSTALMENT - last == eur("411.67")


def test_M_04_pro_rata_refuses_impossible_day_counts() -> None:
    with pytest.raises(ValueError, match="M-03"):
        pro_rata_instalment(REF_INSTALMENT, 32, 31)
    with pytest.raises(ValueError, match="M-03"):
        pro_rata_instalment(REF_INSTALMENT, 1, 0)


def test_M_33_death_february_invoice_to_return_date() -> None:
    part = pro_rata_instalment(REF_INSTALMENT, 20, 28)
    assert part == eur("464.29")
    assert REF_INSTALMENT - part == eur("185.71")


# --- M-06 .. M-08 interest, indemnity, reciprocity -------------------------------------------


def test_M_06_late_interest_actual_365() -> None:
    assert late_interest(REF_INSTALMENT, date(2025, 1, 5), date(2025, 3, 21)) == eur("3.21")


def test_M_06_no_interest_when_paid_on_or_before_due_date() -> None:
    assert late_interest(REF_INSTALMENT, date(2025, 1, 5), date(2025, 1, 5)) == eur("0")
    assert late_interest(REF_INSTALMENT, date(2025, 1, 5), date(2025, 1, 1)) == eur("0")


def test_M_07_collection_indemnity_examples() -> None:
    assert collection_indemnity(eur("650.00")) == eur("53.75")
    assert collection_indemnity(eur("650.00")) + REGISTERED_LETTER_FEE == eur("83.75")
    assert collection_indemnity(eur("1300.00")) == eur("70.00")
    assert eur("30.00") == REGISTERED_LETTER_FEE


def test_M_07_collection_indemnity_small_and_nil_amounts() -> None:
    assert collection_indemnity(eur("200.00")) == eur("20.00")
    assert collection_indemnity(eur("0")) == eur("0.00")


# --- M-09 / M-10 allocation ----------------------------------------------------------------------


def _m09_items() -> list[OpenItem]:
    return [
        OpenItem("feb", Bucket.INSTALMENT, date(2025, 2, 1), eur("650.00"), seq=2),
        OpenItem("jan", Bucket.INSTALMENT, date(2025, 1, 5), eur("650.00"), seq=1),
        OpenItem("interest", Bucket.INTEREST_5_2, date(2025, 3, 21), eur("3.21"), seq=5),
        OpenItem("file-costs", Bucket.INDEMNITY_5_3, date(2025, 2, 19), eur("30.00"), seq=4),
        OpenItem("indemnity", Bucket.INDEMNITY_5_3, date(2025, 2, 19), eur("53.75"), seq=3),
    ]


def test_M_09_payment_allocation_example() -> None:
    result = allocate_payment(eur("800.00"), _m09_items())
    paid = [(a.item_id, a.amount) for a in result.allocations]
    assert paid == [
        ("indemnity", eur("53.75")),
        ("file-costs", eur("30.00")),
        ("interest", eur("3.21")),
        ("jan", eur("650.00")),
        ("feb", eur("63.04")),
    ]
    assert eur("650.00") - result.allocations[-1].amount == eur("586.96")
    assert result.unallocated == eur("0")


def test_M_09_overpayment_is_unallocated_and_paid_items_are_skipped() -> None:
    items = [*_m09_items(), OpenItem("paid", Bucket.OTHER, date(2025, 1, 1), eur("0"), seq=0)]
    result = allocate_payment(eur("1400.00"), items)
    assert result.unallocated == eur("13.04")
    assert "paid" not in {a.item_id for a in result.allocations}


def test_A_11_targeted_sepa_collection_pays_its_invoice_first() -> None:
    result = allocate_payment(eur("650.00"), _m09_items(), targeted_item_id="feb")
    assert [(a.item_id, a.amount) for a in result.allocations] == [("feb", eur("650.00"))]


def test_M_09_refuses_non_positive_payment() -> None:
    with pytest.raises(ValueError, match="M-09"):
        allocate_payment(eur("0"), _m09_items())


# --- M-11 / M-12 km ------------------------------------------------------------------------------


def test_M_11_end_of_term_excess_km_REF() -> None:
    expected = expected_km(REF_ANNUAL_KM, Decimal(REF_TERM))
    assert expected == Decimal(80_000)
    result = km_settlement(88_000, expected, REF_EXCESS_KM_PRICE)
    assert result.deviation_km == Decimal(8_000)
    assert result.deviation_pct == Decimal("0.1")
    assert result.band is KmBand.UNDER_15
    assert result.charge == eur("800.00")
    assert result.credit == eur("0")


def test_M_11_during_term_over_15_percent_charges_nothing_yet() -> None:
    months = months_covered(REF_START, date(2025, 3, 11))
    expected = expected_km(REF_ANNUAL_KM, months)
    assert expected == Decimal(20_000)
    result = km_settlement(24_500, expected, REF_EXCESS_KM_PRICE)
    assert result.deviation_pct == Decimal("0.225")
    assert result.band is KmBand.OVER_15


def test_A_14_exactly_15_percent_is_under_15() -> None:
    assert km_settlement(92_000, Decimal(80_000), REF_EXCESS_KM_PRICE).band is KmBand.UNDER_15
    assert km_settlement(68_000, Decimal(80_000), REF_EXCESS_KM_PRICE).band is KmBand.UNDER_15
    assert km_settlement(67_999, Decimal(80_000), REF_EXCESS_KM_PRICE).band is KmBand.OVER_15


def test_A_14_shortfall_credited_only_with_a_shortfall_price_and_capped() -> None:
    without_price = km_settlement(70_000, Decimal(80_000), REF_EXCESS_KM_PRICE)
    assert without_price.credit == eur("0")
    with_price = km_settlement(70_000, Decimal(80_000), REF_EXCESS_KM_PRICE, eur("0.05"))
    assert with_price.credit == eur("500.00")
    capped = km_settlement(70_000, Decimal(80_000), REF_EXCESS_KM_PRICE, eur("0.05"), eur("300"))
    assert capped.credit == eur("300.00")
    assert capped.charge == eur("0")


def test_M_11_zero_expected_km_gives_zero_percentage() -> None:
    result = km_settlement(100, Decimal(0), REF_EXCESS_KM_PRICE)
    assert result.deviation_pct == Decimal(0)
    assert result.charge == eur("10.00")


def test_M_12_km_caps_by_fuel_type() -> None:
    assert KM_CAPS == {
        FuelType.PETROL: 200_000,
        FuelType.DIESEL: 200_000,
        FuelType.PHEV: 200_000,
        FuelType.BEV: 140_000,
    }
    assert km_cap(FuelType.DIESEL) == 200_000
    assert km_cap_reached(140_250, FuelType.BEV)
    assert km_cap_reached(140_000, FuelType.BEV)
    assert not km_cap_reached(139_999, FuelType.BEV)
    assert not km_cap_reached(140_250, FuelType.DIESEL)


def test_M_12_BEV_cap_reached_return_due_next_working_day() -> None:
    assert km_cap_reached(140_250, FuelType.BEV)
    assert next_working_day(date(2027, 6, 1)) == date(2027, 6, 2)


# --- M-15 / M-16 flat damage fee -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cause", "damage", "customer", "waived"),
    [
        (DamageCause.COLLISION, "1800.00", "500.00", "1300.00"),
        (DamageCause.COLLISION, "320.00", "320.00", "0.00"),
        (DamageCause.GLASS_BREAKAGE, "900.00", "0.00", "900.00"),
        (DamageCause.VANDALISM, "1200.00", "500.00", "700.00"),
        (DamageCause.ANIMAL_COLLISION, "800.00", "500.00", "300.00"),
        (DamageCause.GAME_COLLISION, "800.00", "0.00", "800.00"),
    ],
)
def test_M_15_flat_damage_fee_examples(
    cause: DamageCause, damage: str, customer: str, waived: str
) -> None:
    share = flat_damage_fee(cause, eur(damage), REF_FLAT_FEE, REF_INVESTED)
    assert share.customer_share == eur(customer)
    assert share.lessor_waived == eur(waived)


def test_M_15_two_separate_collisions_pay_two_fees() -> None:
    shares = [
        flat_damage_fee(DamageCause.COLLISION, eur(amount), REF_FLAT_FEE, REF_INVESTED)
        for amount in ("700.00", "900.00")
    ]
    assert sum((s.customer_share for s in shares), eur("0")) == eur("1000.00")


def test_M_15_waiver_capped_at_invested_capital() -> None:
    share = flat_damage_fee(DamageCause.FIRE, eur("50000.00"), REF_FLAT_FEE, REF_INVESTED)
    assert share.customer_share == eur("0")
    assert share.lessor_waived == REF_INVESTED


# --- M-18 .. M-20 total loss, advance refund, GAP ------------------------------------------------


def test_M_19_advance_refund_on_theft() -> None:
    elapsed = elapsed_months(REF_START, date(2025, 9, 20))
    assert elapsed == 18
    assert advance_refund(REF_ADVANCE, REF_TERM, elapsed) == eur("1875.00")


def test_M_19_advance_refund_floor_and_invalid_term() -> None:
    assert advance_refund(REF_ADVANCE, REF_TERM, 60) == eur("0")
    with pytest.raises(ValueError, match="M-19"):
        advance_refund(REF_ADVANCE, 0, 0)


# --- M-21 Dissolution Indemnity ------------------------------------------------------------------


def _ref_dissolution() -> DissolutionIndemnity:
    rc = remaining_capital(REF_INVESTED, REF_START, date(2025, 11, 20))
    return dissolution_indemnity(rc, eur("30000.00"))


def test_M_21_dissolution_indemnity_REF() -> None:
    ind = _ref_dissolution()
    assert ind.remaining_capital == eur("36000.00")
    assert ind.reinvestment == eur("3600.00")
    assert ind.value_deducted == eur("30000.00")
    assert ind.amount == eur("9600.00")


def test_M_21_sale_within_15_days_at_higher_price() -> None:
    ind = indemnity_after_sale_within_window(_ref_dissolution(), eur("31000.00"))
    assert ind.amount == eur("8600.00")
    assert _ref_dissolution().amount - ind.amount == eur("1000.00")


def test_M_21_sale_within_15_days_at_lower_price_changes_nothing() -> None:
    ind = indemnity_after_sale_within_window(_ref_dissolution(), eur("29000.00"))
    assert ind == _ref_dissolution()


def test_M_21_later_sale_lower_net_proceeds() -> None:
    corrected = indemnity_after_later_sale(_ref_dissolution(), eur("28000.00"))
    assert corrected.indemnity.amount == eur("11600.00")
    assert corrected.indemnity.amount - _ref_dissolution().amount == eur("2000.00")
    assert corrected.surplus == eur("0")


def test_M_21_later_sale_above_a_plus_b_leaves_surplus() -> None:
    corrected = indemnity_after_later_sale(_ref_dissolution(), eur("41000.00"))
    assert corrected.indemnity.value_deducted == eur("39600.00")
    assert corrected.indemnity.amount == eur("0.00")
    assert corrected.surplus == eur("1400.00")


def test_M_21_vehicle_never_recovered() -> None:
    assert dissolution_indemnity(eur("36000.00"), None).amount == eur("39600.00")


def test_M_21_pre_delivery_dissolution() -> None:
    rc = remaining_capital(REF_INVESTED, REF_START, date(2024, 3, 1))
    ind = dissolution_indemnity(rc, eur("43000.00"))
    assert (ind.remaining_capital, ind.reinvestment) == (eur("45000.00"), eur("4500.00"))
    assert ind.amount == eur("6500.00")


# --- M-22 Early Termination Fee ------------------------------------------------------------------


def test_M_22_early_termination_fee_REF() -> None:
    covered = months_covered(REF_START, date(2026, 9, 11))
    assert covered == Decimal(30)
    fee = early_termination_fee(
        REF_INSTALMENT,
        REF_TERM,
        covered,
        Decimal("0.50"),
        56_000,
        REF_ANNUAL_KM,
        REF_EXCESS_KM_PRICE,
        eur("750.00"),
        eur("300.00"),
    )
    assert fee.remaining_months == Decimal(18)
    assert fee.remaining_instalments == eur("11700.00")
    assert fee.base_fee == eur("5850.00")
    assert fee.expected_km == Decimal(50_000)
    assert fee.excess_km == Decimal(6_000)
    assert fee.excess_km_charge == eur("600.00")
    assert fee.amount == eur("7500.00")


def _fee_at_rate(rate: Decimal) -> Decimal:
    fee = early_termination_fee(
        REF_INSTALMENT,
        REF_TERM,
        Decimal(30),
        rate,
        0,
        REF_ANNUAL_KM,
        REF_EXCESS_KM_PRICE,
        eur("0"),
        eur("0"),
    )
    return fee.amount.amount


def test_P_42_early_termination_rate_above_50_percent_refused() -> None:
    assert _fee_at_rate(Decimal("0.25")) == Decimal("2925.00")
    assert _fee_at_rate(Decimal(0)) == Decimal(0)
    with pytest.raises(ValueError, match="P-42"):
        _fee_at_rate(Decimal("0.51"))
    with pytest.raises(ValueError, match="P-42"):
        _fee_at_rate(Decimal("-0.01"))


def test_A_21_monthly_equivalent_for_other_frequencies() -> None:
    assert monthly_equivalent(eur("1950.00"), Frequency.QUARTERLY) == eur("650.00")
    assert monthly_equivalent(eur("650.00"), Frequency.MONTHLY) == eur("650.00")
    assert monthly_equivalent(eur("7800.00"), Frequency.ANNUAL) == eur("650.00")
    assert monthly_equivalent(eur("3900.00"), Frequency.SEMI_ANNUAL) == eur("650.00")


# --- M-23 / M-24 late return and return charges --------------------------------------------------


def test_M_23_late_return_compensation_REF() -> None:
    due = next_working_day(date(2028, 3, 11))
    assert due == date(2028, 3, 13)
    days = late_days(due, date(2028, 3, 17))
    assert days == 4
    assert late_return_compensation(REF_INSTALMENT, 31, days) == (
        eur("83.87"),
        eur("200.00"),
        eur("283.87"),
    )


def test_M_23_return_on_time_costs_nothing() -> None:
    assert late_days(date(2028, 3, 13), date(2028, 3, 13)) == 0
    assert late_days(date(2028, 3, 13), date(2028, 3, 10)) == 0
    assert late_return_compensation(REF_INSTALMENT, 31, 0)[2] == eur("0")


def test_M_24_return_charges_sum_of_lines() -> None:
    lines = [eur("480.00"), eur("300.00"), eur("650.00")]
    assert return_charges(lines) == eur("1430.00")
    assert return_charges([]) == eur("0")
