"""A leaner insert for eventsourcing's PostgreSQL application recorder: one round trip.

eventsourcing 9.5.6 inserts stored events through nested psycopg pipelines that sync five
times per transaction (BEGIN; LOCK/NOTIFY/INSERT; an explicit sync; COMMIT; the pipeline
exit), and psycopg's pipeline bookkeeping costs more client CPU than the statements
themselves. This recorder does the same work - the EXCLUSIVE table lock that keeps insert
order equal to commit order, the NOTIFY that wakes subscribers, the INSERT ... RETURNING
notification_id - in one stored function, called as one prepared statement in its own
implicit transaction: one round trip per command. (The library's own stored function,
POSTGRES_ENABLE_DB_FUNCTIONS, takes no table lock, so readers could pass over gaps.)
A unique violation (a concurrent writer took the version) still raises the library's
IntegrityError and writes nothing; a command's snapshot goes in the same statement
(`store_snapshots_in`). Selected by `APPLICATION_RECORDER_TOPIC` (infra.settings does).

No event is stored that the relay cannot publish (issue 9): both recorders the service
writes events through (this one, and `PublishableProcessRecorder` of the consumers'
tracked saves, in infra.tracked_recorder) refuse, before anything is written, an event
whose Kafka message would be over `MAX_MESSAGE_BYTES`, with `EventTooLargeError`. The
command bounds keep every event far below it (tests/unit/test_message_size.py); this is the
backstop.

`PublishableProcessRecorder` creates its tables and functions under the same advisory lock
as this one, and both run `create_table` in one process at a time (`OneAtATime`): the
library creates a composite type outside any lock and decides whether to insert the
tracking table's migration record before it locks anything, so workers starting together
on a fresh database failed (issue 9, seen when the fault tests start every worker at once).

Both give their events table the hash chain of issue 12 (infra.audit.chain), created with
the tables: a column, and a trigger filling it in the inserting transaction."""

from __future__ import annotations

import weakref
from dataclasses import astuple
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg import pq
from psycopg.sql import SQL, Composed, Identifier, Literal

from domain.recording import SNAPSHOT
from infra.audit.chain import chain_statements, chained_insert
from infra.kafka import MAX_MESSAGE_BYTES, message_bytes
from infra.reads import QuickSelects
from infra.save_snapshot import snapshot_first, snapshot_insert
from infra.schemas.envelope import stored_message

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresDatastore
    from psycopg import Cursor
    from psycopg.rows import DictRow


CREATE_LOCK = 0x1EA5E_0001
"""The advisory lock key under which the recorder's tables and functions are created."""
MAX_POSITION = 2**63 - 1
"""The largest notification id (bigint): the longest `position` an envelope can carry."""
ENVELOPE_GROWTH = 3
"""A stored event's JSON (UTF-8, ensure_ascii off) grows at most threefold as an envelope
(ensure_ascii on: a 2-byte character becomes a 6-byte escape, a 4-byte one 12 bytes)..."""
ENVELOPE_OVERHEAD = 4096
"""... plus the envelope's own fields, the key and the headers (under 1 KB in practice)."""


class EventTooLargeError(ValueError):
    """An event whose Kafka message would be too large to publish; nothing was stored."""

    def __init__(self, stored: StoredEvent, size: int) -> None:
        name = stored.topic.rpartition(":")[2]
        super().__init__(
            f"{name} v{stored.originator_version} of contract {stored.originator_id} would be "
            f"a {size:,}-byte message; at most {MAX_MESSAGE_BYTES:,} bytes can be published"
        )
        self.size = size


def ensure_publishable(stored_events: Sequence[StoredEvent]) -> None:
    """Refuse the events whose message would exceed `MAX_MESSAGE_BYTES` (measured exactly
    only for the rare event whose stored JSON could grow that large)."""
    for stored in stored_events:
        bound = ENVELOPE_GROWTH * len(stored.state) + ENVELOPE_OVERHEAD
        if bound <= MAX_MESSAGE_BYTES:
            continue
        found = stored_message(stored, MAX_POSITION)
        size = message_bytes(*found) if found is not None else bound
        if size > MAX_MESSAGE_BYTES:
            raise EventTooLargeError(stored, size)


