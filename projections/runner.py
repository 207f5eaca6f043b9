"""Runs projections over the contracts application's event log: catch up in batches, then live.

One reader serves every projection of a group: each batch of notifications is read and
decoded once, then handed to each projection whose position is behind it, with the tracking
record of the batch's last notification. A projection's rows and tracking commit together,
so a killed runner resumes from each view's own position and nothing is applied twice.
Live, the runner sleeps on PostgreSQL's NOTIFY (sent by every insert) and catches up again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from eventsourcing.application import Application

    from projections.base import BatchProjection

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Status:
    """A view's position in the event log and how far behind it is."""

    name: str
    position: int
    head: int
    lag_events: int
    lag_seconds: float


class ProjectionGroup:
    """Projections fed by one reader of the application's notification log."""

    def __init__(
        self,
        app: Application[Any],
        projections: Sequence[BatchProjection[Any]],
        *,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.app = app
        self.projections = list(projections)
        self.batch_size = batch_size
        self._positions = {p.name: self._stored_position(p) for p in self.projections}

    def _stored_position(self, projection: BatchProjection[Any]) -> int:
        return projection.view.max_tracking_id(self.app.name) or 0

    def reload_positions(self) -> None:
        """Read each view's position again (after a rebuild cleared one)."""
        self._positions = {p.name: self._stored_position(p) for p in self.projections}

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Apply everything stored so far; returns how many notifications were read."""
        read = 0
        while True:
            start = min(self._positions.values(), default=0) + 1
            notifications = self.app.recorder.select_notifications(start, self.batch_size)
            if not notifications:
                return read
            self._apply([n.id for n in notifications], notifications)
            read += len(notifications)
            if progress is not None:
                progress(len(notifications))
            if len(notifications) < self.batch_size:
                return read

    def _apply(self, ids: list[int], notifications: Sequence[Any]) -> None:
        events = [self.app.mapper.to_domain_event(n) for n in notifications]
        last = ids[-1]
        tracking = Tracking(self.app.name, last)
        for projection in self.projections:
            position = self._positions[projection.name]
            if position >= last:
                continue
            todo = [e for i, e in zip(ids, events, strict=True) if i > position]
            projection.process_batch(todo, tracking)
            self._positions[projection.name] = last

    def status(self) -> list[Status]:
        """Each view's position, the log's head, and the lag in events and seconds."""
        head = self.app.recorder.max_notification_id() or 0
        out = []
        for p in self.projections:
            position = self._stored_position(p)
            out.append(
                Status(p.name, position, head, head - position, self._lag_seconds(position, head))
            )
        return out

    def _lag_seconds(self, position: int, head: int) -> float:
        """Age of the oldest event the view has not applied (0 when up to date)."""
        if position >= head:
            return 0.0
        [oldest] = self.app.recorder.select_notifications(position + 1, 1)
        recorded: datetime = getattr(self.app.mapper.to_domain_event(oldest), "timestamp")  # noqa: B009
        return max(0.0, time.time() - recorded.timestamp())

    def run(self, stop: threading.Event, *, idle_wait: float = 1.0) -> None:
        """Catch up, then follow the log until `stop` is set (PostgreSQL: woken by NOTIFY)."""
        recorder = self.app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            while not stop.is_set():
                self.catch_up()
                stop.wait(idle_wait)
            return
        pool = recorder.datastore.pool
        conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
        kwargs = pool.kwargs() if callable(pool.kwargs) else (pool.kwargs or {})
        kwargs = {k: v for k, v in kwargs.items() if k not in ("autocommit", "row_factory")}
        with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:
            conn.execute(
                psycopg.sql.SQL("LISTEN {0}").format(psycopg.sql.Identifier(recorder.channel_name))
            )
            while not stop.is_set():
                self.catch_up()
                for _ in conn.notifies(timeout=idle_wait, stop_after=1):
                    pass
