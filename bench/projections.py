"""Projection throughput and live lag on PostgreSQL, beside the read-only subscription rate.

    python bench/projections.py [--events 200000] [--seconds 30] [--rate 200] [--quick]
                                [--views NAME ...] [--profile]

Starts the embedded PostgreSQL in a temporary data directory (or uses LEASE_DATABASE_URL) and
puts the event store in a fresh schema. Generation (timed, not a measurement): contracts are
lived through the real domain in an in-memory ContractsApplication - the pinned scenarios of
tests/scenarios (early termination, dissolution, theft, death, ...) and generated contracts
with varied terms (36-60 months, 10-25k km/year, 350-900 EUR, payment term 0 or 10 days)
driven by monthly billing, payments (some late, so interest accrues) and odometer reports; a
share of them lived to the end of their term, returned, settled and closed. Their stored events
(encoded by the same mapper) are inserted into the PostgreSQL application's recorder in large
transactions. Then, in the same run:

(a) read-only subscription rate: the library's ApplicationSubscription from zero to the head
    (events decoded, nothing written), and the runner's own read path (select_notifications
    in batches + mapper decode);
(b) rebuild: the composition root's rebuild from zero, as `lease projections rebuild --all`
    (infra.bootstrap.rebuild: ProjectionGroup.rebuild, GC paused; in chunks of contracts of
    about --chunk-events events, shared by this process and worker processes,
    projections/engine/chunked.py and parallel.py: each chunk's events read and decoded once,
    its rows COPYed to staging tables, each view replaced from them at the end) in events/s
    and as a ratio of (a) in the same run, with each process's time split into read,
    decode, and each view's apply (Python) and writes (SQL), the CPU of these processes and
    of the server (--profile: this process's part only), and the peak resident memory of
    each process (this one's from just before the rebuild, beside what it held then), and
    from the CPU seconds of (a) and (b) the best ratio an otherwise idle machine would allow
    (a loaded machine's wall-clock ratio mostly says how the scheduler shared the cores);
(c) live lag, after a CHECKPOINT: a driver process issues commands (payments, odometer
    reports, monthly billing through ContractsApplication on PostgreSQL) at a fixed rate
    while the projections worker (infra.bootstrap.follow: ProjectionGroup.run) follows in
    this process; a command's lag is the time from its commit (the command returned,
    CLOCK_MONOTONIC) until every view's tracking record covering its position has committed
    (the runner's batch returned).
"""

from __future__ import annotations

import argparse
import bisect
import cProfile
import io
import multiprocessing
import os
import pstats
import random
import signal
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# `python bench/projections.py` puts bench/ first on sys.path, where this file would shadow
# the `projections` package: the checkout's root goes first instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.projection import ApplicationSubscription  # noqa: E402

from bench.commands import (  # noqa: E402
    POLICY,
    Lease,
    Mix,
    ctx,
    event_stats,
    first_of_month,
    open_bench_database,
    run_day,
    set_up,
)
from bench.memory import own_peak_mib  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Contract  # noqa: E402
from domain.contract.billing import PayRefund, ReceivePayment  # noqa: E402
from domain.contract.registry import execute  # noqa: E402
from domain.contract.settlement import CloseContract, ReturnVehicle  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from domain.policy import LessorPolicy  # noqa: E402
from infra.bootstrap import (  # noqa: E402
    build_projection_group,
    close_projection_group,
    follow,
)
from infra.bootstrap import rebuild as rebuild_views  # noqa: E402
from infra.simulate.in_process import IN_MEMORY_ENV, simulate  # noqa: E402
from infra.simulate.scenario import load_scenario  # noqa: E402
from projections.engine.parallel import available_cores  # noqa: E402
from projections.engine.timing import Breakdown, instrument  # noqa: E402
from projections.registry import VIEW_MODULES  # noqa: E402

if TYPE_CHECKING:
    from infra.settings import PostgresInfo
    from projections.engine.parallel import PartReport
    from projections.engine.runner import ProjectionGroup

