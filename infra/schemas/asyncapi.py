"""The AsyncAPI 3.0 document of the service's topics (docs/asyncapi.yaml), from the registry.

Every topic of infra/topics.py, its messages (payloads refer to the committed schema files
of infra/schemas/json_schemas.py) and the service's send/receive operations. It is written
as JSON, which is YAML 1.2, under a comment line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from domain.contract.command import FIRST_DAY, LAST_DAY
from infra.schemas.envelope import EVENT_TYPES, SCHEMA_VERSIONS
from infra.schemas.json_schemas import EVENTS_DIR, MESSAGE_DIRS, doc
from infra.settings import Settings
from infra.topics import TOPICS

if TYPE_CHECKING:
    from infra.topics import TopicSpec

ASYNCAPI_FILE = "asyncapi.yaml"

KAFKA_BINDING = "0.5.0"


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


def _messages_of(topic: TopicSpec) -> dict[str, dict[str, Any]]:
    key = topic.message_key.schema()
    if topic.message is None:
        return {
            name: _message(name, f"{EVENTS_DIR}/{name}.v{v}.json", doc(EVENT_TYPES[name]), key)
            for name, v in SCHEMA_VERSIONS.items()
        }
    cls = topic.message
    path = f"{MESSAGE_DIRS[cls]}/{cls.__name__}.v1.json"
    return {cls.__name__: _message(cls.__name__, path, doc(cls), key)}


def asyncapi_document(settings: Settings | None = None) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic (default topic names unless `settings`)."""
    conf = settings if settings is not None else Settings.model_construct()
    channels, operations, components = {}, {}, {}
    for topic in TOPICS:
        channel = topic.channel
        found = _messages_of(topic)
        components.update(found)
        address = conf.topic(topic.key)
        channels[channel] = _channel(address, topic.description, found, conf.topic_partitions)
        refs = [{"$ref": f"#/channels/{channel}/messages/{n}"} for n in found]
        for verb in ("send", "receive") if topic.action == "both" else (topic.action,):
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
    "that breaks readers gets a new schema_version. Every message the service produces is "
    "at most 1,000,000 bytes (key, value and headers): an event that would be larger is "
    "refused before it is stored.\n\n"
    "The messages the service reads (payments, odometer readings, deadlines) are validated "
    "against exactly the schemas published here, which are generated from the consumers' "
    "own models: unknown fields are refused; identifiers are 1 to 64 printable ASCII "
    "characters without outer spaces; amounts are decimal strings of at most 1,000,000,000.00 "
    f"with at most two decimals; dates lie between {FIRST_DAY} and {LAST_DAY}; odometer "
    "readings are whole km up to 9,999,999. A message off its schema, or one the contract's "
    "rules refuse (e.g. an odometer reading below the contract's last one, rule M-11, which "
    "no schema can know), goes to lease.dead-letter.v1 with the reason and the rule ID; one "
    "that fails for another reason goes there after a few tries. A dead letter's copied "
    "value is cut to fit a message, with value_sha256 and value_bytes of the original.\n\n"
    "Changes (issue 9): the v1 inbound schemas were tightened in place to the limits the "
    "consumers enforce (they accepted empty ids, negative or sub-cent amounts, any length); "
    "messages the consumers accepted before and refuse now (identifiers over 64 characters, "
    "amounts with more than two decimals or over the maximum, unknown fields) are "
    "dead-lettered; DeadLetter v1 gained the optional value_sha256 and value_bytes; "
    "lease.deadlines.v1 is keyed by the contract id as text (it was the id's 16 raw "
    "bytes; no consumer reads the key)."
)


def render_asyncapi(settings: Settings | None = None) -> str:
    """docs/asyncapi.yaml: the document as JSON (valid YAML 1.2) under a comment line."""
    body = json.dumps(asyncapi_document(settings), indent=2, ensure_ascii=False)
    return f"# Generated by `python -m infra.schemas` from the code; do not edit.\n{body}\n"
