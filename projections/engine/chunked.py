"""A rebuild in bounded memory: the log read a chunk of contracts at a time, rows staged.

Every row of a view comes from one contract's events (but what an `OrderedPart` decides,
below), so a contract's final rows are known once its own events are applied (a property of
the views: tests/integration/test_chunked_rebuild.py checks it). A chunked rebuild reads the
events of a range of contracts (`Plan`: ranges of at most about `EVENTS_PER_CHUNK` events,
the last ones shorter, up to the log's head when it started), applies them in log order to
empty batches, COPYs the rows into each table's staging table (unlogged, no key) and
forgets them. Memory is that of one chunk, whatever the size of the book; each event is
read and decoded once in the chunks, by whichever process claims its chunk
(projections/engine/parallel.py shares the chunks among processes), and the events an
`OrderedPart` needs once more before them (below).

What a view decides by the order of events across contracts (an invoice's number:
`OrderedPart`) is decided first: its facts are extracted from ranges of the log (just the
events it needs, by any process), then decided in log order by this process from the
staged facts, and each chunk reads what was decided for its contracts.

At the end each view's rows and tracking are replaced in one transaction (TRUNCATE, keys
dropped, INSERT from the staging tables, keys built again, tracking), view after view in
registry order (with workers, each process takes the next view): a rebuild that fails or is
killed leaves every view it had not replaced yet as it was. The staging tables are dropped
at the end, and dropped again by the next rebuild if one died.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import psycopg
from eventsourcing.persistence import Notification, PersistenceError, Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from projections.engine.chunk_work import Claims, Helpers, Plan, tapered, topics_of
from projections.engine.memo import PerEvent
from projections.engine.rows import PostgresRowView
from projections.engine.table_sql import TableSql
from projections.engine.tables import Batch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from projections.engine.base import BatchProjection, OrderedPart
    from projections.engine.chunk_work import Chunk, Span
    from projections.engine.runner import ProjectionGroup
    from projections.engine.timing import Breakdown

EVENTS_PER_CHUNK = 10_000
"""Events per chunk of contracts: what one process holds at a time (plus one contract)."""
TAPER = 4
"""Chunks are planned this many times shorter; the last `TAPER` chunks' worth stay short."""
DECIDE_BATCH = 10_000
"""Ordering facts decided between two writes of what is decided."""


@dataclass(frozen=True)
class Target:
    """A view being rebuilt: its projection, its tables' SQL (its ordered part's table too)."""

    projection: BatchProjection[Any]
    view: PostgresRowView
    sql: dict[str, TableSql]
    topics: list[str]
    """The stored topics of its ordered part's events (none without one)."""

    @classmethod
    def of(cls, projection: BatchProjection[Any]) -> Target:
        view = cast("PostgresRowView", projection.view)
        sql = {t.name: view.table_sql(t.name) for t in view.tables}
        part = projection.ordered
        if part is not None:
            prefix = view.tracking_table_name.removesuffix("_tracking")
            for table in (part.decided, part.facts):
                sql[table.name] = TableSql(view.datastore.schema, f"{prefix}_{table.name}", table)
        return cls(projection, view, sql, [] if part is None else topics_of(part.events))

    def batch(self) -> Batch:
        """An empty batch of the view, with its ordered part's table."""
        part = self.projection.ordered
        return Batch(self.view, fresh=True, extra=() if part is None else (part.decided,))


def applies(group: ProjectionGroup) -> bool:
    """Whether the group's rebuild runs in chunks (PostgreSQL log and views)."""
    recorder = group.app.recorder
    return isinstance(recorder, PostgresApplicationRecorder) and all(
        isinstance(p.view, PostgresRowView) for p in group.projections
    )


