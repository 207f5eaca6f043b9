"""What bench/book.py measures on a loaded book, each in a fresh process of its own.

Every measurement runs in a process spawned for it alone (`fresh`), so its peak RSS is its
own: the figure the issue asks for is the largest resident set of each process, and a
process that measured before would carry the earlier heap. Each returns its result with
the peak RSS of its process and of the largest process it started (the rebuild's workers).
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import psycopg
from eventsourcing.projection import ApplicationSubscription
from psycopg import sql
from rich.console import Console

from bench.memory import PeakMemory, children, own_peak_mib
from bench.projections import select_decode_rate
from domain.application import ContractsApplication
from infra.billing_due import BillingDue
from infra.bootstrap import build_projection_group, close_projection_group
from infra.bootstrap import rebuild as rebuild_views
from infra.cli.audit import verify_apps
from infra.clock import SettableClock
from infra.collector import survivors_set_aside
from infra.scheduler import DeadlineProducer, PublishedDeadlines, Scheduler

if TYPE_CHECKING:
    import random
    from collections.abc import Callable
    from uuid import UUID

    from consumers.termination import DeadlineReached
    from domain.contract import Contract
    from projections.views.deadlines import DeadlinesView

T = TypeVar("T")


@dataclass(frozen=True)
class Ran(Generic[T]):
    """A measurement's result and the peak memory of the process(es) that made it."""

    result: T
    rss_mib: float
    """Peak RSS of the measuring process."""
    children_rss_mib: float
    """Peak RSS of the largest process it started and waited for (0: none)."""


def _measured(fn: Callable[..., T], *args: Any) -> Ran[T]:
    with PeakMemory(children) as started:
        result = fn(*args)
    return Ran(result, own_peak_mib(), started.peak_mib)


