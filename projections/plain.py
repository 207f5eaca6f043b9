"""Read-model answers as plain values: Money as its Decimal amount, dataclasses as dicts,
tuples as lists (what the API's response models and `lease replay --json` read)."""

from __future__ import annotations

import dataclasses
from typing import Any

from domain.money import Money


def plain(value: Any) -> Any:
    """`value` with Money, dataclasses and tuples made plain, recursively."""
    if isinstance(value, Money):
        return value.amount
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value
