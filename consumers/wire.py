"""Reading the published message schemas (docs/schemas) strictly: JSON in, dataclass out.

Each helper raises `InvalidMessageError` naming the field, so a dead letter says why.
Money is {"amount": decimal string, "currency": "EUR"}, dates are ISO strings, and
`schema_version` must be one this consumer reads.
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from consumers.base import InvalidMessageError
from domain.money import Money

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping

_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


def decode_object(value: bytes | None) -> dict[str, Any]:
    """The message value as a JSON object."""
    if value is None:
        raise InvalidMessageError("message has no value")
    try:
        data = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InvalidMessageError(f"value is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidMessageError(f"value is not a JSON object but {type(data).__name__}")
    return data


def version(data: Mapping[str, Any], supported: Collection[int]) -> int:
    found = integer(data, "schema_version")
    if found not in supported:
        raise InvalidMessageError(f"schema_version {found} is not one of {sorted(supported)}")
    return found


def text(data: Mapping[str, Any], name: str) -> str:
    value = _field(data, name)
    if not isinstance(value, str) or not value:
        raise InvalidMessageError(f"{name} must be a non-empty string")
    return value


def integer(data: Mapping[str, Any], name: str) -> int:
    value = _field(data, name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidMessageError(f"{name} must be an integer")
    return value


def iso_date(data: Mapping[str, Any], name: str) -> date:
    value = text(data, name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidMessageError(f"{name} must be an ISO date, got {value!r}") from None


def one_of(data: Mapping[str, Any], name: str, allowed: Collection[str]) -> str:
    value = text(data, name)
    if value not in allowed:
        raise InvalidMessageError(f"{name} must be one of {sorted(allowed)}, got {value!r}")
    return value


def money(data: Mapping[str, Any], name: str) -> Money:
    value = _field(data, name)
    if not isinstance(value, dict):
        raise InvalidMessageError(f"{name} must be an object with amount and currency")
    amount, currency = value.get("amount"), value.get("currency")
    if not isinstance(amount, str) or not _DECIMAL.match(amount):
        raise InvalidMessageError(f"{name}.amount must be a decimal string, got {amount!r}")
    if currency != "EUR":
        raise InvalidMessageError(f"{name}.currency must be EUR, got {currency!r}")
    return Money(Decimal(amount))


def _field(data: Mapping[str, Any], name: str) -> Any:
    if name not in data:
        raise InvalidMessageError(f"{name} is missing")
    return data[name]
