"""A lessor's whole book, measured: disk, rebuild, memory, loads, the daily run, the audit.

    python bench/book.py [--sizes 5000,20000,50000] [--quick] [--out DIR] [--processes N]
                         [--loads N] [--seed S] [--drop-os-cache]

For each book size (contracts), in the same run:

1. generation (not a measurement): the contracts are lived through the real domain in
   in-memory applications, in `--processes` spawned processes (bench/book_gen.py: varied
   terms, five-year histories, every kind of end), then merged by business date and loaded
   into a fresh embedded PostgreSQL (or LEASE_DATABASE_URL) with COPY, hash chain included
   (bench/book_load.py);
2. disk: pg_total_relation_size of the events table (rows, indexes, TOAST) per event, and
   of the snapshots table;
3. raw read (the baselines): every event selected in batches and decoded, nothing written
   (the runner's read path), and the library's read-only ApplicationSubscription;
4. rebuild: all six views from zero as `lease projections rebuild --all` does it, its rate
   beside both reads';
5. cold loads: random contracts at random versions, no aggregate cache, p50 and p99,
   twice over the same picks: the first touch (from disk with `--drop-os-cache`, else
   wherever the OS page cache left the pages), then again with the pages in memory;
6. the scheduler's daily run: one tick (infra/scheduler.py) on the first business day after
   the book's date, over the rebuilt views (deadline messages acknowledged without a broker),
   the collector set as `lease run scheduler` sets it (infra/collector.py);
7. `lease audit verify --all`: the chain of every stored event checked, and the snapshots.

Steps 3-7 each run in a process of their own (bench/book_measure.py), so each peak RSS is
that process's; the rebuild's worker processes are reported too, and the PostgreSQL
server's largest process. The table (markdown, a column per size) goes to stdout, and a PNG
of each figure against book size to `--out` (default bench/out/).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/book.py` puts bench/ first on sys.path, where bench/projections.py would
# shadow the `projections` package: the checkout's root goes first instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

from bench import book_measure as measure  # noqa: E402
from bench.book_gen import BOOK_DATE, Lived  # noqa: E402
from bench.book_load import generate_book, load  # noqa: E402
from bench.book_report import FIGURES, plot, table  # noqa: E402
from bench.commands import database, fresh_schema, machine  # noqa: E402
from bench.memory import PeakMemory, server_processes  # noqa: E402
from bench.projections import quantile  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from infra.settings import Settings  # noqa: E402

DEFAULT_SIZES = (5_000, 20_000, 50_000)
QUICK_SIZES = (20, 40)
DEFAULT_LOADS = 2_000
QUICK_LOADS = 200


@dataclass
class SizeResult:
    """The figures of one book size, by FIGURES key."""

    contracts: int
    values: dict[str, float] = field(default_factory=dict)
    lived: Lived = field(default_factory=Lived)


def measure_size(contracts: int, args: argparse.Namespace, *, describe: bool) -> SizeResult:
    """Generate, load and measure one book of `contracts` contracts."""
    out = SizeResult(contracts)
    v = out.values
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lease-book-")))
        t0 = time.perf_counter()
        slices = generate_book(contracts, args.seed, folder, args.processes)
        v["generate_s"] = time.perf_counter() - t0
        for s in slices:
            out.lived.merge(s.lived)
        v["rss_generate"] = max(s.rss_mib for s in slices)
        print(f"  {contracts:,} contracts generated in {v['generate_s']:.1f} s", flush=True)

        info, data_dir = stack.enter_context(database(folder))
        server = stack.enter_context(PeakMemory(partial(server_processes, data_dir)))
        if describe:
            print("machine (measured while other work shared it: compare within a run)")
            for row in machine(info, embedded=data_dir is not None):
                print(row)
        schema = stack.enter_context(fresh_schema(info))
        env = info.eventsourcing_env(schema=schema, pool_size=Settings().pool_size)
        ContractsApplication(env=env).close()  # the tables, their chain trigger, as a service
        loaded = load(info, schema, slices)
        for s in slices:
            for path in (*s.event_files, *s.snapshot_files):
                path.unlink()
        v["events"] = loaded.events
        v["events_per_contract"] = loaded.events / contracts
        v["load_rate"] = loaded.events / loaded.seconds
        print(f"  {loaded.events:,} events loaded in {loaded.seconds:.1f} s", flush=True)

        events_bytes, snapshot_bytes = measure.disk_bytes(info.dsn, schema)
        v["bytes_per_event"] = events_bytes / loaded.events
        v["snapshot_bytes_per_event"] = snapshot_bytes / loaded.events
        v["mib_per_1k_contracts"] = (events_bytes + snapshot_bytes) / 2**20 / contracts * 1000

        read = measure.fresh(measure.raw_read, env, spawn=args.spawn)
        count, seconds = read.result
        assert count == loaded.events, (count, loaded.events)
        v["raw_read_rate"] = count / seconds
        v["rss_raw_read"] = read.rss_mib
        print(f"  raw read {v['raw_read_rate']:,.0f} events/s", flush=True)

        subscribed = measure.fresh(measure.subscription_read, env, spawn=args.spawn)
        count, seconds = subscribed.result
        v["subscription_rate"] = count / seconds

        rebuilt = measure.fresh(measure.rebuild, env, spawn=args.spawn)
        count, seconds = rebuilt.result
        v["rebuild_s"] = seconds
        v["rebuild_rate"] = count / seconds
        v["rebuild_ratio"] = v["rebuild_rate"] / v["raw_read_rate"]
        v["rebuild_subscription_ratio"] = v["rebuild_rate"] / v["subscription_rate"]
        v["rss_rebuild"] = rebuilt.rss_mib
        v["rss_rebuild_worker"] = rebuilt.children_rss_mib
        print(f"  rebuild {seconds:.1f} s ({v['rebuild_rate']:,.0f} events/s)", flush=True)

        count = args.loads + measure.WARM_LOADS
        picks = measure.pick_versions(loaded.versions, count, random.Random(args.seed))
        dropped = args.drop_os_cache and measure.drop_os_cache()
        loads = measure.fresh(measure.cold_loads, env, picks, spawn=args.spawn)
        v["load_first_p50_ms"] = quantile(loads.result.first, 0.50)
        v["load_first_p99_ms"] = quantile(loads.result.first, 0.99)
        v["load_p50_ms"] = quantile(loads.result.again, 0.50)
        v["load_p99_ms"] = quantile(loads.result.again, 0.99)
        v["rss_loads"] = loads.rss_mib
        where = "OS page cache dropped first" if dropped else "OS page cache as it stood"
        print(
            f"  cold loads, first touch ({where}): p50 {v['load_first_p50_ms']:.2f} ms,"
            f" p99 {v['load_first_p99_ms']:.2f} ms; again, in memory: p50"
            f" {v['load_p50_ms']:.2f} ms, p99 {v['load_p99_ms']:.2f} ms",
            flush=True,
        )

        day = measure.fresh(
            measure.scheduler_day, env, BOOK_DATE + timedelta(days=1), spawn=args.spawn
        )
        v["scheduler_s"] = day.result.seconds
        v["scheduler_asked"] = day.result.asked
        v["scheduler_billed"] = day.result.billed
        v["rss_scheduler"] = day.rss_mib
        print(
            f"  daily run {day.result.seconds:.2f} s for {day.result.asked:,} contracts due",
            flush=True,
        )

        audit = measure.fresh(measure.audit_verify, env, spawn=args.spawn)
        checked, broken, seconds = audit.result
        v["verify_s"] = seconds
        v["verify_rate"] = checked / seconds
        v["verify_broken"] = broken
        v["rss_verify"] = audit.rss_mib
        print(f"  audit verify {seconds:.1f} s, {broken} broken", flush=True)
        v["rss_postgres"] = server.peak_mib
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(s) for s in text.split(",") if s),
        default=None,
        help="book sizes in contracts, comma-separated (default 5000,20000,50000;"
        f" --quick: {','.join(map(str, QUICK_SIZES))})",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: two tiny books")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="where the PNG goes")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="generating processes (0: generate in this process)",
    )
    parser.add_argument("--loads", type=int, default=DEFAULT_LOADS, help="cold loads per size")
    parser.add_argument(
        "--drop-os-cache",
        action="store_true",
        help="drop the OS page cache before the cold loads (Linux, as root), so their first"
        " pass reads the store from disk; it empties the cache of the whole machine",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--in-process",
        dest="spawn",
        action="store_false",
        help="measure in this process, not one spawned per step (peak RSS then mixed)",
    )
    args = parser.parse_args(argv)
    args.sizes = args.sizes or (None if args.quick else DEFAULT_SIZES)
    if args.quick:  # seconds, not minutes: everything in this process
        args.sizes = args.sizes or QUICK_SIZES
        args.loads = min(args.loads, QUICK_LOADS)
        args.spawn = False
        args.processes = 0
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = []
    for i, size in enumerate(args.sizes):
        print(f"book of {size:,} contracts", flush=True)
        results.append(measure_size(size, args, describe=i == 0))
    print()
    for r in results:
        ends = ", ".join(f"{k} {n}" for k, n in sorted(r.lived.ends.items()))
        print(
            f"book {r.contracts:,}: {r.lived.steps:,} scenario steps, {r.lived.refused:,} refused"
            f" (counted, the walk goes on), {r.lived.closed:,} closed; ends: {ends}"
        )
        refused = ", ".join(f"{k} {n}" for k, n in r.lived.refusals.most_common())
        print(f"  refused steps: {refused or 'none'}")
    if not args.spawn:
        print("measured in this process (--in-process or --quick): each peak RSS is this")
        print("process's so far, not the step's own")
    print()
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "book.png"
    plot(results, png)
    print()
    print(f"plot       {png}")
    print(f"figures    {len(FIGURES)} per size; total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
