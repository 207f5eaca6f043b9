"""T-18.3-ix/xii as scenario steps: `record_ground_fact` is a step (SCENARIOS version 1, a new
step only), and a fact ground recorded without its fact is refused in one line naming the rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.inputs.commands import command_schemas
from infra.simulate.in_process import StepRefusedError, simulate
from infra.simulate.scenario import ScenarioError, parse_scenario
from tests.factories import ref_terms_dict

BASE: dict[str, Any] = {
    "scenario_version": 1,
    "contract": ref_terms_dict(contract_number="C-TEST-183"),
    "steps": [
        {"on": "2024-02-20", "do": "conclude"},
        {"on": "2024-02-21", "do": "order_vehicle"},
    ],
}
PLEDGED = {
    "on": "2024-02-26",
    "do": "record_ground_fact",
    "fact": "PLEDGED",
    "happened_on": "2024-02-23",
    "evidence": ["pawn-receipt-0042"],
    "description": "the Customer pledged the Vehicle's registration to a pawnbroker",
}


def scenario(*steps: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["steps"] += [copy.deepcopy(s) for s in steps]
    return data


def test_T_18_3_ix_a_fact_step_then_dissolution_on_it() -> None:
    out = simulate(parse_scenario(scenario(PLEDGED, {"on": "2024-02-27", "do": "dissolve"})))

    kinds = [e["type"] for e in out["events"]]
    fact_at = kinds.index("AlienationAttemptRecorded")
    assert kinds[fact_at : fact_at + 3] == [
        "AlienationAttemptRecorded",
        "DissolutionGroundDetected",
        "ContractDissolvedAgainstCustomer",
    ]
    assert out["grounds"] == [
        {"ground": "18.3(ix)", "detected_on": "2024-02-26", "status": "EXERCISED"}
    ]
    assert out["contract"]["status"] == "IN_SETTLEMENT"
    assert out["refusals"] == []


def test_T_18_3_xii_record_ground_without_its_fact_is_refused_with_the_rule() -> None:
    step = {"on": "2024-02-26", "do": "record_ground", "ground": "18.3(xii)", "rationale": "x"}

    with pytest.raises(StepRefusedError, match=r"step 3 record_ground refused: T-18\.3-xii "):
        simulate(parse_scenario(scenario(step)))

    out = simulate(parse_scenario(scenario({**step, "expect_refusal": True})))
    assert [(r["step"], r["rule_id"]) for r in out["refusals"]] == [(3, "T-18.3-xii")]


def test_T_18_3_ix_a_fact_step_without_evidence_is_refused_with_the_rule() -> None:
    step = {**PLEDGED, "evidence": [], "expect_refusal": True}

    out = simulate(parse_scenario(scenario(step)))

    assert [(r["step"], r["rule_id"]) for r in out["refusals"]] == [(3, "T-18.3-ix")]


def test_T_18_3_the_step_lists_its_facts_and_refuses_an_unknown_one() -> None:
    schema = command_schemas()["record_ground_fact"]
    assert "PLEDGED" in str(schema["properties"]["fact"])
    assert set(schema["required"]) == {"fact", "happened_on", "evidence", "description"}
    with pytest.raises(ScenarioError, match="steps\\[3\\]"):
        parse_scenario(scenario({**PLEDGED, "fact": "PLEDGE_ATTEMPTED"}))
