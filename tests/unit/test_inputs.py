"""The one validation layer (infra/inputs): terms, policy and command input models (issue 9).

The command models are generated from the registry's dataclasses, so every public command
has one, with the dataclass's field names, defaults and bounds, and a JSON Schema that says
the same limits (the HTTP API will publish them as its request bodies).
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from domain.contract.command import MAX_CODE, MAX_ODOMETER_KM
from domain.contract.registry import COMMANDS
from domain.contract.settlement import ReturnVehicle
from domain.errors import RuleViolationError
from domain.money import Money
from domain.policy import LESSOR_GROUNDS, LessorPolicy
from domain.terms import REQUIRED, ContractTerms
from infra.inputs.commands import COMMAND_MODELS, command_model, command_schemas, to_command
from infra.inputs.errors import describe
from infra.inputs.terms import ContractTermsInput, LessorPolicyInput
from tests.factories import ref_terms_dict


def test_every_public_command_and_only_those_has_an_input_model() -> None:
    public = {name for name, cls in COMMANDS.items() if cls.public}

    assert set(COMMAND_MODELS) == public
    assert "bill" not in COMMAND_MODELS


@pytest.mark.parametrize("name", sorted(COMMAND_MODELS))
def test_a_command_model_has_the_dataclass_fields_and_defaults(name: str) -> None:
    cls = COMMANDS[name]
    model = command_model(cls)

    assert list(model.model_fields) == [f.name for f in fields(cls)]
    required = {f.name for f in fields(cls) if f.default is MISSING}
    assert {n for n, info in model.model_fields.items() if info.is_required()} == required


def test_the_json_schema_carries_the_bounds() -> None:
    schemas = command_schemas()

    hand_over = schemas["hand_over"]
    assert hand_over["properties"]["odometer"]["maximum"] == MAX_ODOMETER_KM
    assert hand_over["required"] == ["odometer"]
    assert hand_over["additionalProperties"] is False
    ground = schemas["record_ground"]["properties"]
    assert ground["ground"]["maxLength"] == MAX_CODE
    assert ground["rationale"]["maxLength"] == 2000
    assert schemas["receive_payment"]["properties"]["amount"]["pattern"].startswith("^")


def test_a_model_becomes_its_command_with_domain_values() -> None:
    model = command_model(ReturnVehicle).model_validate(
        {"odometer": 56012, "damages": [{"item": "door panel", "amount": "750.00"}]}
    )

    command = to_command(ReturnVehicle, model)

    assert command == ReturnVehicle(
        odometer=56012, damages=(("door panel", Money.of("750.00")),), missing_items=()
    )


@pytest.mark.parametrize(
    ("data", "where", "says"),
    [
        ({"odometer": 10**40}, ("odometer",), "must be at most 9999999"),
        ({"odometer": "12"}, ("odometer",), "must be a whole number"),
        ({"odometer": 12, "odometr": 12}, ("odometr",), "is not a known field"),
        (
            {"odometer": 12, "damages": [{"item": "x", "amount": "1e10"}]},
            ("damages", 0, "amount"),
            "must be a decimal string of euro",
        ),
    ],
)
def test_a_bad_command_input_names_its_field(
    data: dict[str, Any], where: tuple[Any, ...], says: str
) -> None:
    model = command_model(ReturnVehicle)
    with pytest.raises(ValidationError) as refused:
        model.model_validate(data)

    error = refused.value.errors()[0]
    assert error["loc"] == where
    assert describe(error, model).startswith(says)


def test_terms_read_through_the_model_equal_the_domain_parse() -> None:
    data = ref_terms_dict()

    terms = ContractTermsInput.model_validate(data).to_terms()

    assert terms == ContractTerms.from_dict(data)


def test_the_terms_schema_requires_the_P_49_fields() -> None:
    schema = ContractTermsInput.model_json_schema()

    assert schema["required"] == list(REQUIRED)
    assert schema["additionalProperties"] is False


def test_policy_model_reads_the_domain_policy() -> None:
    policy = LessorPolicyInput.model_validate(
        {"auto_dissolve_grounds": ["18.3(ii)"], "early_termination_fee_rate": "0.25"}
    ).to_policy()

    assert policy == LessorPolicy(("18.3(ii)",), (), Decimal("0.25"))


class TestPolicyGrounds:
    def test_K_02_the_policy_names_only_grounds_of_article_18_2_and_18_3(self) -> None:
        with pytest.raises(RuleViolationError) as refused:
            LessorPolicy(auto_dissolve_grounds=("18.99(z)",))

        assert refused.value.rule_id == "K-02"
        assert "auto_dissolve_grounds: '18.99(z)'" in refused.value.message

    def test_K_02_the_known_grounds_are_the_catalogue_s(self) -> None:
        assert {"18.2(ii)", "18.3(i)", "18.3(ii)", "18.3(xiv)"} <= LESSOR_GROUNDS
        assert not any(g.startswith(("18.1", "18.8")) for g in LESSOR_GROUNDS)

    def test_K_08_still_refuses_a_ground_needing_legal_review(self) -> None:
        with pytest.raises(RuleViolationError, match="legal review"):
            LessorPolicy(auto_suspend_grounds=("18.3(iv)",))
