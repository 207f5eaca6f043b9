"""Levies passed on to the Customer: M-14 with the P-38 minimum fees and D-37."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import cast

import pytest
from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.guarantees import ProvideGuarantee
from domain.contract.levies import ForwardLevy, PayLevy, ReceiveLevy, RecordLevyOpposition
from domain.contract.levy_events import (
    LevyForwardedToCustomer,
    LevyPaidByLessor,
    LevyProcessingFeeCharged,
    LevyRecharged,
)
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from domain.money import Money
from domain.money_rules import worked_levy_fee
from projections.views.document_lines import articles, lines_of
from tests.contract_cases import (
    assert_refused,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, loaded_from_older_snapshot

ON = date(2024, 4, 2)
SECOND = date(2024, 4, 16)


def _parking_levy(**overrides: object) -> Contract:
    """REF running, a parking Levy of EUR 58.00 addressed to the Lessor (the M-14 example)."""
    contract = running_ref_contract(ON, **overrides)
    receive = ReceiveLevy(levy_id="LV-1", levy_type="PARKING", amount=eur("58.00"))
    execute(contract, receive, ctx(ON))
    contract.collect_events()
    return contract


def _none(_: str) -> None:
    return None


class TestLevyFees:
    def test_P_53_the_levy_process_applies_only_to_a_vehicle_registered_to_the_lessor(
        self,
    ) -> None:
        assert _parking_levy().levies["LV-1"].amount == eur("58.00")  # LESSOR, the default
        contract = running_ref_contract(ON, registered_in_name_of="CUSTOMER")
        receive = ReceiveLevy(levy_id="LV-1", levy_type="PARKING", amount=eur("58.00"))

        refusal = assert_refused(
            contract, lambda: execute(contract, receive, ctx(ON)), RuleViolationError, "P-53"
        )

        assert "registered in the Customer's name" in str(refusal)
        assert contract.levies == {}

    def test_O_08_a_levy_to_the_lessor_is_forwarded_to_the_customer_to_pay_at_once(self) -> None:
        contract = _parking_levy()

        execute(contract, ForwardLevy(levy_id="LV-1"), ctx(ON))

        forwarded = only(collected(contract), LevyForwardedToCustomer)
        assert (forwarded.levy_id, forwarded.sequence, forwarded.pay_by) == ("LV-1", 1, ON)

    def test_M_14_worked_example_fees_15_and_50_and_the_levy_total_123(self) -> None:
        contract = _parking_levy()

        execute(contract, ForwardLevy(levy_id="LV-1", actual_cost=eur("9.00")), ctx(ON))
        execute(contract, ForwardLevy(levy_id="LV-1", actual_cost=eur("20.00")), ctx(SECOND))
        execute(contract, PayLevy(levy_id="LV-1"), ctx(SECOND))

        events = collected(contract)
        first, second = of_type(events, LevyProcessingFeeCharged)
        assert first.sequence == 1
        assert first.amount == eur("15.00")
        assert first.minimum == eur("15.00")
        assert second.sequence == 2
        assert second.amount == eur("50.00")
        assert second.minimum == eur("50.00")
        recharge = only(events, LevyRecharged)
        assert recharge.amount == eur("58.00")
        assert only(events, LevyPaidByLessor).rechargeable
        total = first.amount + second.amount + recharge.amount
        assert total == eur("123.00")
        assert_rules(first, "M-14", "P-38")
        assert articles(first.rule_ids) == [
            {"rule_id": "M-14", "article": "Art. 8.4"},
            {"rule_id": "P-38", "article": "Art. 8.4"},
        ]

    def test_P_38_the_actual_cost_is_charged_when_higher_than_the_minimum(self) -> None:
        contract = _parking_levy()

        execute(contract, ForwardLevy(levy_id="LV-1", actual_cost=eur("17.504")), ctx(ON))

        fee = only(collected(contract), LevyProcessingFeeCharged)
        assert fee.amount == eur("17.50")
        [working] = fee.workings
        assert working["rule_id"] == "M-14"
        assert working["applied"] == "max(17.50, 15.00) = 17.50"
        assert working["cites"] == {"levy_id": "LV-1"}
        [row] = lines_of(fee, _none)
        assert row["amount"] == "17.50"
        assert row["sequence"] == 1

    def test_D_37_a_forwarded_levy_is_to_be_paid_at_once(self) -> None:
        contract = _parking_levy(payment_term_days=14)

        execute(contract, ForwardLevy(levy_id="LV-1", actual_cost=eur("9.00")), ctx(ON))
        execute(contract, PayLevy(levy_id="LV-1"), ctx(SECOND))

        events = collected(contract)
        forwarded = only(events, LevyForwardedToCustomer)
        assert_rules(forwarded, "M-14", "D-37")
        assert forwarded.pay_by == ON
        assert only(events, LevyProcessingFeeCharged).due_date == ON + timedelta(days=14)
        recharge = only(events, LevyRecharged)
        assert recharge.due_date == SECOND  # the Levy itself: immediately
        assert contract.receivables[recharge.receivable_id].category == "LEVY"

    def test_M_14_a_levy_contested_in_time_on_founded_reasons_is_not_recharged(self) -> None:
        contract = _parking_levy()
        opposition = RecordLevyOpposition(levy_id="LV-1", reasons="the car was sold by then")
        execute(contract, opposition, ctx(ON))

        execute(contract, PayLevy(levy_id="LV-1"), ctx(SECOND))

        events = collected(contract)
        assert not only(events, LevyPaidByLessor).rechargeable
        assert of_type(events, LevyRecharged) == []

    def test_M_14_a_late_opposition_leaves_the_levy_rechargeable(self) -> None:
        contract = _parking_levy()
        late = RecordLevyOpposition(levy_id="LV-1", reasons="too late", in_time=False)
        execute(contract, late, ctx(ON))

        execute(contract, PayLevy(levy_id="LV-1"), ctx(SECOND))

        assert only(collected(contract), LevyRecharged).amount == eur("58.00")

    def test_M_14_no_fee_for_a_levy_never_received_nor_after_the_lessor_paid(self) -> None:
        contract = _parking_levy()
        unknown = ForwardLevy(levy_id="LV-9", actual_cost=eur("9.00"))
        assert_refused(
            contract, lambda: execute(contract, unknown, ctx(ON)), RuleViolationError, "M-14"
        )
        execute(contract, PayLevy(levy_id="LV-1"), ctx(ON))
        contract.collect_events()
        again = ForwardLevy(levy_id="LV-1", actual_cost=eur("9.00"))
        assert_refused(
            contract, lambda: execute(contract, again, ctx(ON)), RuleViolationError, "M-14"
        )


@given(
    sequence=st.integers(min_value=1, max_value=20),
    cents=st.integers(min_value=0, max_value=1_000_000),
)
def test_M_14_the_fee_is_the_actual_cost_or_the_minimum_whichever_is_higher(
    sequence: int, cents: int
) -> None:
    actual = Money(Decimal(cents) / 100)
    fee = worked_levy_fee(sequence, actual).amount
    minimum = eur("15.00") if sequence == 1 else eur("50.00")
    assert fee >= minimum
    assert fee >= actual
    assert fee in (actual, minimum)


@pytest.mark.parametrize("sequence", [2, 3, 7])
def test_P_38_every_later_processing_has_the_50_minimum(sequence: int) -> None:
    assert worked_levy_fee(sequence, eur("1.00")).amount == eur("50.00")


class TestSnapshots:
    def test_M_14_M_10_levies_and_guarantees_survive_a_snapshot_round_trip(self) -> None:
        contract = _parking_levy()
        execute(contract, ForwardLevy(levy_id="LV-1", actual_cost=eur("9.00")), ctx(ON))
        deposit = ProvideGuarantee(
            guarantee_id="G-1", guarantee_type="CASH_DEPOSIT", amount=eur("2000.00")
        )
        execute(contract, deposit, ctx(ON))
        contract.collect_events()
        mapper = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper

        stored = mapper.to_stored_event(Snapshot.take(contract))
        restored = cast("Snapshot", mapper.to_domain_event(stored)).mutate(None)

        assert isinstance(restored, Contract)
        assert restored.levies == contract.levies
        assert restored.guarantees == contract.guarantees

    def test_M_14_M_10_a_v10_snapshot_loads_with_no_levies_or_guarantees(self) -> None:
        loaded = loaded_from_older_snapshot(_parking_levy(), 10, "levies", "guarantees")

        assert (loaded.levies, loaded.guarantees) == ({}, {})
