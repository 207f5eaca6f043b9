"""What the portal's stores share: a table name in the event store's schema, created if missing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from psycopg import sql

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore


def table(datastore: PostgresDatastore, name: str) -> sql.Identifier:
    """`name` qualified by the datastore's schema (public when it names none)."""
    return sql.Identifier(datastore.schema or "public", name)


def create(datastore: PostgresDatastore, *statements: sql.Composed) -> None:
    """Run the CREATE ... IF NOT EXISTS statements of a store, in one transaction."""
    with datastore.transaction(commit=True) as curs:
        for statement in statements:
            curs.execute(statement)


def aware(now: datetime) -> datetime:
    """`now`, refused when it is naive: every stored time is a UTC-aware timestamp."""
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now
