"""The collector and a full contract cache: Python's defaults against the service's setting.

    python bench/collector.py [--contracts 12000] [--cache 5000] [--rounds 3] [--processes 2]
                              [--seed S] [--quick]

Generates a book and loads it into a fresh embedded PostgreSQL (or LEASE_DATABASE_URL), as
bench/book.py does (five-year histories through the real domain, COPY; not timed). Then, in
rounds, each run in a freshly spawned process, the two settings alternated: every contract is
loaded once, in a random order (the same for every run), through a `ContractsApplication`
whose aggregate cache holds `--cache` contracts, as a command, the scheduler or a consumer
loads one it does not hold. The baseline is Python's collector as it comes; the other run
has infra/collector.py's `survivors_set_aside()`, as the service's processes do.

Loads, not commands: they write nothing, so every run starts from the same store; what the
collector does with the cache is the same either way. Per run: loads/s (wall time), p50,
p99 and the longest load, the collector's time in each generation (`gc.callbacks`) and its
longest full collection, the objects it still examines at the end and those set aside, and
the process's peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # as bench/book.py
sys.path.insert(0, str(ROOT))

from bench import book_measure as measure  # noqa: E402
from bench.book_load import generate_book, load  # noqa: E402
from bench.commands import database, fresh_schema, machine  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from infra.collector import survivors_set_aside  # noqa: E402
from infra.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

SETTINGS = ("Python's defaults (baseline)", "survivors set aside (the service)")


@dataclass
class Pauses:
    """The collector's passes, timed from `gc.callbacks`: count and milliseconds a generation."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    ms: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    full_ms: list[float] = field(default_factory=list)
    """Each full collection's milliseconds, in order."""
    _started: int = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter_ns()
            return
        ms = (time.perf_counter_ns() - self._started) / 1e6
        generation = info["generation"]
        self.counts[generation] += 1
        self.ms[generation] += ms
        if generation == 2:
            self.full_ms.append(ms)

    @property
    def longest_full_ms(self) -> float:
        return max(self.full_ms, default=0.0)

    @property
    def first_full_ms(self) -> float:
        return self.full_ms[0] if self.full_ms else 0.0

    @property
    def median_full_ms(self) -> float:
        return statistics.median(self.full_ms) if self.full_ms else 0.0


@dataclass(frozen=True)
class Run:
    seconds: float
    latencies_ms: list[float]
    pauses: Pauses
    examined: int
    set_aside: int
    examined_all: int
    """Full collections that examined the set-aside survivors too (the service's setting)."""
    cached: int
    rss_mib: float = 0.0


def load_all(env: dict[str, str], order: list[UUID], set_aside: bool) -> Run:
    """In a spawned process: every contract of `order` loaded once into the cache."""
    app = ContractsApplication(env=env)
    pauses = Pauses()
    try:
        app.repository.get(order[0])  # the pool's connection opened, statements prepared
        gc.collect()
        setting = survivors_set_aside() if set_aside else nullcontext()
        gc.callbacks.append(pauses)
        latencies = []
        with setting as freezer:
            started = time.perf_counter()
            for oid in order:
                t0 = time.perf_counter_ns()
                app.repository.get(oid, deepcopy_from_cache=False)
                latencies.append((time.perf_counter_ns() - t0) / 1e6)
            seconds = time.perf_counter() - started
            examined, set_aside_count = len(gc.get_objects()), gc.get_freeze_count()
        gc.callbacks.remove(pauses)
        examined_all = freezer.examined_all if freezer is not None else pauses.counts[2]
        cache = app.repository.cache
        cached = len(cache.cache) if cache is not None else 0
        return Run(seconds, latencies, pauses, examined, set_aside_count, examined_all, cached)
    finally:
        app.close()


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def line(label: str, run: Run) -> str:
    p, lat = run.pauses, run.latencies_ms
    gc_ms = " / ".join(f"{ms:,.0f}" for ms in p.ms)
    return (
        f"  {label:<36} {len(lat) / run.seconds:>6,.0f} loads/s  p50 {quantile(lat, 0.50):5.2f}"
        f"  p99 {quantile(lat, 0.99):5.2f}  max {max(lat):6.1f} ms | collector"
        f" {sum(p.ms):6,.0f} ms (gen 0/1/2: {gc_ms}); {p.counts[2]} full collections"
        f" ({run.examined_all} of everything), first {p.first_full_ms:5.1f} ms, median"
        f" {p.median_full_ms:5.1f} ms, longest"
        f" {p.longest_full_ms:5.1f} ms | at the end: examined {run.examined:,}, set aside"
        f" {run.set_aside:,}; {run.cached:,} contracts cached; RSS {run.rss_mib:,.0f} MiB"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=12_000, help="book size")
    parser.add_argument("--cache", type=int, default=5_000, help="AGGREGATE_CACHE_MAXSIZE")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each setting")
    parser.add_argument("--processes", type=int, default=2, help="processes generating")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 200 contracts, cache 100, 1 round"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.contracts, args.cache, args.rounds = 200, 100, 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lease-gc-")))
        slices = generate_book(args.contracts, args.seed, folder, args.processes)
        info, data_dir = stack.enter_context(database(folder))
        print("machine (measured while other work shared it: compare within a run)")
        for row in machine(info, embedded=data_dir is not None):
            print(row)
        schema = stack.enter_context(fresh_schema(info))
        env = info.eventsourcing_env(schema=schema, pool_size=Settings().pool_size)
        env["AGGREGATE_CACHE_MAXSIZE"] = str(args.cache)
        ContractsApplication(env=env).close()  # the tables, as a service creates them
        loaded = load(info, schema, slices)
        order = sorted(loaded.versions)
        random.Random(args.seed).shuffle(order)
        print(
            f"  {args.contracts:,} contracts, {loaded.events / args.contracts:.0f} events each"
            f" on average; cache {args.cache:,}; every contract loaded once a run"
        )
        runs: dict[bool, list[Run]] = {False: [], True: []}
        for _ in range(args.rounds):
            for set_aside in (False, True):
                ran = measure.fresh(load_all, env, order, set_aside)
                run = dataclasses.replace(ran.result, rss_mib=ran.rss_mib)
                runs[set_aside].append(run)
                print(line(SETTINGS[set_aside], run), flush=True)
        print(summary(runs))
    print(f"total      {time.perf_counter() - started:.0f} s")
    return 0


def summary(runs: dict[bool, list[Run]]) -> str:
    def median(setting: bool, value: Callable[[Run], float]) -> float:
        return statistics.median(value(r) for r in runs[setting])

    def rate(r: Run) -> float:
        return len(r.latencies_ms) / r.seconds

    def collector(r: Run) -> float:
        return sum(r.pauses.ms)

    def longest(r: Run) -> float:
        return r.pauses.longest_full_ms

    def full(r: Run) -> float:
        return r.pauses.median_full_ms

    return (
        f"medians: {median(False, rate):,.0f} -> {median(True, rate):,.0f} loads/s"
        f" ({median(True, rate) / median(False, rate):.2f}x); collector"
        f" {median(False, collector):,.0f} -> {median(True, collector):,.0f} ms a run;"
        f" a full collection's median {median(False, full):.1f} -> {median(True, full):.1f} ms,"
        f" the longest {median(False, longest):.1f} -> {median(True, longest):.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
