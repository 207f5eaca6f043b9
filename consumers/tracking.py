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

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, ProcessRecorder
from psycopg import sql

from consumers.base import tracking_name
from domain.application import LOCK_STRIPES, ContractsApplication
from domain.contract import Contract
from domain.decisions import CommandResult, decision
from domain.errors import ConcurrencyConflictError

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresProcessRecorder

    from consumers.base import Addressed, KafkaRecord
    from domain.contract import Ctx
    from domain.contract.command import Command
    from domain.decisions import Decision
    from domain.errors import RecordedRefusalError

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

    def broker_changed(self, topic: str, cluster_id: str) -> bool:
        """DESIGN 6, a broker that forgets: whether `topic` was last read on another cluster.

        If so, the topic's tracked positions are dropped (its partitions are read again from
        the beginning; effects are deduplicated by the handlers) and the new cluster id is
        stored, in one transaction. The first call for a topic only stores the id.
        """
        recorder = cast("PostgresProcessRecorder", self.recorder)
        schema = sql.Identifier(recorder.datastore.schema or "public")
        brokers = sql.Identifier(f"{self.name}_consumer_brokers")
        tracking = sql.Identifier(recorder.tracking_table_name)
        with recorder.datastore.transaction(commit=True) as curs:
            # Consumers start together: serialise the creation (IF NOT EXISTS races).
            curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{self.name}-brokers",))
            curs.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {}.{} (topic text PRIMARY KEY, cluster_id text)"
                ).format(schema, brokers)
            )
            curs.execute(
                sql.SQL("SELECT cluster_id FROM {}.{} WHERE topic = %s FOR UPDATE").format(
                    schema, brokers
                ),
                (topic,),
            )
            row = curs.fetchone()
            changed = row is not None and row["cluster_id"] != cluster_id
            if changed:
                curs.execute(
                    sql.SQL("DELETE FROM {}.{} WHERE application_name LIKE %s").format(
                        schema, tracking
                    ),
                    (f"{tracking_name(topic, 0)[:-1]}%",),
                )
            curs.execute(
                sql.SQL(
                    "INSERT INTO {}.{} VALUES (%s, %s) ON CONFLICT (topic) "
                    "DO UPDATE SET cluster_id = EXCLUDED.cluster_id"
                ).format(schema, brokers),
                (topic, cluster_id),
            )
        return changed

    def already_processed(self, tracking: Tracking) -> bool:
        last = self.max_tracking_id(tracking.application_name)
        return last is not None and last >= tracking.notification_id

    def record_tracking(self, tracking: Tracking) -> None:
        """Record a position with no events (a message ignored or dead-lettered)."""
        try:
            self._record(ProcessingEvent(tracking))
        except IntegrityError:
            raise AlreadyProcessedError(tracking.application_name) from None

    def execute_tracked(
        self,
        number: str,
        command: Command,
        ctx: Ctx,
        tracking: Tracking,
        skip: Callable[[Contract], bool] | None = None,
    ) -> CommandResult:
        """`execute`, with the tracking saved in the same transaction as the events.

        `skip` says, on the loaded contract, that the message repeats one already applied
        (then only the tracking is saved). Raises AlreadyProcessedError (nothing written)
        when the tracking is recorded already. A version conflict with another writer is
        decided once more on the stored state.
        """
        decide = decision(ctx, command)

        def unless_repeated(contract: Contract) -> RecordedRefusalError | None:
            if skip is None or not skip(contract):
                return decide(contract)
            return None

        return self._execute_tracked(Contract.create_id(number), unless_repeated, tracking, number)

    def execute_tracked_id(
        self, contract_id: UUID, command: Command, ctx: Ctx, tracking: Tracking
    ) -> CommandResult:
        """`execute_tracked` for a contract known by its id (as contract events carry it)."""
        return self._execute_tracked(contract_id, decision(ctx, command), tracking, None)

    def _execute_tracked(
        self,
        contract_id: UUID,
        command: Decision,
        tracking: Tracking,
        number: str | None,
    ) -> CommandResult:
        name = number or str(contract_id)
        with self._locks[contract_id.int % LOCK_STRIPES]:
            try:
                return self._execute_tracked_once(name, contract_id, command, tracking)
            except ConcurrencyConflictError:
                return self._execute_tracked_once(name, contract_id, command, tracking)

    def _execute_tracked_once(
        self,
        number: str,
        contract_id: UUID,
        command: Decision,
        tracking: Tracking,
    ) -> CommandResult:
        try:
            contract, refusal = self._decide(number, contract_id, command)
            result = self._save_tracked(contract, tracking)
        except BaseException:
            self._evict(contract_id)
            raise
        if refusal is not None:
            # The message's effect is the rejection it recorded (L-22), stored with its
            # tracking: the message is handled, not failed (no retry, no dead letter).
            logger.info("%s: %s recorded as refused", number, refusal)
        return result

    def _save_tracked(self, contract: Contract, tracking: Tracking) -> CommandResult:
        """`_save` with `ProcessingEvent(tracking)`: events and tracking in one transaction."""
        processing: ProcessingEvent[UUID] = ProcessingEvent(tracking)
        recorded = contract.collect_events()
        processing.events.extend(recorded)
        processing.aggregates[contract.id] = contract
        self._snapshot_with_events(processing, contract, recorded)
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
    addressed: Addressed | None,
    skip: Callable[[Contract], bool] | None = None,
) -> int | None:
    """Apply one message's command with its Kafka tracking, exactly once.

    None means the message is deliberately ignored: only its position is recorded.
    Returns the contract's new version (None when ignored).
    """
    if addressed is None:
        app.record_tracking(record.tracking)
        return None
    return app.execute_tracked(
        addressed.contract_number, addressed.command, addressed.ctx, record.tracking, skip
    ).version
