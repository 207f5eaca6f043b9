"""A-15(b): the Lessor policy `km_cap_end_mode`, BY_LAW (default) or LESSOR_DECISION."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError

from domain.contract import Contract, Ctx
from domain.contract.incidents import ReportOdometer
from domain.contract.incidents_events import KmCapReached
from domain.contract.km_cap_end import EndOnKmCap
from domain.contract.registry import execute
from domain.contract.termination_events import ContractEndedByLaw
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.policy import LessorPolicy
from domain.values import ContractStatus, EndKind, FuelType, KmCapEndMode
from infra.inputs.terms import LessorPolicyInput
from infra.settings import Settings
from tests.contract_cases import (
    KM_CAP_READING_DAY,
    ONE_DAY,
    POLICY,
    assert_refused,
    assert_rules,
    collected,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_daily

DECIDES = LessorPolicy(km_cap_end_mode=KmCapEndMode.LESSOR_DECISION)
DECISION_DAY = date(2027, 6, 3)  # a Thursday, two days after M-12's reading
DECISION_RETURN_DUE = date(2027, 6, 4)


def lessor(on: date, policy: LessorPolicy = DECIDES) -> Ctx:
    return replace(ctx(on), policy=policy)


def bev_at_the_cap() -> Contract:
    """M-12's BEV (cap 140,000) with 140,250 km read on 2027-06-01."""
    contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
    contract.collect_events()
    return contract


def test_A_15_the_default_policy_ends_by_law() -> None:
    assert POLICY.km_cap_end_mode is KmCapEndMode.BY_LAW
    contract = bev_at_the_cap()

    assert_refused(
        contract,
        lambda: execute(contract, EndOnKmCap(), lessor(DECISION_DAY, POLICY)),
        RuleViolationError,
        "A-15",
    )


def test_A_15_under_LESSOR_DECISION_the_cap_is_put_to_the_lessor_and_the_contract_runs_on() -> None:
    contract = bev_at_the_cap()

    run_daily(contract, ctx(KM_CAP_READING_DAY), DECIDES)
    first = collected(contract)
    run_daily(contract, ctx(KM_CAP_READING_DAY + ONE_DAY), DECIDES)
    second = collected(contract)

    reached = only(first, KmCapReached)
    assert_rules(reached, "M-12", "T-18.1-ii", "A-15")
    assert (reached.reading, reached.km_cap, reached.occurred_on) == (
        140_250,
        140_000,
        KM_CAP_READING_DAY,
    )
    assert of_type(first + second, ContractEndedByLaw) == []
    assert of_type(second, KmCapReached) == []  # recorded once
    assert contract.status is ContractStatus.ACTIVE


def test_A_15_the_lessors_decision_ends_the_contract_on_the_decision_date() -> None:
    contract = bev_at_the_cap()
    run_daily(contract, ctx(KM_CAP_READING_DAY), DECIDES)
    contract.collect_events()

    execute(contract, EndOnKmCap(), lessor(DECISION_DAY))
    events = collected(contract)

    assert names(events)[0] == "ContractEndedByLaw"
    end = only(events, ContractEndedByLaw)
    assert_rules(end, "T-18.1-ii", "L-19", "A-15")
    assert (end.end_kind, end.effective_end_date, end.return_due_date) == (
        EndKind.KM_CAP.value,
        DECISION_DAY,
        DECISION_RETURN_DUE,
    )
    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN


def test_A_15_a_decision_before_the_daily_run_records_the_cap_reached_first() -> None:
    contract = bev_at_the_cap()

    execute(contract, EndOnKmCap(), lessor(KM_CAP_READING_DAY))

    assert names(collected(contract))[:2] == ["KmCapReached", "ContractEndedByLaw"]


def test_A_15_no_decision_without_a_reading_at_the_cap() -> None:
    contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(contract, ReportOdometer(odometer=139_999), ctx(KM_CAP_READING_DAY))
    contract.collect_events()

    assert_refused(
        contract,
        lambda: execute(contract, EndOnKmCap(), lessor(DECISION_DAY)),
        RuleViolationError,
        "A-15",
    )


def test_A_15_no_decision_on_an_ended_contract() -> None:
    contract = bev_at_the_cap()
    execute(contract, EndOnKmCap(), lessor(DECISION_DAY))
    contract.collect_events()

    assert_refused(
        contract,
        lambda: execute(contract, EndOnKmCap(), lessor(DECISION_DAY + ONE_DAY)),
        InvalidTransitionError,
        "L-19",
    )


def test_A_15_the_mode_is_set_by_the_policy_input_and_the_settings() -> None:
    given = LessorPolicyInput.model_validate({"km_cap_end_mode": "LESSOR_DECISION"})
    settings = Settings(km_cap_end_mode=KmCapEndMode.LESSOR_DECISION)

    assert given.to_policy().km_cap_end_mode is KmCapEndMode.LESSOR_DECISION
    assert settings.lessor_policy().km_cap_end_mode is KmCapEndMode.LESSOR_DECISION
    assert LessorPolicyInput().to_policy().km_cap_end_mode is KmCapEndMode.BY_LAW
    with pytest.raises(ValidationError):
        LessorPolicyInput.model_validate({"km_cap_end_mode": "WHENEVER"})
