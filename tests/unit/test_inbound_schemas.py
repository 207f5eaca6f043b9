"""The published inbound schemas accept exactly what the consumers accept (issue 9, finding 4).

A corpus of good and bad messages for each topic the service reads from outside is judged
twice: by the committed JSON Schema (docs/schemas, with the project's validator) and by the
consumer's own parse. The verdicts must agree on every message.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from consumers import external_agreements, odometer_readings, payments
from consumers.base import InvalidMessageError
from consumers.termination import parse_deadline
from infra.schemas.docs import DOCS
from tests.schema_validator import errors

if TYPE_CHECKING:
    from collections.abc import Callable

CONTRACT_ID = "5b8f3c1e-3f7a-4a43-9a4e-2d3f5d6e7f80"
GOOD: dict[str, dict[str, Any]] = {
    "payments": {
        "schema_version": 1,
        "payment_id": "BANK-1",
        "contract_number": "PL-2024-0001",
        "amount": {"amount": "650.00", "currency": "EUR"},
        "received_on": "2024-03-12",
        "method": "SEPA_DD",
    },
    "odometer-readings": {
        "schema_version": 1,
        "reading_id": "T-9",
        "contract_number": "PL-2024-0001",
        "reading_km": 12_345,
        "read_on": "2024-03-12",
        "source": "TELEMATICS",
    },
    "deadlines": {
        "schema_version": 1,
        "deadline_id": f"{CONTRACT_ID}:D-10:N1",
        "contract_id": CONTRACT_ID,
        "rule_id": "D-10",
        "due_on": "2024-03-12",
        "reached_on": "2024-03-13",
    },
    "external-agreements": {
        "schema_version": 1,
        "customer_number": "C-0001",
        "agreement_id": "FIN-77",
        "type": "FINANCING",
        "event": "ENDED",
        "effective_end_date": "2024-03-12",
    },
}
SCHEMAS = {
    "payments": "payments/BankPayment.v1.json",
    "odometer-readings": "odometer-readings/OdometerReading.v1.json",
    "deadlines": "deadlines/DeadlineReached.v1.json",
    "external-agreements": "external-agreements/ExternalAgreementMessage.v1.json",
}
PARSERS: dict[str, Callable[[bytes], object]] = {
    "payments": payments.parse,
    "odometer-readings": odometer_readings.parse,
    "deadlines": parse_deadline,
    "external-agreements": external_agreements.parse,
}
TEXT_FIELDS = {
    "payments": ("payment_id", "contract_number"),
    "odometer-readings": ("reading_id", "contract_number"),
    "deadlines": ("deadline_id", "rule_id"),
    "external-agreements": ("customer_number", "agreement_id"),
}
DATE_FIELDS = {
    "payments": "received_on",
    "odometer-readings": "read_on",
    "deadlines": "due_on",
    "external-agreements": "effective_end_date",
}
STRINGS = [
    "",
    " BANK-1",
    "BANK-1 ",
    "BANK-1\n",
    "BANK\x00-1",
    "BANK\x7f",
    "BÄNK-1",
    "\uff11\uff12",  # full-width digits
    "B" * 64,
    "B" * 65,
    "B" * 256,
    "B" * 257,
    "B" * 600_000,
    "a b",
    '"quoted"',
]
DATES = ["2024-02-29", "2023-02-29", "2000-01-01", "1999-12-31", "2199-12-31", "2200-01-01"]
DATES += ["20240312", "2024-3-12", "12/03/2024", "9999-12-31", "2024-03-12T00:00:00", ""]
AMOUNTS = ["650", "650.00", "0", "0.00", "650.5", "-1.00", "0.001", "650.001", "1e400", "1e10"]
AMOUNTS += ["1" + "0" * 400, "1000000000.00", "1000000000.01", "999999999.99", "9999999999.99"]
AMOUNTS += ["01.00", "\uff16\uff15\uff10", " 650.00", "650.00\n", ".50", "650.", ""]
NUMBERS: list[Any] = [0, 12_345, 9_999_999, 10_000_000, 10**40, -1, True, 1.5, "12345", None]


def variants(topic: str) -> list[Any]:
    """The topic's good message and many bad (and a few good) variations of it."""
    good = GOOD[topic]
    out: list[Any] = [good, {**good, "note": "x"}, {**good, "odometr": 1}, [good], "x", None]
    out += [{k: v for k, v in good.items() if k != name} for name in good]
    out += [{**good, "schema_version": v} for v in (0, 2, True, "1", 1.0)]
    out += [{**good, name: s} for name in TEXT_FIELDS[topic] for s in STRINGS]
    out += [{**good, DATE_FIELDS[topic]: d} for d in DATES]
    if topic == "payments":
        out += [{**good, "amount": {"amount": a, "currency": "EUR"}} for a in AMOUNTS]
        out += [{**good, "amount": {"amount": 650, "currency": "EUR"}}]
        out += [{**good, "amount": {"amount": "650.00", "currency": c}} for c in ("USD", "")]
        out += [{**good, "amount": {"amount": "1.00", "currency": "EUR", "x": 1}}]
        out += [{**good, "amount": "650.00"}, {**good, "method": "CASH"}]
    if topic == "odometer-readings":
        out += [{**good, "reading_km": n} for n in NUMBERS]
        out += [{**good, "source": s} for s in ("GARAGE", "telematics", "")]
    if topic == "deadlines":
        out += [{**good, "contract_id": c} for c in ("not-a-uuid", CONTRACT_ID.upper(), "", 7)]
    if topic == "external-agreements":
        out += [{**good, "type": t} for t in ("LOAN", "financing", "", None)]
        out += [{**good, "event": e} for e in ("CHANGED", "ended", "")]
        out += [{**good, "effective_end_date": None}]
    return out


