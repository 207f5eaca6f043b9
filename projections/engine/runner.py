"""Runs projections over the contracts application's event log: catch up in batches, then live.

One reader serves every projection of a group: each batch of notifications is read and
decoded once, then handed to each projection whose position is behind it, with the tracking
record of the batch's last notification. A projection's rows and tracking commit together,
so a killed runner resumes from each view's own position and nothing is applied twice. The
views of one PostgreSQL database commit a batch in ONE transaction, each with its own rows
and tracking (`commit_all`: live, one round trip and one WAL flush per batch, not six).
Live, the runner sleeps on PostgreSQL's NOTIFY (sent by every insert) and catches up again.

A rebuild (and, when asked, a catch-up of views still at position 0) replaces each view's
rows and tracking in one transaction at the end, so a rebuild that dies midway leaves every
view it had not replaced yet as it was. On PostgreSQL it goes a chunk of contracts at a time
in bounded memory (projections/engine/chunked.py), shared by worker processes when the group
has a `ParallelRebuild`; in memory it applies the whole log at once (`RowView.replace`).
"""

from __future__ import annotations

import logging
import time
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder

from projections.engine import chunked
from projections.engine.decoding import memoising
from projections.engine.memo import PerEvent
from projections.engine.rows import PostgresRowView
from projections.engine.warming import warm_in_steps

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterator, Sequence
    from datetime import datetime

    from eventsourcing.application import Application

    from projections.engine.base import BatchProjection
    from projections.engine.parallel import ParallelRebuild
    from projections.engine.rows import Batch, RowView

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
IDLE_CATCH_UP = 60.0
"""Seconds after which a follower with no NOTIFY catches up anyway."""
DONE = object()
"""What `next` gives for a view whose warming has ended."""