def creation_lock() -> Composed:
    """The statement that takes CREATE_LOCK until the end of the creating transaction."""
    return SQL("SELECT pg_advisory_xact_lock({})").format(Literal(CREATE_LOCK))


TABLES_LOCK = 0x1EA5E_0002
"""The advisory lock key under which recorders run `create_table` one at a time."""


class TablesOneAtATime:
    """`create_table` of a PostgreSQL recorder, run in one process at a time."""

    datastore: PostgresDatastore

    def create_table(self) -> None:
        """The library's, one process at a time (TABLES_LOCK, held by a connection of
        its own). The library creates its composite type outside any lock, and reads
        whether the tracking table exists before it creates it: workers starting together
        on a fresh database failed with a duplicate `stored_event_uuid` type (or the
        snapshots table's), or each inserted the tracking table's migration record and all
        but one failed ("Failed to record tracking for __migration__ 1")."""
        pool = self.datastore.pool
        conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
        kwargs = pool.kwargs() if callable(pool.kwargs) else (pool.kwargs or {})
        kwargs = {k: v for k, v in kwargs.items() if k not in ("autocommit", "row_factory")}
        lock = Literal(TABLES_LOCK)
        with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:
            conn.execute(SQL("SELECT pg_advisory_lock({})").format(lock))
            try:
                super().create_table()  # type: ignore[misc]
            finally:
                conn.execute(SQL("SELECT pg_advisory_unlock({})").format(lock))


class OneAtATime(QuickSelects, TablesOneAtATime, PostgresApplicationRecorder):
    """An application recorder whose `create_table` runs in one process at a time, its
    events table chained (infra.audit.chain)."""

    def chain_events_table(self) -> None:
        """Add the chain's statements; load aggregates without the `chain_hash` column
        (the library selects `*`: 32 bytes more per event, converted for nothing)."""
        schema, table = self.datastore.schema, self.events_table_name
        self.sql_create_statements.extend(chain_statements(schema, table))
        self.select_events_statement = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {}.{} "
            "WHERE originator_id = %s"
        ).format(Identifier(schema), Identifier(table))


