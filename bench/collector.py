"""The collector and a full contract cache: Python's defaults against the service's setting.

    python bench/collector.py [--contracts 12000] [--cache 5000] [--rounds 3] [--processes 2]
                              [--seed S] [--quick]

Generates a book and loads it into a fresh embedded PostgreSQL (or LEASE_DATABASE_URL), as
bench/book.py does (five-year histories through the real domain, COPY; not timed). Then, in
rounds, each run in a freshly spawned process, the two settings alternated, a
`ContractsApplication` whose aggregate cache holds `--cache` contracts goes through every
contract once, in a random order (the same for every run), as the scheduler, a consumer or
the API's commands meet contracts they do not hold:

- loads: each contract loaded into the cache; they write nothing, so these runs share the
  store;
- billing: each contract asked for the first of the month after the book's date (the day's
  Article 18 rules, then billing, in one transaction: what the scheduler asks of a contract
  due); each of these runs has a copy of the loaded database of its own
  (`CREATE DATABASE ... TEMPLATE`), so each bills the same month.

The baseline is Python's collector as it comes; the other run has infra/collector.py's
`survivors_set_aside()`, as the service's processes do. Per run: the rate (wall time), p50,
p99 and the longest item, the collector's time in each generation (`gc.callbacks`) and its
full collections (first, median, longest), the objects it still examines at the end and
those set aside, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # as bench/book.py
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench import book_measure as measure  # noqa: E402
from bench.book_gen import BOOK_DATE  # noqa: E402
from bench.book_load import generate_book, load  # noqa: E402
from bench.commands import POLICY, ctx, database, fresh_schema, machine  # noqa: E402
from bench.projections import quantile  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract.daily import ApplyArticle18, Bill  # noqa: E402
from domain.decisions import decision  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from infra.collector import survivors_set_aside  # noqa: E402
from infra.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from uuid import UUID

    from infra.settings import PostgresInfo

SETTINGS = ("Python's defaults (baseline)", "survivors set aside (the service)")
UNITS = ("loads", "billing commands")
BILLING_DAY = BOOK_DATE + timedelta(days=1)
"""The first of the month after the book's date: every running contract has a period."""


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
    refused: int
    """Billing: contracts that refused the day (ended, closed: nothing to bill)."""
    rss_mib: float = 0.0


def go_through(env: dict[str, str], order: list[UUID], set_aside: bool, billing: bool) -> Run:
    """In a spawned process: every contract of `order` loaded once into the cache, or asked
    for the first of the month after the book's date (`billing`)."""
    app = ContractsApplication(env=env)
    pauses = Pauses()
    day = dataclasses.replace(ctx(BILLING_DAY, "SYSTEM:scheduler", "daily"), policy=POLICY)
    first_of_month = decision(day, ApplyArticle18(), Bill())
    refused = 0
    try:
        app.repository.get(order[0])  # the pool's connection opened, statements prepared
        gc.collect()
        setting = survivors_set_aside() if set_aside else nullcontext()
        latencies = []
        with setting as freezer:
            gc.callbacks.append(pauses)  # after the setting's own collection on entry
            started = time.perf_counter()
            for oid in order:
                t0 = time.perf_counter_ns()
                if not billing:
                    app.repository.get(oid, deepcopy_from_cache=False)
                else:
                    try:
                        app.decide_id(oid, first_of_month)
                    except ContractError:
                        refused += 1
                latencies.append((time.perf_counter_ns() - t0) / 1e6)
            seconds = time.perf_counter() - started
            examined, set_aside_count = len(gc.get_objects()), gc.get_freeze_count()
            gc.callbacks.remove(pauses)
        examined_all = freezer.examined_all if freezer is not None else pauses.counts[2]
        cache = app.repository.cache
        cached = len(cache.cache) if cache is not None else 0
        return Run(
            seconds, latencies, pauses, examined, set_aside_count, examined_all, cached, refused
        )
    finally:
        app.close()


