"""The scenario format (SCENARIOS.md, version 1): bad input names the field, changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.simulate.in_process import StepRefusedError, simulate
from infra.simulate.scenario import ScenarioError, parse_scenario
from tests.factories import ref_terms_dict

BASE: dict[str, Any] = {
    "scenario_version": 1,
    "contract": ref_terms_dict(contract_number="C-TEST-1"),
    "steps": [
        {"on": "2024-02-20", "do": "conclude"},
        {"on": "2024-02-21", "do": "order_vehicle"},
    ],
}


def invalid(mutate: Any) -> str:
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(ScenarioError) as error:
        parse_scenario(data)
    return str(error.value)


def test_version_must_be_1() -> None:
    assert invalid(lambda d: d.update(scenario_version=2)) == "scenario_version must be 1"


def test_contract_errors_name_the_field_and_rule() -> None:
    message = invalid(lambda d: d["contract"].pop("term_months"))
    assert message == "contract.term_months: is required to form the contract (P-49)"


def test_unknown_step() -> None:
    message = invalid(lambda d: d["steps"].append({"on": "2024-03-01", "do": "sell_car"}))
    assert message == "steps[3].do 'sell_car' is not a step of scenario version 1"


def test_missing_and_mistyped_step_fields() -> None:
    step = {"on": "2024-03-12", "do": "hand_over"}
    assert invalid(lambda d: d["steps"].append(step)) == "steps[3] (hand_over) needs odometer"
    typed = {"on": "2024-03-12", "do": "receive_payment", "amount": 419.35}
    assert "steps[3].amount must be a decimal string" in invalid(lambda d: d["steps"].append(typed))


def test_steps_must_be_in_date_order() -> None:
    message = invalid(lambda d: d["steps"].append({"on": "2024-01-01", "do": "advance"}))
    assert message == "steps[3].on 2024-01-01 is before the previous step"


def test_refused_step_stops_the_run_with_rule_id() -> None:
    data = copy.deepcopy(BASE)
    data["steps"].append({"on": "2024-02-22", "do": "hand_over", "odometer": 5})
    with pytest.raises(StepRefusedError) as refused:
        simulate(parse_scenario(data))
    assert str(refused.value) == (
        "step 3 hand_over refused: L-07 hand_over not allowed in state ORDERED"
    )


def test_expected_refusal_is_recorded_and_the_run_goes_on() -> None:
    data = copy.deepcopy(BASE)
    data["steps"] += [
        {"on": "2024-02-22", "do": "hand_over", "odometer": 5, "expect_refusal": True},
        {"on": "2024-02-23", "do": "advance"},
    ]
    out = simulate(parse_scenario(data))
    assert out["refusals"] == [
        {
            "step": 3,
            "do": "hand_over",
            "rule_id": "L-07",
            "message": "hand_over not allowed in state ORDERED",
        }
    ]
    assert out["clock"] == "2024-02-23"
    assert out["contract"]["status"] == "ORDERED"


def test_expected_refusal_that_is_accepted_fails() -> None:
    data = copy.deepcopy(BASE)
    data["steps"].append({"on": "2024-02-22", "do": "advance", "expect_refusal": True})
    with pytest.raises(StepRefusedError, match="expected to be refused but was accepted"):
        simulate(parse_scenario(data))