def schema_accepts(message: Any, schema: dict[str, Any]) -> bool:
    return errors(message, schema) == []


def consumer_accepts(topic: str, value: bytes) -> bool:
    try:
        PARSERS[topic](value)
    except InvalidMessageError:
        return False
    return True


@pytest.mark.parametrize("topic", sorted(GOOD))
def test_the_schema_and_the_consumer_agree_on_every_message_of_the_corpus(topic: str) -> None:
    schema = json.loads((DOCS / "schemas" / SCHEMAS[topic]).read_text(encoding="utf-8"))
    disagreements = []
    corpus = variants(topic)
    for message in corpus:
        value = json.dumps(message).encode()
        by_schema, by_consumer = schema_accepts(message, schema), consumer_accepts(topic, value)
        if by_schema != by_consumer:
            disagreements.append(f"{value[:120]!r}: schema {by_schema}, consumer {by_consumer}")
    assert disagreements == []
    accepted = sum(consumer_accepts(topic, json.dumps(m).encode()) for m in corpus)
    assert 5 < accepted < len(corpus) - 40, "the corpus has good and bad messages"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_id", ""),
        ("payment_id", "B" * 65),
        ("amount", {"amount": "-1.00", "currency": "EUR"}),
        ("amount", {"amount": "650.001", "currency": "EUR"}),
        ("amount", {"amount": "1e400", "currency": "EUR"}),
    ],
)
def test_the_payment_schema_refuses_what_issue_9_found_it_accepting(field: str, value: Any) -> None:
    schema = json.loads((DOCS / "schemas" / SCHEMAS["payments"]).read_text(encoding="utf-8"))
    assert errors({**GOOD["payments"], field: value}, schema) != []


def test_every_string_of_the_inbound_schemas_has_a_max_length() -> None:
    for path in SCHEMAS.values():
        schema = json.loads((DOCS / "schemas" / path).read_text(encoding="utf-8"))
        unbounded = [p for p, s in strings(schema) if "maxLength" not in s and not fixed(s)]
        assert unbounded == [], path


def strings(node: Any, path: str = "$") -> list[tuple[str, dict[str, Any]]]:
    """Every string-typed subschema of a schema, with where it is."""
    if not isinstance(node, dict):
        return []
    found = [(path, node)] if node.get("type") == "string" else []
    for key, child in node.items():
        if isinstance(child, dict):
            found += [s for name, sub in child.items() for s in strings(sub, f"{path}.{name}")]
            found += strings(child, f"{path}.{key}") if "type" in child else []
    return found


def fixed(schema: dict[str, Any]) -> bool:
    """A string whose values are listed or whose format bounds it (enum, const, date, uuid)."""
    return "enum" in schema or "const" in schema or schema.get("format") in {"date", "uuid"}