class SnapshotsOneAtATime(QuickSelects, TablesOneAtATime, PostgresAggregateRecorder):
    """The snapshots' recorder, its table created in one process at a time; one snapshot
    (what a command takes) is inserted by a prepared statement, its state sent as binary.
    The library sends it as an array of a composite type, rendered and escaped in Python:
    a quarter of a millisecond of client CPU for a 7 KB snapshot (issue 14)."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        insert = SQL(
            "INSERT INTO {}.{} (originator_id, originator_version, topic, state)"
            " VALUES ($1, $2, $3, $4) RETURNING originator_version"
        ).format(Identifier(datastore.schema), Identifier(self.events_table_name))
        name = f"lease_snapshot_{self.events_table_name}"[:58]
        self._one = PreparedCall(name, insert, one_event)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) != 1:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        self._insert_one(stored_events)
        return None

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def _insert_one(self, stored_events: Sequence[StoredEvent]) -> None:
        with self.datastore.get_connection() as conn:
            self._one.call(conn, stored_events)


class Factory(PostgresFactory):
    """eventsourcing.postgres whose snapshot tables are created one process at a time too
    (the `PERSISTENCE_MODULE` of infra.settings)."""

    aggregate_recorder_class = SnapshotsOneAtATime


class OneTripApplicationRecorder(OneAtATime):
    """The library's application recorder with `insert_events` in one round trip."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        function = Identifier(f"lease_insert_{self.events_table_name}"[:63])
        body = SQL(
            "LANGUAGE plpgsql AS $BODY$ BEGIN "
            "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
            "NOTIFY {channel}; "
            "RETURN QUERY INSERT INTO {schema}.{table} {rows} "
            "RETURNING notification_id; "
            "END; $BODY$"
        )
        names: dict[str, Identifier] = {
            "schema": schema,
            "id_type": Identifier(datastore.originator_id_type),
            "table": Identifier(self.events_table_name),
            "channel": Identifier(self.channel_name),
        }
        names["function"] = function
        many = SQL(
            "CREATE OR REPLACE FUNCTION {schema}.{function}("
            "ids {id_type}[], versions bigint[], topics text[], states bytea[]) "
            "RETURNS SETOF bigint "
        ).format(**names) + body.format(
            rows=SQL(
                "(originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(ids, versions, topics, states)"
            ),
            **names,
        )
        # One event (most commands): scalar parameters, no array (de)serialisation, and the
        # chain hash computed here (cheaper than the trigger's call).
        one = (
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{function}("
                "id {id_type}, version bigint, topic text, state bytea) "
                "RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$ "
                "DECLARE previous bytea; pos bigint; BEGIN "
                "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "NOTIFY {channel}; "
            ).format(**names)
            + chained_insert(datastore.schema, self.events_table_name)
            + SQL("END; $BODY$")
        )
        # Processes starting together (`lease dev`, one `lease run` per worker) would run
        # CREATE OR REPLACE FUNCTION at once, which PostgreSQL refuses ("tuple concurrently
        # updated"): the lock, held to the end of the creating transaction, takes them in turn.
        self.sql_create_statements.insert(0, creation_lock())
        self.chain_events_table()
        self.sql_create_statements.extend([many, one])
        # The function for one event takes scalars; for several, arrays ({s} is "[]").
        call = "SELECT * FROM {schema}.{function}("
        call += "$1::{id_type}{s}, $2::bigint{s}, $3::text{s}, $4::bytea{s})"
        name = function.as_string().strip('"')[:58]
        self._one = PreparedCall(
            f"{name}_one", SQL(call.replace("{s}", "")).format(**names), one_event
        )
        self._many = PreparedCall(
            f"{name}_many", SQL(call.replace("{s}", "[]")).format(**names), events
        )
        self._with_snapshot: dict[PreparedCall, PreparedCall] = {}  # store_snapshots_in's
        self._insert_snapshot: Composed | None = None  # the same, in a library transaction

    def store_snapshots_in(self, table: str) -> bool:
        """Store a command's snapshot (save option `SNAPSHOT`) into `table` by a WITH of its
        events' statement: one round trip and commit, not two. A refused event (a version
        conflict) leaves no snapshot; one stored already at that version (a retry) is kept.
        Not with the library's database functions."""
        if self.datastore.enable_db_functions:
            return False
        self._insert_snapshot = snapshot_insert(self.datastore.schema, table, SQL("%s"))
        first = snapshot_first(self.datastore.schema, table, first=5)  # events: $1-$4
        for call in (self._one, self._many):
            name, params = call.name.decode()[:52] + "_snap", with_snapshot(call.params)
            self._with_snapshot[call] = PreparedCall(name, first + call.statement, params)
        return True

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Lock, NOTIFY, INSERT ... RETURNING and a snapshot if any, in one statement."""
        ensure_publishable(stored_events)
        if not stored_events or self.datastore.enable_db_functions:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        call = self._one if len(stored_events) == 1 else self._many
        snapshot: StoredEvent | None = kwargs.get(SNAPSHOT)
        if snapshot is not None:
            call, stored_events = self._with_snapshot[call], [*stored_events, snapshot]
        with self.datastore.get_connection() as conn:
            return call.call(conn, stored_events)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """The library's insert in its transaction (the idempotent saves), and the snapshot."""
        super()._insert_events(curs, stored_events, **kwargs)
        snapshot: StoredEvent | None = kwargs.get(SNAPSHOT)
        if snapshot is not None and self._insert_snapshot is not None:
            curs.execute(self._insert_snapshot, astuple(snapshot))


INVALID_STATEMENT_NAME = "26000"
"""SQLSTATE of a prepared statement the session does not have (dropped by a DISCARD ALL)."""


