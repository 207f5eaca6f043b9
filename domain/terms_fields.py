"""Reading and checking one field of the contract terms (RULES 2.1): each problem is a
TermsError that names the field and its rule."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.errors import TermsError
from domain.money import Money


def text_field(data: dict[str, Any], name: str) -> str:
    value = data[name]
    if not isinstance(value, str) or not value.strip():
        raise TermsError(name, "P-01", "must be a non-empty string")
    return value


def opt_text_field(data: dict[str, Any], name: str, rule: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise TermsError(name, rule, "must be a non-empty string")
    return value


def instant_field(name: str, value: str, rule: str) -> None:
    """An ISO-8601 date and time with its offset from UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise TermsError(name, rule, f"is not an ISO-8601 date and time: {value!r}") from None
    if moment.tzinfo is None:
        raise TermsError(name, rule, "needs its offset from UTC, e.g. 2024-02-20T10:15:00+01:00")


def int_field(data: dict[str, Any], name: str, rule: str, default: int | None = None) -> int:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TermsError(name, rule, f"must be a whole number, got {value!r}")
    return value


def opt_int_field(data: dict[str, Any], name: str, rule: str) -> int | None:
    return None if data.get(name) is None else int_field(data, name, rule)


def bool_field(section: dict[str, Any], name: str, rule: str) -> bool:
    value = section.get("included", False)
    if not isinstance(value, bool):
        raise TermsError(name, rule, f"must be true or false, got {value!r}")
    return value


def money_field(data: dict[str, Any], name: str, rule: str, default: str | None = None) -> Money:
    value = data.get(name, default)
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise TermsError(name, rule, f"must be a decimal string such as '650.00', got {value!r}")
    try:
        return Money(Decimal(value))
    except (InvalidOperation, ValueError):
        raise TermsError(name, rule, f"is not a valid amount: {value!r}") from None


def opt_money_field(data: dict[str, Any], name: str, rule: str) -> Money | None:
    return None if data.get(name) is None else money_field(data, name, rule)


def positive(name: str, value: int, rule: str) -> None:
    if value <= 0:
        raise TermsError(name, rule, "must be greater than 0")


def positive_money(name: str, value: Money, rule: str) -> None:
    if not value.is_positive:
        raise TermsError(name, rule, "must be greater than 0")


def non_negative_money(name: str, value: Money, rule: str) -> None:
    if value.amount < 0:
        raise TermsError(name, rule, "must not be negative")