REBUILD_TARGET = 10_000
"""Issue 3: rebuild of all six views at >= 10,000 events/s."""
RATIO_TARGET = 0.5
"""Issue 14: rebuild at >= 0.5x the read-only subscription rate of the same run."""
MEMORY_TARGET_MIB = 512
"""Issue 14: a rebuild's processes each peak at <= 512 MiB, whatever the book's size."""
LAG_TARGET_MS = 50.0
"""Issue 3: live lag p99 < 50 ms while commands arrive at 200/s."""
EVENTS_PER_CONTRACT = 80
"""Generated contracts = events / this (a lived contract's whole term is ~100-130 events)."""
LIFER_SHARE = 0.10
"""Share of generated contracts lived to the end of their term, returned and closed."""
STORE_CHUNK = 5_000
"""Events per insert transaction when the generated log is stored in PostgreSQL."""
READ_BATCH = 1_000
LIVE_CONTRACTS = 500
"""Contracts the live driver works on (loaded into its cache before the clock starts)."""
SCENARIOS = ROOT / "tests" / "scenarios"
QUICK_SCENARIOS = ("arrears-formal-notice", "theft-not-recovered", "total-loss")


# --- generation ----------------------------------------------------------------------------------


@dataclass
class Generated:
    """The generated log: what it holds and the contracts the live driver can still use."""

    leases: list[Lease]
    commands: int = 0
    refusals: int = 0
    finished: int = 0
    scenarios: int = 0
    seconds: float = 0.0


def billed_to_end(lease: Lease) -> bool:
    return first_of_month(lease.clock, 1) > lease.end


def finish(app: ContractsApplication, lease: Lease) -> None:
    """Term expiry (T-18.1-i), return the day after, pay what is open, refund, close (L-28)."""
    end = app.get(lease.number).contractual_end_date
    assert end is not None  # handed over in set_up
    day = end + timedelta(days=1)
    run_day(app, lease.number, ctx(day, "SYSTEM:scheduler", "daily"), POLICY)
    driven = (day - lease.start).days / 365 * lease.annual_km * lease.km_factor
    reading = max(lease.odometer + 1, lease.handover_odometer + int(driven))
    app.execute(
        lease.number,
        ReturnVehicle(odometer=reading, damages=(), missing_items=()),
        replace(
            ctx(day, "LESSOR_USER", "return"),
            policy=LessorPolicy(early_termination_fee_rate=POLICY.early_termination_fee_rate),
        ),
    )

    def settle(contract: Contract) -> None:
        owed = contract.open_debits()
        if owed.is_positive:
            execute(
                contract,
                ReceivePayment(amount=owed.rounded()),
                ctx(day, "INTEGRATION:bank", "final"),
            )
        credit = contract.open_credits()
        if credit.is_positive:
            execute(contract, PayRefund(amount=credit.rounded()), ctx(day, "LESSOR_USER", "refund"))

    app.decide(lease.number, settle)
    app.decide(lease.number, settle)  # the late interest the first payment accrued
    close_on = day + timedelta(days=7)
    app.execute(lease.number, CloseContract(), ctx(close_on, "LESSOR_USER", "close"))


