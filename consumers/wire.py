"""Reading the inbound messages strictly: JSON bytes in, a pydantic model out (one layer).

Every message a consumer reads is a `Strict` model (infra/inputs: unknown fields refused,
nothing coerced) built from the bounded input types, and its published JSON Schema
(docs/schemas) is generated from the same model, so what the schema accepts the consumer
accepts. `read` raises `InvalidMessageError` naming the first field at fault, so a dead
letter says why.

The types below are the wire's own: the strict `schema_version`, a deadline's id and
money as `{amount, currency}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

from pydantic import BeforeValidator, StringConstraints, ValidationError

from consumers.base import InvalidMessageError
from infra.inputs.errors import first_error
from infra.inputs.types import IDENTIFIER_PATTERN, Amount, Strict

if TYPE_CHECKING:
    from pydantic import BaseModel

Model = TypeVar("Model", bound="BaseModel")

MAX_DEADLINE_ID = 256
"""`{contract id}:{rule id}:{opening key}`: a UUID, a rule ID and an identifier."""


def _whole(value: object) -> object:
    if type(value) is not int:
        raise ValueError("must be a whole number")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_whole)]
"""`schema_version` 1 (neither JSON `true` nor `1.0`: nothing is coerced)."""
DeadlineId = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_DEADLINE_ID, pattern=IDENTIFIER_PATTERN)
]
"""A deadline's id, as the deadlines view keys it."""


class EuroAmount(Strict):
    """Money on the wire: a decimal string of euro and its currency."""

    amount: Amount
    currency: Literal["EUR"]


def read(model: type[Model], value: bytes | None) -> Model:
    """The message value as `model`; InvalidMessageError names the field at fault."""
    if value is None:
        raise InvalidMessageError("message has no value")
    try:
        return model.model_validate_json(value)
    except ValidationError as err:
        raise InvalidMessageError(first_error(err)) from None
