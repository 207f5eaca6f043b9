"""The consumers' recorder: events and the Kafka position they answer, in one round trip.

A consumer's save (consumers/tracking.py) stores the events a message caused with the
message's position in the tracking table, in one transaction, so a message's effects are
stored exactly once. The library's process recorder does that through nested psycopg
pipelines (BEGIN; the tracking upsert; LOCK, NOTIFY, INSERT; a sync; COMMIT), most of a
save's client CPU and five waits on the server, and the termination consumer saves once
for every evaluation, most of them recording nothing but the position (bench/pipeline.py).
Here one stored function does the same work in one prepared call, in its own implicit
transaction: the position moved on (the library's single-row rule: only forwards), and, when
there are events, the EXCLUSIVE table lock, the NOTIFY and the INSERT ... RETURNING of the
application recorder (infra.recorder). A position not ahead of the stored one is the
library's IntegrityError (a unique violation, as the library's own "Failed to record
tracking" is), and nothing is written; so is a version stored already. A save's snapshot
goes in the same statement (`store_snapshots_in`, infra.save_snapshot).

Legacy multi-row tracking tables, the library's database functions and saves with options
other than the tracking take the library's path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL, Composed, Identifier

from domain.recording import SNAPSHOT
from infra.recorder import (
    TEXT,
    OneAtATime,
    PreparedCall,
    creation_lock,
    ensure_publishable,
    events,
    one_event,
)
from infra.save_snapshot import snapshot_first

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import StoredEvent, Tracking
    from eventsourcing.postgres import PostgresDatastore


class PublishableProcessRecorder(OneAtATime, PostgresProcessRecorder):
    """The library's process recorder (events with Kafka tracking) saving in one round trip,
    refusing what the relay could not publish, its tables and functions created under
    CREATE_LOCK, one process at a time. Selected with `PROCESS_RECORDER_TOPIC`
    (infra.settings)."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name
        )
        self.sql_create_statements.insert(0, creation_lock())
        self.chain_events_table()
        self._tracked: PreparedCall | None = None
        if datastore.single_row_tracking:
            function = Identifier(f"lease_tracked_{events_table_name}"[:63])
            self.sql_create_statements.append(self._function(function))
            call = SQL(
                "SELECT * FROM {schema}.{function}($1::text, $2::bigint, "
                "$3::{id_type}[], $4::bigint[], $5::text[], $6::bytea[])"
            ).format(
                schema=Identifier(datastore.schema),
                function=function,
                id_type=Identifier(datastore.originator_id_type),
            )
            name = function.as_string().strip('"')[:58]
            self._tracked = PreparedCall(name, call, events)
        self._tracked_with_snapshot: PreparedCall | None = None

    def store_snapshots_in(self, table: str) -> bool:
        """A save's snapshot (save option `SNAPSHOT`) into `table` in the same statement
        as its events and tracking, as the commands' recorder does (infra.recorder); not
        on the library's path (legacy tracking tables, its database functions)."""
        if self._tracked is None or self.datastore.enable_db_functions:
            return False
        self._tracked_with_snapshot = PreparedCall(
            self._tracked.name.decode()[:52] + "_snap",
            snapshot_first(self.datastore.schema, table, first=7) + self._tracked.statement,
            events,
        )
        return True

    def _function(self, function: Identifier) -> Composed:
        """The stored function: the tracking upsert, then (if any) the events' insert."""
        return SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}(app_name text, tracked_id bigint, "
            "ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
            "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ BEGIN "
            "INSERT INTO {schema}.{tracking} AS t VALUES (app_name, tracked_id) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = tracked_id "
            "WHERE t.notification_id < tracked_id; "
            "IF NOT FOUND THEN RAISE unique_violation USING MESSAGE = "
            "'Failed to record tracking for ' || app_name || ' ' || tracked_id; END IF; "
            "IF cardinality(ids) > 0 THEN "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
            "RETURN QUERY INSERT INTO {schema}.{table} "
            "(originator_id, originator_version, topic, state) "
            "SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id; "
            "END IF; END; $BODY$"
        ).format(
            schema=Identifier(self.datastore.schema),
            function=function,
            id_type=Identifier(self.datastore.originator_id_type),
            tracking=Identifier(self.tracking_table_name),
            table=Identifier(self.events_table_name),
            channel=Identifier(self.channel_name),
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ensure_publishable(stored_events)
        tracking: Tracking | None = kwargs.get("tracking")
        snapshot: StoredEvent | None = kwargs.get(SNAPSHOT)
        if (
            self._tracked is None
            or tracking is None
            or set(kwargs) - {SNAPSHOT} != {"tracking"}
            or self.datastore.enable_db_functions
        ):
            if snapshot is not None:
                raise ValueError("a snapshot with the events needs the one-call save")
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        return self._save(stored_events, tracking, snapshot) or None

    def insert_tracking(self, tracking: Tracking) -> None:
        """The position of a message that caused nothing: the same one round trip."""
        if self._tracked is None:
            super().insert_tracking(tracking)
        else:
            self._save((), tracking)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _save(
        self,
        stored_events: Sequence[StoredEvent],
        tracking: Tracking,
        snapshot: StoredEvent | None = None,
    ) -> list[int]:
        """One call of the function on a pooled connection (retried on another one when the
        connection is lost, as the library's own insert is)."""
        call = self._tracked if snapshot is None else self._tracked_with_snapshot
        assert call is not None
        arrays, formats = events(stored_events)
        position = [tracking.application_name.encode(), b"%d" % tracking.notification_id]
        more, more_formats = ([], ()) if snapshot is None else one_event([snapshot])
        values = [*position, *arrays, *more]
        with self.datastore.get_connection() as conn:
            return call.run(conn, values, (TEXT, TEXT, *formats, *more_formats))
