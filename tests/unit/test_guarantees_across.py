"""M-10 / K-01: a Guarantee held under one contract applied to another contract of the same
Customer, decided on both aggregates (the application stores both in one transaction)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.charges import ChargeRunningCost
from domain.contract.guarantee_events import (
    GuaranteeAppliedFromContract,
    GuaranteeAppliedToContract,
)
from domain.contract.guarantees import ApplyGuaranteeToContract
from domain.contract.registry import execute, execute_on_two, other_contract
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.errors import RuleViolationError
from domain.money import Money
from domain.values import ContractStatus
from projections.registry import all_specs, build_group
from projections.views.exposure import ExposureView
from tests.contract_cases import (
    DISSOLUTION_DATE,
    REF_LATE_RETURN,
    assert_refused,
    assert_rules,
    collected,
    eur,
    only,
    pay_everything,
    running_ref_contract,
)
from tests.customer_stories import active_contract
from tests.factories import REF_START, ctx, run_days
from tests.unit.test_guarantees import DEPOSIT, DUE, dissolved_after

CUSTOMER = "K-M10-ACROSS"
JOIN_SECONDS = 30.0
"""A hang guard only: crossing commands finish in well under a second."""


def holder(customer: str = CUSTOMER) -> Contract:
    """Contract A: running, its Customer's cash deposit of 2,000.00 held under it."""
    contract = running_ref_contract(date(2024, 4, 2), customer_number=customer)
    execute(contract, DEPOSIT, ctx(date(2024, 4, 2)))
    pay_everything(contract, date(2024, 4, 2))
    contract.collect_events()
    return contract


def dissolved(customer: str = CUSTOMER) -> Contract:
    """Contract B: dissolved, open are repossession 400.00, the Dissolution Indemnity
    9,600.00 and instalments (RULES M-10's worked example), without a Guarantee of its own."""
    contract = running_ref_contract(date(2024, 4, 2), customer_number=customer)
    run_days(contract, date(2024, 4, 3), DISSOLUTION_DATE)
    return dissolved_after(contract)


def across(a: Contract, b: Contract, guarantee_id: str = "G-1") -> None:
    command = ApplyGuaranteeToContract(guarantee_id=guarantee_id, contract_number=b.number)
    execute_on_two(a, b, command, ctx(DUE))


