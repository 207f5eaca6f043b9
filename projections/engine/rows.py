"""Row views: a read model's tables, written a batch of events at a time (exactly once).

A view declares its tables (`Table`: name, key columns, typed columns;
projections/engine/tables.py).
A projection reads and changes rows through a `Batch` (a unit of work over the view); when the
batch commits, the changed rows and the batch's tracking record are written in ONE
transaction, so a batch is applied exactly once: the same tracking again raises
IntegrityError and changes nothing, and a runner killed mid-batch resumes after the last
committed tracking record.

Two implementations share the interface: `PostgresRowView` (one upsert statement per table
per batch, over binary column arrays, pipelined in one round trip; projections/engine/table_sql.py)
and `InMemoryRowView` (dicts; unit tests, `lease simulate`; projections/engine/memory_rows.py).
Both keep an identity map of committed rows, so a projection reads its own earlier state
without a query per event; nothing else writes a view's tables (DESIGN 1).

A rebuild (`begin_rebuild` ... `replace`) knows the view starts empty: one batch takes every
event, reads nothing from storage, and `replace` swaps the view's rows and tracking for the
batch's final rows in ONE transaction, so a rebuild that dies midway leaves the previous
view as it was and a finished one is applied exactly once.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Composed, Identifier

from projections.engine.table_sql import TableSql, add_missing_columns
from projections.engine.tables import Batch, Changes, Key, Row, Table

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresDatastore
    from psycopg import Connection, Cursor
    from psycopg.rows import DictRow

    from projections.engine.table_sql import Statement

__all__ = ["CACHE_LIMIT", "Batch", "Key", "PostgresRowView", "Row", "RowView", "Table"]

CACHE_LIMIT = 200_000
"""Rows kept in a view's identity map; beyond it the oldest are dropped (read again if needed)."""


class RowView(TrackingRecorder, ABC):
    """A read model's tables plus its tracking (the view's position in the event log)."""

    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_name = {t.name: t for t in self.tables}
        self._committed: Changes = {t.name: {} for t in self.tables if t.cached}
        self._complete = False
        """The identity map holds every row (true from `clear()` until the first eviction)."""
        self._groups: dict[str, set[Any]] = {name: set() for name in self._committed}
        """Leading key values whose rows the identity map holds all of (`committed`)."""
        self._generation = 0
        """Counts the times rows were dropped from the map (projections/engine/warming.py)."""

    def table(self, name: str) -> Table:
        return self._by_name[name]

    def begin(self) -> Batch:
        return Batch(self)

    def begin_rebuild(self) -> Batch:
        """A batch for every event from the first, into an empty view (see `replace`)."""
        return Batch(self, fresh=True)

    def committed(self, table: str, key: Key) -> Row | None:
        """The committed row, from the identity map or else the table.

        Right after `clear()` the identity map is complete (the tables are empty and every
        row written since is in it), so a miss needs no query until rows are evicted. A miss
        on a key of several columns reads every row sharing its first (a contract's
        documents) in one query: a runner starting cold, or on views another process
        rebuilt, reads once per contract and table instead of once per row.
        """
        known = self._committed.get(table)
        if known is None:  # not cached
            return self._load(self._by_name[table], key)
        if key in known:
            return known[key]
        if self._complete:
            return None
        if len(key) == 1:
            found = known[key] = self._load(self._by_name[table], key)
            return found
        group = self._groups[table]
        if key[0] not in group:
            by_key = self._by_name[table].key_of
            for row in self._load_group(self._by_name[table], key[0]):
                known.setdefault(by_key(row), row)
            group.add(key[0])
        return known.get(key)

    def commit(self, batch: Batch, tracking: Tracking) -> None:
        """Write the batch's rows and its tracking record in one transaction."""
        self._write(batch.changes, tracking)
        self._remember(batch.changes)

    def committed_with(self, batch: Batch) -> None:
        """Take in a batch another view committed together with its own (`commit_all`)."""
        self._remember(batch.changes)

    def replace(self, batch: Batch, tracking: Tracking) -> None:
        """Replace every row and the tracking by a rebuild's batch, in one transaction.

        The batch holds every event up to `tracking` applied to an empty view; until this
        commits the view keeps its previous rows and position.
        """
        self._replace(batch.changes, tracking)
        self.forget()
        self._complete = True  # until `_remember` drops rows beyond CACHE_LIMIT
        self._remember(batch.changes)

    def _remember(self, changes: Changes) -> None:
        for table, known in self._committed.items():
            known.update(changes[table])
        self._evict_oldest()

    def _committed_size(self) -> int:
        return sum(len(rows) for rows in self._committed.values())

    def _evict_oldest(self) -> None:
        """Keep the identity map under CACHE_LIMIT rows, dropping the oldest a bit at a time."""
        excess = self._committed_size() - CACHE_LIMIT
        if excess <= 0:
            return
        self._complete = False
        self._generation += 1
        excess += CACHE_LIMIT // 10  # make room for a while, not on every commit
        self._forget_groups()
        for rows in self._committed.values():
            dropped = min(excess, len(rows))
            for key in list(islice(rows, dropped)):
                del rows[key]
            excess -= dropped

    def forget(self) -> None:
        """Clear the identity map (rows are read from storage again when needed)."""
        for rows in self._committed.values():
            rows.clear()
        self._forget_groups()
        self._complete = False
        self._generation += 1

    def _forget_groups(self) -> None:
        for group in self._groups.values():
            group.clear()

    @abstractmethod
    def _load(self, table: Table, key: Key) -> Row | None:
        """Read one row by key from storage."""

    @abstractmethod
    def _load_page(self, table: Table, after: Key | None, limit: int) -> list[Row]:
        """Read up to `limit` rows of the table from storage in key order, those after the
        key `after` (None: from the first)."""

    @abstractmethod
    def _load_group(self, table: Table, first: Any) -> list[Row]:
        """Read every row whose first key column equals `first` from storage."""

    @abstractmethod
    def _write(self, changes: Changes, tracking: Tracking) -> None:
        """Upsert and delete rows, and insert the tracking record, atomically."""

    @abstractmethod
    def _replace(self, changes: Changes, tracking: Tracking) -> None:
        """Drop every row and tracking record, write these rows and `tracking`, atomically."""

    @abstractmethod
    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        """Query: rows whose columns equal the given values, ordered (API and CLI side)."""

    @abstractmethod
    def page(self, table: str, by: str, after: Any, limit: int, **equal: Any) -> list[Row]:
        """Query: up to `limit` rows whose columns equal the given values and whose column
        `by` is greater than `after` (None: from the first), ordered by `by` (paging)."""

    @abstractmethod
    def clear(self) -> None:
        """Drop every row and the tracking record (before a rebuild from zero)."""

    def upgrade(self) -> bool:
        """Give tables an older version created the columns they lack, and take the view back
        to empty (position 0) to be built again with them; True if it did."""
        return False


