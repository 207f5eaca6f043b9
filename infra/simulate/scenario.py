"""The `lease simulate` scenario format, version 1 (SCENARIOS.md): parsing and validation.

A scenario file is read as strict UTF-8 JSON (`infra.simulate.reading`), then the whole
document goes through one model: the contract terms and the Lessor policy of
`infra.inputs.terms`, and steps discriminated by `do`, each a command's input model of
`infra.inputs.commands` plus its date. The domain then checks what the terms, the policy and
each command mean (with rule IDs). Every error is one line naming the place, with step
numbers counted from 1 as SCENARIOS.md counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, cast

from pydantic import Field, ValidationError, create_model, field_validator

from domain.contract.command import Command, CommandInputError
from domain.contract.registry import COMMANDS
from domain.errors import ContractError
from infra.inputs.commands import COMMAND_MODELS, PUBLIC_COMMANDS, to_command
from infra.inputs.terms import ContractTermsInput, LessorPolicyInput
from infra.inputs.types import BusinessDate, Strict
from infra.simulate.messages import describe_error
from infra.simulate.reading import UnreadableError, read_json

if TYPE_CHECKING:
    from pathlib import Path

    from domain.policy import LessorPolicy
    from domain.terms import ContractTerms
    from infra.portal.contact import CustomerContact

SCENARIO_VERSION = 1
SPECIAL_STEPS = ("conclude", "advance")
"""Steps that are not contract commands: the conclusion (the `contract` terms) and a day."""
MAX_STEPS = 10_000
"""Steps of one scenario: a step a day for 27 years."""
MAX_SPAN = timedelta(days=50 * 365)
"""From the first step to the last: a lease runs for years, not for half a century (the
walk is cheap on quiet days, but each still costs a decision on the contract)."""


class ScenarioError(ValueError):
    """The scenario file is not a valid version-1 scenario; names the place that is wrong."""


class ScenarioPathError(ScenarioError):
    """The scenario path is missing or a directory: a usage error (exit code 2)."""


class StepBase(Strict):
    """What every step has: its date, its name and whether a refusal is expected."""

    on: BusinessDate
    do: str
    """The step's name: `conclude`, `advance` or a public command (a literal in each model)."""
    expect_refusal: bool = False


def _step_model(name: str, base: type[Strict] | None) -> type[StepBase]:
    title = "".join(part.title() for part in name.split("_")) + "Step"
    bases: tuple[type[Strict], ...] = (StepBase,) if base is None else (base, StepBase)
    tag: Any = Literal[name]
    return cast("type[StepBase]", create_model(title, __base__=bases, do=(tag, ...)))


STEP_MODELS: dict[str, type[StepBase]] = {
    **{name: _step_model(name, None) for name in SPECIAL_STEPS},
    **{name: _step_model(name, model) for name, model in COMMAND_MODELS.items()},
}
"""SCENARIOS.md step table: one model per `do`, the command's fields plus `on`."""
AnyStep = Annotated[Union[tuple(STEP_MODELS.values())], Field(discriminator="do")]  # type: ignore[valid-type]  # noqa: UP007


class ScenarioDocument(Strict):
    """A scenario file, version 1: the contract, the Lessor policy and the dated steps."""

    scenario_version: Literal[1]
    contract: ContractTermsInput
    policy: LessorPolicyInput = Field(default_factory=LessorPolicyInput)
    steps: Annotated[list[AnyStep], Field(min_length=1, max_length=MAX_STEPS)]  # type: ignore[valid-type]

    @field_validator("scenario_version", mode="before")
    @classmethod
    def _not_a_bool(cls, value: object) -> object:
        """`true` equals 1 in Python; a version is a number."""
        if isinstance(value, bool):
            raise ValueError(f"must be {SCENARIO_VERSION}")  # noqa: TRY004 - pydantic wants ValueError
        return value


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
    contact: CustomerContact | None = None
    """P-30: the Customer's contact, when the file gives one (never in an event)."""


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    try:
        data = read_json(path)
    except UnreadableError as exc:
        raise ScenarioPathError(str(exc)) from None
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    return parse_scenario(data)


def parse_scenario(data: object) -> Scenario:
    """Validate the whole document; every error names the field."""
    try:
        document = ScenarioDocument.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(describe_error(exc, ScenarioDocument)) from None
    try:
        terms = document.contract.to_terms()
    except ContractError as exc:
        raise ScenarioError(f"contract.{exc.message} ({exc.rule_id})") from None
    try:
        policy = document.policy.to_policy()
    except ContractError as exc:
        raise ScenarioError(f"policy.{exc.message} ({exc.rule_id})") from None
    steps = tuple(_step(i, raw) for i, raw in enumerate(document.steps, start=1))
    _check_dates(steps)
    given = document.contract.customer_contact
    return Scenario(terms, policy, steps, None if given is None else given.contact())


def _step(index: int, model: StepBase) -> Step:
    args: dict[str, Any] = {}
    if model.do not in SPECIAL_STEPS:
        cls = PUBLIC_COMMANDS[model.do]
        try:
            command = to_command(cls, model)
        except CommandInputError as exc:
            raise ScenarioError(f"steps[{index}].{exc}") from None
        args = command.facts()
    on = cast("date", model.on)  # a BusinessDate is read into a date
    return Step(index, on, model.do, args, model.expect_refusal)


def _check_dates(steps: tuple[Step, ...]) -> None:
    for before, after in pairwise(steps):
        if after.on < before.on:
            raise ScenarioError(f"steps[{after.index}].on {after.on} is before the previous step")
    first, last = steps[0], steps[-1]
    if last.on - first.on > MAX_SPAN:
        raise ScenarioError(
            f"steps[{last.index}].on {last.on} is more than {MAX_SPAN.days // 365} years "
            f"after the first step ({first.on})"
        )