class PreparedCall:
    """An insert function called through libpq itself: prepared once per connection, then
    each call is PQexecPrepared with its parameters as bytes.

    psycopg's `execute(..., prepare=True)` converts the query, dumps the parameters through
    its adapters (arrays element by element) and waits in a Python loop: a third of a
    command's client CPU once the domain is lean (bench/commands.py). The statements and
    their parameter types are fixed, so this skips all of that; errors are psycopg's own
    (`error_from_result`), which the datastore's `get_connection` translates as before (a
    unique violation: the library's IntegrityError).
    """

    def __init__(
        self, name: str, statement: Composed, params: Callable[[Sequence[StoredEvent]], Params]
    ) -> None:
        self.name = name.encode()
        self.statement = statement
        self.params = params
        self.prepared: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()

    def call(self, conn: psycopg.Connection[Any], stored: Sequence[StoredEvent]) -> list[int]:
        """Insert the events on `conn` (autocommit: one transaction); their positions."""
        return self.run(conn, *self.params(stored))

    def run(
        self, conn: psycopg.Connection[Any], values: list[bytes], formats: tuple[int, ...]
    ) -> list[int]:
        """The call with these parameter values: the first column of the rows it returns."""
        if conn not in self.prepared:
            self._prepare(conn)
        result = conn.pgconn.exec_prepared(self.name, values, formats)
        if result.status != pq.ExecStatus.TUPLES_OK:
            error = failure(conn, result)
            if error.sqlstate != INVALID_STATEMENT_NAME:
                raise error
            self.prepared.discard(conn)  # the session lost it: prepare again, once
            return self.run(conn, values, formats)
        return [int(result.get_value(row, 0) or b"0") for row in range(result.ntuples)]

    def _prepare(self, conn: psycopg.Connection[Any]) -> None:
        result = conn.pgconn.prepare(self.name, self.statement.as_bytes(conn))
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise failure(conn, result)
        self.prepared.add(conn)


def failure(conn: psycopg.Connection[Any], result: pq.abc.PGresult) -> psycopg.Error:
    """The error of a failed call, as psycopg's own execute raises it: a lost connection is
    an OperationalError (which the library and the callers retry on another connection),
    anything else the error class of its SQLSTATE."""
    if conn.pgconn.status != pq.ConnStatus.OK:
        message = result.error_message.decode(conn.info.encoding, "replace").strip()
        return psycopg.OperationalError(message or "the connection to PostgreSQL was lost")
    return psycopg.errors.error_from_result(result, encoding=conn.info.encoding)


Params = tuple[list[bytes], tuple[int, ...]]
"""Parameter values as libpq takes them, and their formats (0 text, 1 binary)."""
TEXT, BINARY = 0, 1


def one_event(stored: Sequence[StoredEvent]) -> Params:
    """id, version and topic as text, the state as binary (bytea)."""
    [e] = stored
    values = [str(e.originator_id).encode(), b"%d" % e.originator_version, e.topic.encode()]
    return [*values, e.state], (TEXT, TEXT, TEXT, BINARY)


def events(stored: Sequence[StoredEvent]) -> Params:
    """Four arrays in PostgreSQL's text form: ids, versions, quoted topics, and each state
    as a hex bytea literal."""
    ids = ",".join(quoted(str(e.originator_id)) for e in stored)
    versions = ",".join(str(e.originator_version) for e in stored)
    topics = ",".join(quoted(e.topic) for e in stored)
    states = ",".join(f'"\\\\x{e.state.hex()}"' for e in stored)
    arrays = (ids, versions, topics, states)
    return [f"{{{array}}}".encode() for array in arrays], (TEXT, TEXT, TEXT, TEXT)


def with_snapshot(
    params: Callable[[Sequence[StoredEvent]], Params],
) -> Callable[[Sequence[StoredEvent]], Params]:
    """The parameters of a call whose last stored event is a snapshot: the events', its own."""

    def both(stored: Sequence[StoredEvent]) -> Params:
        *events_, snapshot = stored
        values, formats = params(events_)
        more, more_formats = one_event([snapshot])
        return [*values, *more], (*formats, *more_formats)

    return both


def quoted(text: str) -> str:
    """An element of a text array literal: double-quoted, backslash and quote escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
