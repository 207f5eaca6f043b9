"""The published contract of `lease.contract-events.v1`: one JSON envelope per stored event.

DESIGN 6 and RULES 9.0: every contract event goes out as

    {"event_id", "event_type", "schema_version", "aggregate_type": "Contract", "contract_id",
     "sequence", "occurred_on", "recorded_at", "actor", "causation_id", "correlation_id",
     "rule_ids", "position", "payload"}

keyed by the contract id, so one contract's events stay in order within a partition
(`message()`: key = contract id, value = `encode(envelope)`, headers `event_id`,
`originator_version` and `topic` (the stored event's class topic) as STYLE 5 lists). Field
names are RULES 9.0's in snake_case; the general terms version travels in the terms of
`ContractConcluded` (and adjustments), not in every envelope.

- `event_id` is uuid5 of the contract id and the sequence: the same stored event always gets
  the same id, also when the relay publishes it again (delivery is at least once).
- `sequence` is the event's version in its contract (1, 2, ...). Consumers deduplicate on
  (`contract_id`, `sequence`).
- `position` is the event's notification id in the event store (the relay's outbox order).
- `correlation_id` is the contract id. A contract's life is one conversation: every event a
  consumer sees for a contract correlates to it, deterministically and stable under replay.
  The finer grouping is `causation_id`, the command that produced the event (every event one
  command stored shares it).
- `payload` holds the event's own fields (the envelope fields and the library's
  `originator_*`/`timestamp` left out), JSON-safe: Money as {"amount": "650.00",
  "currency": "EUR"}, dates ISO, Decimal as an exact decimal string, ContractTerms as its
  flat `to_dict()`.
- `schema_version` comes from `SCHEMA_VERSIONS`, per event type, starting at 1. A change to
  an event's fields that breaks consumers needs a new version there (infra/schemas/json_schemas.py
  and its test compare the generated schema with the committed one).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from hashlib import sha1
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.utils import get_topic

from domain.contract.base_events import ContractEvent
from domain.contract.registry import event_types
from domain.money import Money
from domain.terms import ContractTerms

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from eventsourcing.persistence import Mapper, Notification, StoredEvent

Message = tuple[bytes, bytes, list[tuple[str, bytes]]]
"""A Kafka message: key, value and headers."""

AGGREGATE_TYPE = "Contract"
EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:contract-event")
"""Namespace of the deterministic event ids."""
LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})
ENVELOPE_FIELDS = frozenset({"occurred_on", "actor", "rule_ids", "causation_id"})
NOT_PAYLOAD = LIBRARY_FIELDS | ENVELOPE_FIELDS


EVENT_TYPES: Mapping[str, type[ContractEvent]] = event_types()
"""Published event types by name (bases such as ReceivableIssued are never emitted)."""
SCHEMA_BUMPS: Mapping[str, int] = {}
"""Event types whose schema changed incompatibly: name -> current version (> 1)."""
SCHEMA_VERSIONS: Mapping[str, int] = {name: SCHEMA_BUMPS.get(name, 1) for name in EVENT_TYPES}
"""The schema version each event type is published with."""
_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes
_ENCODER = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
_FAST_TOPICS = {
    get_topic(cls): name
    for name, cls in EVENT_TYPES.items()
    if getattr(cls, "class_version", 1) == 1  # upcast events go through the mapper
}
"""Stored topics `stored_envelope` reads directly, to the event type's name."""


def event_id(contract_id: UUID, sequence: int) -> UUID:
    """The deterministic id of a contract's event number `sequence`."""
    return uuid5(EVENT_NAMESPACE, f"{contract_id}:{sequence}")


def _event_id_text(contract_id: str, sequence: int) -> str:
    """`str(event_id(...))` without building UUID objects (the relay's hot path)."""
    name = _NAMESPACE_BYTES + f"{contract_id}:{sequence}".encode()
    digest = bytearray(sha1(name, usedforsecurity=False).digest())  # uuid5 is SHA-1
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest[:16].hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def envelope(event: ContractEvent, *, position: int) -> dict[str, Any]:
    """The JSON-safe envelope of a stored event at notification id `position`."""
    fields = vars(event)
    rest = {
        "occurred_on": event.occurred_on.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "actor": event.actor,
        "causation_id": event.causation_id,
        "rule_ids": list(event.rule_ids),
        "position": position,
        "payload": {k: json_safe(v) for k, v in fields.items() if k not in NOT_PAYLOAD},
    }
    name, contract_id = type(event).__name__, str(event.originator_id)
    return _envelope(name, contract_id, event.originator_version, rest)


