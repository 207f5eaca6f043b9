"""What the portal's stores share: a table name in the event store's schema, created if missing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from psycopg import sql

from infra.recorder import TABLES_LOCK

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore


def table(datastore: PostgresDatastore, name: str) -> sql.Identifier:
    """`name` qualified by the datastore's schema (public when it names none)."""
    return sql.Identifier(datastore.schema or "public", name)


def create(datastore: PostgresDatastore, *statements: sql.Composed) -> None:
    """Run the CREATE ... IF NOT EXISTS statements of a store, in one transaction, one
    process at a time (TABLES_LOCK, as the recorders create theirs): the API and the portal's
    workers start together, and concurrent CREATE TABLE IF NOT EXISTS of one table can fail
    on its type's unique name."""
    with datastore.transaction(commit=True) as curs:
        curs.execute(sql.SQL("SELECT pg_advisory_xact_lock({})").format(sql.Literal(TABLES_LOCK)))
        for statement in statements:
            curs.execute(statement)


def aware(now: datetime) -> datetime:
    """`now`, refused when it is naive: every stored time is a UTC-aware timestamp."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now
