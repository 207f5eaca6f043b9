"""A leaner `select_events` for the PostgreSQL recorders: what a cold load of a contract costs.

The library composes its SELECT anew on every call (`SQL + SQL`, rendered to bytes each time)
and reads rows as dicts; at a few events per load that was most of a load's client CPU,
more than decoding the events. Here the four shapes of the query (with or without a lower
and an upper version, ascending or descending, limited or not) are rendered once per
recorder, and rows come back as tuples. Same statement, same parameters, same retries and
errors as the library's (its `get_connection` translates psycopg's errors).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.utils import retry
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from eventsourcing.postgres import PostgresDatastore

Shape = tuple[bool, bool, bool, bool]
"""A lower bound, an upper bound, descending, a limit."""


class QuickSelects:
    """`select_events` from statements rendered once (mixed into a PostgreSQL recorder)."""

    datastore: PostgresDatastore
    events_table_name: str

    def _statement(self, shape: Shape) -> bytes:
        statements: dict[Shape, bytes] = self.__dict__.setdefault("_quick_selects", {})
        if shape not in statements:
            gt, lte, desc, limit = shape
            statement = SQL(
                "SELECT originator_id, originator_version, topic, state FROM {}.{}"
                " WHERE originator_id = %s"
            ).format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
            if gt:
                statement += SQL(" AND originator_version > %s")
            if lte:
                statement += SQL(" AND originator_version <= %s")
            statement += SQL(
                " ORDER BY originator_version DESC" if desc else " ORDER BY originator_version ASC"
            )
            if limit:
                statement += SQL(" LIMIT %s")
            statements[shape] = statement.as_bytes(None)
        return statements[shape]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        params: list[Any] = [originator_id]
        params.extend(bound for bound in (gt, lte, limit) if bound is not None)
        statement = self._statement((gt is not None, lte is not None, desc, limit is not None))
        with (
            self.datastore.get_connection() as conn,
            conn.cursor(row_factory=tuple_row) as curs,
        ):
            curs.execute(statement, params, prepare=True)
            return [
                StoredEvent(
                    originator_id=row[0],
                    originator_version=row[1],
                    topic=row[2],
                    state=bytes(row[3]),
                )
                for row in curs.fetchall()
            ]
