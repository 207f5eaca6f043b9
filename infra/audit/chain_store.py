"""Reading the chain from PostgreSQL: events tables streamed in (aggregate, version) order
through a server-side cursor (bounded memory), and the snapshots checked against events.

A snapshot is not chained: it is checked by projecting the aggregate from its (verified)
events up to the snapshot's version and comparing it with the snapshot's aggregate.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.persistence import StoredEvent
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

from infra.audit.verify import BrokenLink, StoredLink

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg
    from eventsourcing.application import Application

FETCH = 5000
"""Rows fetched from the server-side cursor at a time."""


def hold_open(conn: psycopg.Connection[Any]) -> None:
    """Let this transaction stay open while its cursor waits on the caller's work.

    The library's connections end a session idle in a transaction for 5 s; a verify streams
    from a server-side cursor while it checks links, or rebuilds a snapshot's aggregate on
    another connection, and on a large book under load one fetch's work outlasts that."""
    conn.execute("SET LOCAL idle_in_transaction_session_timeout = 0")


def stream_links(
    conn: psycopg.Connection[Any], schema: str, table: str, originator_id: UUID | None = None
) -> Iterator[StoredLink]:
    """The table's rows in (aggregate, version) order, `FETCH` at a time (inside a
    transaction of `conn`, which a named cursor needs)."""
    query = SQL(
        "SELECT originator_id, originator_version, notification_id, topic, state, chain_hash "
        "FROM {}.{}"
    ).format(Identifier(schema), Identifier(table))
    params: tuple[Any, ...] = ()
    if originator_id is not None:
        query += SQL(" WHERE originator_id = %s")
        params = (originator_id,)
    query += SQL(" ORDER BY originator_id, originator_version")
    with conn.cursor(name=f"chain_{table}", row_factory=tuple_row) as curs:
        curs.itersize = FETCH
        curs.execute(query, params)
        for oid, version, position, topic, state, chain_hash in curs:
            yield StoredLink(
                oid,
                version,
                position,
                topic,
                bytes(state),
                bytes(chain_hash) if chain_hash is not None else None,
            )


def name_broken(conn: psycopg.Connection[Any], schema: str, broken: BrokenLink) -> BrokenLink:
    """The broken link with its contract number, read from the contract's first event."""
    query = SQL("SELECT state FROM {}.{} WHERE originator_id = %s AND originator_version = 1")
    with conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(
            query.format(Identifier(schema), Identifier(broken.table)), (broken.originator_id,)
        )
        row = curs.fetchone()
    number = contract_number(bytes(row[0])) if row is not None else None
    return replace(broken, name=number) if number is not None else broken


def count_rows(conn: psycopg.Connection[Any], schema: str, table: str) -> int:
    """How many events a table holds (the progress bar's total)."""
    query = SQL("SELECT count(*) AS n FROM {}.{}").format(Identifier(schema), Identifier(table))
    row = conn.execute(query).fetchone()
    if row is None:
        return 0
    return int(row["n"] if isinstance(row, dict) else row[0])


def contract_number(state: bytes) -> str | None:
    """The contract number in a contract's first event (its stored JSON), if it has one."""
    try:
        found = _find_number(json.loads(state))
    except (ValueError, UnicodeDecodeError):
        return None
    return found


def _find_number(value: object) -> str | None:
    if isinstance(value, dict):
        number = value.get("contract_number")
        if isinstance(number, str):
            return number
        for item in value.values():
            found = _find_number(item)
            if found is not None:
                return found
    return None


def verify_snapshots(
    app: Application[Any],
    conn: psycopg.Connection[Any],
    table: str,
    skip: set[UUID],
    only: UUID | None = None,
) -> list[BrokenLink]:
    """Each snapshot of `table` compared with its aggregate projected from the events (the
    aggregates in `skip`, whose chain is broken, are not: their events are not evidence)."""
    schema = app.factory.datastore.schema  # type: ignore[attr-defined]
    query = SQL("SELECT originator_id, originator_version, topic, state FROM {}.{}").format(
        Identifier(schema), Identifier(table)
    )
    params: tuple[Any, ...] = ()
    if only is not None:
        query += SQL(" WHERE originator_id = %s")
        params = (only,)
    query += SQL(" ORDER BY originator_id, originator_version")
    broken: list[BrokenLink] = []
    with conn.cursor(name=f"chain_{table}", row_factory=tuple_row) as curs:
        curs.itersize = 100
        curs.execute(query, params)
        for oid, version, topic, state in curs:
            if oid in skip:
                continue
            problem = _snapshot_problem(app, StoredEvent(oid, version, topic, bytes(state)))
            if problem is not None:
                broken.append(BrokenLink(table, oid, version, None, problem))
    return broken


def _snapshot_problem(app: Application[Any], stored: StoredEvent) -> str | None:
    """Why a stored snapshot is not the aggregate its events give, or None."""
    oid = UUID(str(stored.originator_id))
    try:
        snapshot = app.mapper.to_domain_event(stored)
        from_snapshot = project_aggregate(None, [snapshot])
    except Exception as err:  # noqa: BLE001 - anything undecodable is tampering evidence
        return f"snapshot tampered: it does not decode ({type(err).__name__})"
    from_events = project_aggregate(None, app.events.get(oid, lte=stored.originator_version))
    if from_events is None:
        return "snapshot tampered: its aggregate has no events up to its version"
    if from_snapshot != from_events:
        return "snapshot tampered: it differs from the aggregate its events give"
    return None
