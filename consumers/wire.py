"""Reading the inbound messages strictly: JSON bytes in, a pydantic model out (one layer).

Every message a consumer reads is a `Strict` model (infra/inputs: unknown fields refused,
nothing coerced) built from the bounded input types, and its published JSON Schema
(docs/schemas) is generated from the same model, so what the schema accepts the consumer
accepts. `read` raises `InvalidMessageError` naming the first field at fault, so a dead
letter says why.

The wire types below narrow the shared input types' *schemas* where JSON Schema can say
what the validator checks: the date window as a year pattern, the amount's maximum as a
pattern. Their validation is the shared types' own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

from pydantic import BeforeValidator, StringConstraints, ValidationError, WithJsonSchema

from consumers.base import InvalidMessageError
from domain.contract.command import FIRST_DAY, LAST_DAY, MAX_AMOUNT
from infra.inputs.errors import first_error
from infra.inputs.types import IDENTIFIER_PATTERN, Amount, BusinessDate, Strict

if TYPE_CHECKING:
    from pydantic import BaseModel

Model = TypeVar("Model", bound="BaseModel")

_CENTURIES = "|".join(str(c) for c in range(FIRST_DAY.year // 100, LAST_DAY.year // 100 + 1))
DATE_PATTERN = rf"^(?:{_CENTURIES})[0-9]{{2}}-[0-9]{{2}}-[0-9]{{2}}$"
"""The business date window (FIRST_DAY .. LAST_DAY, whole centuries) as JSON Schema can say
it: `^(?:20|21)...` for 2000-01-01 .. 2199-12-31."""
WIRE_AMOUNT_PATTERN = r"^(?:(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,2})?|1000000000(?:\.0{1,2})?)$"
"""A non-negative euro amount of at most 1,000,000,000.00, two decimals at most."""
MAX_DEADLINE_ID = 256
"""`{contract id}:{rule id}:{opening key}`: a UUID, a rule ID and an identifier."""


def _whole(value: object) -> object:
    if type(value) is not int:
        raise ValueError("must be a whole number")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_whole)]
"""`schema_version` 1 (neither JSON `true` nor `1.0`: nothing is coerced)."""
WireDate = Annotated[
    BusinessDate,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": f"an ISO business date (Europe/Brussels), {FIRST_DAY} to {LAST_DAY}",
        }
    ),
]
"""A business date in the service's window; its schema carries the window."""
WireAmount = Annotated[
    Amount,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": WIRE_AMOUNT_PATTERN,
            "maxLength": 13,
            "description": f"EUR, a decimal string of at most {MAX_AMOUNT}, two decimals at most",
            "examples": ["650.00"],
        }
    ),
]
"""An amount of euro as a decimal string, read into `Money`; its schema carries the maximum."""
DeadlineId = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_DEADLINE_ID, pattern=IDENTIFIER_PATTERN)
]
"""A deadline's id, as the deadlines view keys it."""


class EuroAmount(Strict):
    """Money on the wire: a decimal string of euro and its currency."""

    amount: WireAmount
    currency: Literal["EUR"]


def read(model: type[Model], value: bytes | None) -> Model:
    """The message value as `model`; InvalidMessageError names the field at fault."""
    if value is None:
        raise InvalidMessageError("message has no value")
    try:
        return model.model_validate_json(value)
    except ValidationError as err:
        raise InvalidMessageError(first_error(err)) from None
