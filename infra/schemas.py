"""JSON Schemas and the AsyncAPI 3.0 document of the service's topics, generated from the code.

- One JSON Schema (draft 2020-12) per contract event type and schema version: the envelope of
  infra/envelope.py with that event's payload, from the event dataclass's fields and type
  hints. Committed as docs/schemas/contract-events/<EventType>.v<N>.json.
- One per message of the other topics (infra/messages.py), as docs/schemas/<topic>/...
- docs/asyncapi.yaml: every topic of the settings, its messages (payloads refer to the
  committed schema files) and the service's send/receive operations. It is written as JSON,
  which is YAML 1.2, under a comment line.

`python -m infra.schemas` writes them; tests check the committed files are what the code
generates and that no published schema broke its readers within a version (schema_compat).
"""

from __future__ import annotations

import inspect
import json
import sys
from dataclasses import MISSING, fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints
from uuid import UUID

from domain.money import Money
from domain.terms import ContractTerms
from infra import messages
from infra.envelope import AGGREGATE_TYPE, EVENT_TYPES, NOT_PAYLOAD, SCHEMA_VERSIONS
from infra.settings import Settings

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOCS = Path(__file__).resolve().parents[1] / "docs"
ASYNCAPI_FILE = "asyncapi.yaml"
EVENTS_DIR = "contract-events"
MESSAGE_DIRS = {
    messages.DeadlineReached: "deadlines",
    messages.BankPayment: "payments",
    messages.OdometerReading: "odometer-readings",
    messages.DeadLetter: "dead-letter",
}
"""Each message of infra/messages.py and the schema folder of its topic."""
HINT_NAMES = {
    **{t.__name__: t for t in (date, datetime, Decimal, UUID, Money, ContractTerms)},
    "Any": Any,
    "Literal": Literal,
}
_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    bool: {"type": "boolean"},
    date: {"type": "string", "format": "date"},
    datetime: {"type": "string", "format": "date-time"},
    UUID: {"type": "string", "format": "uuid"},
    Decimal: {"$ref": "#/$defs/Decimal"},
    Money: {"$ref": "#/$defs/Money"},
    ContractTerms: {"$ref": "#/$defs/ContractTerms"},
    Any: {},
}


TERMS_ADDED = frozenset({"instalment_components"})
"""Terms fields added after v1 of the events that carry terms: optional for readers (older
stored events do not have them)."""


def type_schema(hint: Any, money: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of a field's published form (see infra/envelope.py's `json_safe`)."""
    if hint is Money and money is not None:
        return money
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    if inspect.isclass(hint) and issubclass(hint, Enum):
        return {"type": "string", "enum": [m.value for m in hint]}
    origin, args = get_origin(hint), get_args(hint)
    if origin is Literal:
        return {"type": "string", "enum": list(args)}
    if origin is list:
        return {"type": "array", "items": type_schema(args[0], money)}
    if origin is dict:
        return {"type": "object"}
    if origin is tuple and args[-1] is Ellipsis and get_origin(args[0]) is tuple:
        return {"type": "object", "additionalProperties": type_schema(get_args(args[0])[1], money)}
    if origin in (Union, UnionType) and NoneType in args:
        [inner] = [a for a in args if a is not NoneType]
        return {"anyOf": [type_schema(inner, money), {"type": "null"}]}
    raise TypeError(f"no published schema for the type {hint!r}")


def object_schema(
    cls: type[Any], skip: frozenset[str] = frozenset(), money: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An object with a dataclass's fields; those without a default are required."""
    hints = get_type_hints(cls, localns=HINT_NAMES)  # names imported for type checking only
    properties: dict[str, Any] = {}
    required = []
    for f in fields(cls):
        if f.name in skip:
            continue
        properties[f.name] = type_schema(hints[f.name], money)
        if f.default is MISSING and f.default_factory is MISSING:
            required.append(f.name)
    return {"type": "object", "required": required, "properties": properties}


def definitions() -> dict[str, dict[str, Any]]:
    """The shared definitions: Decimal, Money and ContractTerms (flat, as `to_dict()`)."""
    decimal = {"$ref": "#/$defs/Decimal"}
    return {
        "Decimal": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"},
        "Money": {
            "type": "object",
            "required": ["amount", "currency"],
            "properties": {"amount": decimal, "currency": {"const": "EUR"}},
        },
        "ContractTerms": object_schema(ContractTerms, money=decimal)
        | {"required": [f.name for f in fields(ContractTerms) if f.name not in TERMS_ADDED]},
    }


