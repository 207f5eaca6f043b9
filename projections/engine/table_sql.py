"""The SQL of one view table on PostgreSQL: built once, sent as column arrays or binary COPY.

A live batch upserts its changed rows with one statement per table over column arrays
(`unnest`); a rebuild writes the final rows of a table it has just truncated with one binary
`COPY` (psycopg dumps each value in C; the arrays' text format escapes each element in
Python, which made the commits most of a rebuild's time, BENCHMARKS.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, cast

from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

STORED_COLUMNS = (
    b"SELECT table_name, column_name FROM information_schema.columns"
    b" WHERE table_schema = %s AND table_name = ANY(%s)"
)
"""The columns the stored tables of a schema have (`TableSql.lacks_columns`)."""
PRIMARY_KEY_NAME = (
    b"SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
    b" JOIN pg_namespace n ON n.oid = t.relnamespace"
    b" WHERE n.nspname = %s AND t.relname = %s AND c.contype = 'p'"
)
"""The name of a table's primary key constraint (`TableSql.drop_key`)."""

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from psycopg import Cursor
    from psycopg.rows import DictRow

    from projections.engine.rows import Key, Row, Table


Statement = tuple[bytes, list[Any]]
"""A statement with `%s` placeholders and its parameters."""
STAGING_SUFFIX = "__rebuild"
"""A table's staging table (a chunked rebuild's rows before they replace the table's)."""


@dataclass(frozen=True)
class Staging:
    """The statements of a table's staging table: unlogged, no key, dropped after the rebuild."""

    create: bytes
    """Drop any left by a rebuild that died, create it empty."""
    index: bytes
    """An index on its first key column (for `select_range`)."""
    copy: bytes
    select_range: bytes
    """Its rows whose first key column is between two values."""
    page: bytes
    """Its rows whose first key column is above a value, in its order, up to a limit."""
    move: bytes
    """Insert its rows into the table."""
    drop: bytes


