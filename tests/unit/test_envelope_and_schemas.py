"""The published contract: envelopes of real events, their schemas, compatibility, the docs."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin
from uuid import NAMESPACE_URL, uuid4, uuid5

import pytest
from eventsourcing.persistence import StoredEvent

from consumers.dead_letters import DeadLetter
from consumers.odometer_readings import OdometerReading
from consumers.payments import BankPayment
from consumers.termination import DeadlineReached
from domain.application import ContractsApplication
from domain.contract.base_events import ContractConcluded, ContractEvent
from domain.contract.billing_events import InstalmentInvoiced
from domain.money import Money
from domain.terms import ContractTerms
from infra.schemas.asyncapi import ASYNCAPI_FILE, asyncapi_document, render_asyncapi
from infra.schemas.compat import breaking_changes
from infra.schemas.docs import DOCS
from infra.schemas.envelope import (
    EVENT_TYPES,
    SCHEMA_VERSIONS,
    _event_id_text,
    decode,
    encode,
    envelope,
    event_id,
    json_safe,
    message,
    stored_envelope,
)
from infra.schemas.json_schemas import (
    event_schema,
    message_schema,
    published_schemas,
    render_schema,
)
from infra.settings import Settings
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from tests.factories import (
    REF_START,
    active_ref_contract,
    handed_over_ref_contract,
    ref_terms,
    run_days,
)
from tests.largest_events import event_of
from tests.schema_validator import errors
from tests.unit.test_inbound_schemas import GOOD

SCENARIOS = Path(__file__).parents[1] / "scenarios"
QUICK_SCENARIOS = (
    "arrears-formal-notice",
    "dissolution-sale-within-window",
    "termination-on-death",
    "theft-not-recovered",
    "total-loss",
)
"""Short scenarios (about 40 event types between them); all of them take seconds."""


@pytest.fixture(scope="module")
def lived() -> ContractsApplication:
    """The quick scenarios lived in one in-memory application (their events, stored)."""
    app = ContractsApplication(env=IN_MEMORY_ENV)
    for name in QUICK_SCENARIOS:
        simulate(load_scenario(SCENARIOS / f"{name}.json"), app=app)
    return app


def stored(app: ContractsApplication) -> list[tuple[Any, ContractEvent]]:
    notifications = app.recorder.select_notifications(1, 100_000)
    out = []
    for n in notifications:
        event = app.mapper.to_domain_event(n)
        assert isinstance(event, ContractEvent)
        out.append((n, event))
    return out


class TestEnvelope:
    def test_a_concluded_REF_contract_has_the_whole_envelope(self) -> None:
        contract = handed_over_ref_contract()
        concluded = contract.collect_events()[0]
        assert isinstance(concluded, ContractConcluded)
        out = envelope(concluded, position=7)
        contract_id = str(contract.id)
        assert out == {
            "event_id": str(event_id(contract.id, 1)),
            "event_type": "ContractConcluded",
            "schema_version": 1,
            "aggregate_type": "Contract",
            "contract_id": contract_id,
            "sequence": 1,
            "occurred_on": concluded.occurred_on.isoformat(),
            "recorded_at": concluded.timestamp.isoformat(),
            "actor": "LESSOR_USER",
            "causation_id": concluded.causation_id,
            "correlation_id": contract_id,
            "rule_ids": ["L-01", "P-49", "P-50", "P-51", "P-52", "P-53"],
            "position": 7,
            "payload": {"terms": contract.terms.to_dict()},
        }

    def test_money_dates_and_decimals_take_their_published_form(self) -> None:
        contract = active_ref_contract()
        run_days(contract, REF_START, REF_START)
        [invoice] = [e for e in contract.collect_events() if isinstance(e, InstalmentInvoiced)]
        payload = envelope(invoice, position=1)["payload"]
        assert payload["instalment"] == {"amount": "650.00", "currency": "EUR"}
        assert payload["amount"] == {
            "amount": format(invoice.amount.amount, "f"),
            "currency": "EUR",
        }
        assert payload["period_start"] == "2024-03-12"
        assert payload["pro_rata"] is True
        assert json_safe(Decimal("1E+2")) == "100"
        assert json_safe([{"amount": Money.of("1.50")}]) == [
            {"amount": {"amount": "1.50", "currency": "EUR"}}
        ]

    def test_event_ids_are_deterministic_uuid5s_of_contract_and_sequence(self) -> None:
        contract_id = uuid4()
        assert event_id(contract_id, 3) == event_id(contract_id, 3) != event_id(contract_id, 4)
        for sequence in range(1, 50):
            assert _event_id_text(str(contract_id), sequence) == str(
                event_id(contract_id, sequence)
            )
        namespace = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:contract-event")
        assert event_id(contract_id, 1) == uuid5(namespace, f"{contract_id}:1")

    def test_the_message_is_compact_sorted_json_keyed_by_contract_id(
        self, lived: ContractsApplication
    ) -> None:
        notification, event = stored(lived)[0]
        key, value, headers = message(notification, lived.mapper)
        assert key == str(event.originator_id).encode()
        assert value == encode(envelope(event, position=notification.id))
        assert b": " not in value
        assert b", " not in value
        assert list(decode(value)) == sorted(decode(value))
        assert dict(headers)["originator_version"] == b"1"
        assert dict(headers)["topic"] == b"domain.events:ContractConcluded"

    def test_the_stored_json_path_gives_the_decoded_events_envelope(
        self, lived: ContractsApplication
    ) -> None:
        for notification, event in stored(lived):
            fast = stored_envelope(notification, position=notification.id)
            assert fast == envelope(event, position=notification.id), notification.topic

    def test_the_stored_json_path_declines_what_it_does_not_know(self) -> None:
        state = json.dumps({"occurred_on": {"_type_": "mystery", "_data_": 1}}).encode()
        unknown_value = StoredEvent(uuid4(), 1, "domain.events:VehicleOrdered", state)
        unknown_topic = StoredEvent(uuid4(), 1, "elsewhere:Thing", b"{}")
        assert stored_envelope(unknown_value, position=1) is None
        assert stored_envelope(unknown_topic, position=1) is None


class TestSchemas:
    def test_every_stored_event_validates_against_its_event_types_schema(
        self, lived: ContractsApplication
    ) -> None:
        seen = set()
        for notification, event in stored(lived):
            out = envelope(event, position=notification.id)
            schema = event_schema(out["event_type"])
            assert errors(out, schema) == [], out["event_type"]
            assert set(out["payload"]) == set(schema["properties"]["payload"]["properties"])
            seen.add(out["event_type"])
        assert len(seen) > 30

    @pytest.mark.parametrize("name", sorted(EVENT_TYPES))
    def test_an_example_of_every_event_type_validates(self, name: str) -> None:
        out = envelope(example_event(name), position=3)
        assert errors(out, event_schema(name)) == []
        assert json.loads(encode(out)) == out

    def test_published_types_are_the_emitted_leaves_each_with_a_version(self) -> None:
        assert "ReceivableIssued" not in EVENT_TYPES
        assert "ContractEnded" not in EVENT_TYPES
        assert "InstalmentInvoiced" in EVENT_TYPES
        assert "ContractEndedByLaw" in EVENT_TYPES
        assert set(SCHEMA_VERSIONS) == set(EVENT_TYPES)
        assert all(v >= 1 for v in SCHEMA_VERSIONS.values())

    def test_example_messages_of_the_other_topics_validate(self) -> None:
        now = datetime(2024, 5, 1, 9, tzinfo=UTC)
        letter = DeadLetter(1, "termination", "lease.payments.v1", 0, 4, None, "{}", "bad", now)
        examples: list[tuple[type[Any], dict[str, Any]]] = [
            (DeadlineReached, GOOD["deadlines"]),
            (BankPayment, GOOD["payments"]),
            (OdometerReading, GOOD["odometer-readings"]),
            (DeadLetter, {f.name: json_safe(getattr(letter, f.name)) for f in fields(letter)}),
        ]
        for cls, wire in examples:
            if cls is not DeadLetter:  # a model: what it reads, it writes back the same
                assert cls.model_validate_json(encode(wire)).model_dump(mode="json") == wire
            assert errors(wire, message_schema(cls)) == [], cls.__name__
        bad = {"schema_version": 1, "payment_id": "B", "contract_number": "PL-1", "method": "CASH"}
        assert errors(bad, message_schema(BankPayment)) != []


def example_event(name: str) -> ContractEvent:
    """An event of type `name` with an example value for each field, built as the mapper does."""
    return event_of(name, lambda _field, hint: example_value(hint))


def example_value(hint: Any) -> Any:
    examples = {
        str: "A-1",
        int: 3,
        bool: True,
        date: date(2024, 3, 12),
        datetime: datetime(2024, 3, 12, 8, tzinfo=UTC),
        Decimal: Decimal("1.5"),
        Money: Money.of("650.00"),
        ContractTerms: ref_terms(),
    }
    if hint in examples:
        return examples[hint]
    args = get_args(hint)
    if get_origin(hint) is list:
        return [example_value(args[0])]
    if get_origin(hint) is tuple:
        return (example_value(args[0]),)
    if get_origin(hint) is dict:
        return {"receivable_id": "R0001", "amount": Money.of("1.00")}
    return example_value(next(a for a in args if a is not type(None)))  # X | None


class TestCommittedDocs:
    """`python -m infra.schemas` regenerates them; a breaking change needs a new version."""

    def test_no_published_schema_changed_incompatibly_within_its_version(self) -> None:
        for relative, generated in published_schemas().items():
            committed = DOCS / "schemas" / relative
            assert committed.exists(), f"{relative} is not committed: run python -m infra.schemas"
            old = json.loads(committed.read_text(encoding="utf-8"))
            assert breaking_changes(old, generated) == [], (
                f"{relative} changed incompatibly: give the event type a new version in "
                "infra.schemas.envelope.SCHEMA_BUMPS, then run python -m infra.schemas"
            )

    def test_committed_schemas_are_the_generated_ones(self) -> None:
        for relative, generated in published_schemas().items():
            committed = (DOCS / "schemas" / relative).read_text(encoding="utf-8")
            assert committed == render_schema(generated), f"{relative}: run python -m infra.schemas"

    def test_asyncapi_document_is_up_to_date_and_its_references_resolve(self) -> None:
        text = (DOCS / ASYNCAPI_FILE).read_text(encoding="utf-8")
        assert text == render_asyncapi(), "docs/asyncapi.yaml is stale: run python -m infra.schemas"
        document = json.loads(text.split("\n", 1)[1])
        assert document["asyncapi"] == "3.0.0"
        for ref in references(document):
            if ref.startswith("./"):
                assert (DOCS / ref).exists(), ref
            else:
                target: Any = document
                for part in ref.removeprefix("#/").split("/"):
                    target = target[part]


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for v in node.values() for r in references(v)]
    if isinstance(node, list):
        return [r for v in node for r in references(v)]
    return []


def test_asyncapi_names_every_topic_of_the_settings() -> None:
    addresses = {c["address"] for c in asyncapi_document()["channels"].values()}
    assert addresses == set(Settings.model_construct().all_topics())
