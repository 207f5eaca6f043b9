"""A contract's events exactly as PostgreSQL stores them (for the audit pack).

Read with SQL rather than through the application, because the pack shows what is stored:
the notification id (the event's position in the whole log), the topic, the state bytes as
written, and the `chain_hash` column when the event store has it (issue 12's hash chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.application import Application


@dataclass(frozen=True)
class StoredRow:
    """One stored event of an aggregate."""

    originator_id: UUID
    version: int
    notification_id: int
    topic: str
    state: bytes
    chain_hash: bytes | None
    """The hash the database stored with the event; None where the column does not exist."""


def stored_rows(app: Application[Any], originator_id: UUID) -> list[StoredRow]:
    """Every stored event of the aggregate, in version order (PostgreSQL event stores only)."""
    return _select(app, SQL("originator_id = %s ORDER BY originator_version"), (originator_id,))


def first_rows(app: Application[Any]) -> list[StoredRow]:
    """The first stored event of every aggregate, in log order."""
    return _select(app, SQL("originator_version = 1 ORDER BY notification_id"), ())


def _select(app: Application[Any], where: SQL, params: tuple[Any, ...]) -> list[StoredRow]:
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        msg = "the audit pack reads a PostgreSQL event store"
        raise TypeError(msg)
    schema, table = recorder.datastore.schema, recorder.events_table_name
    with recorder.datastore.get_connection() as conn:
        has_chain = conn.execute(
            "SELECT 1 FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = %s AND column_name = 'chain_hash'",
            (schema, table),
        ).fetchone()
        chain = SQL("chain_hash") if has_chain else SQL("NULL::bytea AS chain_hash")
        found = conn.execute(
            SQL(
                "SELECT originator_id, originator_version, notification_id, topic, state, {0}"
                " FROM {1}.{2} WHERE {3}"
            ).format(chain, Identifier(schema), Identifier(table), where),
            params,
        ).fetchall()
    return [
        StoredRow(
            row["originator_id"],
            int(row["originator_version"]),
            int(row["notification_id"]),
            str(row["topic"]),
            bytes(row["state"]),
            bytes(row["chain_hash"]) if row["chain_hash"] is not None else None,
        )
        for row in found
    ]
