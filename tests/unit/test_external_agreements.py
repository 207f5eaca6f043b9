"""`lease.external-agreements.v1`: the parser refuses, naming the field."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from consumers.base import InvalidMessageError
from consumers.external_agreements import ExternalAgreementMessage, parse

GOOD: dict[str, Any] = {
    "schema_version": 1,
    "customer_number": "C-0001",
    "agreement_id": "FIN-77",
    "type": "FINANCING",
    "event": "REGISTERED",
    "effective_end_date": "2029-06-30",
}


def test_a_good_message_is_read() -> None:
    message = parse(json.dumps(GOOD).encode())
    assert isinstance(message, ExternalAgreementMessage)
    assert (message.customer_number, message.agreement_id) == ("C-0001", "FIN-77")
    assert (message.type, message.event) == ("FINANCING", "REGISTERED")
    assert message.effective_end_date == date(2029, 6, 30)
    no_date = {**GOOD, "effective_end_date": None}
    assert parse(json.dumps(no_date).encode()).effective_end_date is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_number", ""),
        ("customer_number", "C" * 65),
        ("customer_number", " C-1"),
        ("agreement_id", "F\n1"),
        ("agreement_id", 77),
        ("type", "LOAN"),
        ("event", "CHANGED"),
        ("effective_end_date", "30/06/2029"),
        ("effective_end_date", "2029-02-30"),
        ("schema_version", 2),
    ],
)
def test_a_bad_field_is_named(field: str, value: Any) -> None:
    with pytest.raises(InvalidMessageError, match=field):
        parse(json.dumps({**GOOD, field: value}).encode())


@pytest.mark.parametrize(
    "field", ["customer_number", "agreement_id", "type", "event", "effective_end_date"]
)
def test_a_missing_field_is_named(field: str) -> None:
    with pytest.raises(InvalidMessageError, match=field):
        parse(json.dumps({k: v for k, v in GOOD.items() if k != field}).encode())


def test_unknown_fields_and_non_json_are_refused() -> None:
    with pytest.raises(InvalidMessageError, match="note"):
        parse(json.dumps({**GOOD, "note": "x"}).encode())
    with pytest.raises(InvalidMessageError):
        parse(b"not json")
    with pytest.raises(InvalidMessageError):
        parse(None)