def nothing() -> None:
    """What is done after a page of warming unless the group is told otherwise."""


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
        self.mapper = memoising(app.mapper)
        """Decodes the events (the application's decoding, repeated values shared)."""
        self.projections = list(projections)
        self.batch_size = batch_size
        self._positions = {p.name: self._stored_position(p) for p in self.projections}
        self.chunk_events = chunked.EVENTS_PER_CHUNK
        """Events per chunk of contracts in a rebuild (projections/engine/chunked.py)."""
        self.parallel: ParallelRebuild | None = None
        """Splits a rebuild over processes (set by the composition root); None: here."""
        self._stale = False
        self._upgraded = False
        self._warming: list[tuple[RowView, Iterator[None]]] = []
        """Views whose identity maps fill a page at a time (projections/engine/warming.py)."""
        self._after_warm_step: Callable[[], None] = nothing
        """A catch-up failed (e.g. the database went away): a batch may have committed
        without its answer reaching us, so the next one starts with `resync`."""

    def _stored_position(self, projection: BatchProjection[Any]) -> int:
        return projection.view.max_tracking_id(self.app.name) or 0

    def reload_positions(self) -> None:
        """Read each view's position again (after a rebuild cleared one)."""
        self._positions = {p.name: self._stored_position(p) for p in self.projections}

    def upgrade(self) -> list[str]:
        """The views whose tables an older version created (`RowView.upgrade`): given the new
        columns and emptied, so the next catch-up builds them again from the log. Once per
        group: a worker that reconnects after an outage catches up again on the same group."""
        if self._upgraded:
            return []
        upgraded = [p.name for p in self.projections if p.view.upgrade()]
        self._upgraded = True
        if upgraded:
            self.reload_positions()
        return upgraded

    def resync(self) -> None:
        """Take each view's position and rows from storage again, not from memory: after a
        lost connection a batch may have committed without its answer reaching us."""
        for projection in self.projections:
            projection.view.forget()
        warming = [view for view, _ in self._warming]  # their warming ended: start it again
        self._warming = [(view, warm_in_steps(view)) for view in warming]
        self.reload_positions()
        self._stale = False

    def catch_up(
        self, progress: Callable[[int], None] | None = None, *, fresh_from_empty: bool = False
    ) -> int:
        """Apply everything stored so far; returns how many notifications were read.

        With `fresh_from_empty`, the views still at position 0 are built as by `rebuild`
        (on PostgreSQL in chunks, else in memory and replaced at the end; the chunks' events
        count as read too); the others commit batch by batch.
        """
        if self._stale:
            self.resync()
        fresh = [p for p in self.projections if fresh_from_empty and not self._positions[p.name]]
        if fresh and chunked.applies(self):
            built = ProjectionGroup(self.app, fresh, batch_size=self.batch_size)
            read = chunked.rebuild_in_chunks(built, progress, None, self.chunk_events)[0]
            self.start_warming(fresh)  # their maps filled between the live batches
            self.reload_positions()
            return read + self._catch_up(progress, {})
        return self._catch_up(progress, {p.name: p.view.begin_rebuild() for p in fresh})

    def start_warming(
        self,
        projections: Sequence[BatchProjection[Any]] | None = None,
        *,
        after_step: Callable[[], None] | None = None,
    ) -> None:
        """Fill the views' identity maps (all, or those of `projections`) a page at a time
        from now on, between batches (`warm_step`), instead of before the first one;
        `after_step` is called after each page (the worker freezes what it read)."""
        if after_step is not None:
            self._after_warm_step = after_step
        chosen = self.projections if projections is None else projections
        warming = [view for view, _ in self._warming]
        for view in (p.view for p in chosen):
            if not any(view is other for other in warming):
                self._warming.append((view, warm_in_steps(view)))

    def warm_step(self) -> bool:
        """Read one page into the identity map of the next view still warming, the views
        taken in turn; whether any is still warming."""
        while self._warming:
            view, steps = self._warming.pop(0)
            more = next(steps, DONE) is not DONE
            self._after_warm_step()
            if more:
                self._warming.append((view, steps))
                return True
        return False

    def finish_warming(self) -> None:
        """Read the rest of the warming views' tables now, page after page (before a
        backlog: its batches then read nothing from storage)."""
        while self.warm_step():
            pass

    def rebuild(self, progress: Callable[[int], None] | None = None) -> int:
        """Replay the whole log into every view from empty; returns notifications read.

        Each view's rows and tracking are replaced in one transaction once the log is read:
        until then a reader, or a runner after a crash, sees the view as it was. With
        `parallel` set, the views are split over processes (projections/engine/parallel.py).
        """
        if self.parallel is not None:
            return self.parallel.rebuild(self, progress)
        return self.rebuild_here(progress)

    def rebuild_here(self, progress: Callable[[int], None] | None = None) -> int:
        """`rebuild` in this process: on PostgreSQL in chunks of contracts, in bounded memory
        (projections/engine/chunked.py); else one reader, every view in memory, then replaced."""
        if chunked.applies(self):
            return chunked.rebuild_in_chunks(self, progress, None, self.chunk_events)[0]
        kept = dict(self._positions)
        self._positions = dict.fromkeys(kept, 0)
        batches = {p.name: p.view.begin_rebuild() for p in self.projections}
        read = self._catch_up(progress, batches, kept)
        if not read:  # an empty log: nothing to replace the rows with
            for projection in self.projections:
                projection.view.clear()
            self._positions = dict.fromkeys(kept, 0)
        return read

    def _catch_up(
        self,
        progress: Callable[[int], None] | None,
        rebuilding: dict[str, Batch],
        kept: dict[str, int] | None = None,
    ) -> int:
        """Read to the head; views in `rebuilding` are replaced by their batch at the end.

        If it fails, those not replaced get their position in `kept` back (default 0).
        """
        read = 0
        try:
            while True:
                start = min(self._positions.values(), default=0) + 1
                notifications = self.app.recorder.select_notifications(start, self.batch_size)
                backlog = len(notifications) == self.batch_size
                if backlog and not rebuilding:
                    self.finish_warming()
                if notifications:
                    self._apply([n.id for n in notifications], notifications, rebuilding)
                    read += len(notifications)
                    if progress is not None:
                        progress(len(notifications))
                    if not rebuilding:
                        self.warm_step()  # live: a page between two batches
                if not backlog:
                    break
            for projection in self.projections:
                batch, position = rebuilding.get(projection.name), self._positions[projection.name]
                if batch is not None and position:
                    projection.view.replace(batch, Tracking(self.app.name, position))
                    del rebuilding[projection.name]
        except Exception:
            self._stale = True  # a lost answer may hide a committed batch
            raise
        finally:
            for name in rebuilding:
                self._positions[name] = (kept or {}).get(name, 0)
        return read

    def _apply(
        self, ids: list[int], notifications: Sequence[Any], rebuilding: dict[str, Batch]
    ) -> None:
        events = self._decode(notifications)
        last = ids[-1]
        pending: list[tuple[BatchProjection[Any], Batch]] = []
        for projection in self.projections:
            position = self._positions[projection.name]
            if position >= last:
                continue
            todo = events if position < ids[0] else events[bisect_right(ids, position) :]
            batch = rebuilding.get(projection.name)
            if batch is None:
                batch = projection.view.begin()
                pending.append((projection, batch))
            projection.apply_all(todo, batch)
            if projection.name in rebuilding:
                self._positions[projection.name] = last
        PerEvent.forget_all()
        if pending:
            self._commit([(p.view, batch) for p, batch in pending], Tracking(self.app.name, last))
            for projection, _ in pending:
                self._positions[projection.name] = last

    def _decode(self, notifications: Sequence[Any]) -> list[Any]:
        to_domain_event = self.mapper.to_domain_event
        return [to_domain_event(n) for n in notifications]

    def _commit(self, pending: list[tuple[RowView, Batch]], tracking: Tracking) -> None:
        """The views' batches and tracking records, in one transaction where they can share it."""
        commit_all(pending, tracking)

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
        """Catch up, then follow the log until `stop` is set (PostgreSQL: woken by NOTIFY).

        Idle, it only waits: it looks at `stop` every `idle_wait` seconds and catches up when
        notified (or every `IDLE_CATCH_UP` seconds, a safety net that costs one query).
        """
        recorder = self.app.recorder
        if not isinstance(recorder, PostgresApplicationRecorder):
            while not stop.is_set():
                self.catch_up()
                if not self.warm_step():
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
            due, caught_up = True, 0.0
            while not stop.is_set():
                if due or time.monotonic() - caught_up >= IDLE_CATCH_UP:
                    self.catch_up()
                    caught_up = time.monotonic()
                wait = 0.0 if self.warm_step() else idle_wait  # warming: only look for news
                due = any(True for _ in conn.notifies(timeout=wait, stop_after=1))


def commit_all(pending: Sequence[tuple[RowView, Batch]], tracking: Tracking) -> None:
    """Commit each view's batch up to `tracking`.

    PostgreSQL views of one database commit in ONE transaction, each writing its own rows
    and tracking (one round trip and one WAL flush per live batch, instead of one per view);
    other views commit one by one.
    """
    shared = [(v, b) for v, b in pending if isinstance(v, PostgresRowView)]
    if len(shared) < 2 or len({v.database for v, _ in shared}) > 1:
        shared = []
    for view, batch in pending:
        if not any(view is v for v, _ in shared):
            view.commit(batch, tracking)
    if shared:
        shared[0][0].execute_in_transaction(
            [s for view, batch in shared for s in view.statements(batch.changes, tracking)]
        )
        for view, batch in shared:
            view.committed_with(batch)
