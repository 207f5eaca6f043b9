"""How often a session's prepared statements ran: which insert path a save took."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore


def prepared_runs(datastore: PostgresDatastore, like: str) -> list[int]:
    """How often each prepared statement named `like` ran, in name order, on the session the
    datastore's pool gives (a pool of one connection: the only session)."""
    with datastore.get_connection() as conn:
        rows = conn.execute(
            "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements"
            " WHERE name LIKE %s ORDER BY name",
            (like,),
        ).fetchall()
    return [row["runs"] for row in rows]
