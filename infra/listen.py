"""Waiting for new events: PostgreSQL's NOTIFY, sent by every insert into the event store."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from eventsourcing.persistence import ApplicationRecorder


@contextmanager
def new_events(recorder: ApplicationRecorder) -> Iterator[Callable[[float], None]]:
    """A wait(timeout) that returns at the next insert into the recorder's table, or on time.

    LISTENs on a connection of its own (autocommit), opened like the recorder's pool's.
    """
    if not isinstance(recorder, PostgresApplicationRecorder):  # pragma: no cover
        raise TypeError("waiting for new events needs a PostgreSQL event store")
    pool = recorder.datastore.pool
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    kwargs = pool.kwargs() if callable(pool.kwargs) else (pool.kwargs or {})
    kwargs = {k: v for k, v in kwargs.items() if k not in ("autocommit", "row_factory")}
    with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:
        channel = psycopg.sql.Identifier(recorder.channel_name)
        conn.execute(psycopg.sql.SQL("LISTEN {0}").format(channel))

        def wait(timeout: float) -> None:
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                pass

        yield wait
