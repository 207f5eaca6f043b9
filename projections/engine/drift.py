"""Drift between a live view and the same view rebuilt from the log (`lease projections verify`).

Both sets of tables are in one PostgreSQL database (the rebuilt one in a scratch schema), so
each table is compared there, by primary key, with one FULL OUTER JOIN: a row only the
rebuilt table has is *missing* from the live view, a row only the live table has is *extra*,
and a row both have with different values is *changed* (the columns that differ, with both
values). Values are compared by PostgreSQL's own equality (numeric 1.0 = 1.00, jsonb by
content) and reported as the JSON PostgreSQL renders them, numbers read as Decimal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from psycopg.sql import SQL, Composed, Identifier

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg.rows import DictRow

    from projections.engine.tables import Table

Kind = Literal["missing", "extra", "changed"]
KINDS: tuple[Kind, ...] = ("missing", "extra", "changed")
"""missing: rebuilt but not live; extra: live but not rebuilt; changed: both, different."""


@dataclass(frozen=True)
class ColumnChange:
    """One column of a row that differs: the live value and the rebuilt one."""

    column: str
    live: Any
    rebuilt: Any


@dataclass(frozen=True)
class RowDrift:
    """One row that differs, by its primary key."""

    table: str
    kind: Kind
    key: dict[str, Any]
    changes: tuple[ColumnChange, ...] = ()


@dataclass
class TableDrift:
    """A table's drift: how many rows of each kind, and the first rows (up to a limit)."""

    table: str
    counts: dict[Kind, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    rows: list[RowDrift] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def compare_table(
    curs: Cursor[DictRow], table: Table, live: Composed, rebuilt: Composed, limit: int
) -> TableDrift:
    """Compare one table of a view (live and rebuilt, both qualified names); at most `limit`
    rows listed, every one counted. Run both queries in one snapshot (REPEATABLE READ)."""
    joined = _joined(table, live, rebuilt)
    first = Identifier(table.key[0])  # key columns are NOT NULL: NULL means no such row
    kind = SQL(
        "CASE WHEN l.{0} IS NULL THEN 'missing' WHEN r.{0} IS NULL THEN 'extra' ELSE 'changed' END"
    ).format(first)
    drift = TableDrift(table.name)
    curs.execute(SQL("SELECT {0} AS kind, count(*) AS n {1} GROUP BY 1").format(kind, joined))
    for found in curs.fetchall():
        drift.counts[found["kind"]] = int(found["n"])
    if not drift.total or limit <= 0:
        return drift
    order = SQL(", ").join(SQL("coalesce(l.{0}, r.{0})").format(Identifier(k)) for k in table.key)
    curs.execute(
        SQL(
            "SELECT {0} AS kind, to_jsonb(l)::text AS live, to_jsonb(r)::text AS rebuilt"
            " {1} ORDER BY {2} LIMIT %s"
        ).format(kind, joined, order),
        (limit,),
    )
    drift.rows = [_row_drift(table, found) for found in curs.fetchall()]
    return drift


def _joined(table: Table, live: Composed, rebuilt: Composed) -> Composed:
    """FROM ... WHERE: the rows of either table that the other lacks or holds differently
    (both tables have the same columns in the same order: compared as whole rows)."""
    on = SQL(" AND ").join(SQL("l.{0} = r.{0}").format(Identifier(k)) for k in table.key)
    return SQL("FROM {0} AS l FULL OUTER JOIN {1} AS r ON {2} WHERE l IS DISTINCT FROM r").format(
        live, rebuilt, on
    )


def _row_drift(table: Table, found: DictRow) -> RowDrift:
    live = _decode(found["live"])
    rebuilt = _decode(found["rebuilt"])
    present = live if live is not None else rebuilt or {}
    key = {k: present.get(k) for k in table.key}
    if live is None or rebuilt is None:
        return RowDrift(table.name, found["kind"], key)
    changes = tuple(
        ColumnChange(c, live.get(c), rebuilt.get(c))
        for c in table.names
        if live.get(c) != rebuilt.get(c)
    )
    return RowDrift(table.name, "changed", key, changes)


def _decode(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    decoded: dict[str, Any] = json.loads(text, parse_float=Decimal)
    return decoded
