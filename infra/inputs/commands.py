"""One input model per public contract command, generated from the command's dataclass.

The registry (`domain.contract.registry.COMMANDS`) declares each command's fields, their
types and their `bounded(...)` metadata; `command_model(cls)` turns them into a strict
pydantic model with the same names and limits, so a scenario step, a Kafka message and an
HTTP body are read the same way, and `command_schemas()` publishes them as JSON Schema.
The command's own bounds check (`Command.__post_init__`) still runs when the model is turned
into the command: the model refuses early and describes the input, the domain has the last word.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import date
from decimal import Decimal
from types import UnionType
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    Literal,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from pydantic import Field, StringConstraints, create_model

from domain.contract.command import (
    MAX_CODE,
    MAX_ODOMETER_KM,
    Bounds,
    Command,
    bounded_fields,
)
from domain.contract.registry import COMMANDS
from domain.contract.settlement import ChargeLines
from domain.money import Money
from infra.inputs.types import (
    IDENTIFIER_PATTERN,
    TEXT_PATTERN,
    Amount,
    BusinessDate,
    Identifier,
    Quantity,
    Strict,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


class ChargeLine(Strict):
    """One charged item of a return or a repossession (RENTA damage, a missing key)."""

    item: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CODE, pattern=TEXT_PATTERN)]
    amount: Amount


def _text(bounds: Bounds) -> Any:
    """A command's string field: a code up to 64 printable ASCII characters, longer free
    text without control characters, or one of its declared choices."""
    if bounds.choices:
        return Literal[bounds.choices]
    if bounds.max_length > MAX_CODE:
        return Annotated[str, StringConstraints(max_length=bounds.max_length, pattern=TEXT_PATTERN)]
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=bounds.max_length, pattern=IDENTIFIER_PATTERN),
    ]


def _annotation(hint: Any, bounds: Bounds) -> Any:
    """The input type of a command field of type `hint` with its bounds."""
    optional = get_origin(hint) in (Union, UnionType)
    base = next(a for a in get_args(hint) if a is not type(None)) if optional else hint
    kinds: dict[Any, Any] = {
        bool: bool,
        date: BusinessDate,
        Money: Amount,
        Decimal: Quantity,
        tuple[str, ...]: Annotated[list[Identifier], Field(max_length=bounds.max_items)],
        ChargeLines: Annotated[list[ChargeLine], Field(max_length=bounds.max_items)],
    }
    annotation: Any
    if base is int:
        low = 0 if bounds.low is None else bounds.low
        high = MAX_ODOMETER_KM if bounds.high is None else bounds.high
        annotation = Annotated[int, Field(ge=low, le=high)]
    elif base is str:
        annotation = _text(bounds)
    else:
        annotation = kinds[base]
    return annotation | None if optional else annotation


def _default(value: Any) -> Any:
    """A dataclass default as the input would write it (a list for a tuple)."""
    return list(value) if isinstance(value, tuple) else value


def _model(cls: type[Command]) -> type[Strict]:
    hints = get_type_hints(cls)
    spec: dict[str, Any] = {}
    for f in fields(cls):
        annotation = _annotation(hints[f.name], f.metadata.get("bounds", Bounds()))
        spec[f.name] = (annotation, ... if f.default is MISSING else _default(f.default))
    title = "".join(part.title() for part in cls.name.split("_"))
    return create_model(title, __base__=Strict, __doc__=cls.__doc__, **spec)


PUBLIC_COMMANDS: Mapping[str, type[Command]] = {
    name: cls for name, cls in COMMANDS.items() if cls.public
}
"""The commands callers may send (scenario steps, the HTTP API), by name."""
COMMAND_MODELS: Mapping[str, type[Strict]] = {
    name: _model(cls) for name, cls in PUBLIC_COMMANDS.items()
}
"""The input model of each public command, by command name (the HTTP API's request bodies)."""


def command_model(cls: type[Command]) -> type[Strict]:
    """The strict input model of a public command (its fields, types, bounds and defaults)."""
    return COMMAND_MODELS[cls.name]


def to_command(cls: type[Command], model: Strict) -> Command:
    """The command from its validated input (CommandInputError if outside its bounds)."""
    values = {name: _domain_value(getattr(model, name)) for name, _ in bounded_fields(cls)}
    return cls(**values)


def _domain_value(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_domain_value(item) for item in value)
    if isinstance(value, ChargeLine):
        return (value.item, value.amount)
    return value


def command_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every public command's input, by command name."""
    return {name: model.model_json_schema() for name, model in COMMAND_MODELS.items()}
