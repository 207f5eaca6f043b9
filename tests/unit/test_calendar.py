"""RULES 0.5 / 0.6 calendar conventions and the D-xx deadline examples of section 5."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.calendar import (
    add_months,
    add_working_days,
    belgian_holidays,
    billing_period,
    contractual_end_date,
    days_inclusive,
    deadline_in_days,
    deadline_in_months,
    easter_sunday,
    elapsed_months,
    is_working_day,
    months_covered,
    next_working_day,
    roll_forward,
)
from domain.values import Frequency

REF_START = date(2024, 3, 12)  # RULES 0.6: Tue 2024-03-12, 48 months
REF_TERM = 48


# --- RULES 0.5 addMonths, elapsedMonths, contract months ---------------------------------------


def test_0_5_add_months_clamps_to_month_end_from_the_original_date() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 2) == date(2024, 3, 31)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


def test_0_5_add_months_crosses_years_both_ways() -> None:
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 3, 31), -1) == date(2024, 2, 29)
    assert add_months(REF_START, 0) == REF_START


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 20), 10),
        (date(2025, 3, 11), 11),
        (date(2025, 3, 12), 12),
        (date(2025, 9, 20), 18),
        (date(2025, 11, 5), 19),
        (date(2025, 11, 20), 20),
        (date(2026, 9, 12), 30),
        (date(2027, 6, 1), 38),
    ],
)
def test_0_6_REF_elapsed_months_table(day: date, expected: int) -> None:
    assert elapsed_months(REF_START, day) == expected


def test_A_01_elapsed_months_is_zero_before_start_and_without_start() -> None:
    assert elapsed_months(REF_START, date(2024, 3, 11)) == 0
    assert elapsed_months(REF_START, REF_START) == 0
    assert elapsed_months(None, date(2025, 1, 1)) == 0


def test_A_01_month_completes_on_clamped_anniversary() -> None:
    start = date(2024, 1, 31)
    assert elapsed_months(start, date(2024, 2, 28)) == 0
    assert elapsed_months(start, date(2024, 2, 29)) == 1
    assert elapsed_months(start, date(2024, 3, 30)) == 1
    assert elapsed_months(start, date(2024, 3, 31)) == 2


def test_A_02_REF_contractual_end_date_is_2028_03_11() -> None:
    assert contractual_end_date(REF_START, REF_TERM) == date(2028, 3, 11)


def test_D_28_termination_lock_ends_on_first_day_of_month_13() -> None:
    assert add_months(REF_START, 12) == date(2025, 3, 12)
    assert elapsed_months(REF_START, date(2025, 3, 11)) == 11  # still month 12
    assert elapsed_months(REF_START, date(2025, 3, 12)) == 12  # month 13 begins


# --- RULES 0.5 monthsCovered -------------------------------------------------------------------


def test_0_5_months_covered_is_integer_on_anniversary_eve() -> None:
    assert months_covered(REF_START, date(2026, 9, 11)) == Decimal(30)
    assert months_covered(REF_START, contractual_end_date(REF_START, REF_TERM)) == Decimal(48)


def test_0_5_months_covered_fraction_uses_days_of_the_running_contract_month() -> None:
    # F = 2026-09-21; k = 30; anniversary 2026-09-12; next 2026-10-12 (30 days) -> 9/30
    assert months_covered(REF_START, date(2026, 9, 20)) == Decimal(30) + Decimal(9) / Decimal(30)


def test_0_5_months_covered_first_day_and_before_start() -> None:
    # F = 2024-03-13: one day of the month 2024-03-12 .. 2024-04-12 (31 days)
    assert months_covered(REF_START, REF_START) == Decimal(1) / Decimal(31)
    assert months_covered(REF_START, date(2024, 3, 11)) == Decimal(0)
    assert months_covered(REF_START, date(2024, 1, 1)) == Decimal(0)


# --- RULES 0.5 working days: Belgian holidays ---------------------------------------------------


def test_0_5_easter_sunday_known_years() -> None:
    assert easter_sunday(2024) == date(2024, 3, 31)
    assert easter_sunday(2025) == date(2025, 4, 20)
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2028) == date(2028, 4, 16)


def test_0_5_belgian_holidays_2024() -> None:
    assert belgian_holidays(2024) == frozenset(
        {
            date(2024, 1, 1),
            date(2024, 4, 1),  # Easter Monday
            date(2024, 5, 1),
            date(2024, 5, 9),  # Ascension
            date(2024, 5, 20),  # Whit Monday
            date(2024, 7, 21),
            date(2024, 8, 15),
            date(2024, 11, 1),
            date(2024, 11, 11),
            date(2024, 12, 25),
        }
    )


def test_0_5_belgian_holidays_2025() -> None:
    assert belgian_holidays(2025) == frozenset(
        {
            date(2025, 1, 1),
            date(2025, 4, 21),  # Easter Monday
            date(2025, 5, 1),
            date(2025, 5, 29),  # Ascension
            date(2025, 6, 9),  # Whit Monday
            date(2025, 7, 21),
            date(2025, 8, 15),
            date(2025, 11, 1),
            date(2025, 11, 11),
            date(2025, 12, 25),
        }
    )


def test_0_5_working_days_exclude_weekends_and_holidays() -> None:
    assert is_working_day(date(2025, 4, 30))  # Wednesday
    assert not is_working_day(date(2025, 5, 1))  # Labour Day, Thursday
    assert not is_working_day(date(2025, 5, 3))  # Saturday
    assert not is_working_day(date(2025, 5, 4))  # Sunday
    assert not is_working_day(date(2025, 6, 9))  # Whit Monday


def test_A_05_roll_forward_keeps_working_days_and_moves_the_others() -> None:
    assert roll_forward(date(2025, 2, 18)) == date(2025, 2, 18)
    assert roll_forward(date(2024, 4, 1)) == date(2024, 4, 2)
    assert roll_forward(date(2025, 12, 25)) == date(2025, 12, 26)


def test_0_5_add_working_days_zero_is_the_same_day_and_negative_is_refused() -> None:
    assert add_working_days(date(2025, 5, 3), 0) == date(2025, 5, 3)
    with pytest.raises(ValueError, match="working days"):
        add_working_days(date(2025, 5, 3), -1)


# --- Section 5 deadline examples -----------------------------------------------------------------


def test_D_06_odometer_request_due_in_5_working_days() -> None:
    assert add_working_days(date(2025, 4, 30), 5) == date(2025, 5, 8)


def test_D_07_repairs_due_in_5_working_days_skipping_whit_monday() -> None:
    assert add_working_days(date(2025, 6, 2), 5) == date(2025, 6, 10)


def test_D_08_collect_vehicle_14_days_after_ready_notice() -> None:
    assert deadline_in_days(date(2024, 3, 1), 14, roll=True) == date(2024, 3, 15)


def test_D_09_insurance_proof_one_month_rolled_past_easter_monday() -> None:
    assert deadline_in_months(date(2024, 3, 1), 1, roll=False) == date(2024, 4, 1)
    assert deadline_in_months(date(2024, 3, 1), 1, roll=True) == date(2024, 4, 2)


def test_D_10_pay_overdue_instalment_8_days_after_formal_notice() -> None:
    assert deadline_in_days(date(2025, 2, 10), 8, roll=True) == date(2025, 2, 18)


def test_D_12_right_arises_on_day_9_after_dispatch() -> None:
    last_cure_day = deadline_in_days(date(2025, 2, 10), 8, roll=False)
    assert last_cure_day == date(2025, 2, 18)
    assert last_cure_day + timedelta(days=1) == date(2025, 2, 19)


def test_D_13_dissolution_indemnity_due_15_days_after_notification() -> None:
    assert deadline_in_days(date(2025, 11, 20), 15, roll=True) == date(2025, 12, 5)


def test_D_14_sale_window_15_days_after_dissolution() -> None:
    assert deadline_in_days(date(2025, 11, 20), 15, roll=False) == date(2025, 12, 5)


def test_D_15_theft_recovery_window_30_days() -> None:
    assert deadline_in_days(date(2025, 9, 20), 30, roll=False) == date(2025, 10, 20)


def test_D_17_replacement_insurance_two_weeks() -> None:
    assert deadline_in_days(date(2025, 6, 3), 14, roll=True) == date(2025, 6, 17)


def test_D_19_protection_termination_within_one_month() -> None:
    assert deadline_in_months(date(2025, 6, 10), 1, roll=True) == date(2025, 7, 10)


def test_D_21_contest_protection_decision_within_7_days() -> None:
    assert deadline_in_days(date(2025, 12, 10), 7, roll=True) == date(2025, 12, 17)


def test_D_22_claim_documents_within_6_months() -> None:
    assert deadline_in_months(date(2025, 3, 31), 6, roll=False) == date(2025, 9, 30)


def test_D_24_insurance_change_due_in_3_working_days_skipping_21_july() -> None:
    assert add_working_days(date(2025, 7, 18), 3) == date(2025, 7, 24)


def test_D_25_REF_return_due_first_working_day_after_end() -> None:
    assert next_working_day(date(2028, 3, 11)) == date(2028, 3, 13)


def test_D_25_next_working_day_is_strictly_after_a_working_day() -> None:
    assert next_working_day(date(2025, 2, 18)) == date(2025, 2, 19)


def test_D_29_terms_amendment_may_take_effect_one_month_later_without_roll() -> None:
    assert deadline_in_months(date(2025, 5, 15), 1, roll=False) == date(2025, 6, 15)


def test_D_33_contract_data_purged_10_years_after_closure() -> None:
    assert deadline_in_months(date(2028, 6, 30), 120, roll=False) == date(2038, 6, 30)


def test_D_34_portal_access_18_months_after_last_contract() -> None:
    assert deadline_in_months(date(2028, 3, 13), 18, roll=False) == date(2029, 9, 13)


# --- P-15 calendar billing periods (M-03 / M-04 day counts) --------------------------------------


@pytest.mark.parametrize(
    ("day", "frequency", "expected"),
    [
        (date(2024, 3, 12), Frequency.MONTHLY, (date(2024, 3, 1), date(2024, 3, 31))),
        (date(2024, 2, 10), Frequency.MONTHLY, (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2024, 3, 12), Frequency.QUARTERLY, (date(2024, 1, 1), date(2024, 3, 31))),
        (date(2024, 11, 30), Frequency.QUARTERLY, (date(2024, 10, 1), date(2024, 12, 31))),
        (date(2024, 6, 30), Frequency.SEMI_ANNUAL, (date(2024, 1, 1), date(2024, 6, 30))),
        (date(2024, 7, 1), Frequency.SEMI_ANNUAL, (date(2024, 7, 1), date(2024, 12, 31))),
        (date(2024, 3, 12), Frequency.ANNUAL, (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_P_15_billing_period_is_calendar_aligned(
    day: date, frequency: Frequency, expected: tuple[date, date]
) -> None:
    assert billing_period(day, frequency) == expected


def test_M_03_REF_first_period_days_covered() -> None:
    first_day, last_day = billing_period(REF_START, Frequency.MONTHLY)
    assert days_inclusive(REF_START, last_day) == 20
    assert days_inclusive(first_day, last_day) == 31