class TestAcrossContracts:
    def test_M_10_a_deposit_under_A_settles_Bs_items_in_the_art_3_4_order(self) -> None:
        a, b = holder(), dissolved()
        b_open = b.open_debits()

        across(a, b)

        given = only(collected(a), GuaranteeAppliedToContract)
        taken = only(collected(b), GuaranteeAppliedFromContract)
        assert_rules(given, "M-10", "K-01")
        assert_rules(taken, "M-10", "K-01")
        assert (given.guarantee_id, given.contract_number, given.amount) == (
            "G-1",
            b.number,
            eur("2000.00"),
        )
        assert taken.contract_number == a.number
        assert [(line["bucket"], line["amount"]) for line in taken.allocations] == [
            ("RECOVERY_REPAIR_PRESERVATION", eur("400.00")),
            ("INDEMNITIES_COSTS", eur("1600.00")),
        ]  # 0 to the instalment
        indemnity = b.receivables[taken.allocations[1]["receivable_id"]]
        assert indemnity.open == eur("8000.00")  # left open: 8,000.00 and the instalments
        assert b.open_debits() == b_open - eur("2000.00")
        assert a.guarantees["G-1"].available == Money.zero()
        assert a.open_debits().is_zero  # A's own ledger is untouched

    def test_M_10_a_part_left_after_A_goes_to_B(self) -> None:
        a, b = holder(), dissolved()
        b_open = b.open_debits()
        a.guarantees = {"G-1": a.guarantees["G-1"].lapsed_to(eur("300.00"))}

        across(a, b)

        assert only(collected(a), GuaranteeAppliedToContract).amount == eur("300.00")
        assert b.open_debits() == b_open - eur("300.00")

    def test_M_10_another_customers_contract_is_refused_naming_the_field(self) -> None:
        a, b = holder(), dissolved(customer="K-SOMEONE-ELSE")
        refusal = assert_refused(a, lambda: across(a, b), RuleViolationError, "M-10")
        assert "contract_number" in refusal.message
        assert not b.pending_events

    def test_M_10_nothing_left_of_the_guarantee_is_refused(self) -> None:
        a, b = holder(), dissolved()
        across(a, b)
        collected(a), collected(b)
        refusal = assert_refused(a, lambda: across(a, b), RuleViolationError, "M-10")
        assert "nothing is left of G-1" in refusal.message
        assert not b.pending_events

    def test_M_10_a_contract_with_nothing_open_is_refused(self) -> None:
        a, b = holder(), holder()
        refusal = assert_refused(a, lambda: across(a, b, "G-1"), RuleViolationError, "M-10")
        assert refusal.message == f"contract_number: nothing is open on {b.number}"

    def test_M_10_its_own_contract_or_an_unknown_guarantee_is_refused(self) -> None:
        a, b = holder(), dissolved()
        assert_refused(a, lambda: across(a, a), RuleViolationError, "M-10")
        refusal = assert_refused(a, lambda: across(a, b, "G-9"), RuleViolationError, "M-10")
        assert refusal.message == "guarantee_id: no Guarantee G-9"

    def test_M_10_on_one_contract_alone_it_is_refused(self) -> None:
        a = holder()
        command = ApplyGuaranteeToContract(guarantee_id="G-1", contract_number="PL-OTHER")
        assert other_contract(command) == "PL-OTHER"
        with pytest.raises(RuleViolationError) as refused:
            execute(a, command, ctx(DUE))
        assert refused.value.rule_id == "M-10"
        assert not a.pending_events


def test_M_10_a_closed_contract_with_nothing_open_no_longer_keeps_a_guarantee() -> None:
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    holding = active_contract(app, customer_number=CUSTOMER)
    ended = active_contract(app, customer_number=CUSTOMER)

    def run_to_closure(contract: Contract) -> None:
        run_days(contract, REF_START, date(2028, 3, 12))
        returned = ReturnVehicle(odometer=88_012, damages=(), missing_items=())
        execute(contract, returned, ctx(REF_LATE_RETURN))
        pay_everything(contract, REF_LATE_RETURN)
        execute(contract, CloseContract(), ctx(REF_LATE_RETURN))

    app.decide(ended, run_to_closure)
    [spec] = all_specs(["exposure"])
    group = build_group(app, [spec])
    group.catch_up()
    view = group.projections[0].view
    assert isinstance(view, ExposureView)

    assert app.get(ended).status is ContractStatus.CLOSED
    assert view.obligations_elsewhere(holding) == []  # closed, nothing open: release allowed
    assert view.obligations_elsewhere(ended) == [holding]  # still running


def test_M_10_two_contracts_applying_to_each_other_at_once_both_complete() -> None:
    """Both contracts' locks are taken in one order, so crossing commands do not deadlock."""
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    x, y = (active_contract(app, customer_number=CUSTOMER) for _ in range(2))
    cost = ChargeRunningCost(cost_type="MAINTENANCE_REPAIR", amount=eur("100.00"))
    for number in (x, y):
        app.execute(number, DEPOSIT, ctx(REF_START))
        app.execute(number, cost, ctx(REF_START))
    start = threading.Barrier(2, timeout=JOIN_SECONDS)

    def cross(holder: str, other: str) -> None:
        start.wait()
        command = ApplyGuaranteeToContract(guarantee_id="G-1", contract_number=other)
        app.execute(holder, command, ctx(REF_START))

    threads = [threading.Thread(target=cross, args=pair) for pair in ((x, y), (y, x))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)

    assert [t.is_alive() for t in threads] == [False, False]
    for number in (x, y):
        contract = app.get(number)
        assert contract.open_debits().is_zero
        assert contract.guarantees["G-1"].available == eur("1900.00")
