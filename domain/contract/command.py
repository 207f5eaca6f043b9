"""What a command is: a frozen dataclass of facts, with its name, its rules and its bounds.

A command carries only what the caller says (the odometer, the theft date, the amount); who
says it, on which business date and under which Lessor policy comes in the `Ctx`. Its
fields declare their bounds with `bounded(...)`, checked when the command is made, so every
caller (scenario, consumer, HTTP) refuses the same input with the field's name. The rules
themselves are checked by the handler, against the contract's state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.errors import RecordedRefusalError

    Handlers = dict[type["Command"], Callable[..., RecordedRefusalError | None]]
    """An area's commands and the functions that decide them. A handler records events or
    raises a refusal; one whose refusal is itself recorded (L-22) returns it."""

MAX_ODOMETER_KM = 9_999_999
"""A seven-digit odometer: the largest reading a car's counter can show."""
MAX_AMOUNT = Money.of("1000000000.00")
"""No amount of one private-lease contract comes near EUR 1 billion."""
MAX_CODE = 64
"""Codes and identifiers: kinds, grounds, channels, payment ids."""
MAX_TEXT = 2000
"""Free text: a rationale, a reason."""
MAX_LIST = 100
"""Lines of one return, grounds of one decision."""
FIRST_DAY = date(2000, 1, 1)
"""No business date of the service comes before 2000: the General Terms it applies are
version 19-2 (2019), and a car leased before 2000 has long been returned."""
LAST_DAY = date(2199, 12, 31)
"""The far end of any date a contract can name (a deadline, an end, a sale)."""


class CommandInputError(ValueError):
    """A command's field is outside its bounds; names the field (input error, not a refusal)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name} {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Bounds:
    """What a field accepts beyond its type: a range, a length, a set of values."""

    low: int | Money | None = None
    high: int | Money | None = None
    choices: tuple[str, ...] = ()
    max_length: int = MAX_CODE
    max_items: int = MAX_LIST


def bounded(
    default: Any = ...,
    *,
    low: int | Money | None = None,
    high: int | Money | None = None,
    choices: tuple[str, ...] = (),
    max_length: int = MAX_CODE,
) -> Any:
    """A dataclass field with its bounds (and a default when the field is optional)."""
    meta = {"bounds": Bounds(low, high, choices, max_length)}
    if default is ...:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Command:
    """Base of every contract command: its wire name, the rules it applies, its fields."""

    name: ClassVar[str]
    """The command's name in scenarios (`do`), the API path and the registry."""
    rule_ids: ClassVar[tuple[str, ...]]
    """The rules the handler applies (documentation, OpenAPI, `lease rules`)."""
    public: ClassVar[bool] = True
    """False for the commands only the service's own workers send (daily run, K-01)."""

    def __post_init__(self) -> None:
        for name, bounds in bounded_fields(type(self)):
            check(name, getattr(self, name), bounds)

    def facts(self) -> dict[str, Any]:
        """The command's fields by name: what its handler is called with."""
        return {name: getattr(self, name) for name, _ in bounded_fields(type(self))}


def bounded_fields(cls: type[Command]) -> tuple[tuple[str, Bounds], ...]:
    """A command class's field names with their bounds, read once per class."""
    found = FIELD_BOUNDS.get(cls)
    if found is None:
        found = tuple((f.name, f.metadata.get("bounds", NO_BOUNDS)) for f in fields(cls))
        FIELD_BOUNDS[cls] = found
    return found


FIELD_BOUNDS: dict[type[Command], tuple[tuple[str, Bounds], ...]] = {}
"""Each command class's fields with their bounds."""


NO_BOUNDS = Bounds()


def check(name: str, value: object, bounds: Bounds) -> None:
    """Refuse a value outside its type's sane range or the field's declared bounds."""
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, str):
        _check_text(name, value, bounds)
    elif isinstance(value, int):
        _check_range(name, value, bounds, 0, MAX_ODOMETER_KM)
    elif isinstance(value, Money):
        if not value.amount.is_finite():
            raise CommandInputError(name, "must be a finite amount")
        _check_range(name, value, bounds, Money.zero(), MAX_AMOUNT)
    elif isinstance(value, Decimal) and not value.is_finite():
        raise CommandInputError(name, "must be a finite number")
    elif isinstance(value, date) and not FIRST_DAY <= value <= LAST_DAY:
        raise CommandInputError(name, f"must be between {FIRST_DAY} and {LAST_DAY}")
    elif isinstance(value, tuple):
        if len(value) > bounds.max_items:
            raise CommandInputError(name, f"must have at most {bounds.max_items} items")
        for i, item in enumerate(value):
            check(f"{name}[{i}]", item, Bounds(max_length=bounds.max_length))


def _check_text(name: str, value: str, bounds: Bounds) -> None:
    if bounds.choices and value not in bounds.choices:
        raise CommandInputError(name, f"must be one of {', '.join(bounds.choices)}")
    if len(value) > bounds.max_length:
        raise CommandInputError(name, f"must be at most {bounds.max_length} characters")
    if CONTROL_CHARACTER.search(value):
        raise CommandInputError(name, "must not contain control characters")


CONTROL_CHARACTER = re.compile(r"[\x00-\x1f]")
"""What a command's text must not hold (below the space, as before: DEL and C1 are allowed)."""


def _check_range(name: str, value: Any, bounds: Bounds, low: Any, high: Any) -> None:
    low = low if bounds.low is None else bounds.low
    high = high if bounds.high is None else bounds.high
    if not low <= value <= high:
        raise CommandInputError(name, f"must be between {low} and {high}")
