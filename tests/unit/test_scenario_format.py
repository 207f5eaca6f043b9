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


def test_policy_errors_are_labelled_policy() -> None:
    message = invalid(lambda d: d.update(policy={"early_termination_fee_rate": "0.90"}))
    assert message == "policy.early_termination_fee_rate 0.90 must be 0..0.50 (P-42)"


def test_a_policy_ground_must_be_one_the_domain_knows() -> None:
    message = invalid(lambda d: d.update(policy={"auto_dissolve_grounds": ["18.99(z)"]}))
    assert message == (
        "policy.auto_dissolve_grounds: '18.99(z)' is not a ground of Art. 18.2 or 18.3 (K-02)"
    )


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(odometr=1), "odometr"),
        (lambda d: d["contract"].update(odometr=1), "contract.odometr"),
        (lambda d: d["contract"]["protection"].update(odometr=1), "contract.protection.odometr"),
        (lambda d: d["contract"]["gap"].update(odometr=1), "contract.gap.odometr"),
        (lambda d: d.update(policy={"odometr": 1}), "policy.odometr"),
        (lambda d: d["steps"][1].update(odometr=1), "steps[2].odometr"),
    ],
)
def test_an_unknown_field_is_refused_at_every_level(mutate: Any, field: str) -> None:
    assert invalid(mutate) == f"{field} is not a known field"


def test_a_typo_is_named_rather_than_the_field_it_misses() -> None:
    step = {"on": "2024-03-12", "do": "hand_over", "odometr": 12}
    assert invalid(lambda d: d["steps"].append(step)) == "steps[3].odometr is not a known field"


def test_a_scenario_spans_at_most_50_years() -> None:
    message = invalid(lambda d: d["steps"].append({"on": "2199-12-31", "do": "advance"}))
    assert (
        message == "steps[3].on 2199-12-31 is more than 50 years after the first step (2024-02-20)"
    )