class TableSql:
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
        arrays = SQL(", ").join(SQL("%b::{0}[]").format(SQL(t)) for _, t in table.columns)
        others = [c for c in table.names if c not in table.key]
        conflict = (
            SQL("DO UPDATE SET {0}").format(
                SQL(", ").join(SQL("{0} = EXCLUDED.{0}").format(Identifier(c)) for c in others)
            )
            if others
            else SQL("DO NOTHING")
        )
        key_types = dict(table.columns)
        key_arrays = SQL(", ").join(SQL("%s::{0}[]").format(SQL(key_types[k])) for k in table.key)
        # Rendered once: psycopg would render a Composed again on every execute.
        self.upsert = SQL(
            "INSERT INTO {0} ({1}) SELECT * FROM unnest({2}) ON CONFLICT ({3}) {4}"
        ).format(qualified, cols, arrays, keys, conflict)
        self.upsert_bytes = self.upsert.as_bytes(None)
        self.delete_bytes = (
            SQL("DELETE FROM {0} WHERE ({1}) IN (SELECT * FROM unnest({2}))")
            .format(qualified, keys, key_arrays)
            .as_bytes(None)
        )
        self.select_key_bytes = (
            SQL("SELECT * FROM {0} WHERE {1}")
            .format(
                qualified,
                SQL(" AND ").join(SQL("{0} = %s").format(Identifier(k)) for k in table.key),
            )
            .as_bytes(None)
        )
        self.select_group_bytes = (
            SQL("SELECT * FROM {0} WHERE {1} = %s")
            .format(qualified, Identifier(table.key[0]))
            .as_bytes(None)
        )
        # A page of rows in key order (warming an identity map, projections/engine/warming.py).
        self.select_first_page_bytes = (
            SQL("SELECT * FROM {0} ORDER BY {1} LIMIT %s").format(qualified, keys).as_bytes(None)
        )
        self.select_next_page_bytes = (
            SQL("SELECT * FROM {0} WHERE ({1}) > ({2}) ORDER BY {1} LIMIT %s")
            .format(qualified, keys, SQL(", ").join(SQL("%s") for _ in table.key))
            .as_bytes(None)
        )
        self.truncate = SQL("TRUNCATE {0}").format(qualified).as_bytes(None)
        self.add_key = (
            SQL("ALTER TABLE {0} ADD PRIMARY KEY ({1})").format(qualified, keys).as_bytes(None)
        )
        self.where = (schema, name)
        self.add_columns = [
            SQL("ALTER TABLE {0} ADD COLUMN IF NOT EXISTS {1} {2}")
            .format(qualified, Identifier(c), SQL(t))
            .as_bytes(None)
            for c, t in table.columns
        ]
        self.copy_bytes = (
            SQL("COPY {0} ({1}) FROM STDIN (FORMAT BINARY)").format(qualified, cols).as_bytes(None)
        )
        staging = SQL("{0}.{1}").format(Identifier(schema), Identifier(name + STAGING_SUFFIX))
        self.staging = Staging(
            create=SQL("DROP TABLE IF EXISTS {0}; CREATE UNLOGGED TABLE {0} ({1})")
            .format(staging, defs)
            .as_bytes(None),
            index=SQL("CREATE INDEX ON {0} ({1})")
            .format(staging, Identifier(table.key[0]))
            .as_bytes(None),
            copy=SQL("COPY {0} ({1}) FROM STDIN (FORMAT BINARY)")
            .format(staging, cols)
            .as_bytes(None),
            select_range=SQL("SELECT * FROM {0} WHERE {1} BETWEEN %s AND %s")
            .format(staging, Identifier(table.key[0]))
            .as_bytes(None),
            page=SQL("SELECT * FROM {0} WHERE {1} > %s ORDER BY {1} LIMIT %s")
            .format(staging, Identifier(table.key[0]))
            .as_bytes(None),
            move=SQL("INSERT INTO {0} ({1}) SELECT {1} FROM {2}")
            .format(qualified, cols, staging)
            .as_bytes(None),
            drop=SQL("DROP TABLE IF EXISTS {0}").format(staging).as_bytes(None),
        )
        self._types = [t for _, t in table.columns]
        self._copy_types = ["bytea" if t == "jsonb" else t for t in self._types]
        self._jsonb_positions = [i for i, t in enumerate(self._types) if t == "jsonb"]
        self._jsonb = {c for c, t in table.columns if t == "jsonb"}
        self._selects: dict[tuple[tuple[str, ...], tuple[str, ...]], bytes] = {}

    def lacks_columns(self, stored: Mapping[str, set[str]]) -> bool:
        """Whether the stored table (`stored`: columns by table name, STORED_COLUMNS) exists
        without one of the declared columns (an older version of the view created it)."""
        have = stored.get(self.where[1], set())
        return bool(have) and not have.issuperset(self.table.names)

    def select_where(self, columns: tuple[str, ...], order_by: tuple[str, ...]) -> bytes:
        """Rows equal on `columns`, ordered: rendered once per shape (a query's Composed
        would be rendered again on every execution)."""
        key = (columns, order_by)
        found = self._selects.get(key)
        if found is None:
            found = self._selects[key] = self._select_where(columns, order_by).as_bytes(None)
        return found

    def _select_where(self, columns: tuple[str, ...], order_by: tuple[str, ...]) -> Composed:
        query = SQL("SELECT * FROM {0}").format(self.qualified)
        if columns:
            query += SQL(" WHERE ") + SQL(" AND ").join(
                SQL("{0} = %s").format(Identifier(c)) for c in columns
            )
        if order_by:
            query += SQL(" ORDER BY ") + SQL(", ").join(Identifier(c) for c in order_by)
        return query

    def select_page(self, columns: tuple[str, ...], by: str, *, after: bool) -> Composed:
        """Rows equal on `columns`, `by` > a value if `after`, ordered by `by`, LIMIT %s."""
        conditions = [SQL("{0} = %s").format(Identifier(c)) for c in columns]
        if after:
            conditions.append(SQL("{0} > %s").format(Identifier(by)))
        query = SQL("SELECT * FROM {0}").format(self.qualified)
        if conditions:
            query += SQL(" WHERE ") + SQL(" AND ").join(conditions)
        return query + SQL(" ORDER BY {0} LIMIT %s").format(Identifier(by))

    def statements(self, rows: dict[Key, Row | None]) -> list[Statement]:
        """Upsert the changed rows and delete the deleted ones (a live batch)."""
        upserts = [row for row in rows.values() if row is not None]
        deletes = [key for key, row in rows.items() if row is None]
        out: list[Statement] = []
        if upserts:
            out.append((self.upsert_bytes, self._columns(upserts)))
        if deletes:
            out.append((self.delete_bytes, [list(c) for c in zip(*deletes, strict=True)]))
        return out

    def drop_key(self, curs: Cursor[DictRow]) -> bytes:
        """Drop the table's primary key in `curs`'s transaction; the statement that adds it
        back (under its default name, the one `create` gives it).

        A replace writes every row of a table it has just truncated: with the key dropped
        first, the server builds the key's index once from the sorted rows instead of
        inserting each row into it (BENCHMARKS.md). The key is checked when it is added back,
        so duplicate rows still fail the replace. A table found without its key gets it.
        """
        curs.execute(PRIMARY_KEY_NAME, self.where)
        found = curs.fetchone()
        if found is not None:
            drop = SQL("ALTER TABLE {0} DROP CONSTRAINT {1}")
            curs.execute(drop.format(self.qualified, Identifier(found["conname"])))
        return self.add_key

    def copy(self, curs: Cursor[DictRow], rows: Iterable[Row], *, staged: bool = False) -> None:
        """Insert rows with one binary COPY (a rebuild, into the table it just truncated, or
        `staged`: into the table's staging table).

        jsonb values go as bytes already in jsonb's binary format (`JsonbEncoder`): the
        server reads a field by its column's type, and psycopg's jsonb dumper would call
        `json.dumps` through two Python calls per value (most of a rebuild's COPY time).
        """
        values = self.table.values_of
        jsonb = self._jsonb_positions
        encode = JsonbEncoder().encode
        with curs.copy(self.staging.copy if staged else self.copy_bytes) as copy:
            copy.set_types(self._copy_types)
            write = copy.write_row
            if not jsonb:
                for row in rows:
                    write(values(row))
                return
            for row in rows:
                fields = list(values(row))
                for i in jsonb:
                    fields[i] = encode(fields[i])
                write(fields)

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