def generate(
    app: ContractsApplication, target: int, rng: random.Random, scenario_names: list[str]
) -> Generated:
    """Live contracts in `app` (in memory) until it holds about `target` events."""
    started = time.perf_counter()
    for name in scenario_names:
        scenario = load_scenario(SCENARIOS / f"{name}.json")
        if not app.exists(scenario.terms.contract_number):  # two scenarios share a number
            simulate(scenario, app=app)
    contracts = max(20, target // EVENTS_PER_CONTRACT)
    leases = set_up(app, contracts, rng)
    out = Generated(leases=[], scenarios=len(scenario_names))
    mix = Mix([], rng)

    def step(lease: Lease) -> bool:
        """One command on the lease; False once it is finished."""
        out.commands += 1
        ending = billed_to_end(lease)
        try:
            if ending:
                finish(app, lease)
                out.finished += 1
            else:
                mix.leases = [lease]
                mix.next_command(app)()
        except ContractError:
            out.refusals += 1
        return not ending

    lifers = round(len(leases) * LIFER_SHARE)
    for lease in leases[:lifers]:
        while step(lease):
            pass
    active = leases[lifers:]
    stored = app.recorder.max_notification_id() or 0
    while active and stored < target:
        for _ in range(500):
            i = rng.randrange(len(active))
            if not step(active[i]):
                active[i] = active[-1]
                active.pop()
                if not active:
                    break
        stored = app.recorder.max_notification_id() or 0
    out.leases = active
    out.seconds = time.perf_counter() - started
    return out


def store(source: ContractsApplication, target: ContractsApplication) -> tuple[int, float]:
    """Insert the source's stored events, in order, into the target's recorder in chunks."""
    started = time.perf_counter()
    start, count = 1, 0
    while True:
        notifications = source.recorder.select_notifications(start, STORE_CHUNK)
        if not notifications:
            break
        target.recorder.insert_events(notifications)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started


# --- (a) reading --------------------------------------------------------------------------------


def subscription_rate(app: ContractsApplication, head: int) -> tuple[int, float]:
    """The library's ApplicationSubscription from zero to `head`: (events, seconds)."""
    started = time.perf_counter()
    count = 0
    with ApplicationSubscription(app, gt=0) as subscription:
        for _, tracking in subscription:
            count += 1
            if tracking.notification_id >= head:
                break
    return count, time.perf_counter() - started


def select_decode_rate(app: ContractsApplication) -> tuple[int, float]:
    """The runner's read path: select_notifications in batches, each decoded by the mapper."""
    started = time.perf_counter()
    start, count = 1, 0
    while True:
        notifications = app.recorder.select_notifications(start, READ_BATCH)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count, time.perf_counter() - started


# --- CPU accounting ------------------------------------------------------------------------------


def server_cpu(data_dir: Path | None) -> float | None:
    """CPU seconds used so far by the embedded server (postmaster and its backends)."""
    if data_dir is None:
        return None
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == postmaster or int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Cpu:
    """Wall, client (this process) and server CPU seconds of one measured phase."""

    data_dir: Path | None
    wall: float = 0.0
    client: float = 0.0
    server: float | None = None

    def __enter__(self) -> Self:
        self._s0 = server_cpu(self.data_dir)
        self._c0 = time.process_time()
        self._w0 = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall = time.perf_counter() - self._w0
        self.client = time.process_time() - self._c0
        s1 = server_cpu(self.data_dir)
        self.server = None if s1 is None or self._s0 is None else s1 - self._s0

    def line(self) -> str:
        server = "n/a (external)" if self.server is None else f"{self.server:.2f} s"
        return (
            f"  cpu        client (Python) {self.client:.2f} s, server (PostgreSQL) {server},"
            f" wall {self.wall:.2f} s"
        )


# --- memory --------------------------------------------------------------------------------------


def status_mib(pid: int | str, field: str) -> float | None:
    """A field of /proc/<pid>/status in MiB (VmRSS: resident now, VmHWM: its peak), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def is_worker(pid: str) -> bool:
    """A multiprocessing worker (`spawn` runs `multiprocessing.spawn`)."""
    try:
        return b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def reset_peak_rss() -> bool:
    """Start this process's peak resident memory (VmHWM) again from what it holds now."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class PeakRss:
    """The peak resident memory of this process and of every child it starts, while running.

    This process's peak is its VmHWM after `reset_peak_rss`; a child's is the last VmHWM read
    before it ended (polled every 50 ms: a child living less than that may be missed).
    """

    def __init__(self) -> None:
        self.children: dict[int, float] = {}
        self.start_mib = status_mib("self", "VmRSS") or 0.0
        self.reset = reset_peak_rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="rss", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.05):
            for child in Path(f"/proc/{me}/task/{me}/children").read_text().split():
                if not is_worker(child):  # the embedded PostgreSQL's postmaster
                    continue
                peak = status_mib(child, "VmHWM")
                if peak is not None:
                    self.children[int(child)] = max(peak, self.children.get(int(child), 0.0))

    def stop(self) -> float:
        """Stop polling; this process's peak in MiB."""
        self._stop.set()
        self._thread.join()
        return status_mib("self", "VmHWM") or 0.0


