"""The `lease simulate` scenario format, version 1 (SCENARIOS.md): parsing and validation."""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from types import UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin, get_type_hints

from domain.contract.command import Command, CommandInputError
from domain.contract.registry import COMMANDS
from domain.contract.settlement import ChargeLines
from domain.errors import ContractError
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import ContractTerms

if TYPE_CHECKING:
    from pathlib import Path

SCENARIO_VERSION = 1

SPECIAL_STEPS = ("conclude", "advance")
"""Steps that are not contract commands: the conclusion (the `contract` terms) and a day."""
KINDS: dict[object, str] = {
    int: "int",
    bool: "bool",
    str: "str",
    date: "date",
    Money: "money",
    tuple[str, ...]: "list",
    ChargeLines: "lines",
}
"""A command field's type (without None) -> how a scenario writes it."""


def _kind(hint: object) -> str:
    args = (
        [a for a in get_args(hint) if a is not type(None)]
        if get_origin(hint) in (Union, UnionType)
        else [hint]
    )
    return KINDS[args[0]]


def _step_fields(cls: type[Command]) -> dict[str, str]:
    hints = get_type_hints(cls)
    return {
        f.name + ("?" if f.default is not MISSING else ""): _kind(hints[f.name])
        for f in fields(cls)
    }


STEP_FIELDS: dict[str, dict[str, str]] = {
    **{name: {} for name in SPECIAL_STEPS},
    **{name: _step_fields(cls) for name, cls in COMMANDS.items() if cls.public},
}
"""SCENARIOS.md step table: field name (`?` = optional) and its type."""


class ScenarioError(ValueError):
    """The scenario file is not a valid version-1 scenario; names the place that is wrong."""


@dataclass(frozen=True)
class Step:
    """One dated step of a scenario."""

    index: int
    """1-based position in `steps`, as error messages and `refusals` name it."""
    on: date
    do: str
    args: dict[str, Any]
    expect_refusal: bool

    @property
    def command(self) -> Command | None:
        """The registered command this step sends (None for `conclude` and `advance`)."""
        if self.do in SPECIAL_STEPS:
            return None
        return COMMANDS[self.do](**self.args)


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario: the contract's terms, the Lessor policy and the steps."""

    terms: ContractTerms
    policy: LessorPolicy
    steps: tuple[Step, ...]


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None
    return parse_scenario(data)


def parse_scenario(data: object) -> Scenario:
    """Validate the whole document; every error names the field."""
    if not isinstance(data, dict):
        raise ScenarioError("the scenario must be a JSON object")
    if data.get("scenario_version") != SCENARIO_VERSION:
        raise ScenarioError(f"scenario_version must be {SCENARIO_VERSION}")
    contract = data.get("contract")
    if not isinstance(contract, dict):
        raise ScenarioError("contract must be an object")
    try:
        terms = ContractTerms.from_dict(contract)
        policy = _policy(data.get("policy", {}))
    except ContractError as exc:
        raise ScenarioError(f"contract.{exc.message} ({exc.rule_id})") from None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError("steps must be a non-empty list")
    steps = tuple(_step(i, raw) for i, raw in enumerate(raw_steps, start=1))
    for before, after in pairwise(steps):
        if after.on < before.on:
            raise ScenarioError(f"steps[{after.index}].on {after.on} is before the previous step")
    return Scenario(terms, policy, steps)


def _policy(raw: object) -> LessorPolicy:
    if not isinstance(raw, dict):
        raise ScenarioError("policy must be an object")
    rate = raw.get("early_termination_fee_rate", "0.50")
    return LessorPolicy(
        auto_dissolve_grounds=tuple(_strings(raw.get("auto_dissolve_grounds", []), "policy")),
        auto_suspend_grounds=tuple(_strings(raw.get("auto_suspend_grounds", []), "policy")),
        early_termination_fee_rate=_decimal(rate, "policy.early_termination_fee_rate"),
    )


def _step(index: int, raw: object) -> Step:
    where = f"steps[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where} must be an object")
    do = raw.get("do")
    if do not in STEP_FIELDS:
        raise ScenarioError(f"{where}.do {do!r} is not a step of scenario version 1")
    args: dict[str, Any] = {}
    for spec, kind in STEP_FIELDS[do].items():
        name = spec.rstrip("?")
        if name not in raw:
            if spec.endswith("?"):
                continue
            raise ScenarioError(f"{where} ({do}) needs {name}")
        args[name] = _value(raw[name], kind, f"{where}.{name}")
    expect = raw.get("expect_refusal", False)
    if not isinstance(expect, bool):
        raise ScenarioError(f"{where}.expect_refusal must be true or false")
    step = Step(index, _date(raw.get("on"), f"{where}.on"), do, args, expect)
    try:
        step.command  # noqa: B018 - made once here so that bounds errors name the step
    except CommandInputError as exc:
        raise ScenarioError(f"{where}.{exc}") from None
    return step


def _value(raw: object, kind: str, where: str) -> Any:
    if kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ScenarioError(f"{where} must be a whole number")
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ScenarioError(f"{where} must be true or false")
        return raw
    if kind == "str":
        if not isinstance(raw, str) or not raw:
            raise ScenarioError(f"{where} must be a non-empty string")
        return raw
    if kind == "date":
        return _date(raw, where)
    if kind == "money":
        return Money(_decimal(raw, where))
    if kind == "list":
        return tuple(_strings(raw, where))
    return tuple(_lines(raw, where))


def _date(raw: object, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError:
        raise ScenarioError(f"{where} must be an ISO date, got {raw!r}") from None


def _decimal(raw: object, where: str) -> Decimal:
    if not isinstance(raw, str):
        raise ScenarioError(f"{where} must be a decimal string, got {raw!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ScenarioError(f"{where} must be a decimal string, got {raw!r}") from None
    if not value.is_finite():
        raise ScenarioError(f"{where} must be a finite amount")
    return value


def _strings(raw: object, where: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise ScenarioError(f"{where} must be a list of strings")
    return list(raw)


def _lines(raw: object, where: str) -> list[tuple[str, Money]]:
    if not isinstance(raw, list):
        raise ScenarioError(f"{where} must be a list of {{item, amount}}")
    lines = []
    for i, line in enumerate(raw):
        if not isinstance(line, dict) or not isinstance(line.get("item"), str):
            raise ScenarioError(f"{where}[{i}] must be {{item, amount}}")
        lines.append((line["item"], Money(_decimal(line.get("amount"), f"{where}[{i}].amount"))))
    return lines
