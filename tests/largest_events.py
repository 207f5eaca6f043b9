"""Events built field by field from their type hints: examples, and the largest ones.

`event_of(name, value_of)` builds an event of type `name` as the mapper would (no command,
no checks), asking `value_of(field name, hint)` for each field. `largest_event(name)` fills
every field with the largest value it can hold when it comes from a command, an
over-estimate of the largest event any command can produce:

- a text field a command sets (same name as a command field): that field's bound
  (`bounded(max_length=...)`, MAX_TEXT for a rationale) in the character whose JSON escape
  is longest (an astral character, 12 bytes as `\\ud83d\\ude00`);
- any other text (ids and codes the domain makes, ASCII): `DOMAIN_TEXT` quote characters
  (2 bytes escaped); a line of an allocation, with an id, a code and two amounts;
- a list: `MAX_LIST` items when a command sets it, `HISTORY` items when the domain builds
  it from the contract's history (allocations over every open receivable);
- amounts at MAX_AMOUNT, the terms with every text at MAX_CODE, actor and causation id
  at MAX_CODE plus a prefix.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, get_args, get_origin, get_type_hints
from uuid import uuid4

from domain.contract.command import MAX_AMOUNT, MAX_CODE, MAX_LIST
from domain.contract.registry import COMMANDS
from domain.money import Money
from domain.terms import ContractTerms
from infra.schemas.envelope import EVENT_TYPES, LIBRARY_FIELDS
from infra.schemas.json_schemas import HINT_NAMES
from tests.factories import ref_terms

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.contract.base_events import ContractEvent

WIDEST = "\U0001f600"
"""The character whose JSON escape is the longest (12 bytes)."""
DOMAIN_TEXT = MAX_CODE
"""Characters of an id or code the domain makes (receivable ids are R0001, ...)."""
HISTORY = 1000
"""Items of a list the domain builds from a contract's history (receivables, grounds)."""
COMMAND_TEXT: dict[str, int] = {}
"""Text fields commands set -> their longest bound."""
COMMAND_LISTS = set()
for _command in COMMANDS.values():
    for _field in fields(_command):
        _bounds = _field.metadata.get("bounds")
        if _bounds is not None and "str" in str(_field.type):
            longest = max(_bounds.max_length, COMMAND_TEXT.get(_field.name, 0))
            COMMAND_TEXT[_field.name] = longest
        if "tuple" in str(_field.type) or "Lines" in str(_field.type):
            COMMAND_LISTS.add(_field.name)


def event_of(name: str, value_of: Callable[[str, Any], Any]) -> ContractEvent:
    """An event of type `name` with `value_of(field, hint)` for each field, built as the
    mapper does (a second event of a contract, recorded now)."""
    cls = EVENT_TYPES[name]
    hints = get_type_hints(cls, localns=HINT_NAMES)
    state = {
        f.name: value_of(f.name, hints[f.name]) for f in fields(cls) if f.name not in LIBRARY_FIELDS
    }
    state |= {"originator_id": uuid4(), "originator_version": 2, "timestamp": datetime.now(UTC)}
    event = object.__new__(cls)
    object.__setattr__(event, "__dict__", state)
    return event


def largest_event(name: str) -> ContractEvent:
    """The largest event of type `name` a command can produce (an over-estimate)."""
    return event_of(name, largest_value)


def largest_value(field: str, hint: Any) -> Any:
    """The largest value of a field (see the module docstring)."""
    if field in {"actor", "causation_id"}:
        return "payment:" + WIDEST * MAX_CODE
    if field == "rule_ids":
        return ["T-18.3-ii"] * MAX_LIST
    if hint is str:
        return WIDEST * COMMAND_TEXT[field] if field in COMMAND_TEXT else '"' * DOMAIN_TEXT
    largest = {
        int: 10**15,
        bool: True,
        date: date(2199, 12, 31),
        datetime: datetime(2199, 12, 31, 23, 59, tzinfo=UTC),
        Decimal: Decimal("-1234567890.123456789012345678"),
        Money: MAX_AMOUNT,
        ContractTerms: largest_terms(),
    }
    if hint in largest:
        return largest[hint]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return max(hint, key=lambda member: len(str(member.value)))
    args = get_args(hint)
    if get_origin(hint) is list:
        count = MAX_LIST if field in COMMAND_LISTS else HISTORY
        return [largest_value(field, args[0]) for _ in range(count)]
    if get_origin(hint) is dict and field in COMMAND_LISTS:  # a charge line of a command
        return {"item": WIDEST * MAX_CODE, "amount": MAX_AMOUNT}
    if get_origin(hint) is dict:  # an allocation, interest or source line
        text, most = '"' * DOMAIN_TEXT, MAX_AMOUNT
        return {"receivable_id": text, "bucket": text, "principal": most, "amount": most}
    return largest_value(field, next(a for a in args if a is not type(None)))  # X | None


def largest_terms() -> ContractTerms:
    """The REF terms with every text at MAX_CODE characters and every amount at the maximum."""
    terms = ref_terms()
    changes: dict[str, Any] = {f.name: WIDEST * MAX_CODE for f in fields(terms) if f.type == "str"}
    changes |= {f.name: MAX_AMOUNT for f in fields(terms) if f.type == "Money"}
    changes["instalment_components"] = tuple(
        (WIDEST * MAX_CODE, MAX_AMOUNT) for _ in range(MAX_LIST)
    )
    return replace(terms, **changes)
