"""What every consumer shares: the record it is handed, the handler shape, the wire errors.

A `KafkaRecord` is the consumer's view of one Kafka message, free of kafka-python (only
consumers/runner.py talks to the client, STYLE 3). Its `tracking` is the position the
handler records in the same database transaction as the events it causes (DESIGN 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from eventsourcing.persistence import Tracking

if TYPE_CHECKING:
    from consumers.tracking import TrackedContracts
    from domain.contract import Ctx
    from domain.contract.command import Command


def tracking_name(topic: str, partition: int) -> str:
    """The tracking record's application name of one topic partition."""
    return f"kafka:{topic}:{partition}"


@dataclass(frozen=True)
class Addressed:
    """A registered command for one contract, in its context: what a message becomes."""

    contract_number: str
    command: Command
    ctx: Ctx


@dataclass(frozen=True)
class KafkaRecord:
    """One consumed message: where it is in the log and what it holds."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()

    @property
    def tracking(self) -> Tracking:
        """The position recorded with the message's effects (`kafka:<topic>:<partition>`)."""
        return Tracking(tracking_name(self.topic, self.partition), self.offset)

    @property
    def where(self) -> str:
        """topic/partition@offset, for log lines."""
        return f"{self.topic}/{self.partition}@{self.offset}"


class InvalidMessageError(ValueError):
    """The message does not match its published schema; it goes to the dead-letter topic."""


class Handler(Protocol):
    """Parse one record, translate it, make one tracked application call.

    It raises `InvalidMessageError` (or a domain `ContractError`) for a message that can
    never be applied, and `IntegrityError` when the record's tracking is already recorded.
    """

    def __call__(self, record: KafkaRecord, app: TrackedContracts) -> None: ...