# --- (b) rebuild ----------------------------------------------------------------------------------


def rebuild(
    group: ProjectionGroup, cpu: Cpu, *, profile: bool
) -> tuple[int, list[PartReport], PeakRss, float]:
    """Rebuild every view from zero as `lease projections rebuild`; (events, each part's report,
    the processes' peak memory, this process's peak in MiB).

    The parts (projections/engine/parallel.py) time themselves: this process's and each worker's.
    """
    parallel = group.parallel
    assert parallel is not None  # a PostgreSQL group (infra.bootstrap.build_projection_group)
    parallel.timed = True
    profiler = cProfile.Profile() if profile else None
    memory = PeakRss()
    with cpu:
        if profiler is not None:
            profiler.enable()
        read = rebuild_views(group)  # the composition root's rebuild (GC paused, then frozen)
        if profiler is not None:
            profiler.disable()
    peak = memory.stop()
    parallel.timed = False
    if profiler is not None:
        print()
        print("cProfile of this process's part of the rebuild (cProfile inflates Python time;")
        print("the rate below is clean only without --profile)")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(40)
    return read, parallel.reports, memory, peak


# --- (c) live lag ---------------------------------------------------------------------------------


@dataclass
class DriverResult:
    """What the command driver process did: per command (position, commit time)."""

    commits: list[tuple[int, float]]
    """(notification id of the command's last event, CLOCK_MONOTONIC when it returned)."""
    commands: int
    refusals: int
    no_change: int
    seconds: float
    latencies_ms: list[float]


def drive(
    env: dict[str, str], leases: list[Lease], rate: float, seconds: float, seed: int
) -> DriverResult:
    """In its own process: commands at `rate`/s on the leases for `seconds`, as an API would."""
    app = ContractsApplication(env=env)
    try:
        for lease in leases:  # a warm service: the contracts are in the aggregate cache
            app.repository.get(Contract.create_id(lease.number), deepcopy_from_cache=False)
        mix = Mix(leases, random.Random(seed))
        commits: list[tuple[int, float]] = []
        latencies: list[float] = []
        refusals = no_change = 0
        started = time.monotonic()
        i = 0
        while True:
            due = started + i / rate
            now = time.monotonic()
            if due - started >= seconds:
                break
            if due > now:
                time.sleep(due - now)
            command = mix.next_command(app)
            t0 = time.monotonic()
            try:
                result = command()
            except ContractError:
                refusals += 1
                result = None
            t1 = time.monotonic()
            latencies.append((t1 - t0) * 1000)
            position = getattr(result, "position", None)
            if isinstance(position, int):
                commits.append((position, t1))
            elif result is not None:
                no_change += 1
            i += 1
        return DriverResult(commits, i, refusals, no_change, time.monotonic() - started, latencies)
    finally:
        app.close()


@dataclass
class Live:
    lags_ms: list[float]
    driver: DriverResult
    batches: int
    events: int
    breakdown: Breakdown


def live_lag(
    group: ProjectionGroup,
    env: dict[str, str],
    leases: list[Lease],
    rate: float,
    seconds: float,
    seed: int,
    cpu: Cpu,
) -> Live:
    """Commands from another process while the group follows the log in a thread here."""
    reached: list[tuple[int, float]] = []
    """(position every view has committed, CLOCK_MONOTONIC) after each batch."""
    sizes: list[int] = []
    breakdown, undo = instrument(group)
    apply = group._apply  # the timed one; stamped below with the runner's batch ends

    def stamped(ids: list[int], notifications: Any, *args: Any) -> None:
        apply(ids, notifications, *args)
        reached.append((ids[-1], time.monotonic()))
        sizes.append(len(ids))

    setattr(group, "_apply", stamped)  # noqa: B010
    stop = threading.Event()
    runner = threading.Thread(target=follow, args=(group, stop), name="projections")
    try:
        with cpu:
            runner.start()
            context = multiprocessing.get_context("spawn")
            with context.Pool(1) as pool:
                driver: DriverResult = pool.apply(drive, (env, leases, rate, seconds, seed))
            last = max((p for p, _ in driver.commits), default=0)
            deadline = time.monotonic() + 60
            while (not reached or reached[-1][0] < last) and time.monotonic() < deadline:
                stop.wait(0.01)
    finally:
        stop.set()
        runner.join()
        undo()
    positions = [p for p, _ in reached]
    lags = []
    for position, committed in driver.commits:
        i = bisect.bisect_left(positions, position)
        if i < len(reached):
            lags.append((reached[i][1] - committed) * 1000)
    return Live(lags, driver, len(reached), sum(sizes), breakdown)


