"""`lease.dead-letter.v1`: the messages a consumer gave up on (DeadLetter v1), with why.

The runner (consumers/runner.py) sends one per record that can never be applied: not the
published schema, or refused by the contract's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from consumers.base import KafkaRecord


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
    """The original value, decoded as UTF-8 (invalid bytes replaced)."""
    error: str
    failed_at: datetime


def dead_letter(record: KafkaRecord, consumer: str, reason: str) -> DeadLetter:
    """The DeadLetter v1 message of a record this consumer gave up on."""
    return DeadLetter(
        schema_version=1,
        consumer=consumer,
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        key=record.key.decode(errors="replace") if record.key is not None else None,
        value=(record.value or b"").decode(errors="replace"),
        error=reason,
        failed_at=datetime.now(UTC),
    )