def _with_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` plus the definitions it refers to (directly or through another one)."""
    defs, used = definitions(), {}
    text = json.dumps(schema)
    for name in ("ContractTerms", "Money", "Decimal"):  # outer first: they use the inner
        if f'"#/$defs/{name}"' in text:
            used[name] = defs[name]
            text += json.dumps(defs[name])
    return {**schema, "$defs": dict(sorted(used.items()))} if used else schema


def _doc(cls: type[Any]) -> str:
    return inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")


def event_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the message a contract event of type `name` is published as."""
    cls, version = EVENT_TYPES[name], SCHEMA_VERSIONS[name]
    properties = _envelope_properties(name, version)
    properties["payload"] = object_schema(cls, skip=NOT_PAYLOAD)
    head = _head(f"{EVENTS_DIR}:{name}:v{version}", name, _doc(cls))
    body = {"type": "object", "required": list(properties), "properties": properties}
    return _with_definitions(head | body)


def _envelope_properties(name: str, version: int) -> dict[str, Any]:
    string, uuid = {"type": "string"}, {"type": "string", "format": "uuid"}
    return {
        "event_id": uuid,
        "event_type": {"const": name},
        "schema_version": {"const": version},
        "aggregate_type": {"const": AGGREGATE_TYPE},
        "contract_id": uuid,
        "sequence": {"type": "integer", "minimum": 1},
        "occurred_on": {"type": "string", "format": "date"},
        "recorded_at": {"type": "string", "format": "date-time"},
        "actor": string,
        "causation_id": string,
        "correlation_id": string,
        "rule_ids": {"type": "array", "items": string},
        "position": {"type": "integer", "minimum": 1},
    }


def message_schema(cls: type[Any]) -> dict[str, Any]:
    """The JSON Schema of a message of infra/messages.py (version 1)."""
    schema = object_schema(cls)
    schema["properties"]["schema_version"] = {"const": 1}
    head = _head(f"{MESSAGE_DIRS[cls]}:{cls.__name__}:v1", cls.__name__, _doc(cls))
    return _with_definitions({**head, **schema})


def _head(key: str, title: str, description: str) -> dict[str, Any]:
    urn = f"urn:lease-lifecycle:schema:{key}"
    return {"$schema": DIALECT, "$id": urn, "title": title, "description": description}


def published_schemas() -> dict[str, dict[str, Any]]:
    """Every published schema by its path under docs/schemas."""
    out = {
        f"{EVENTS_DIR}/{name}.v{SCHEMA_VERSIONS[name]}.json": event_schema(name)
        for name in EVENT_TYPES
    }
    out.update(
        {f"{d}/{cls.__name__}.v1.json": message_schema(cls) for cls, d in MESSAGE_DIRS.items()}
    )
    return out


# --- AsyncAPI --------------------------------------------------------------------------------

KAFKA_BINDING = "0.5.0"
_CHANNELS = (
    # channel id, settings field, messages, the service's action, description
    ("contractEvents", "contract_events_topic", None, "send", "Every contract event, in order"),
    ("deadlines", "deadlines_topic", messages.DeadlineReached, "both", "Deadlines fallen due"),
    ("payments", "payments_topic", messages.BankPayment, "receive", "Payments from the bank"),
    ("odometerReadings", "odometer_topic", messages.OdometerReading, "receive", "Readings"),
    ("deadLetter", "dead_letter_topic", messages.DeadLetter, "send", "Messages not handled"),
)


def _message(name: str, path: str, summary: str, key: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "title": name,
        "summary": summary,
        "contentType": "application/json",
        "payload": {
            "schemaFormat": "application/schema+json;version=draft-2020-12",
            "schema": {"$ref": f"./schemas/{path}"},
        },
        "bindings": {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING}},
    }


def _messages_of(cls: type[Any] | None) -> dict[str, dict[str, Any]]:
    if cls is None:
        uuid_key = {"type": "string", "format": "uuid", "description": "The contract id"}
        return {
            name: _message(
                name, f"{EVENTS_DIR}/{name}.v{v}.json", _doc(EVENT_TYPES[name]), uuid_key
            )
            for name, v in SCHEMA_VERSIONS.items()
        }
    path = f"{MESSAGE_DIRS[cls]}/{cls.__name__}.v1.json"
    key = {"type": "string", "description": "The contract id or number"}
    return {cls.__name__: _message(cls.__name__, path, _doc(cls), key)}


def asyncapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic (default topic names unless `settings`)."""
    conf = settings if settings is not None else Settings.model_construct()
    channels, operations, components = {}, {}, {}
    for channel, field, cls, action, description in _CHANNELS:
        found = _messages_of(cls)
        components.update(found)
        address = getattr(conf, field)
        channels[channel] = _channel(address, description, found, conf.topic_partitions)
        refs = [{"$ref": f"#/channels/{channel}/messages/{n}"} for n in found]
        for verb in ("send", "receive") if action == "both" else (action,):
            operations[f"{verb}{channel[0].upper()}{channel[1:]}"] = {
                "action": verb,
                "channel": {"$ref": f"#/channels/{channel}"},
                "messages": refs,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "lease-lifecycle", "version": "1.0.0", "description": _INFO},
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": components},
    }


def _channel(address: str, text: str, found: dict[str, Any], partitions: int) -> Any:
    return {
        "address": address,
        "description": text,
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in found},
        "bindings": {"kafka": {"partitions": partitions, "bindingVersion": KAFKA_BINDING}},
    }


_INFO = (
    "The topics of the private-lease contract service. Contract events are published at "
    "least once, keyed by contract id (one contract's events stay in order); consumers "
    "deduplicate on (contract_id, sequence) and ignore fields they do not know. A change "
    "that breaks readers gets a new schema_version."
)


def render_asyncapi(settings: Settings | None = None) -> str:
    """docs/asyncapi.yaml: the document as JSON (valid YAML 1.2) under a comment line."""
    body = json.dumps(asyncapi_document(settings), indent=2, ensure_ascii=False)
    return f"# Generated by `python -m infra.schemas` from the code; do not edit.\n{body}\n"


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_docs(docs: Path = DOCS) -> list[Path]:
    """Write docs/asyncapi.yaml and every published schema; returns the files written."""
    written = [docs / ASYNCAPI_FILE]
    docs.mkdir(parents=True, exist_ok=True)
    written[0].write_text(render_asyncapi(), encoding="utf-8")
    for relative, schema in published_schemas().items():
        path = docs / "schemas" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_schema(schema), encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    for path in write_docs():
        sys.stdout.write(f"{path.relative_to(DOCS.parent)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
