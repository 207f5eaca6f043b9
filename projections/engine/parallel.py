"""A rebuild over several cores: the work of a chunked rebuild shared among processes.

A rebuild is CPU-bound Python (decoding, the views' apply, formatting the COPY), so one
process uses one core. `ParallelRebuild` starts worker processes (`spawn`: a fresh
interpreter, no inherited connections or threads) beside this one; all of them take the work
of a chunked rebuild (projections/engine/chunked.py) a unit at a time from shared counters:
the ranges of the log whose numbering facts are extracted, then the chunks of contracts (a
worker applies a chunk to the views that need the numbering once this process has decided
it), then (once every chunk is staged and every worker is through its chunks) the views to
replace. Each event is read and decoded once, by one process, and a slow process simply
does less. Each view is still replaced with its rows and tracking in one transaction, or
not at all. If a worker fails, this process raises `RebuildWorkerError` with a one-line
reason at its next look (between units of work, and always before any view is replaced),
the workers still running are terminated (an open transaction rolls back). A worker whose
parent has died stops at its next unit. Workers start without the parent's main module
(projections/engine/spawning.py).
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import resource
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresFactory, PostgresTrackingRecorder

from projections.engine import chunk_work, chunked
from projections.engine.spawning import main_module_left_out
from projections.engine.timing import Breakdown, instrument
from projections.registry import all_specs, build_group

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess
    from multiprocessing.sharedctypes import Synchronized

    from eventsourcing.application import Application

    from projections.engine.runner import ProjectionGroup


BARRIER_POLL = 0.05
"""Seconds between looks at the other processes while waiting for them (or for the parent)."""


class RebuildWorkerError(PersistenceError):
    """A worker process of a parallel rebuild failed or died; no view was replaced."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def peak_rss_mib() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class PartReport:
    """What one process did in a rebuild: chunks, events read, wall and CPU seconds, memory."""

    names: tuple[str, ...]
    worker: bool
    """A worker process (else this one)."""
    read: int
    seconds: float
    cpu: float
    breakdown: Breakdown | None
    """Where its time went, when the rebuild was `timed`."""
    chunks: int = 0
    peak_rss_mib: float = 0.0
    """The process's peak resident memory (this one's: since it started, whatever it did)."""


class SharedClaims(chunk_work.Claims):
    """`Claims` in shared memory: every process of a parallel rebuild takes from them."""

    def __init__(self, context: Any) -> None:
        self._counter: Synchronized[int] = context.Value("q", 0)
        self._applied: Synchronized[int] = context.Value("q", 0)

    def claim(self) -> int:
        with self._counter.get_lock():
            found = self._counter.value
            self._counter.value = found + 1
        return found

    def add_done(self, events: int) -> None:
        with self._applied.get_lock():
            self._applied.value += events

    def done(self) -> int:
        return self._applied.value


@dataclass(frozen=True)
class WorkerGroup:
    """How a worker process builds its group: what it needs, all picklable.

    `app_env` is the application's own env (`app.env`: where its events are), `view_env`
    the views' (they may live elsewhere, e.g. another schema).
    """

    app_class: type[Application[Any]]
    app_env: dict[str, str]
    view_env: dict[str, str]
    names: tuple[str, ...]

    def build(self) -> ProjectionGroup:
        app = self.app_class(env={**self.app_env, PostgresFactory.POSTGRES_POOL_SIZE: "1"})
        return build_group(app, all_specs(self.names), self.view_env)


