"""The scheduler's next-due index: which contracts the daily billing has to ask (issue 14).

One row per contract in `<schema>.scheduler_billing_due`: the contract's version when the
scheduler last asked it, and `next_due`, the first business date on which `Bill` can record
something (`domain.contract.daily.next_billing_day`; NULL: never), indexed. A day's run asks
only the contracts whose `next_due` is on or before the date, so it costs what is due, not
the size of the book.

Why a table of the scheduler's and not a column of a view: the date is the aggregate's own
answer (periods begun, fuel months, credits to set off, after whatever ended or changed the
contract). A view would have to repeat the aggregate's billing rules event by event; here
the aggregate computes it when the scheduler asks the contract, and the event log says when
the answer may have changed:

- `refresh()` reads the events stored since its last position (only their contract id and
  version, by the notification id index) and makes every contract with a newer version
  than its row due at once (`DUE_NOW`). A new contract gets its row that way. Insert order
  is commit order (the events table lock of infra/recorder.py), so no event is passed over.
- `record()` stores, after an ask, the version the contract had and its next date. Its own
  billing events are then at or below that version, so they do not make it due again.

A crash between an ask and its `record` leaves the contract due (or its new events make it
due): it is asked again, which records nothing. The position and the marks commit together.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from psycopg import sql

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from eventsourcing.postgres import PostgresApplicationRecorder

DUE_NOW = date.min
"""`next_due` of a contract to ask at the next run (changed since it was last asked)."""


class BillingDue:
    """The next-due index beside the event store (same database, same schema)."""

    def __init__(
        self, recorder: PostgresApplicationRecorder, table: str = "scheduler_billing_due"
    ) -> None:
        self.datastore = recorder.datastore
        schema = self.datastore.schema or "public"
        names = {
            "due": sql.Identifier(schema, table),
            "position": sql.Identifier(schema, f"{table}_position"),
            "index": sql.Identifier(f"{table}_next_due_idx"),
            "events": sql.Identifier(schema, recorder.events_table_name),
        }
        self._create = [
            sql.SQL(s).format(**names)
            for s in (
                (
                    "CREATE TABLE IF NOT EXISTS {due} (contract_id uuid PRIMARY KEY, "
                    "version bigint NOT NULL, next_due date)"
                ),
                "CREATE INDEX IF NOT EXISTS {index} ON {due} (next_due)",
                (
                    "CREATE TABLE IF NOT EXISTS {position} (only_row boolean PRIMARY KEY "
                    "DEFAULT true CHECK (only_row), position bigint NOT NULL)"
                ),
                "INSERT INTO {position} (position) VALUES (0) ON CONFLICT DO NOTHING",
            )
        ]
        self._lock_position = sql.SQL("SELECT position FROM {position} FOR UPDATE").format(**names)
        self._head = sql.SQL("SELECT max(notification_id) AS head FROM {events}").format(**names)
        self._mark = sql.SQL(
            "INSERT INTO {due} (contract_id, version, next_due)"
            " SELECT originator_id, max(originator_version), %(now)s FROM {events}"
            " WHERE notification_id > %(after)s AND notification_id <= %(head)s"
            " GROUP BY originator_id"
            " ON CONFLICT (contract_id) DO UPDATE SET version = EXCLUDED.version,"
            " next_due = EXCLUDED.next_due WHERE {due}.version < EXCLUDED.version"
        ).format(**names)
        self._move = sql.SQL("UPDATE {position} SET position = %s").format(**names)
        self._due = sql.SQL(
            "SELECT contract_id FROM {due} WHERE next_due <= %s ORDER BY next_due, contract_id"
        ).format(**names)
        self._record = sql.SQL(
            "UPDATE {due} SET version = u.version, next_due = u.next_due"
            " FROM unnest(%s::uuid[], %s::bigint[], %s::date[]) AS u(contract_id, version,"
            " next_due) WHERE {due}.contract_id = u.contract_id AND {due}.version <= u.version"
        ).format(**names)
        self._next_of = sql.SQL("SELECT next_due FROM {due} WHERE contract_id = %s").format(**names)
        with self.datastore.transaction(commit=True) as curs:
            for statement in self._create:
                curs.execute(statement)

    def refresh(self) -> int:
        """Make due now every contract with events since the last refresh; how many rows
        were marked (new or changed contracts)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._lock_position)
            row = curs.fetchone()
            after = row["position"] if row else 0
            curs.execute(self._head)
            head_row = curs.fetchone()
            head = (head_row["head"] if head_row else None) or 0
            if head <= after:
                return 0
            curs.execute(self._mark, {"now": DUE_NOW, "after": after, "head": head})
            marked = curs.rowcount
            curs.execute(self._move, (head,))
            return marked

    def due(self, today: date) -> list[UUID]:
        """The contracts to ask on `today` (next due on or before it)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._due, (today,))
            return [row["contract_id"] for row in curs.fetchall()]

    def record(self, asked: Sequence[tuple[UUID, int, date | None]]) -> None:
        """After asking: (contract id, its version then, its next due date or None)."""
        if not asked:
            return
        columns = ([a[0] for a in asked], [a[1] for a in asked], [a[2] for a in asked])
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._record, columns)

    def next_due(self, contract_id: UUID) -> date | None:
        """The stored next due date of one contract (None: never, or not known yet)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._next_of, (contract_id,))
            row = curs.fetchone()
            return row["next_due"] if row else None
