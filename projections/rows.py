"""Row views: a read model's tables, written a batch of events at a time (exactly once).

A view declares its tables (`Table`: name, key columns, typed columns). A projection reads
and changes rows through a `Batch` (a unit of work over the view); when the batch commits, the
changed rows and the batch's tracking record are written in ONE transaction, so a batch is
applied exactly once: the same tracking again raises IntegrityError and changes nothing, and a
runner killed mid-batch resumes after the last committed tracking record.

Two implementations share the interface: `PostgresRowView` (one upsert statement per table
per batch, over column arrays) and `InMemoryRowView` (dicts; unit tests, `lease simulate`).
Both keep an identity map of committed rows, so a projection reads its own earlier state
without a query per event; nothing else writes a view's tables (DESIGN 1).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eventsourcing.persistence import TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresDatastore
    from psycopg import Cursor
    from psycopg.rows import DictRow

Row = dict[str, Any]
Key = tuple[Any, ...]
CACHE_LIMIT = 200_000
"""Rows kept in a view's identity map before it is cleared (reads then reload from the table)."""


@dataclass(frozen=True)
class Table:
    """One table of a view: its key columns and all its columns with their SQL types."""

    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    """(column, SQL type) in order, key columns included; jsonb values are lists or dicts."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)

    def key_of(self, row: Mapping[str, Any]) -> Key:
        return tuple(row[k] for k in self.key)


class Batch:
    """The unit of work of one batch of events: reads see the batch's own earlier writes."""

    def __init__(self, view: RowView) -> None:
        self._view = view
        self.changes: dict[str, dict[Key, Row | None]] = {t.name: {} for t in view.tables}

    def get(self, table: str, *key: Any) -> Row | None:
        """The row with that key (a copy to change and `put` back), or None."""
        pending = self.changes[table]
        row = pending[key] if key in pending else self._view.committed(table, key)
        return dict(row) if row is not None else None

    def put(self, table: str, row: Row) -> None:
        spec = self._view.table(table)
        self.changes[table][spec.key_of(row)] = row

    def delete(self, table: str, *key: Any) -> None:
        self.changes[table][key] = None

    @property
    def empty(self) -> bool:
        return not any(self.changes.values())


