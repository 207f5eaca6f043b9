"""What a consumer does when a record fails: retry it, or give up and dead-letter it.

Poison never stalls a partition (issue 9):

- **Infrastructure** (the database or the broker unavailable, a version conflict with
  another writer): the record is not at fault; it is read again, with a growing wait,
  for as long as it takes.
- **Never applicable** (not the published schema, refused by the contract's rules, a
  command field out of bounds, an event too large to publish): dead-lettered at once, as
  trying again gives the same answer.
- **Anything else** (e.g. `decimal.InvalidOperation`, a bug): tried `max_tries` times with
  a growing wait, then dead-lettered with the error and the number of tries; the
  partition moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from eventsourcing import persistence
from kafka.errors import KafkaError

from consumers.base import InvalidMessageError
from domain.contract.command import CommandInputError
from domain.errors import ConcurrencyConflictError, ContractError
from infra.recorder import EventTooLargeError

INFRASTRUCTURE: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    persistence.OperationalError,
    persistence.InterfaceError,
    ConnectionError,
    TimeoutError,
    ConcurrencyConflictError,
)
"""Failures of the infrastructure (or of a race), not of the record: retried indefinitely."""
NEVER_APPLICABLE: tuple[type[BaseException], ...] = (
    InvalidMessageError,
    ContractError,
    CommandInputError,
    EventTooLargeError,
)
"""Failures the record will meet on every try: dead-lettered at once."""


def is_infrastructure(error: BaseException) -> bool:
    """Whether the failure is the infrastructure's (retried until it is back)."""
    if isinstance(error, KafkaError):  # connection errors and timeouts are retriable ones
        return bool(error.retriable)
    return isinstance(error, INFRASTRUCTURE)


def never_applicable(error: BaseException) -> bool:
    """Whether every try of the record fails the same way (dead-lettered at once)."""
    return isinstance(error, NEVER_APPLICABLE) and not is_infrastructure(error)


@dataclass
class Retries:
    """How often and how patiently a failing record is tried again."""

    max_tries: int = 5
    """Tries of a record failing for a reason that is neither infrastructure nor final."""
    first_wait: float = 0.5
    """Seconds before the second try; each further wait doubles, up to `max_wait`."""
    max_wait: float = 10.0
    _tries: dict[tuple[str, int, int], int] = field(default_factory=dict)

    def failed(self, where: tuple[str, int, int], error: BaseException) -> int | None:
        """Count a failed try of the record at (topic, partition, offset); the number of
        tries when it is time to give up on it, None when it is tried again."""
        tries = self._tries.get(where, 0) + 1
        self._tries[where] = tries
        if is_infrastructure(error):
            return None
        if never_applicable(error) or tries >= self.max_tries:
            self._tries.pop(where, None)
            return tries
        return None

    def done(self, where: tuple[str, int, int]) -> None:
        """The record was handled: forget its tries."""
        self._tries.pop(where, None)

    def wait(self) -> float:
        """Seconds to wait before the next poll after a failure (the longest record's)."""
        tries = max(self._tries.values(), default=1)
        return float(min(self.max_wait, self.first_wait * 2 ** (tries - 1)))
