"""Waiting on PostgreSQL's NOTIFY instead of polling: for new events (every insert into the
event store notifies its channel) and for other tables whose writers notify (the portal's
notifications outbox)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.persistence import ApplicationRecorder
    from eventsourcing.postgres import PostgresDatastore


@contextmanager
def notified(datastore: PostgresDatastore, channel: str) -> Iterator[Callable[[float], bool]]:
    """A wait(timeout) that returns True at the next NOTIFY on `channel` (sent when the
    writer's transaction commits), False on time: a follower works only when told, and
    otherwise only waits.

    LISTENs on a connection of its own (autocommit), opened like the datastore's pool's.
    """
    pool = datastore.pool
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    kwargs = pool.kwargs() if callable(pool.kwargs) else (pool.kwargs or {})
    kwargs = {k: v for k, v in kwargs.items() if k not in ("autocommit", "row_factory")}
    with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:
        conn.execute(psycopg.sql.SQL("LISTEN {0}").format(psycopg.sql.Identifier(channel)))

        def wait(timeout: float) -> bool:
            return any(True for _ in conn.notifies(timeout=timeout, stop_after=1))

        yield wait


@contextmanager
def new_events(recorder: ApplicationRecorder) -> Iterator[Callable[[float], bool]]:
    """`notified` on the event store's channel: True at the next insert of events."""
    if not isinstance(recorder, PostgresApplicationRecorder):  # pragma: no cover
        raise TypeError("waiting for new events needs a PostgreSQL event store")
    with notified(recorder.datastore, recorder.channel_name) as wait:
        yield wait
