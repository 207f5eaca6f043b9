"""A rebuild over several cores: the views split into parts, each rebuilt by its own process.

A rebuild is CPU-bound Python (decoding, the views' apply, formatting the COPY), so one
process uses one core. `ParallelRebuild` splits the group's views into parts balanced by
their measured cost (`REBUILD_COST`); this process rebuilds the first part and a worker
process (`spawn`: a fresh interpreter, no inherited connections or threads) each other part.
Every part reads and decodes the whole log itself and replaces each of its views in one
transaction (`ProjectionGroup.rebuild`), so the guarantees stay those of one process:
a view is replaced with its rows and tracking together or not at all, and a rebuild that
fails or is killed leaves every view it had not replaced yet as it was. If one part fails,
the workers still running are terminated (their open transaction rolls back) and the rebuild
raises `RebuildWorkerError` with a one-line reason. A worker whose parent has died stops
before it replaces anything (it no longer runs under the parent's projections lock).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import PersistenceError
from eventsourcing.postgres import PostgresFactory, PostgresTrackingRecorder

from projections.engine.runner import ProjectionGroup
from projections.engine.timing import Breakdown, instrument
from projections.registry import all_specs, build_group

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from eventsourcing.application import Application

REBUILD_COST = {
    "invoices": 6.2,
    "portal": 4.6,
    "history": 3.2,
    "deadlines": 2.8,
    "exposure": 2.3,
    "ledger": 1.9,
}
"""Each view's apply plus replace in a rebuild of 200,000 events, in seconds (BENCHMARKS.md,
the two-process run); only their ratios matter. A view not listed counts as the mean."""
WORKER_START = 1.0
"""What a worker process costs before its first read (interpreter, imports, connections),
on the scale of REBUILD_COST: the parts given to workers are that much lighter."""


class RebuildWorkerError(PersistenceError):
    """A worker process of a parallel rebuild failed or died; its views were not replaced."""


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS says)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


def partition(names: Sequence[str], parts: int) -> list[list[str]]:
    """Split the views into at most `parts` non-empty parts of about equal cost.

    Heaviest first, each into the lightest part so far (the first part, rebuilt in this
    process, starts `WORKER_START` lighter than the workers'); views keep their given order
    within a part.
    """
    mean = sum(REBUILD_COST.values()) / len(REBUILD_COST)
    cost = {n: REBUILD_COST.get(n, mean) for n in names}
    count = max(1, min(parts, len(names)))
    load = [0.0] + [WORKER_START] * (count - 1)
    chosen: list[set[str]] = [set() for _ in range(count)]
    for name in sorted(names, key=lambda n: -cost[n]):
        lightest = load.index(min(load))
        chosen[lightest].add(name)
        load[lightest] += cost[name]
    return [[n for n in names if n in part] for part in chosen if part]


@dataclass(frozen=True)
class PartReport:
    """What one part of a rebuild did: its views, events read, wall and CPU seconds."""

    names: tuple[str, ...]
    worker: bool
    """Rebuilt in a worker process (else in this one)."""
    read: int
    seconds: float
    cpu: float
    breakdown: Breakdown | None
    """Where its time went, when the rebuild was `timed`."""


@dataclass(frozen=True)
class WorkerGroup:
    """How a worker process builds its part's group: what it needs, all picklable.

    `app_env` is the application's own env (`app.env`: where its events are), `view_env`
    the views' (they may live elsewhere, e.g. another schema).
    """

    app_class: type[Application[Any]]
    app_env: dict[str, str]
    view_env: dict[str, str]
    batch_size: int
    names: tuple[str, ...]

    def build(self) -> ProjectionGroup:
        app = self.app_class(env={**self.app_env, PostgresFactory.POSTGRES_POOL_SIZE: "1"})
        group = build_group(app, all_specs(self.names), self.view_env)
        group.batch_size = self.batch_size
        return group


class ParallelRebuild:
    """Rebuilds a group's views in up to `workers` processes (ProjectionGroup.parallel)."""

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
        """Time each part (`PartReport.breakdown`; bench/projections.py)."""
        self.reports: list[PartReport] = []
        """The parts of the last rebuild, this process's first."""

    def rebuild(self, group: ProjectionGroup, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild every view of `group`; returns the notifications this process read.

        Progress is this process's part's reading (each part reads the whole log).
        """
        names = [p.name for p in group.projections]
        parts = partition(names, self.workers)
        if len(parts) == 1:  # no worker needed
            self.reports = [run_part(group, progress, worker=False, timed=self.timed)]
            return self.reports[0].read
        started: list[tuple[BaseProcess, Connection, tuple[str, ...]]] = []
        try:
            started += [self._start(group, tuple(part)) for part in parts[1:]]
            here = [p for p in group.projections if p.name in parts[0]]
            local = ProjectionGroup(group.app, here, batch_size=group.batch_size)
            reports = [run_part(local, progress, worker=False, timed=self.timed)]
            reports += [collect(*worker) for worker in started]
        finally:
            for worker, receiver, _ in started:
                if worker.is_alive():
                    worker.terminate()  # its open transaction, if any, rolls back
                worker.join()
                receiver.close()
            _refresh(group, parts[1:])
        self.reports = reports
        return reports[0].read

    def _start(
        self, group: ProjectionGroup, names: tuple[str, ...]
    ) -> tuple[BaseProcess, Connection, tuple[str, ...]]:
        """A worker process rebuilding these views, and the end of the pipe it reports on."""
        recipe = WorkerGroup(self.app_class, self.app_env, self.view_env, group.batch_size, names)
        receiver, sender = multiprocessing.get_context("spawn").Pipe(duplex=False)
        process = multiprocessing.get_context("spawn").Process(
            target=work,
            args=(recipe, sender, os.getpid(), self.timed),
            name=f"rebuild {', '.join(names)}",
            daemon=True,
        )
        process.start()
        sender.close()
        return process, receiver, names


def _refresh(group: ProjectionGroup, others: list[list[str]]) -> None:
    """The group sees what the workers wrote: positions read again, their identity maps dropped."""
    rebuilt_elsewhere = {n for part in others for n in part}
    for projection in group.projections:
        if projection.name in rebuilt_elsewhere:
            projection.view.forget()
    group.reload_positions()


def collect(process: BaseProcess, receiver: Connection, names: tuple[str, ...]) -> PartReport:
    """Wait for a worker's report; RebuildWorkerError if it failed or died without one."""
    what = f"rebuild of {', '.join(names)}"
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
    *,
    worker: bool,
    timed: bool,
) -> PartReport:
    """Rebuild the group's views here (sequentially), timed when asked."""
    breakdown, undo = instrument(group) if timed else (None, None)
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        read = group.rebuild_here(progress)
    finally:
        if undo is not None:
            undo()
    names = tuple(p.name for p in group.projections)
    seconds, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return PartReport(names, worker, read, seconds, cpu, breakdown)


def work(recipe: WorkerGroup, sender: Connection, parent: int, timed: bool) -> None:
    """A worker process: rebuild the recipe's views, send ("ok", report) or ("error", why)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the workers
    gc.disable()  # a short-lived process whose rows hold no cycles (bootstrap.gc_paused)

    def orphaned(_read: int) -> None:
        if os.getppid() != parent:
            msg = "the rebuild's parent process died"
            raise RuntimeError(msg)

    group: ProjectionGroup | None = None
    try:
        group = recipe.build()
        report = run_part(group, orphaned, worker=True, timed=timed)
        sender.send(("ok", report))
    except BaseException as err:  # noqa: BLE001 - whatever it is, the parent raises it
        sender.send(("error", _one_line(err)))
        raise SystemExit(1) from None
    finally:
        sender.close()
        if group is not None:
            _close(group)


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