class RowView(TrackingRecorder, ABC):
    """A read model's tables plus its tracking (the view's position in the event log)."""

    tables: ClassVar[tuple[Table, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_name = {t.name: t for t in self.tables}
        self._committed: dict[str, dict[Key, Row | None]] = {t.name: {} for t in self.tables}
        self._complete = False
        """The identity map holds every row (true from `clear()` until the first eviction)."""

    def table(self, name: str) -> Table:
        return self._by_name[name]

    def begin(self) -> Batch:
        return Batch(self)

    def committed(self, table: str, key: Key) -> Row | None:
        """The committed row, from the identity map or else the table.

        Right after `clear()` the identity map is complete (the tables are empty and every
        row written since is in it), so a miss needs no query until rows are evicted.
        """
        known = self._committed[table]
        if key not in known:
            if self._complete:
                return None
            known[key] = self._load(self._by_name[table], key)
        return known[key]

    def commit(self, batch: Batch, tracking: Tracking) -> None:
        """Write the batch's rows and its tracking record in one transaction."""
        self._write(batch.changes, tracking)
        for table, rows in batch.changes.items():
            self._committed[table].update(rows)
        self._evict_oldest()

    def _evict_oldest(self) -> None:
        """Keep the identity map under CACHE_LIMIT rows, dropping the oldest a bit at a time."""
        excess = sum(len(rows) for rows in self._committed.values()) - CACHE_LIMIT
        if excess <= 0:
            return
        self._complete = False
        excess += CACHE_LIMIT // 10  # make room for a while, not on every commit
        for rows in self._committed.values():
            dropped = min(excess, len(rows))
            for key in list(islice(rows, dropped)):
                del rows[key]
            excess -= dropped

    def forget(self) -> None:
        """Clear the identity map (rows are read from storage again when needed)."""
        for rows in self._committed.values():
            rows.clear()
        self._complete = False

    @abstractmethod
    def _load(self, table: Table, key: Key) -> Row | None:
        """Read one row by key from storage."""

    @abstractmethod
    def _write(self, changes: dict[str, dict[Key, Row | None]], tracking: Tracking) -> None:
        """Upsert and delete rows, and insert the tracking record, atomically."""

    @abstractmethod
    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        """Query: rows whose columns equal the given values, ordered (API and CLI side)."""

    @abstractmethod
    def clear(self) -> None:
        """Drop every row and the tracking record (before a rebuild from zero)."""


class InMemoryRowView(RowView, POPOTrackingRecorder):
    """Rows in dicts: for unit tests and the in-process `lease simulate`."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict[Key, Row]] = {t.name: {} for t in self.tables}

    def _load(self, table: Table, key: Key) -> Row | None:
        row = self._rows[table.name].get(key)
        return dict(row) if row is not None else None

    def _write(self, changes: dict[str, dict[Key, Row | None]], tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            for table, rows in changes.items():
                stored = self._rows[table]
                for key, row in rows.items():
                    if row is None:
                        stored.pop(key, None)
                    else:
                        stored[key] = dict(row)
            self._insert_tracking(tracking)

    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        rows = [
            dict(row)
            for row in self._rows[table].values()
            if all(row.get(c) == v for c, v in equal.items())
        ]
        return sorted(rows, key=lambda r: tuple(r[c] for c in order_by)) if order_by else rows

    def clear(self) -> None:
        with self._database_lock:
            for rows in self._rows.values():
                rows.clear()
            self._max_tracking_ids.clear()
        self.forget()
        self._complete = True


class PostgresRowView(RowView, PostgresTrackingRecorder):
    """Rows in tables `<projection>_<table>`, tracking in `<projection>_tracking`.

    The eventsourcing factory names the tracking table after the projection (its env name).
    """

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        prefix = tracking_table_name.removesuffix("_tracking")
        self._sql = {
            t.name: _TableSql(datastore.schema, f"{prefix}_{t.name}", t) for t in self.tables
        }
        for sql in self._sql.values():
            self.sql_create_statements.extend(sql.create)
        # Rendered once (psycopg would render the library's Composed on every batch).
        self.insert_tracking_statement = cast(
            "Composed", self.insert_tracking_statement.as_bytes(None)
        )

    def _load(self, table: Table, key: Key) -> Row | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._sql[table.name].select_key_bytes, key, prepare=True)
            row = curs.fetchone()
        return dict(row) if row is not None else None

    def _write(self, changes: dict[str, dict[Key, Row | None]], tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for table, rows in changes.items():
                if rows:
                    self._sql[table].write(curs, rows)
            self._insert_tracking(curs, tracking)

    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        sql = self._sql[table]
        query = sql.select_where(tuple(equal), order_by)
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(query, tuple(equal.values()), prepare=True)
            return [dict(r) for r in curs.fetchall()]

    def clear(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for sql in self._sql.values():
                curs.execute(sql.truncate)
            # Keep eventsourcing 9.5.6's `__migration__` row: without it the next process to
            # open the view would "migrate" (rename) the single-row tracking table.
            curs.execute(
                SQL("DELETE FROM {0}.{1} WHERE application_name <> %s").format(
                    Identifier(self.datastore.schema), Identifier(self.tracking_table_name)
                ),
                (self.table_migration_identifier,),
            )
        self.forget()
        self._complete = True


class _TableSql:
    """The statements of one table, built once."""

    def __init__(self, schema: str, name: str, table: Table) -> None:
        self.table = table
        qualified = SQL("{0}.{1}").format(Identifier(schema), Identifier(name))
        self.qualified = qualified
        cols = SQL(", ").join(Identifier(c) for c in table.names)
        defs = SQL(", ").join(
            SQL("{0} {1}").format(Identifier(c), SQL(t)) for c, t in table.columns
        )
        keys = SQL(", ").join(Identifier(k) for k in table.key)
        self.create = [
            SQL("CREATE TABLE IF NOT EXISTS {0} ({1}, PRIMARY KEY ({2}))").format(
                qualified, defs, keys
            )
        ]
        arrays = SQL(", ").join(SQL("%s::{0}[]").format(SQL(t)) for _, t in table.columns)
        others = [c for c in table.names if c not in table.key]
        conflict = (
            SQL("DO UPDATE SET {0}").format(
                SQL(", ").join(SQL("{0} = EXCLUDED.{0}").format(Identifier(c)) for c in others)
            )
            if others
            else SQL("DO NOTHING")
        )
        self.upsert = SQL(
            "INSERT INTO {0} ({1}) SELECT * FROM unnest({2}) ON CONFLICT ({3}) {4}"
        ).format(qualified, cols, arrays, keys, conflict)
        key_types = dict(table.columns)
        key_arrays = SQL(", ").join(SQL("%s::{0}[]").format(SQL(key_types[k])) for k in table.key)
        self.delete = SQL("DELETE FROM {0} WHERE ({1}) IN (SELECT * FROM unnest({2}))").format(
            qualified, keys, key_arrays
        )
        self.select_key = SQL("SELECT * FROM {0} WHERE {1}").format(
            qualified,
            SQL(" AND ").join(SQL("{0} = %s").format(Identifier(k)) for k in table.key),
        )
        self.truncate = SQL("TRUNCATE {0}").format(qualified).as_bytes(None)
        # Rendered once: psycopg would render a Composed again on every execute.
        self.upsert_bytes = self.upsert.as_bytes(None)
        self.delete_bytes = self.delete.as_bytes(None)
        self.select_key_bytes = self.select_key.as_bytes(None)
        self._jsonb = {c for c, t in table.columns if t == "jsonb"}

    def select_where(self, columns: tuple[str, ...], order_by: tuple[str, ...]) -> Composed:
        query = SQL("SELECT * FROM {0}").format(self.qualified)
        if columns:
            query += SQL(" WHERE ") + SQL(" AND ").join(
                SQL("{0} = %s").format(Identifier(c)) for c in columns
            )
        if order_by:
            query += SQL(" ORDER BY ") + SQL(", ").join(Identifier(c) for c in order_by)
        return query

    def write(self, curs: Cursor[DictRow], rows: dict[Key, Row | None]) -> None:
        upserts = [row for row in rows.values() if row is not None]
        deletes = [key for key, row in rows.items() if row is None]
        if upserts:
            curs.execute(self.upsert_bytes, self._columns(upserts), prepare=True)
        if deletes:
            curs.execute(self.delete_bytes, [list(c) for c in zip(*deletes, strict=True)])

    def _columns(self, rows: Iterable[Row]) -> list[list[Any]]:
        names = self.table.names
        columns: list[list[Any]] = [[] for _ in names]
        for row in rows:
            for i, name in enumerate(names):
                value = row.get(name)
                columns[i].append(
                    Jsonb(value) if name in self._jsonb and value is not None else value
                )
        return columns
