"""The published JSON Schemas (draft 2020-12) of the service's messages, generated from the code.

- One per contract event type and schema version: the envelope of infra/schemas/envelope.py
  with that event's payload, from the event dataclass's fields and type hints. Committed as
  docs/schemas/contract-events/<EventType>.v<N>.json.
- One per message of the other topics (the `message` of infra/topics.py's entries, each
  beside the consumer that reads it), as docs/schemas/<topic>/... A message read by a
  consumer is a pydantic model, and its schema is the model's own (`model_json_schema`):
  what the schema accepts is what the consumer accepts (tests/unit/test_inbound_schemas.py).

`python -m infra.schemas` writes them with docs/asyncapi.yaml (infra/schemas/asyncapi.py);
tests check the committed files are what the code generates and that no published schema
broke its readers within a version (infra/schemas/compat.py).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import MISSING, fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints
from uuid import UUID

from pydantic import BaseModel

from domain.money import Money
from domain.terms import ContractTerms
from infra.schemas.envelope import AGGREGATE_TYPE, EVENT_TYPES, NOT_PAYLOAD, SCHEMA_VERSIONS
from infra.topics import TOPICS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
EVENTS_DIR = "contract-events"
MESSAGE_DIRS = {t.message: t.slug for t in TOPICS if t.message is not None}
"""Each topic's message dataclass and the schema folder of its topic."""
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


TERMS_ADDED = frozenset(
    {
        "instalment_components",
        "registration_costs_included_in_instalments",
        "special_conditions_id",
        "quote_id",
        "signed_at",
        "supplier_id",
        "sepa_mandate_id",
        "fuel_management",
        "fuel_avg_monthly_km",
        "fuel_din_consumption_per_100km",
        "fuel_price_per_unit",
        "fuel_card_cost",
        "fuel_management_fee",
        "agreed_km_cap",
    }
)
"""Terms fields added after v1 of the events that carry terms: optional for readers (older
stored events do not have them)."""


def type_schema(hint: Any, money: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of a field's published form (see infra/schemas/envelope.py's `json_safe`)."""
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
    if origin is tuple and args[-1] is Ellipsis:  # a tuple of values: stored as a list
        return {"type": "array", "items": type_schema(args[0], money)}
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


def doc(cls: type[Any]) -> str:
    return inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0].replace("\n", " ")


def event_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of the message a contract event of type `name` is published as."""
    cls, version = EVENT_TYPES[name], SCHEMA_VERSIONS[name]
    properties = _envelope_properties(name, version)
    properties["payload"] = object_schema(cls, skip=NOT_PAYLOAD)
    head = _head(f"{EVENTS_DIR}:{name}:v{version}", name, doc(cls))
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
    """The JSON Schema of a topic's message (version 1): a pydantic model's own schema, or
    the fields of a dataclass the service sends."""
    head = _head(f"{MESSAGE_DIRS[cls]}:{cls.__name__}:v1", cls.__name__, doc(cls))
    if issubclass(cls, BaseModel):
        schema = cls.model_json_schema()
        schema.pop("title", None)
        schema.pop("description", None)
        return {**head, **schema}
    schema = object_schema(cls)
    schema["properties"]["schema_version"] = {"const": 1}
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


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
