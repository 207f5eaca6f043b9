"""M-30, M-31, M-36 as scenario steps (SCENARIOS version 1, new steps only): each issues a
numbered debit note, and the paper surcharge comes from the scenario's Lessor policy."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from domain.money import Money
from infra.inputs.commands import command_schemas
from infra.settings import Settings
from infra.simulate.in_process import simulate
from infra.simulate.scenario import parse_scenario
from tests.factories import ref_terms_dict

CONCLUDE = {"on": "2024-02-20", "do": "conclude"}
REGISTRATION = {
    "on": "2024-02-21",
    "do": "charge_registration_costs",
    "registration_costs": "30.00",
    "plate_costs": "20.00",
    "registration_tax": "61.50",
}
ALARM = {
    "on": "2024-02-22",
    "do": "charge_running_cost",
    "cost_type": "SECURITY_SYSTEM",
    "amount": "99.99",
    "description": "Alarm subscription",
}
PAPER = {"on": "2024-02-23", "do": "charge_paper_surcharge", "document_ref": "DN-2024-000001"}


def scenario(*steps: dict[str, Any], included: bool = False, **policy: str) -> dict[str, Any]:
    terms = ref_terms_dict(
        contract_number="C-TEST-CHG", registration_costs_included_in_instalments=included
    )
    data: dict[str, Any] = {"scenario_version": 1, "contract": terms, "steps": [CONCLUDE]}
    if policy:
        data["policy"] = policy
    data["steps"] += [copy.deepcopy(s) for s in steps]
    return data


def test_M_30_M_31_M_36_steps_issue_debit_notes_with_their_rules() -> None:
    out = simulate(parse_scenario(scenario(REGISTRATION, ALARM, PAPER, paper_surcharge="2.50")))

    documents = [(d["category"], d["amount"], d["rule_ids"]) for d in out["documents"]]
    assert documents == [
        ("REGISTRATION_COSTS", "111.50", ["M-30", "P-21"]),
        ("RUNNING_COST", "99.99", ["M-31"]),
        ("PAPER_SURCHARGE", "2.50", ["M-36"]),
    ]
    assert out["documents"][0]["number"] == "DN-2024-000001"
    assert out["refusals"] == []


def test_P_21_M_36_refusals_name_their_rules() -> None:
    steps = [{**REGISTRATION, "expect_refusal": True}, {**PAPER, "expect_refusal": True}]

    out = simulate(parse_scenario(scenario(*steps, included=True)))

    assert [(r["step"], r["rule_id"]) for r in out["refusals"]] == [(2, "P-21"), (3, "M-36")]
    assert out["documents"] == []


def test_M_31_the_step_lists_its_cost_types() -> None:
    schema = command_schemas()["charge_running_cost"]
    assert "TAX_CHARGE_OR_FINE" in str(schema["properties"]["cost_type"])


def test_M_36_the_setting_gives_the_policy_surcharge() -> None:
    settings = Settings(paper_surcharge=Decimal("2.5"))
    assert settings.lessor_policy().paper_surcharge == Money.of("2.50")
