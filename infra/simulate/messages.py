"""A scenario's validation error as the one line `lease simulate` prints.

The place is named as the input names it (`contract.protection.included`,
`steps[3].odometer`), with step numbers counted from 1 as SCENARIOS.md counts them, and
without the `do` pydantic adds to a step's location.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from infra.inputs.errors import describe, location, quoted

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
"""A key shown as it is; any other (an unknown key can be anything) is quoted and cut."""


def describe_error(exc: ValidationError, model: type[BaseModel]) -> str:
    """The first error of `exc` (validating `model`) as `place message`, an unknown field
    first (a typo is both an unknown field and a missing one; the unknown one says more)."""
    errors: list[Any] = exc.errors(include_url=False, include_input=False)
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(error["loc"])
    if not loc:
        return "the scenario must be a JSON object"
    if loc[0] == "steps" and len(loc) > 1 and isinstance(loc[1], int):
        return _step_error(error, loc, model)
    return f"{place(loc)} {describe(error, model)}"


def _step_error(error: Any, loc: tuple[int | str, ...], model: type[BaseModel]) -> str:
    number = int(loc[1]) + 1
    where = f"steps[{number}]"
    kind = error["type"]
    if kind == "union_tag_invalid":
        tag = quoted(error["ctx"]["tag"])
        return f"{where}.do {tag} is not a step of scenario version 1"
    if kind == "union_tag_not_found":
        return f"{where}.do is required: the step's name"
    if len(loc) == 2:
        return f"{where} {describe(error, model)}"
    do, rest = loc[2], loc[3:]
    if kind == "missing" and len(rest) == 1:
        return f"{where} ({do}) needs {rest[0]}"
    return f"{place(('steps', number, *rest))} {describe(error, model)}"


def place(loc: tuple[int | str, ...]) -> str:
    """`("steps", 3, "odometer")` -> `steps[3].odometer`, odd keys quoted and cut."""
    return location(tuple(_key(part) for part in loc))


def _key(part: int | str) -> int | str:
    if isinstance(part, int) or PLAIN_NAME.match(part):
        return part
    return quoted(part)