def stored_envelope(stored: StoredEvent, *, position: int) -> dict[str, Any] | None:
    """`envelope(mapper.to_domain_event(stored))`, read straight from the stored JSON.

    For a mapper without cipher or compressor. None when the event's topic or one of its
    values is not one this path knows (the caller then decodes the event).
    """
    name = _FAST_TOPICS.get(stored.topic)
    if name is None:
        return None
    state = json.loads(stored.state)
    try:
        rest = {
            "occurred_on": state["occurred_on"]["_data_"],
            "recorded_at": state["timestamp"]["_data_"],
            **{k: state[k] for k in ("actor", "causation_id", "rule_ids")},
            "position": position,
            "payload": {k: _plain(v) for k, v in state.items() if k not in NOT_PAYLOAD},
        }
    except (_UnknownValueError, KeyError, TypeError):
        return None
    return _envelope(name, str(stored.originator_id), stored.originator_version, rest)


def _envelope(name: str, contract_id: str, sequence: int, rest: dict[str, Any]) -> dict[str, Any]:
    """The envelope: ids and type from the arguments, then `rest` (occurred_on ... payload)."""
    return {
        "event_id": _event_id_text(contract_id, sequence),
        "event_type": name,
        "schema_version": SCHEMA_VERSIONS[name],
        "aggregate_type": AGGREGATE_TYPE,
        "contract_id": contract_id,
        "sequence": sequence,
        "correlation_id": contract_id,
        **rest,
    }


def message(notification: Notification, mapper: Mapper[Any]) -> Message:
    """The Kafka message of a stored event: contract id key, envelope value, id headers."""
    found = stored_message(notification, notification.id, mapper)
    if found is None:
        raise TypeError(f"not a contract event: {notification.topic}")
    return found


def stored_message(
    stored: StoredEvent, position: int, mapper: Mapper[Any] | None = None
) -> Message | None:
    """The Kafka message `stored` is published as at notification id `position`.

    Without a `mapper`, only what the stored JSON path reads (None otherwise); with one,
    None for a stored event that is not a contract event.
    """
    value = None
    if mapper is None or (mapper.cipher is None and mapper.compressor is None):
        value = stored_envelope(stored, position=position)
    if value is None and mapper is not None:
        event = mapper.to_domain_event(stored)
        if isinstance(event, ContractEvent):
            value = envelope(event, position=position)
    if value is None:
        return None
    headers = [
        ("event_id", value["event_id"].encode()),
        ("originator_version", str(value["sequence"]).encode()),
        ("topic", stored.topic.encode()),
    ]
    return value["contract_id"].encode(), encode(value), headers


def encode(value: Mapping[str, Any]) -> bytes:
    """The message value: compact JSON with sorted keys (the same envelope, the same bytes)."""
    return _ENCODER.encode(value).encode()


def decode(value: bytes) -> dict[str, Any]:
    """A message value back to its envelope (for consumers and tests)."""
    message: dict[str, Any] = json.loads(value)
    return message


def _money(value: Money) -> dict[str, str]:
    return {"amount": format(value.amount, "f"), "currency": value.currency}


def _decimal(value: Decimal) -> str:
    return format(value, "f")


def _iso(value: date) -> str:
    return value.isoformat()


def _terms(value: ContractTerms) -> dict[str, Any]:
    return value.to_dict()


def _same(value: Any) -> Any:
    return value


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [json_safe(v) for v in value]


def _mapping(value: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): json_safe(v) for k, v in value.items()}


_BY_TYPE: dict[type[Any], Callable[[Any], Any]] = {
    str: _same,
    int: _same,
    bool: _same,
    type(None): _same,
    Money: _money,
    Decimal: _decimal,
    date: _iso,
    datetime: _iso,
    ContractTerms: _terms,
    UUID: str,
    list: _sequence,
    tuple: _sequence,
    dict: _mapping,
}


def json_safe(value: Any) -> Any:
    """A payload value in its published JSON form (see the module docstring)."""
    convert = _BY_TYPE.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, Enum):
        return json_safe(value.value)
    for kind, convert in _BY_TYPE.items():
        if isinstance(value, kind):
            return convert(value)
    raise TypeError(f"no JSON form for {type(value).__name__} in an event payload")


class _UnknownValueError(Exception):
    """A transcoded value `stored_envelope` has no published form for."""


_MARKERS: dict[str, Callable[[Any], Any]] = {
    "date_iso": _same,
    "datetime_iso": _same,
    "money": lambda data: {"amount": data, "currency": "EUR"},  # MoneyAsStr: always EUR
    "contract_terms": _same,  # TermsAsDict stores `to_dict()`
    "decimal_str": lambda data: format(Decimal(data), "f"),
    "uuid_hex": lambda data: str(UUID(data)),
}
"""Transcoded values (domain/codecs.py, the library's) in their published form."""


def _plain(value: Any) -> Any:
    """A stored (transcoded) JSON value in its published form."""
    if type(value) is dict:
        kind = value.get("_type_")
        if kind is None or len(value) != 2:
            return {k: _plain(v) for k, v in value.items()}
        convert = _MARKERS.get(kind)
        if convert is None:
            raise _UnknownValueError(kind)
        return convert(value["_data_"])
    if type(value) is list:
        return [_plain(v) for v in value]
    return value
