"""Commands as data: bounds checked when a command is made, and the named ground checks.

A command refuses input no real contract has (the field is named); the rules themselves are
refused by the handler against the contract's state. The arrears grounds are the catalogue's
T-18.3-ii / A-12 and T-18.2-ii / A-13 tests as named functions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.contract.billing import ReceivePayment
from domain.contract.command import MAX_ODOMETER_KM, CommandInputError
from domain.contract.formation import HandOverVehicle, RefuseHandover
from domain.contract.grounds import RecordGround, instalment_arrears_ground, service_arrears_ground
from domain.contract.incidents import ReportTheft
from domain.contract.settlement import ReturnVehicle
from domain.money import Money
from domain.money_rules import monthly_equivalent
from domain.values import Frequency
from infra.simulate.scenario import ScenarioError, parse_scenario
from tests.factories import ref_terms_dict


class TestBounds:
    def test_the_largest_odometer_a_counter_shows_is_accepted(self) -> None:
        assert HandOverVehicle(odometer=MAX_ODOMETER_KM).odometer == MAX_ODOMETER_KM

    @pytest.mark.parametrize(
        ("make", "field", "reason"),
        [
            (lambda: HandOverVehicle(odometer=MAX_ODOMETER_KM + 1), "odometer", "between"),
            (lambda: HandOverVehicle(odometer=-1), "odometer", "between"),
            (lambda: ReceivePayment(amount=Money.of("-0.01")), "amount", "between"),
            (lambda: ReceivePayment(amount=Money.of("1000000000.01")), "amount", "between"),
            (lambda: ReceivePayment(Money.of("1"), "P" * 65), "payment_id", "at most 64"),
            (lambda: RefuseHandover(founded=True, reason="x" * 2001), "reason", "at most 2000"),
            (lambda: RecordGround("18.3(xiv)", "line\x00"), "rationale", "control characters"),
            (lambda: ReportTheft(theft_on=date(9999, 12, 31)), "theft_on", "between"),
            (
                lambda: ReturnVehicle(odometer=1, damages=(("dent", Money.of("-5")),)),
                "damages[0]",
                "between",
            ),
        ],
    )
    def test_input_out_of_bounds_is_refused_naming_the_field(
        self, make: Any, field: str, reason: str
    ) -> None:
        with pytest.raises(CommandInputError, match=reason) as refused:
            make()
        assert refused.value.field.startswith(field)

    @given(st.text(max_size=40))
    def test_text_is_refused_exactly_when_it_holds_a_character_below_the_space(
        self, text: str
    ) -> None:
        if any(ch < " " for ch in text):
            with pytest.raises(CommandInputError, match="control characters"):
                RecordGround("18.3(xiv)", text)
        else:
            assert RecordGround("18.3(xiv)", text).rationale == text

    def test_a_scenario_step_out_of_bounds_is_an_error_naming_the_step_and_field(self) -> None:
        scenario = {
            "scenario_version": 1,
            "contract": ref_terms_dict(),
            "steps": [
                {"on": "2024-02-20", "do": "conclude"},
                {"on": "2024-03-12", "do": "hand_over", "odometer": 10**8},
            ],
        }
        with pytest.raises(ScenarioError, match=r"steps\[2\]\.odometer must be at most 9999999"):
            parse_scenario(scenario)


REF_MONTHLY = Money.of("650.00")


class TestArrearsGrounds:
    def test_T_18_3_ii_two_monthly_instalments_overdue_is_the_ground(self) -> None:
        # amount-based, overdue instalments >= 2 x the monthly instalment (REF: 1,300).
        assert instalment_arrears_ground(Money.of("1300.00"), REF_MONTHLY)
        assert not instalment_arrears_ground(Money.of("1299.99"), REF_MONTHLY)

    def test_T_18_3_ii_quarterly_billing_counts_in_monthly_equivalents(self) -> None:
        # monthlyEquivalent = instalment x periods per year / 12 (1,950 a quarter: 650),
        # so one overdue quarterly invoice (three months' worth) is already the ground.
        monthly = monthly_equivalent(Money.of("1950.00"), Frequency.QUARTERLY)
        assert monthly == REF_MONTHLY
        assert instalment_arrears_ground(Money.of("1950.00"), monthly)
        assert not instalment_arrears_ground(Money(Decimal("1299.99")), monthly)

    def test_T_18_2_ii_two_service_invoices_late_and_something_still_unpaid(self) -> None:
        # at least two late invoices, and a remedy is possible only while some is unpaid.
        assert service_arrears_ground(2, still_unpaid=True)
        assert not service_arrears_ground(1, still_unpaid=True)
        assert not service_arrears_ground(3, still_unpaid=False)