def checkpoint(info: PostgresInfo) -> bool:
    """Flush the rebuild's dirty pages before the live phase (needs superuser); done?"""
    try:
        with psycopg.connect(info.dsn, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.Error:
        return False
    return True


# --- reporting ------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def rate_line(label: str, count: int, seconds: float) -> str:
    per_second = count / seconds if seconds else 0.0
    return f"  {label:<58} {count:>8,} events in {seconds:6.2f} s  {per_second:>9,.0f} events/s"


def print_breakdown(b: Breakdown, elapsed: float, what: str) -> None:
    def share(s: float) -> str:
        return f"{s:6.2f} s {100 * s / elapsed:5.1f}%" if elapsed else f"{s:6.2f} s"

    print(f"  where {what} goes ({b.batches} batches):")
    print(f"    read  (select_notifications)               {share(b.read)}")
    print(f"    decode (mapper.to_domain_event)            {share(b.decode)}")
    for name, applied in b.applies.items():
        commit = b.commits[name]
        print(
            f"    {name:<10} apply {applied:6.2f} s  replace {commit:6.2f} s"
            f"      {share(applied + commit)}"
        )
    ordered, replace = getattr(b, "ordered", 0.0), getattr(b, "replace", 0.0)
    if ordered or replace:
        print(f"    pass in log order (invoice numbers; read, decode above) {share(ordered)}")
        print(f"    replace every view from staging            {share(replace)}")
    print(f"    commit (every view's batch, one transaction)  {share(b.commit_all)}")
    other = (
        elapsed
        - b.read
        - b.decode
        - replace
        - sum(b.applies.values())
        - sum(b.commits.values())
        - b.commit_all
    )
    print(f"    other (loop, timers)                       {share(other)}")


def cpu_bound(events: int, rebuild: Cpu, read: Cpu, parts: list[PartReport]) -> str:
    """The rebuild's CPU per event against the subscription's, and the ratio they allow on
    an otherwise idle machine (the rebuild's processes and the server sharing its cores).

    On a loaded machine the wall-clock ratio mostly says how the scheduler shared the cores
    (the rebuild's two processes against one reader); the CPU seconds are steadier."""
    workers = [p.cpu for p in parts if p.worker]
    spent = rebuild.client + (rebuild.server or 0.0) + sum(workers)
    reading = read.client  # its wall on an idle machine: the server reads beside it
    cores = available_cores()
    # At best every core busy all along, and no shorter than its busiest process.
    least = max(spent / cores, rebuild.client, *workers)
    best = reading / least if least else 0.0
    return (
        f"           CPU per event: rebuild {spent / events * 1e6:.0f} us (every process and"
        f" the server), subscription {reading / events * 1e6:.0f} us (its process); on"
        f" {cores} idle cores at best {best:.2f}x the subscription"
    )


def print_memory(memory: PeakRss, peak: float) -> None:
    """Peak resident memory of each rebuilding process, beside this one's before the rebuild."""
    since = "since the rebuild began" if memory.reset else "since it started (no clear_refs)"
    print(
        f"  memory     this process: peak {peak:.0f} MiB {since} (resident {memory.start_mib:.0f}"
        f" MiB before it: the generated book's leftovers, the baseline)"
    )
    for pid, mib in sorted(memory.children.items()):
        print(f"             worker process {pid}: peak {mib:.0f} MiB")


def print_parts(parts: list[PartReport]) -> None:
    """Each part of the rebuild: its views, process, wall and CPU time, and where it went."""
    workers = sum(p.cpu for p in parts if p.worker)
    if workers:
        print(f"  worker processes' CPU {workers:.2f} s (not in the client figure above)")
    for i, part in enumerate(parts, 1):
        where = "a worker process" if part.worker else "this process"
        chunks = getattr(part, "chunks", None)
        print(
            f"  part {i} ({where}): {', '.join(part.names)}: {part.read:,} events read in"
            f" {part.seconds:.2f} s, CPU {part.cpu:.2f} s"
            + (f", {chunks} chunks of contracts" if chunks else "")
        )
        if part.breakdown is not None:
            print_breakdown(part.breakdown, part.seconds, "its time")


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to generate")
    parser.add_argument("--seconds", type=float, default=30.0, help="live phase duration")
    parser.add_argument("--rate", type=float, default=200.0, help="live commands per second")
    parser.add_argument("--quick", action="store_true", help="~20 s smoke run")
    parser.add_argument(
        "--views", nargs="+", default=list(VIEW_MODULES), choices=VIEW_MODULES, metavar="NAME"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the rebuild")
    parser.add_argument(
        "--chunk-events", type=int, default=20_000, help="events per chunk of contracts (rebuild)"
    )
    parser.add_argument("--seed", type=int, default=303)
    args = parser.parse_args(argv)
    args.scenarios = sorted(p.name.removesuffix(".json") for p in SCENARIOS.glob("*.json"))
    args.scenarios = [s for s in args.scenarios if not s.endswith(".expected")]
    args.live_contracts = LIVE_CONTRACTS
    if args.quick:
        args.events = min(args.events, 20_000)
        args.seconds = min(args.seconds, 5.0)
        args.scenarios = list(QUICK_SCENARIOS)
        args.live_contracts = 100
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # progress shows through a pipe too
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up the server on TERM
    started = time.perf_counter()
    rng = random.Random(args.seed)
    with ExitStack() as stack:
        info, socket_dir, schema, env = open_bench_database(stack)

        memory = ContractsApplication(env=IN_MEMORY_ENV)
        generated = generate(memory, args.events, rng, args.scenarios)
        app = ContractsApplication(env=env)
        stack.callback(app.close)
        stored, store_s = store(memory, app)
        del memory
        count, mean_state, _ = event_stats(info, schema)
        print()
        print(
            f"generated  {stored:,} events in {generated.seconds:.1f} s through the domain in"
            f" memory ({generated.commands:,} commands, {generated.refusals} refused;"
            f" {args.events // EVENTS_PER_CONTRACT:,} generated contracts, {generated.finished}"
            f" lived to closure, {generated.scenarios} pinned scenarios), stored in"
            f" {store_s:.1f} s ({STORE_CHUNK:,} per transaction); mean event state"
            f" {mean_state:.0f} bytes; max RSS {own_peak_mib():.0f} MiB"
        )
        head = app.recorder.max_notification_id() or 0
        assert count == stored == head, (count, stored, head)

        print()
        print("(a) reading the log, nothing written")
        read_cpu = Cpu(socket_dir)
        with read_cpu:
            n, s = subscription_rate(app, head)
        sub_rate = n / s
        print(rate_line("ApplicationSubscription (library, read-only)", n, s))
        print(read_cpu.line())
        n, s = select_decode_rate(app)
        raw_rate = n / s
        print(rate_line(f"select_notifications({READ_BATCH}) + decode (runner's read)", n, s))

        group = build_projection_group(app, env, args.views)
        stack.callback(close_projection_group, group)
        print()
        print(f"(b) rebuild from zero: {', '.join(args.views)}")
        cpu = Cpu(socket_dir)
        group.chunk_events = args.chunk_events
        read, parts, rss, peak = rebuild(group, cpu, profile=args.profile)
        elapsed = cpu.wall
        rebuild_rate = read / elapsed
        print(
            rate_line(
                f"ProjectionGroup.rebuild, {len(args.views)} views in {len(parts)} process(es),"
                f" reads of {group.batch_size:,}",
                read,
                elapsed,
            )
        )
        print(cpu.line())
        print_parts(parts)
        print_memory(rss, peak)
        lagging = [st for st in group.status() if st.lag_events]
        assert not lagging, lagging

        print()
        live_leases = rng.sample(generated.leases, min(args.live_contracts, len(generated.leases)))
        checkpointed = checkpoint(info)
        print(
            "(c) live, after a CHECKPOINT (the rebuild's writes flushed first): "
            if checkpointed
            else "(c) live: ",
            end="",
        )
        print(
            f"{args.rate:.0f} commands/s for {args.seconds:.0f} s on"
            f" {len(live_leases)} contracts (driver process), the projections worker here"
        )
        live_cpu = Cpu(socket_dir)
        live = live_lag(group, env, live_leases, args.rate, args.seconds, args.seed, live_cpu)
        d = live.driver
        print(
            f"  driver     {d.commands:,} commands in {d.seconds:.1f} s"
            f" ({d.commands / d.seconds:.0f}/s), {len(d.commits):,} of them stored events"
            f" ({d.refusals} refused, {d.no_change} without change);"
            f" command p50 {quantile(d.latencies_ms, 0.5):.2f} ms,"
            f" p99 {quantile(d.latencies_ms, 0.99):.2f} ms"
        )
        print(
            f"  runner     {live.batches:,} batches, {live.events:,} events"
            f" ({live.events / max(live.batches, 1):.1f} per batch)"
        )
        print(live_cpu.line().replace("client (Python)", "runner + driver start"))
        busy = live.breakdown.read + live.breakdown.apply_all
        print_breakdown(live.breakdown, busy, "the runner's busy time")
        lag_p99 = quantile(live.lags_ms, 0.99)
        print(
            f"  lag        p50 {quantile(live.lags_ms, 0.5):.1f} ms, p99 {lag_p99:.1f} ms,"
            f" max {max(live.lags_ms, default=0.0):.1f} ms,"
            f" mean {statistics.fmean(live.lags_ms) if live.lags_ms else 0.0:.1f} ms"
            f" over {len(live.lags_ms):,} commands"
        )

        print()
        rebuild_verdict = "met" if rebuild_rate >= REBUILD_TARGET else "NOT met"
        lag_verdict = "met" if lag_p99 < LAG_TARGET_MS else "NOT met"
        print(
            f"rebuild    {rebuild_rate:,.0f} events/s, {rebuild_rate / sub_rate:.2f}x the"
            f" read-only subscription ({sub_rate:,.0f}/s); target >= {REBUILD_TARGET:,}/s:"
            f" {rebuild_verdict}"
        )
        ratio_verdict = "met" if rebuild_rate / sub_rate >= RATIO_TARGET else "NOT met"
        print(f"           ratio target >= {RATIO_TARGET}x the subscription: {ratio_verdict}")
        print(
            f"           {rebuild_rate / raw_rate:.2f}x the runner's raw read"
            f" (select_notifications + decode, {raw_rate:,.0f}/s)"
        )
        print(cpu_bound(read, cpu, read_cpu, parts))
        workers = list(rss.children.values())
        grown = peak - rss.start_mib
        # A worker is a fresh process doing what this one does (a CLI rebuild's own process
        # is one too); this process also holds the generated book's leftovers, so only its
        # growth is its rebuild's.
        worst = max(workers, default=grown)
        memory_verdict = "met" if worst <= MEMORY_TARGET_MIB else "NOT met"
        print(
            f"rebuild memory  worker process peak {worst:.0f} MiB; this process grew by"
            f" {grown:.0f} MiB over the {rss.start_mib:.0f} MiB it held before (peak"
            f" {peak:.0f}); target <= {MEMORY_TARGET_MIB} MiB a process: {memory_verdict}"
        )
        print(f"live lag   p99 {lag_p99:.1f} ms; target < {LAG_TARGET_MS:.0f} ms: {lag_verdict}")
        print(f"max RSS    {own_peak_mib():.0f} MiB")
        print(f"total      {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
