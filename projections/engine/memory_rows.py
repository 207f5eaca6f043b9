"""Row views in memory: dicts, for unit tests and the in-process `lease simulate`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.popo import POPOTrackingRecorder

from projections.engine.rows import RowView

if TYPE_CHECKING:
    from eventsourcing.persistence import Tracking

    from projections.engine.tables import Changes, Key, Row, Table


class InMemoryRowView(RowView, POPOTrackingRecorder):
    """Rows in dicts: for unit tests and the in-process `lease simulate`."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict[Key, Row]] = {t.name: {} for t in self.tables}

    def _load(self, table: Table, key: Key) -> Row | None:
        row = self._rows[table.name].get(key)
        return dict(row) if row is not None else None

    def _load_page(self, table: Table, after: Key | None, limit: int) -> list[Row]:
        keys = sorted(k for k in self._rows[table.name] if after is None or k > after)
        return [dict(self._rows[table.name][k]) for k in keys[:limit]]

    def _load_group(self, table: Table, first: Any) -> list[Row]:
        return [dict(row) for key, row in self._rows[table.name].items() if key[0] == first]

    def _write(self, changes: Changes, tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            self._store(changes)
            self._insert_tracking(tracking)

    def _replace(self, changes: Changes, tracking: Tracking) -> None:
        with self._database_lock:
            self._drop_all()
            self._store(changes)
            self._insert_tracking(tracking)

    def _store(self, changes: Changes) -> None:
        for table, rows in changes.items():
            stored = self._rows[table]
            for key, row in rows.items():
                if row is None:
                    stored.pop(key, None)
                else:
                    stored[key] = dict(row)

    def _drop_all(self) -> None:
        for rows in self._rows.values():
            rows.clear()
        self._max_tracking_ids.clear()

    def select(self, table: str, order_by: tuple[str, ...] = (), **equal: Any) -> list[Row]:
        rows = [
            dict(row)
            for row in self._rows[table].values()
            if all(row.get(c) == v for c, v in equal.items())
        ]
        return sorted(rows, key=lambda r: tuple(r[c] for c in order_by)) if order_by else rows

    def page(self, table: str, by: str, after: Any, limit: int, **equal: Any) -> list[Row]:
        rows = [r for r in self.select(table, (by,), **equal) if after is None or r[by] > after]
        return rows[:limit]

    def clear(self) -> None:
        with self._database_lock:
            self._drop_all()
        self.forget()
        self._complete = True