class JsonbEncoder:
    """JSON values to jsonb's binary format (version 1, then the JSON text): fast, memoised.

    Uses the json module's C encoder directly (`json.dumps` adds two Python calls per value).
    Lists of strings (rule IDs, receivable IDs) repeat over and over: encoded once each.
    """

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], bytes] = {}
        self._chunks = _c_encoder()

    def encode(self, value: Any) -> bytes | None:
        """jsonb's binary format of a JSON value (lists, dicts, str, numbers, bool); None: NULL."""
        if value is None:
            return None
        if type(value) is list and (not value or type(value[0]) is str):
            key = tuple(value)
            try:
                return self._known[key]
            except KeyError:
                found = self._known[key] = self._binary(value)
                return found
            except TypeError:  # a later element is not hashable: not a list of strings
                pass
        return self._binary(value)

    def _binary(self, value: Any) -> bytes:
        return b"\x01" + "".join(self._chunks(value, 0)).encode()


def _c_encoder() -> Callable[[Any, int], Iterable[str]]:
    """The json module's encoder as one call: (value, 0) -> chunks of compact JSON text."""
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
    if c_make_encoder is None:  # pragma: no cover - CPython has the C encoder
        return lambda value, _: encoder.iterencode(value, _one_shot=True)
    return cast(
        "Callable[[Any, int], Iterable[str]]",
        c_make_encoder(
            None, encoder.default, encode_basestring, None, ":", ",", False, False, True
        ),
    )


def add_missing_columns(curs: Cursor[DictRow], schema: str, tables: Iterable[TableSql]) -> bool:
    """Add to the stored `tables` the declared columns they lack (tables an older version of
    the view created); True if any lacked one."""
    tables = list(tables)
    stored: dict[str, set[str]] = defaultdict(set)
    curs.execute(STORED_COLUMNS, (schema, [t.where[1] for t in tables]))
    for row in curs.fetchall():
        stored[row["table_name"]].add(row["column_name"])
    old = [t for t in tables if t.lacks_columns(stored)]
    for statement in (s for t in old for s in t.add_columns):
        curs.execute(statement)
    return bool(old)
