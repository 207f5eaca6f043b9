"""A view's tables and the unit of work over them: `Table` (key and typed columns), `Batch`.

A projection reads and changes rows through a `Batch`; the view (projections/engine/rows.py) writes
the batch's changed rows and its tracking record in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from projections.engine.rows import RowView

Row = dict[str, Any]
Key = tuple[Any, ...]
Changes = dict[str, dict[Key, Row | None]]


@dataclass(frozen=True)
class Table:
    """One table of a view: its key columns and all its columns with their SQL types."""

    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]
    """(column, SQL type) in order, key columns included; jsonb values are lists or dicts."""
    cached: bool = True
    """Kept in the identity map; False for rows the projection only writes (a timeline)."""
    names: tuple[str, ...] = field(init=False)
    key_of: Callable[[Mapping[str, Any]], Key] = field(init=False, repr=False, compare=False)
    """The row's key (a C `itemgetter` for keys of several columns: no Python call)."""
    _values: Callable[[Mapping[str, Any]], Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(name for name, _ in self.columns))
        object.__setattr__(self, "key_of", _getter(self.key))
        object.__setattr__(self, "_values", _getter(self.names))

    def values_of(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row's values in column order (a column the row lacks is NULL)."""
        try:
            return self._values(row)
        except KeyError:
            return tuple(row.get(name) for name in self.names)


def _getter(names: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Key]:
    """A function from a row to the tuple of these columns' values (fast: `itemgetter`)."""
    if len(names) == 1:
        [name] = names
        return lambda row: (row[name],)
    return cast("Callable[[Mapping[str, Any]], Key]", itemgetter(*names))


_ABSENT: Row = {}
"""Stands for "no such key" in `Batch.get` (compared by identity, never changed)."""


class Batch:
    """The unit of work of one batch of events: reads see the batch's own earlier writes.

    `get` hands out a row to change and `put` back: a committed row is copied (the identity
    map changes only when the batch commits), a row the batch already holds is its own. A
    rebuild's batch (`fresh`) knows the view is empty: what it does not hold does not exist.
    `extra` tables are a chunked rebuild's own (projections/engine/chunked.py), not the view's.
    """

    def __init__(
        self, view: RowView, *, fresh: bool = False, extra: tuple[Table, ...] = ()
    ) -> None:
        self._view = view
        self._fresh = fresh
        tables = (*view.tables, *extra)
        self.changes: Changes = {t.name: {} for t in tables}
        self._key_of = {t.name: t.key_of for t in tables}

    def get(self, table: str, *key: Any) -> Row | None:
        """The row with that key, or None; change it only to `put` it back.

        One dict lookup when the row is pending or the batch is fresh (a key's hash calls
        `UUID.__hash__` in Python: the views' apply does millions of these in a rebuild).
        """
        pending = self.changes[table]
        if self._fresh:
            return pending.get(key)
        row = pending.get(key, _ABSENT)
        if row is not _ABSENT:
            return row
        row = self._view.committed(table, key)
        return dict(row) if row is not None else None

    def put(self, table: str, row: Row) -> None:
        self.changes[table][self._key_of[table](row)] = row

    def delete(self, table: str, *key: Any) -> None:
        self.changes[table][key] = None

    def holds(self, table: str) -> bool:
        """Whether the batch has this table (`extra` tables exist in a chunked rebuild only)."""
        return table in self.changes

    @property
    def empty(self) -> bool:
        return not any(self.changes.values())