def fresh(fn: Callable[..., T], *args: Any, spawn: bool = True) -> Ran[T]:
    """Run `fn(*args)` in a newly spawned process (not daemonic: it may start workers);
    with `spawn=False` in this one (a smoke run: the peak RSS is then this process's)."""
    if not spawn:
        return _measured(fn, *args)
    with ProcessPoolExecutor(1, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        return pool.submit(_measured, fn, *args).result()


# --- the measurements (module-level functions: a spawned process imports them) -----------------


def raw_read(env: dict[str, str]) -> tuple[int, float]:
    """The baseline: every event read in batches and decoded by the mapper, nothing written
    (the runner's own read path); (events, seconds)."""
    app = ContractsApplication(env=env)
    try:
        return select_decode_rate(app)
    finally:
        app.close()


def subscription_read(env: dict[str, str]) -> tuple[int, float]:
    """The library's read-only ApplicationSubscription from zero to the head, events decoded
    and nothing written (the baseline the issue's rebuild target is set against)."""
    app = ContractsApplication(env=env)
    try:
        head = app.recorder.max_notification_id() or 0
        started = time.perf_counter()
        count = 0
        with ApplicationSubscription(app, gt=0) as subscription:
            for _, tracking in subscription:
                count += 1
                if tracking.notification_id >= head:
                    break
        return count, time.perf_counter() - started
    finally:
        app.close()


def rebuild(env: dict[str, str]) -> tuple[int, float]:
    """Every view rebuilt from zero as `lease projections rebuild --all` does it (the
    composition root's rebuild, views split over worker processes); (events, seconds)."""
    app = ContractsApplication(env=env)
    group = build_projection_group(app, env)
    try:
        started = time.perf_counter()
        read = rebuild_views(group)
        return read, time.perf_counter() - started
    finally:
        close_projection_group(group)
        app.close()


WARM_LOADS = 20
"""Loads before timing (the pool's connections opened, statements prepared); their
contracts are not among the timed picks, so the first pass finds none of their pages."""


@dataclass(frozen=True)
class ColdLoads:
    """Milliseconds of each timed load, in two passes over the same picks."""

    first: list[float]
    """The first touch: pages wherever the OS page cache left them (from disk, when the
    cache was dropped just before)."""
    again: list[float]
    """The same loads again: the pages they read are now in memory."""


def cold_loads(env: dict[str, str], picks: list[tuple[UUID, int]]) -> ColdLoads:
    """Load each (contract, version) with no aggregate cache (the snapshot at or below the
    version, then the events after it), twice over: first touch, then in memory. The
    first `WARM_LOADS` picks only warm the pool and are not timed."""
    app = ContractsApplication(env=env | {"AGGREGATE_CACHE_MAXSIZE": ""})
    warm, timed = picks[:WARM_LOADS], picks[WARM_LOADS:]
    try:
        for oid, version in warm:
            app.repository.get(oid, version=version)
        passes: list[list[float]] = []
        for _ in range(2):
            latencies = []
            for oid, version in timed:
                t0 = time.perf_counter_ns()
                contract: Contract = app.repository.get(oid, version=version)
                latencies.append((time.perf_counter_ns() - t0) / 1e6)
                assert contract.version == version
            passes.append(latencies)
        return ColdLoads(*passes)
    finally:
        app.close()


def drop_os_cache() -> bool:
    """Write the OS page cache back and drop it (Linux, root only), so the next reads of
    the store come from disk; whether it was dropped. PostgreSQL's own shared buffers
    keep what they hold."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


class CountingProducer(DeadlineProducer):
    """Acknowledges deadline messages without a broker (the daily run's cost is the store's
    and the domain's; sending is measured by bench/pipeline.py)."""

    def __init__(self) -> None:
        self.topic = "bench"
        self.messages = 0

    def send(self, messages: list[DeadlineReached]) -> list[tuple[DeadlineReached, int, int]]:
        first = self.messages
        self.messages += len(messages)
        return [(m, 0, first + i) for i, m in enumerate(messages)]

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class DailyRun:
    seconds: float
    asked: int
    billed: int
    deadlines: int


def scheduler_day(env: dict[str, str], day: date) -> DailyRun:
    """The scheduler's daily run on business date `day` over the rebuilt views, in a cold
    process: a first run the day before fills its next-due index (it asks every contract
    once, infra/billing_due.py); then the day's run is timed on a second application whose
    contract cache is empty, as a real book's is (the contracts due today were last asked
    a month ago, and a book larger than the cache holds few of them); `asked`: the
    contracts due. Timed on the first application, a book that fits the cache (5,000
    contracts) was measured warm and a larger one mostly cold."""
    app = ContractsApplication(env=env)
    timed_app = ContractsApplication(env=env)
    group = build_projection_group(app, env, ["deadlines"])
    deadlines = cast("DeadlinesView", {p.name: p.view for p in group.projections}["deadlines"])
    producer = CountingProducer()
    clock = SettableClock(day - timedelta(days=1))

    def scheduler_of(application: ContractsApplication) -> Scheduler:
        return Scheduler(
            app=application,
            deadlines=deadlines,
            published=PublishedDeadlines(application.recorder.datastore),  # type: ignore[attr-defined]
            producer=producer,
            clock=clock,
            billing_due=BillingDue(cast("Any", application.recorder)),
        )

    try:
        with survivors_set_aside():  # the collector as `lease run scheduler` sets it
            scheduler_of(app).tick()
            clock.set(day)
            scheduler = scheduler_of(timed_app)
            sent_before = producer.messages
            scheduler.billing_due.refresh()
            asked = len(scheduler.billing_due.due(day))
            head = timed_app.recorder.max_notification_id() or 0
            started = time.perf_counter()
            scheduler.tick()
            seconds = time.perf_counter() - started
            billed = (timed_app.recorder.max_notification_id() or 0) - head
            return DailyRun(seconds, asked, billed, producer.messages - sent_before)
    finally:
        close_projection_group(group)
        timed_app.close()
        app.close()


def audit_verify(env: dict[str, str]) -> tuple[int, int, float]:
    """`lease audit verify --all`'s check of the contracts' chain and snapshots
    (infra.cli.audit.verify_apps); (events checked, broken links, seconds)."""
    app = ContractsApplication(env=env)
    try:
        started = time.perf_counter()
        events, broken = verify_apps([app], None, Console(file=io.StringIO()))
        return events, len(broken), time.perf_counter() - started
    finally:
        app.close()


# --- helpers of the parent ------------------------------------------------------------------------


def pick_versions(
    versions: dict[UUID, int], count: int, rng: random.Random
) -> list[tuple[UUID, int]]:
    """`count` random (contract, version) pairs: a random contract, a random version of it."""
    ids = list(versions)
    picks = []
    for _ in range(count):
        oid = rng.choice(ids)
        picks.append((oid, rng.randint(1, versions[oid])))
    return picks


def disk_bytes(dsn: str, schema: str) -> tuple[int, int]:
    """pg_total_relation_size (table, indexes, TOAST) of the events and snapshots tables."""
    query = sql.SQL(
        "SELECT pg_total_relation_size({}::regclass), pg_total_relation_size({}::regclass)"
    )
    events = sql.Literal(f'"{schema}"."contracts_events"')
    snapshots = sql.Literal(f'"{schema}"."contracts_snapshots"')
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute(query.format(events, snapshots)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
