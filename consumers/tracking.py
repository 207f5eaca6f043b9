"""Exactly-once effects of Kafka messages: events and tracking in one transaction (DESIGN 6).

`TrackedContracts` is the contracts application over the library's process recorder
(eventsourcing 9.5.6 `PostgresProcessRecorder`): the same events table
(`contracts_events`), plus a tracking table of its own (`contracts_tracking`). Saving
through a `ProcessingEvent` built with the record's `Tracking` makes the recorder insert
the tracking row in the transaction that inserts the events (`_insert_events`), so:

- the events of a message and its position commit together or not at all;
- a message whose command yields no events still records its position;
- the same position twice raises `IntegrityError` and writes nothing (the tracking table
  keeps one row per topic partition and only moves it forward), which `execute_tracked`
  reports as `AlreadyProcessedError`;
- after a restart, `max_tracking_id(name) + 1` is the next offset to read.

POSTGRES_ENABLE_DB_FUNCTIONS must stay off (the settings' default): its insert path skips
`_insert_events`, where the tracking row is written.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, ProcessRecorder

from domain.application import LOCK_STRIPES, CommandResult, ContractsApplication
from domain.contract import Contract
from domain.errors import ConcurrencyConflictError

if TYPE_CHECKING:
    from collections.abc import Callable

    from eventsourcing.persistence import Tracking

    from consumers.base import KafkaRecord

logger = logging.getLogger(__name__)


class AlreadyProcessedError(IntegrityError):
    """The message's tracking is already recorded: its effects are stored (a redelivery)."""


class TrackedContracts(ContractsApplication):
    """ContractsApplication whose commands can carry the Kafka record's tracking."""

    name = "contracts"
    """Restated: the library names a subclass after itself, which would mean other tables."""

    def construct_recorder(self) -> ProcessRecorder:
        # Not the one-trip application recorder: its insert skips `_insert_events`.
        return self.factory.process_recorder()

    @property
    def process_recorder(self) -> ProcessRecorder:
        return cast("ProcessRecorder", self.recorder)

    def max_tracking_id(self, name: str) -> int | None:
        """The last offset whose effects are stored for this `kafka:<topic>:<partition>`."""
        return self.process_recorder.max_tracking_id(name)

    def already_processed(self, tracking: Tracking) -> bool:
        last = self.max_tracking_id(tracking.application_name)
        return last is not None and last >= tracking.notification_id

    def record_tracking(self, tracking: Tracking) -> None:
        """Record a position with no events (a message ignored or dead-lettered)."""
        try:
            self._record(ProcessingEvent[UUID](tracking))
        except IntegrityError:
            raise AlreadyProcessedError(tracking.application_name) from None

    def execute_tracked(
        self, number: str, command: Callable[[Contract], None], tracking: Tracking
    ) -> CommandResult:
        """`execute`, with the tracking saved in the same transaction as the events.

        Raises AlreadyProcessedError (nothing written) when the tracking is recorded already.
        A version conflict with another writer is decided once more on the stored state.
        """
        contract_id = Contract.create_id(number)
        with self._locks[contract_id.int % LOCK_STRIPES]:
            try:
                return self._execute_tracked_once(number, contract_id, command, tracking)
            except ConcurrencyConflictError:
                return self._execute_tracked_once(number, contract_id, command, tracking)

    def _execute_tracked_once(
        self,
        number: str,
        contract_id: UUID,
        command: Callable[[Contract], None],
        tracking: Tracking,
    ) -> CommandResult:
        contract = self._load_for_command(number, contract_id)
        try:
            command(contract)
            return self._save_tracked(contract, tracking)
        except BaseException:
            self._evict(contract_id)
            raise

    def _save_tracked(self, contract: Contract, tracking: Tracking) -> CommandResult:
        """`_save` with `ProcessingEvent(tracking)`: events and tracking in one transaction."""
        processing = ProcessingEvent[UUID](tracking)
        processing.events.extend(contract.collect_events())
        processing.aggregates[contract.id] = contract
        try:
            recordings = self._record(processing)
        except IntegrityError:
            if self.already_processed(tracking):
                raise AlreadyProcessedError(tracking.application_name) from None
            raise ConcurrencyConflictError(contract.number) from None
        self._take_snapshots(processing)
        self._notify(recordings)
        position = recordings[-1].notification.id if recordings else None
        return CommandResult(contract.id, contract.version, position)


def apply_tracked(
    app: TrackedContracts,
    record: KafkaRecord,
    number: str | None,
    command: Callable[[Contract], None],
) -> int | None:
    """Apply one message's command with its Kafka tracking, exactly once.

    `number` None means the message is deliberately ignored: only its position is recorded.
    Returns the contract's new version (None when ignored).
    """
    if number is None:
        app.record_tracking(record.tracking)
        return None
    return app.execute_tracked(number, command, record.tracking).version