def line(label: str, run: Run, unit: str) -> str:
    p, lat = run.pauses, run.latencies_ms
    gc_ms = " / ".join(f"{ms:,.0f}" for ms in p.ms)
    refused = f" ({run.refused:,} refused)" if run.refused else ""
    return (
        f"  {label:<36} {len(lat) / run.seconds:>6,.0f} {unit}/s{refused}  p50"
        f" {quantile(lat, 0.50):5.2f}  p99 {quantile(lat, 0.99):5.2f}  max {max(lat):6.1f} ms"
        f" | collector {sum(p.ms):6,.0f} ms (gen 0/1/2: {gc_ms}); {p.counts[2]} full"
        f" collections ({run.examined_all} of everything), first {p.first_full_ms:5.1f} ms,"
        f" median {p.median_full_ms:5.1f} ms, longest {p.longest_full_ms:5.1f} ms | at the"
        f" end: examined {run.examined:,}, set aside {run.set_aside:,}; {run.cached:,}"
        f" contracts cached; RSS {run.rss_mib:,.0f} MiB"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=12_000, help="book size")
    parser.add_argument("--cache", type=int, default=5_000, help="AGGREGATE_CACHE_MAXSIZE")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each setting and work")
    parser.add_argument("--processes", type=int, default=2, help="processes generating")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 200 contracts, cache 100, 1 round"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.contracts, args.cache, args.rounds = 200, 100, 1
    return args


@contextmanager
def database_copy(info: PostgresInfo, number: int) -> Iterator[PostgresInfo]:
    """A copy of `info`'s database (its files copied: no connection may be open on it),
    dropped after."""
    name = f"{info.dbname}_copy_{number}"
    with psycopg.connect(info.dsn, dbname="postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                sql.Identifier(name), sql.Identifier(info.dbname)
            )
        )
    try:
        yield dataclasses.replace(info, dbname=name)
    finally:
        with psycopg.connect(info.dsn, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


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
        pool_size = Settings().pool_size

        def env_of(where: PostgresInfo) -> dict[str, str]:
            env = where.eventsourcing_env(schema=schema, pool_size=pool_size)
            return env | {"AGGREGATE_CACHE_MAXSIZE": str(args.cache)}

        ContractsApplication(env=env_of(info)).close()  # the tables, as a service makes them
        loaded = load(info, schema, slices)
        order = sorted(loaded.versions)
        random.Random(args.seed).shuffle(order)
        print(
            f"  {args.contracts:,} contracts, {loaded.events / args.contracts:.0f} events each"
            f" on average; cache {args.cache:,}; every contract once a run; billing on"
            f" {BILLING_DAY}"
        )
        runs: dict[tuple[bool, bool], list[Run]] = {}
        for number in range(args.rounds):
            for billing, set_aside in itertools.product((False, True), (False, True)):
                with database_copy(info, number) if billing else nullcontext(info) as where:
                    ran = measure.fresh(go_through, env_of(where), order, set_aside, billing)
                run = dataclasses.replace(ran.result, rss_mib=ran.rss_mib)
                runs.setdefault((billing, set_aside), []).append(run)
                print(line(SETTINGS[set_aside], run, UNITS[billing]), flush=True)
        for billing in (False, True):
            print(summary(runs[billing, False], runs[billing, True], UNITS[billing]))
    print(f"total      {time.perf_counter() - started:.0f} s")
    return 0


def summary(baseline: list[Run], set_aside: list[Run], unit: str) -> str:
    def median(runs: list[Run], value: Callable[[Run], float]) -> float:
        return statistics.median(value(r) for r in runs)

    def rate(r: Run) -> float:
        return len(r.latencies_ms) / r.seconds

    def collector(r: Run) -> float:
        return sum(r.pauses.ms)

    def longest(r: Run) -> float:
        return r.pauses.longest_full_ms

    def full(r: Run) -> float:
        return r.pauses.median_full_ms

    def pair(value: Callable[[Run], float]) -> str:
        return f"{median(baseline, value):,.1f} -> {median(set_aside, value):,.1f}"

    return (
        f"{unit}, medians: {pair(rate)} {unit}/s"
        f" ({median(set_aside, rate) / median(baseline, rate):.2f}x); collector {pair(collector)}"
        f" ms a run; a full collection's median {pair(full)} ms, the longest {pair(longest)} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