class ChunkRebuilder:
    """One process's part of a chunked rebuild: its chunks' rows into the staging tables."""

    def __init__(self, group: ProjectionGroup, breakdown: Breakdown | None = None) -> None:
        self.group = group
        self.breakdown = breakdown
        """Where the time goes, when timed (reads, and each view's staging and replacing)."""
        recorder = group.app.recorder
        assert isinstance(recorder, PostgresApplicationRecorder)  # `applies`
        self.recorder = recorder
        table = SQL("{0}.{1}").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
        )
        self._select_chunk = (
            SQL(
                "SELECT * FROM {0} WHERE originator_id BETWEEN %s AND %s"
                " AND notification_id <= %s ORDER BY notification_id"
            )
            .format(table)
            .as_bytes(None)
        )
        self._plan = (
            SQL(
                "WITH per AS (SELECT originator_id, count(*) AS n FROM {0}"
                " WHERE notification_id <= %s GROUP BY originator_id),"
                " run AS (SELECT originator_id,"
                " ((sum(n) OVER (ORDER BY originator_id))::bigint - n) / %s AS chunk FROM per),"
                " firsts AS (SELECT DISTINCT ON (chunk) chunk, originator_id FROM run"
                " ORDER BY chunk, originator_id),"
                " lasts AS (SELECT DISTINCT ON (chunk) chunk, originator_id FROM run"
                " ORDER BY chunk, originator_id DESC)"
                " SELECT f.originator_id AS lo, l.originator_id AS hi"
                " FROM firsts f JOIN lasts l USING (chunk) ORDER BY chunk"
            )
            .format(table)
            .as_bytes(None)
        )
        self.targets = [Target.of(p) for p in group.projections]
        self.unordered_first = sorted(self.targets, key=lambda t: t.projection.ordered is not None)
        """The targets in the order a chunk is applied to them (`rebuild_chunk`)."""
        self.chunks = 0
        self.read = 0

    def plan(self, events_per_chunk: int = EVENTS_PER_CHUNK) -> Plan:
        """The ranges and chunks of the log up to its head now (no chunk: an empty log).

        Chunks are planned a `TAPER`th of `events_per_chunk` long, then all but the last
        `TAPER` chunks' worth merged back (`tapered`): the processes take the short ones
        last, so none waits long at the end for another's last chunk. Ranges are as short.
        """
        head = self.recorder.max_notification_id() or 0
        fine = max(1, events_per_chunk // TAPER)
        with self.recorder.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._plan, (head, fine))
            chunks = tapered([(row["lo"], row["hi"]) for row in curs.fetchall()], TAPER)
        ordered = any(t.projection.ordered is not None for t in self.targets)
        ranges = tuple((i, min(i + fine - 1, head)) for i in range(1, head + 1, fine))
        return Plan(head, ranges if ordered else (), chunks if head else ())

    def create_staging(self) -> None:
        """Each view's staging tables, empty (any a dead rebuild left are dropped first)."""
        for target in self.targets:
            with target.view.datastore.transaction(commit=True) as curs:
                for sql in target.sql.values():
                    curs.execute(sql.staging.create)

    def drop_staging(self) -> None:
        """Drop the staging tables (quietly: a rebuild that failed may have lost its database;
        the next rebuild drops what is left)."""
        for target in self.targets:
            with (
                contextlib.suppress(psycopg.Error, PersistenceError),
                target.view.datastore.transaction(commit=True) as curs,
            ):
                for sql in target.sql.values():
                    curs.execute(sql.staging.drop)

    def extract(self, span: Span) -> None:
        """The ordering facts of the views' `OrderedPart`s in this range of the log, staged."""
        first, last = span
        for target in self.targets:
            part = target.projection.ordered
            if part is None:
                continue
            notifications = self.recorder.select_notifications(
                first, last - first + 1, stop=last, topics=target.topics
            )
            rows = {}
            for notification, event in zip(
                notifications, self.group._decode(notifications), strict=True
            ):
                facts = part.extract(event)
                if facts is not None:
                    rows[(notification.id,)] = {"position": notification.id, **facts}
            PerEvent.forget_all()
            with self._timing("ordered"), target.view.datastore.transaction(commit=True) as curs:
                target.sql[part.facts.name].copy(curs, rows.values(), staged=True)

    def decide_in_order(self) -> None:
        """The views' `OrderedPart`s decide, fact after fact in log order (this process).

        The facts are read `DECIDE_BATCH` at a time by position; the rows of tables the part
        only writes are staged after each read, the others (counters) at the end.
        """
        for target in self.targets:
            part = target.projection.ordered
            if part is not None:
                with self._timing("ordered"):
                    self._decide(target, part)

    def _decide(self, target: Target, part: OrderedPart) -> None:
        batch = target.batch()
        tables = (*part.tables, part.decided.name)
        written = [t for t in tables if not target.sql[t].table.cached]
        facts = target.sql[part.facts.name].staging
        with target.view.datastore.transaction(commit=True) as curs:
            curs.execute(facts.index)
        after = 0
        while True:
            with target.view.datastore.get_connection() as conn, conn.cursor() as curs:
                curs.execute(facts.page, (after, DECIDE_BATCH))
                rows = curs.fetchall()
            for row in rows:
                part.decide(row, batch)
            self.stage(target, batch, written)
            if len(rows) < DECIDE_BATCH:
                break
            after = rows[-1]["position"]
        self.stage(target, batch, tables)
        with target.view.datastore.transaction(commit=True) as curs:
            curs.execute(target.sql[part.decided.name].staging.index)

    def rebuild_chunk(
        self, chunk: Chunk, head: int, until_decided: Callable[[], None] = lambda: None
    ) -> int:
        """Apply the chunk's events to every view and stage the rows; events read.

        The views without an `OrderedPart` go first; `until_decided` is called before each of
        the others (a worker that takes a chunk while this process is still deciding waits
        there, having read, decoded and applied what it could).
        """
        notifications = self.read_chunk(chunk, head)
        events = self.group._decode(notifications)
        for target in self.unordered_first:
            part = target.projection.ordered
            batch = target.batch()
            if part is not None:
                until_decided()
                self._load_decided(target, part, chunk, batch)
            target.projection.apply_all(events, batch)
            ordered = () if part is None else (*part.tables, part.decided.name)
            self.stage(target, batch, [t.name for t in target.view.tables if t.name not in ordered])
        PerEvent.forget_all()
        self.chunks += 1
        self.read += len(notifications)
        if self.breakdown is not None:
            self.breakdown.batches += 1
        return len(notifications)

    def read_chunk(self, chunk: Chunk, head: int) -> list[Notification]:
        """The events of the chunk's contracts up to `head`, in log order."""
        with (
            self._timing("read"),
            self.recorder.datastore.get_connection() as conn,
            conn.cursor() as curs,
        ):
            curs.execute(self._select_chunk, (*chunk, head))
            return [
                Notification(
                    id=row["notification_id"],
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    def stage(self, target: Target, batch: Batch, tables: Iterable[str]) -> None:
        """COPY the batch's rows of these tables into their staging tables, and drop them."""
        with (
            self._timing(target.projection.name),
            target.view.datastore.transaction(commit=True) as curs,
        ):
            for name in tables:
                rows = batch.changes[name]
                if rows:
                    target.sql[name].copy(
                        curs, (r for r in rows.values() if r is not None), staged=True
                    )
                    rows.clear()

    def _load_decided(self, target: Target, part: OrderedPart, chunk: Chunk, batch: Batch) -> None:
        """What the ordered part decided for the chunk's contracts, into the batch."""
        decided = batch.changes[part.decided.name]
        key_of = part.decided.key_of
        with target.view.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(target.sql[part.decided.name].staging.select_range, chunk)
            for row in curs.fetchall():
                decided[key_of(row)] = dict(row)

    def replace_view(self, index: int, head: int) -> None:
        """The view's rows and tracking by its staged rows, in one transaction (which drops
        the staging tables too: the processes drop them as they go, not one at the end)."""
        target = self.targets[index]
        staged = [target.sql[t.name].staging for t in target.view.tables]
        moves = [s.move for s in staged] + [s.drop for s in staged]  # dropped with it, here

        def move(curs: psycopg.Cursor[Any]) -> None:
            for statement in moves:
                curs.execute(statement)

        with self._timing("replace"):
            target.view.replace_with(move, Tracking(self.group.app.name, head))

    @contextlib.contextmanager
    def _timing(self, what: str) -> Iterator[None]:
        """Add the block's time to the breakdown: `read`, `ordered`, `replace`, or a view's
        name (its rows' COPY to staging)."""
        if self.breakdown is None:
            yield
            return
        started = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - started
            if what == "read":
                self.breakdown.read += spent
            elif what in ("ordered", "replace"):
                setattr(self.breakdown, what, getattr(self.breakdown, what) + spent)
            else:
                self.breakdown.commits[what] = self.breakdown.commits.get(what, 0.0) + spent


def rebuild_in_chunks(
    group: ProjectionGroup,
    progress: Callable[[int], None] | None = None,
    helpers: Helpers | None = None,
    events_per_chunk: int = EVENTS_PER_CHUNK,
    breakdown: Breakdown | None = None,
) -> tuple[int, ChunkRebuilder]:
    """Rebuild every view of the group in chunks, with `helpers` if given; (events applied,
    this process's part)."""
    helpers = helpers or Helpers()
    here = ChunkRebuilder(group, breakdown)
    plan = here.plan(events_per_chunk)
    if not plan.chunks:  # an empty log: nothing to replace the rows with
        for target in here.targets:
            target.view.clear()
        group.reload_positions()
        return 0, here
    try:
        here.create_staging()
        helpers.start(plan)
        while (index := helpers.ranges.claim()) < len(plan.ranges):
            here.extract(plan.ranges[index])
            helpers.ranges.add_done(1)
            helpers.check()
        helpers.extracted(len(plan.ranges))
        here.decide_in_order()
        helpers.decided()
        reported = 0
        while (index := helpers.claims.claim()) < len(plan.chunks):
            helpers.claims.add_done(here.rebuild_chunk(plan.chunks[index], plan.head))
            helpers.staged.add_done(1)
            helpers.check()
            reported = _report(progress, helpers.claims, reported)
        helpers.all_staged(len(plan.chunks))
        _report(progress, helpers.claims, reported)
        while (index := helpers.views.claim()) < len(here.targets):
            here.replace_view(index, plan.head)
            helpers.check()
        helpers.finish()
    finally:
        here.drop_staging()
        for target in here.targets:  # whichever process replaced it, read it again
            target.view.forget()
        with contextlib.suppress(PersistenceError):  # not over the error that got us here
            group.reload_positions()
    return helpers.claims.done(), here


def _report(progress: Callable[[int], None] | None, claims: Claims, reported: int) -> int:
    """Tell `progress` the events applied since it was last told (by every process)."""
    done = claims.done()
    if progress is not None and done > reported:
        progress(done - reported)
    return done