class PostgresRowView(RowView, PostgresTrackingRecorder):
    """Rows in tables `<projection>_<table>`, tracking in `<projection>_tracking`.

    The eventsourcing factory names the tracking table after the projection (its env name).
    """

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        prefix = tracking_table_name.removesuffix("_tracking")
        self._held = threading.local()
        self._sql = {
            t.name: TableSql(datastore.schema, f"{prefix}_{t.name}", t) for t in self.tables
        }
        for sql in self._sql.values():
            self.sql_create_statements.extend(sql.create)
        # Rendered once (psycopg would render the library's Composed on every batch).
        self.insert_tracking_statement = cast(
            "Composed", self.insert_tracking_statement.as_bytes(None)
        )
        # A NULL key (not-null violation: IntegrityError) unless the position moves forward,
        # as the library's single-row tracking statement refuses it (by returning no row),
        # without reading the result back before the commit.
        track = "INSERT INTO {0}.{1} (application_name, notification_id) VALUES (%s, %s)"
        if datastore.single_row_tracking:
            track += (
                " ON CONFLICT (application_name) DO UPDATE SET"
                " notification_id = EXCLUDED.notification_id, application_name = CASE"
                " WHEN {0}.{1}.notification_id < EXCLUDED.notification_id"
                " THEN EXCLUDED.application_name END"
            )
        self._track = (
            SQL(track)
            .format(Identifier(datastore.schema), Identifier(self.tracking_table_name))
            .as_bytes(None)
        )
        # Keep eventsourcing 9.5.6's `__migration__` row: without it the next process to
        # open the view would "migrate" (rename) the single-row tracking table.
        self._delete_tracking = (
            SQL("DELETE FROM {0}.{1} WHERE application_name <> %s")
            .format(Identifier(datastore.schema), Identifier(self.tracking_table_name))
            .as_bytes(None)
        )

    def _load(self, table: Table, key: Key) -> Row | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql[table.name].select_key_bytes, key, prepare=True)
            row = curs.fetchone()
        return dict(row) if row is not None else None

    def _load_page(self, table: Table, after: Key | None, limit: int) -> list[Row]:
        sql = self._sql[table.name]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            if after is None:
                curs.execute(sql.select_first_page_bytes, (limit,), prepare=True)
            else:
                curs.execute(sql.select_next_page_bytes, (*after, limit), prepare=True)
            return curs.fetchall()  # fresh dicts (dict_row): nobody else holds them

    def _load_group(self, table: Table, first: Any) -> list[Row]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql[table.name].select_group_bytes, (first,), prepare=True)
            return curs.fetchall()

    def _write(self, changes: Changes, tracking: Tracking) -> None:
        self.execute_in_transaction(self.statements(changes, tracking))

    def statements(self, changes: Changes, tracking: Tracking) -> list[Statement]:
        """The upserts and deletes of these changes, and the tracking statement."""
        out = [
            s for table, rows in changes.items() if rows for s in self._sql[table].statements(rows)
        ]
        out.append(self._tracking_statement(tracking))
        return out

    def execute_in_transaction(self, statements: list[Statement]) -> None:
        """Run the statements in one transaction, pipelined (one round trip).

        They are built before anything is sent, and an error while sending rolls back.
        """
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline(),
            conn.transaction(),
            conn.cursor() as curs,
        ):
            for query, params in statements:
                curs.execute(query, params, prepare=True)

    def qualified(self, table: str) -> Composed:
        """The table's schema-qualified name (for queries across views: drift.py)."""
        return self._sql[table].qualified

    @property
    def database(self) -> str:
        """Where the view's tables are (views with the same one can share a transaction)."""
        pool = self.datastore.pool
        conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
        return f"{conninfo} {self.datastore.schema}"

    def _tracking_statement(self, tracking: Tracking) -> Statement:
        """Move the view's position to `tracking`; an error unless it moves forward."""
        return self._track, [tracking.application_name, tracking.notification_id]

    def _replace(self, changes: Changes, tracking: Tracking) -> None:
        def copy(curs: Cursor[DictRow]) -> None:
            for table, rows in changes.items():
                self._sql[table].copy(curs, (row for row in rows.values() if row is not None))

        self.replace_with(copy, tracking)

    def replace_with(self, write: Callable[[Cursor[DictRow]], None], tracking: Tracking) -> None:
        """In one transaction: drop every row and tracking record, `write` the new rows, move
        the position to `tracking` (the identity map is the caller's to update)."""
        # TRUNCATE holds its lock until the commit: readers wait for the new rows. The keys
        # are built again after the rows are written (TableSql.drop_key).
        with self.datastore.transaction(commit=True) as curs:
            self._drop_all(curs)
            add_keys = [sql.drop_key(curs) for sql in self._sql.values()]
            write(curs)
            for statement in add_keys:
                curs.execute(statement)
            curs.execute(*self._tracking_statement(tracking))

    def table_sql(self, table: str) -> TableSql:
        """The statements of one of the view's tables (a chunked rebuild's staging)."""
        return self._sql[table]

    def _drop_all(self, curs: Cursor[DictRow]) -> None:
        for sql in self._sql.values():
            curs.execute(sql.truncate)
        curs.execute(self._delete_tracking, (self.table_migration_identifier,))

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold one pooled connection in this thread for the block: the view's position,
        selects and pages in it use that one instead of a checkout each (an API query)."""
        with self.datastore.get_connection() as conn:
            self._held.conn = conn
            try:
                yield
            finally:
                self._held.conn = None

    @contextmanager
    def _cursor(self) -> Iterator[Cursor[DictRow]]:
        held: Connection[DictRow] | None = getattr(self._held, "conn", None)
        if held is not None:
            with held.cursor() as curs:
                yield curs
            return
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            yield curs

    def position(self, application_name: str) -> int:
        """How far the view has applied `application_name`'s log (0: nothing yet)."""
        with self._cursor() as curs:
            return self._max_tracking_id(application_name, curs) or 0

    def position_in(self, curs: Cursor[DictRow], application_name: str) -> int:
        """`position`, read with this cursor (in the caller's transaction and snapshot)."""
        return self._max_tracking_id(application_name, curs) or 0

    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        query = self._sql[table].select_where(tuple(equal), order_by)
        with self._cursor() as curs:
            curs.execute(query, tuple(equal.values()), prepare=True)
            return curs.fetchall()

    def page(self, table: str, by: str, after: Any, limit: int, **equal: Any) -> list[Row]:
        query = self._sql[table].select_page(tuple(equal), by, after=after is not None)
        params = (*equal.values(), *(() if after is None else (after,)), limit)
        with self._cursor() as curs:
            curs.execute(query, params, prepare=True)
            return curs.fetchall()

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            self._drop_all(curs)
        self.forget()
        self._complete = True

    def upgrade(self) -> bool:
        with self.datastore.transaction(commit=True) as curs:
            old = add_missing_columns(curs, self.datastore.schema, self._sql.values())
            if old:
                self._drop_all(curs)
        if old:
            self.forget()
            self._complete = True
        return old
