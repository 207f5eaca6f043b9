"""Changes to a running contract: L-03, L-29, L-30 (M-13), T-18.4 repossession (M-32)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.contract import Contract
from domain.contract.adjustments import IssueContractAdjustment
from domain.contract.formation import (
    ChangeVehicleSpecification,
    OrderVehicle,
    RecordWithdrawalIntent,
)
from domain.contract.formation_events import (
    ContractAdjustmentIssued,
    CustomerWithdrawalIntentRecorded,
    VehicleSpecificationChanged,
)
from domain.contract.registry import execute
from domain.contract.settlement import Repossess
from domain.contract.settlement_events import RepossessionCostsCharged, RepossessionOrdered
from domain.contract.termination_events import DissolutionGroundDetected
from domain.errors import InvalidTransitionError, RuleViolationError, TermsError
from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import ContractStatus
from tests.contract_cases import assert_rules, collected, only
from tests.factories import (
    REF_START,
    active_ref_contract,
    concluded_ref_contract,
    ctx,
    run_daily,
)

APRIL = date(2024, 4, 1)
MAY = date(2024, 5, 1)


def run_days(contract: Contract, first: date, last: date) -> None:
    day = first
    while day <= last:
        run_daily(contract, ctx(day, "SYSTEM"), LessorPolicy())
        day += timedelta(days=1)


class TestSpecificationChange:
    def test_L_03_new_instalment_and_capital_before_delivery(self) -> None:
        contract = concluded_ref_contract()
        contract.collect_events()
        execute(
            contract,
            ChangeVehicleSpecification(
                instalment=Money.of("690.00"),
                invested_capital=Money.of("47000.00"),
                special_conditions_id="SC-2",
            ),
            ctx(date(2024, 2, 10)),
        )
        [event] = contract.collect_events()
        assert isinstance(event, VehicleSpecificationChanged)
        assert event.rule_ids == ["L-03", "P-05"]
        assert contract.terms.instalment_amount == Money.of("690.00")
        assert contract.terms.invested_capital == Money.of("47000.00")

    def test_L_03_refused_after_delivery(self) -> None:
        contract = active_ref_contract()
        with pytest.raises(InvalidTransitionError) as refused:
            execute(
                contract,
                ChangeVehicleSpecification(
                    instalment=Money.of("690.00"),
                    invested_capital=Money.of("47000.00"),
                    special_conditions_id="SC-2",
                ),
                ctx(APRIL),
            )
        assert refused.value.rule_id == "L-03"
        assert contract.collect_events() == []


class TestWithdrawalIntent:
    def test_L_29_withdrawal_before_delivery_is_ground_18_3_xi(self) -> None:
        contract = concluded_ref_contract()
        contract.collect_events()
        execute(
            contract, RecordWithdrawalIntent(channel="LETTER"), ctx(date(2024, 2, 10), "CUSTOMER")
        )
        run_daily(contract, ctx(date(2024, 2, 10), "SYSTEM"), LessorPolicy())
        intent, detected = contract.collect_events()
        assert isinstance(intent, CustomerWithdrawalIntentRecorded)
        assert isinstance(detected, DissolutionGroundDetected)
        assert detected.ground == "18.3(xi)"
        assert "T-18.3-xi" in detected.rule_ids
        assert contract.status is ContractStatus.CONCLUDED

    def test_A_20_there_is_no_right_to_cancel_before_delivery(self) -> None:
        # the wish not to go ahead ends nothing; the contract stays CONCLUDED and goes
        # on (the Vehicle can still be ordered), and the wish is the Lessor's ground 18.3(xi).
        contract = concluded_ref_contract()
        contract.collect_events()
        wished_on = date(2024, 2, 5)
        execute(contract, RecordWithdrawalIntent(channel="EMAIL"), ctx(wished_on, "CUSTOMER"))
        run_daily(contract, ctx(wished_on, "SYSTEM"), LessorPolicy())

        ground = only(collected(contract), DissolutionGroundDetected)
        assert_rules(ground, "T-18.3-xi", "A-20")
        assert ground.ground == "18.3(xi)"
        assert (contract.status, contract.end_kind) == (ContractStatus.CONCLUDED, None)
        execute(contract, OrderVehicle(), ctx(date(2024, 2, 10)))
        assert contract.status is ContractStatus.ORDERED

    def test_L_29_not_after_handover(self) -> None:
        contract = active_ref_contract()
        with pytest.raises(InvalidTransitionError):
            execute(contract, RecordWithdrawalIntent(channel="LETTER"), ctx(APRIL, "CUSTOMER"))


class TestContractAdjustment:
    def test_L_30_new_instalment_from_the_next_period(self) -> None:
        contract = active_ref_contract()
        run_days(contract, REF_START, date(2024, 4, 10))
        contract.collect_events()
        change = IssueContractAdjustment(
            "KM_DEVIATION", MAY, term_months=36, instalment_amount=Money.of("700.00")
        )
        execute(contract, change, ctx(date(2024, 4, 10)))
        [event] = contract.collect_events()
        assert isinstance(event, ContractAdjustmentIssued)
        assert event.rule_ids == ["L-30", "M-13", "A-33"]
        assert contract.contractual_end_date == date(2027, 3, 11)
        run_days(contract, date(2024, 4, 11), MAY)
        may = list(contract.receivables.values())[-1]
        assert (may.period_start, may.amount) == (MAY, Money.of("700.00"))

    def test_M_13_effective_date_must_start_a_future_period(self) -> None:
        contract = active_ref_contract()
        run_days(contract, REF_START, date(2024, 4, 10))
        for effective in (APRIL, date(2024, 5, 15)):
            with pytest.raises(RuleViolationError) as refused:
                execute(
                    contract,
                    IssueContractAdjustment("OTHER", effective, annual_km=25_000),
                    ctx(date(2024, 4, 10)),
                )
            assert refused.value.rule_id == "M-13"

    def test_P_50_adjustment_cannot_break_the_km_cap(self) -> None:
        contract = active_ref_contract()
        run_days(contract, REF_START, date(2024, 4, 10))
        with pytest.raises(TermsError) as refused:
            execute(
                contract,
                IssueContractAdjustment("OTHER", MAY, annual_km=60_000),
                ctx(date(2024, 4, 10)),
            )
        assert (refused.value.rule_id, refused.value.field) == ("P-50", "annual_km")


class TestRepossession:
    def test_T_18_4_repossession_after_term_charges_costs_M_32(self) -> None:
        contract = active_ref_contract(term_months=12)
        run_days(contract, REF_START, date(2025, 3, 20))
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        contract.collect_events()
        execute(
            contract,
            Repossess(odometer=20_012, costs=Money.of("400.00"), damages=(), missing=()),
            ctx(date(2025, 3, 20)),
        )
        events = contract.collect_events()
        assert isinstance(events[0], RepossessionOrdered)
        [costs] = [e for e in events if isinstance(e, RepossessionCostsCharged)]
        assert costs.amount == Money.of("400.00")
        assert costs.rule_ids == ["M-32", "T-18.4"]
        assert contract.status.value == "IN_SETTLEMENT"  # narrowed above, read it afresh

    def test_T_18_4_not_while_the_contract_runs(self) -> None:
        contract = active_ref_contract()
        with pytest.raises(InvalidTransitionError) as refused:
            execute(
                contract,
                Repossess(odometer=1_000, costs=Money.of("400.00"), damages=(), missing=()),
                ctx(APRIL),
            )
        assert refused.value.rule_id == "T-18.4"