class Workers(chunk_work.Helpers):
    """Worker processes taking chunks beside this one (`chunk_work.Helpers`)."""

    def __init__(self, recipe: WorkerGroup, count: int, *, timed: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.ranges = SharedClaims(context)
        self.claims = SharedClaims(context)
        self._decided = context.Event()
        self.staged = SharedClaims(context)
        self.arrived = SharedClaims(context)
        """Done: the workers through with their chunks."""
        self.views = SharedClaims(context)
        self._replacing = context.Event()
        self.reports: list[PartReport] = []
        self._started: list[tuple[BaseProcess, Connection]] = []
        self._done: list[Connection] = []
        for i in range(count):
            receiver, sender = context.Pipe()
            process = context.Process(
                target=work,
                args=(
                    recipe,
                    sender,
                    os.getpid(),
                    timed,
                    Shared(
                        self.ranges,
                        self.claims,
                        self.staged,
                        self.arrived,
                        self.views,
                        self._decided,
                        self._replacing,
                    ),
                ),
                name=f"rebuild worker {i + 1}",
                daemon=True,
            )
            with main_module_left_out():
                process.start()
            sender.close()
            self._started.append((process, receiver))

    def start(self, plan: chunk_work.Plan) -> None:
        for process, pipe in self._started:
            try:
                pipe.send(plan)
            except OSError:  # it died before it could read the plan: say why
                self._collect(process, pipe)

    def check(self) -> None:
        for process, receiver in self._started:
            if receiver.poll() or not process.is_alive():
                self._collect(process, receiver)

    def extracted(self, ranges: int) -> None:
        self._wait_for(self.ranges, ranges)

    def all_staged(self, chunks: int) -> None:
        self._wait_for(self.staged, chunks)
        self._wait_for(self.arrived, len(self._started))  # none failed before its chunks
        self._replacing.set()

    def _wait_for(self, claims: chunk_work.Claims, done: int) -> None:
        """Until `claims` has `done` done (raising if a worker failed meanwhile)."""
        sentinels = [process.sentinel for process, _ in self._started]
        self.check()
        while claims.done() < done:
            self.check()
            wait(sentinels, timeout=BARRIER_POLL)

    def decided(self) -> None:
        self._decided.set()

    def finish(self) -> None:
        for process, receiver in self._started:
            self._collect(process, receiver)

    def _collect(self, process: BaseProcess, receiver: Connection) -> None:
        if any(r is receiver for r in self._done):
            return
        self._done.append(receiver)
        self.reports.append(collect(process, receiver))

    def close(self) -> None:
        """Stop the workers still running (their open transaction rolls back)."""
        for process, receiver in self._started:
            if process.is_alive():
                process.terminate()
            process.join()
            receiver.close()


class ParallelRebuild:
    """Rebuilds a group's views with up to `workers` processes (ProjectionGroup.parallel)."""

    def __init__(
        self,
        app_class: type[Application[Any]],
        app_env: Mapping[str, str],
        view_env: Mapping[str, str],
        workers: int,
    ) -> None:
        self.app_class = app_class
        self.app_env = dict(app_env)
        self.view_env = dict(view_env)
        self.workers = workers
        self.timed = False
        """Time each process's part (`PartReport.breakdown`; bench/projections.py)."""
        self.reports: list[PartReport] = []
        """The processes of the last rebuild, this one first."""

    def rebuild(self, group: ProjectionGroup, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild every view of `group`; returns the events applied (by every process)."""
        if self.workers <= 1 or not chunked.applies(group):
            here, read = run_part(group, progress, None, timed=self.timed)
            self.reports = [here]
            return read
        names = tuple(p.name for p in group.projections)
        recipe = WorkerGroup(self.app_class, self.app_env, self.view_env, names)
        workers = Workers(recipe, self.workers - 1, timed=self.timed)
        try:
            here, read = run_part(group, progress, workers, timed=self.timed)
        finally:
            workers.close()
        self.reports = [here, *workers.reports]
        return read


def collect(process: BaseProcess, receiver: Connection, what: str = "rebuild") -> PartReport:
    """Wait for a worker's report; RebuildWorkerError if it failed or died without one."""
    wait([receiver, process.sentinel])
    try:
        outcome, payload = receiver.recv() if receiver.poll() else ("", None)
    except EOFError:  # it closed the pipe without a word: it died
        outcome, payload = "", None
    if outcome == "ok" and isinstance(payload, PartReport):
        return payload
    if outcome == "error":
        raise RebuildWorkerError(f"{what} failed in its worker process: {payload}")
    process.join()
    msg = f"{what}: its worker process died (exit code {process.exitcode})"
    raise RebuildWorkerError(msg)


def run_part(
    group: ProjectionGroup,
    progress: Callable[[int], None] | None,
    helpers: chunk_work.Helpers | None,
    *,
    timed: bool,
) -> tuple[PartReport, int]:
    """Rebuild the group's views with `helpers`, this process taking chunks too, timed when
    asked; (this process's report, events applied by all)."""
    breakdown, undo = instrument(group) if timed else (None, None)
    wall, cpu = time.perf_counter(), time.process_time()
    chunks = 0
    try:
        if chunked.applies(group):
            applied, here = chunked.rebuild_in_chunks(
                group, progress, helpers, group.chunk_events, breakdown
            )
            read, chunks = here.read, here.chunks
        else:
            applied = read = group.rebuild_here(progress)
    finally:
        if undo is not None:
            undo()
    names = tuple(p.name for p in group.projections)
    seconds, cpu = time.perf_counter() - wall, time.process_time() - cpu
    report = PartReport(names, False, read, seconds, cpu, breakdown, chunks, peak_rss_mib())
    return report, applied


@dataclass(frozen=True)
class Shared:
    """What a worker shares with the other processes: the claims, and the go for the chunks."""

    ranges: SharedClaims
    claims: SharedClaims
    staged: SharedClaims
    arrived: SharedClaims
    views: SharedClaims
    decided: Any
    """Set once the ordered parts are decided (a multiprocessing Event)."""
    replacing: Any
    """Set once every chunk is staged: the views may be replaced (an Event)."""

    def wait(self, event: Any, parent: int) -> None:
        """Until the event is set, or the parent has died (RuntimeError)."""
        while not event.wait(BARRIER_POLL):
            _check_parent(parent)


def work(recipe: WorkerGroup, pipe: Connection, parent: int, timed: bool, shared: Shared) -> None:
    """A worker process: extract ordering facts and rebuild chunks as they come, then send
    ("ok", report) or ("error", why)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    gc.disable()  # a short-lived process whose rows hold no cycles (infra/collector.py, gc_paused)
    group: ProjectionGroup | None = None
    try:
        group = recipe.build()
        plan: chunk_work.Plan = pipe.recv()
        breakdown, _ = instrument(group) if timed else (None, None)
        wall, cpu = time.perf_counter(), time.process_time()
        part = chunked.ChunkRebuilder(group, breakdown)
        while (index := shared.ranges.claim()) < len(plan.ranges):
            _check_parent(parent)
            part.extract(plan.ranges[index])
            shared.ranges.add_done(1)
        until_decided = functools.partial(shared.wait, shared.decided, parent)  # chunks go on
        while (index := shared.claims.claim()) < len(plan.chunks):
            _check_parent(parent)
            applied = part.rebuild_chunk(plan.chunks[index], plan.head, until_decided)
            shared.claims.add_done(applied)
            shared.staged.add_done(1)
        shared.arrived.add_done(1)
        shared.wait(shared.replacing, parent)
        while (index := shared.views.claim()) < len(part.targets):
            part.replace_view(index, plan.head)
        seconds, cpu = time.perf_counter() - wall, time.process_time() - cpu
        report = PartReport(
            recipe.names, True, part.read, seconds, cpu, breakdown, part.chunks, peak_rss_mib()
        )
        pipe.send(("ok", report))
    except BaseException as err:  # noqa: BLE001 - whatever it is, the parent raises it
        pipe.send(("error", _one_line(err)))
        raise SystemExit(1) from None
    finally:
        pipe.close()
        if group is not None:
            _close(group)


def _check_parent(parent: int) -> None:
    """A worker stops when the rebuild's parent process has died (it is someone else's)."""
    if os.getppid() != parent:
        msg = "the rebuild's parent process died"
        raise RuntimeError(msg)


def _one_line(err: BaseException) -> str:
    """`Type: first line of the message` (a worker's error, for the parent's message)."""
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def _close(group: ProjectionGroup) -> None:
    for projection in group.projections:
        view = projection.view
        if isinstance(view, PostgresTrackingRecorder):
            view.datastore.close()
    group.app.close()
