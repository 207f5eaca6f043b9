"""`lease.dead-letter.v1`: the messages a consumer gave up on (DeadLetter v1), with why.

The runner (consumers/runner.py) sends one per record that can never be applied: not the
published schema, refused by the contract's rules, or failing on every one of its tries.

A dead letter always fits in one Kafka message (`MAX_MESSAGE_BYTES`): a copied value that
would not fit (a 900 KB value of quote characters is 1.8 MB once escaped in JSON) is cut,
and `value_sha256` and `value_bytes` then identify the original. An over-long key and
reason are cut too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from domain.contract.command import MAX_TEXT
from infra.kafka import MAX_MESSAGE_BYTES, message_bytes
from infra.schemas.envelope import encode, json_safe

if TYPE_CHECKING:
    from consumers.base import KafkaRecord

MAX_KEY = 1024
"""Characters of the source key a dead letter keeps (keys are contract ids or numbers)."""


@dataclass(frozen=True)
class DeadLetter:
    """A message a consumer could not handle, with why (it is not retried automatically)."""

    schema_version: int
    consumer: str
    """The consumer group that gave up on the message."""
    source_topic: str
    source_partition: int
    source_offset: int
    key: str | None
    value: str
    """The original value, decoded as UTF-8 (invalid bytes replaced); cut when the dead
    letter would not fit in a Kafka message (then `value_sha256` is set)."""
    error: str
    failed_at: datetime
    value_bytes: int | None = None
    """The original value's size in bytes."""
    value_sha256: str | None = None
    """SHA-256 (hex) of the original value's bytes when `value` holds only its beginning."""


def dead_letter(record: KafkaRecord, consumer: str, reason: str) -> DeadLetter:
    """The DeadLetter v1 message of a record this consumer gave up on, cut to fit."""
    raw = record.value or b""
    key = record.key.decode(errors="replace")[:MAX_KEY] if record.key is not None else None
    letter = DeadLetter(
        schema_version=1,
        consumer=consumer,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        key=key,
        value=raw.decode(errors="replace"),
        error=reason[:MAX_TEXT],
        failed_at=datetime.now(UTC),
        value_bytes=len(raw),
    )
    if letter_bytes(letter) <= MAX_MESSAGE_BYTES:
        return letter
    cut = replace(letter, value="", value_sha256=hashlib.sha256(raw).hexdigest())
    room = MAX_MESSAGE_BYTES - letter_bytes(cut)
    return replace(cut, value=_prefix_within(letter.value, room))


def _prefix_within(text: str, room: int) -> str:
    """The longest-found beginning of `text` whose JSON string form takes at most `room`
    bytes beyond its quotes (escapes make a character take up to 12 bytes)."""
    cut = min(len(text), room)
    while cut > 0 and (size := len(json.dumps(text[:cut])) - 2) > room:
        cut = cut * room // size
    return text[:cut]


def letter_value(letter: DeadLetter) -> bytes:
    """The dead letter's JSON value (docs/schemas/dead-letter/DeadLetter.v1.json)."""
    return encode({f.name: _wire(getattr(letter, f.name)) for f in fields(letter)})


def letter_key(letter: DeadLetter) -> bytes | None:
    """The dead letter's key: the source message's key."""
    return letter.key.encode() if letter.key is not None else None


def letter_bytes(letter: DeadLetter) -> int:
    """The dead letter's size as a Kafka message."""
    return message_bytes(letter_key(letter), letter_value(letter))


def _wire(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int)) else json_safe(value)
