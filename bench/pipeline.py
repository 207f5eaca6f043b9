"""End-to-end latency of a rule effect: a km report over the cap to its ContractEndedByLaw.

    python bench/pipeline.py [--rate 100] [--seconds 30] [--fetch-max-wait 100,20,5] [--quick]

Starts the embedded PostgreSQL and broker in a temporary directory (or uses
LEASE_DATABASE_URL / LEASE_KAFKA_BOOTSTRAP_SERVERS). For each `fetch_max_wait_ms` value, in
turn, on a fresh database and fresh topics:

- the outbox relay and the termination consumer run as `lease run relay` and
  `lease run termination`, processes of their own as in production, with
  LEASE_CONSUMER_FETCH_MAX_WAIT_MS set to the value and the business date pinned;
- set-up (not timed): background contracts are concluded, handed over and first invoiced
  (bench/commands.py), and fresh contracts are handed over for the over-cap reports; the
  pipeline is then left to drain (relay at the head, the group's offsets at the topic's end);
- the driver (this process) issues commands at `--rate` per second for `--seconds`: the
  command mix of bench/commands.py (monthly billing, payments, odometer reports) on the
  background contracts, and every `1 / --over-cap-share`-th command an odometer report over
  the km cap on a fresh contract, which the termination consumer must end by law
  (T-18.1-ii: KmCapReached + ContractEndedByLaw, after the relay published the report);
- a watcher process LISTENs on the events table's channel; at each NOTIFY (sent at
  commit) it reads the rows committed since the last one and notes when each contract's
  ContractEndedByLaw arrived.

A latency is from the moment the over-cap command returned (its transaction committed) to
the moment the watcher was notified of the commit of the ContractEndedByLaw it caused.
Both are CLOCK_MONOTONIC (`time.monotonic()`, one clock for every process of the machine).
The watcher's wake-up and its read add well under a millisecond.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import multiprocessing
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.contract.incidents import ReportOdometer

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/pipeline.py` from a checkout
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.utils import get_topic  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.commands import Lease, Mix, set_up  # noqa: E402
from consumers.runner import CONSUMER_SETTINGS  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Contract, Ctx  # noqa: E402
from domain.contract.termination_events import ContractEndedByLaw  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from domain.km_cap import KM_CAPS  # noqa: E402
from infra.embedded.stack import Stack  # noqa: E402
from infra.kafka import create_topics, group_at_end  # noqa: E402
from infra.relay.outbox import RelayConfig  # noqa: E402
from infra.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator

    from infra.settings import PostgresInfo

TARGET_P99_MS = 250.0
"""Issue 5: p99 from the command's commit to the rule event's commit, at 100 commands/s."""
BUSINESS_DATE = date(2025, 1, 1)
"""The workers' pinned clock (LEASE_BUSINESS_DATE): inside every contract's term."""
OVER_CAP_ON = date(2024, 12, 20)
"""Business date of the over-cap reports (the fresh contracts are handed over in 2024)."""
LEASE = Path(sys.executable).with_name("lease")
WORKERS = ("relay", "termination")
READY = {"relay": "relay: running on", "termination": "assigned, reading from"}
CONSUMER_GROUP = "termination"
DRAIN_TIMEOUT = 180.0
END_TIMEOUT = 60.0
POLL = 0.05


# --- the workers ---------------------------------------------------------------------------


class Worker:
    """One `lease run <name>` process, its output in a log file."""

    def __init__(
        self, name: str, env: dict[str, str], logs: Path, profile: Path | None = None
    ) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        command = [str(LEASE), "run", name, "-v"]
        if profile is not None:  # cProfile's clock is wall time: waits show as such
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                env=env,
                cwd=logs,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        self.check_alive()
        return READY[self.name] in self.log.read_text(errors="replace")

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.name} exited with {code}:\n{tail}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the process so far (/proc/<pid>/stat, clock ticks)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)


def worker_env(
    db: PostgresInfo, bootstrap: str, topics: dict[str, str], wait_ms: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEASE_")}
    env.update(
        {
            "LEASE_DATABASE_URL": db.dsn,
            "LEASE_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "LEASE_BUSINESS_DATE": BUSINESS_DATE.isoformat(),
            "LEASE_CONSUMER_FETCH_MAX_WAIT_MS": str(wait_ms),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update({f"LEASE_{name.upper()}_TOPIC": topic for name, topic in topics.items()})
    idle_wait = os.environ.get("LEASE_CONSUMER_IDLE_FETCH_WAIT_MS")  # compared by issue 14
    if idle_wait:
        env["LEASE_CONSUMER_IDLE_FETCH_WAIT_MS"] = idle_wait
    return env


def wait_for(condition: Any, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        threading.Event().wait(POLL)


# --- the watcher process -------------------------------------------------------------------


def watch(dsn: str, channel: str, ready: Any, stop: Any, out: Any) -> None:
    """LISTEN; at each NOTIFY note the time of every ContractEndedByLaw committed since.

    Runs in a process of its own, so the driver's commands do not delay its wake-ups.
    Puts {contract id: monotonic seconds} on `out` when `stop` is set.
    """
    ended_topic = get_topic(ContractEndedByLaw)
    seen: dict[str, float] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        row = conn.execute("SELECT coalesce(max(notification_id), 0) FROM contracts_events")
        last = int((row.fetchone() or (0,))[0])
        query = (
            "SELECT notification_id, originator_id::text, topic = %s FROM contracts_events"
            " WHERE notification_id > %s ORDER BY notification_id"
        )
        ready.set()
        while not stop.is_set():
            # The generator is closed before the read (one command at a time on `conn`).
            if not list(conn.notifies(timeout=0.2, stop_after=1)):
                continue
            at = time.monotonic()
            for notification_id, contract_id, ended in conn.execute(query, (ended_topic, last)):
                last = notification_id
                if ended:
                    seen.setdefault(contract_id, at)
    out.put(seen)


@contextmanager
def watcher(dsn: str, channel: str) -> Iterator[Any]:
    """The watcher process; yields a function that stops it and returns what it saw."""
    mp = multiprocessing.get_context("spawn")
    ready, stop, out = mp.Event(), mp.Event(), mp.Queue()
    process = mp.Process(target=watch, args=(dsn, channel, ready, stop, out), daemon=True)
    process.start()
    if not ready.wait(30):
        raise TimeoutError("the watcher did not start")

    def collect() -> dict[str, float]:
        stop.set()
        seen: dict[str, float] = out.get(timeout=30)
        return seen

    try:
        yield collect
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()


# --- settling ------------------------------------------------------------------------------


def scalar(conn: psycopg.Connection[Any], query: sql.SQL | sql.Composed) -> int:
    try:
        row = conn.execute(query).fetchone()
    except psycopg.errors.UndefinedTable:
        return 0
    return int(row[0]) if row is not None and row[0] is not None else 0


def head(conn: psycopg.Connection[Any]) -> int:
    return scalar(conn, sql.SQL("SELECT max(notification_id) FROM contracts_events"))


def relay_position(conn: psycopg.Connection[Any]) -> int:
    return scalar(conn, sql.SQL("SELECT max(notification_id) FROM relay_tracking"))


def drained(conn: psycopg.Connection[Any], bootstrap: str, topic: str) -> bool:
    """Everything stored is published and consumed, and nothing new was stored meanwhile."""
    last = head(conn)
    return (
        relay_position(conn) == last
        and group_at_end(bootstrap, topic, CONSUMER_GROUP)
        and head(conn) == last
    )


# --- the run -------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    """One fetch_max_wait_ms value's run."""

    wait_ms: int
    latencies_ms: list[float]
    commands: int
    refusals: int
    over_cap: int
    events: int
    seconds: float
    cpu: dict[str, float]
    """CPU seconds of each worker process during the timed phase."""

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    def trend(self) -> str:
        """p50 of the first and the last third of the run: a growing queue shows here."""
        third = max(1, len(self.latencies_ms) // 3)
        first = statistics.median(self.latencies_ms[:third])
        last = statistics.median(self.latencies_ms[-third:])
        return f"p50 first third {first:.1f} ms, last third {last:.1f} ms"

    def line(self) -> str:
        lat = self.latencies_ms
        cpu = ", ".join(f"{n} {s / self.seconds:.0%}" for n, s in self.cpu.items())
        verdict = "meets" if self.quantile(0.99) < TARGET_P99_MS else "misses"
        return (
            f"  fetch_max_wait_ms {self.wait_ms:>4}: p50 {self.quantile(0.5):6.1f} ms"
            f"  p99 {self.quantile(0.99):6.1f} ms  max {max(lat):6.1f} ms"
            f"  mean {statistics.fmean(lat):6.1f} ms  n={len(lat)}  ({verdict} p99 <"
            f" {TARGET_P99_MS:.0f} ms)\n"
            f"      {self.commands} commands in {self.seconds:.1f} s"
            f" ({self.commands / self.seconds:.0f}/s, {self.refusals} refused),"
            f" {self.events} events ({self.events / self.seconds:.0f}/s); CPU: {cpu}\n"
            f"      {self.trend()}"
        )


def over_cap_report(app: ContractsApplication, lease: Lease) -> str:
    """An odometer reading over every fuel's cap on a fresh contract; its contract id."""
    reading = max(KM_CAPS.values()) + 1_000
    app.execute(
        lease.number,
        ReportOdometer(odometer=reading),
        Ctx(OVER_CAP_ON, "CUSTOMER", f"bench:{lease.number}"),
    )
    return str(Contract.create_id(lease.number))


def drive(
    app: ContractsApplication, mix: Mix, fresh: list[Lease], args: argparse.Namespace
) -> tuple[dict[str, float], int, int, float]:
    """Commands at the rate; returns when each over-cap command returned, by contract id,
    the commands run, the refusals, and the seconds it took."""
    total = int(args.rate * args.seconds)
    every = round(1 / args.over_cap_share)
    returned: dict[str, float] = {}
    refusals = 0
    pace = threading.Event()
    started = time.monotonic()
    for i in range(total):
        pace.wait(max(0.0, started + i / args.rate - time.monotonic()))
        if i % every == every // 2 and fresh:
            contract_id = over_cap_report(app, fresh.pop())
            returned[contract_id] = time.monotonic()
            continue
        command = mix.next_command(app)
        try:
            command()
        except ContractError:
            refusals += 1
    return returned, total, refusals, time.monotonic() - started


def run_variant(args: argparse.Namespace, stack: Stack, wait_ms: int, logs: Path) -> Result:
    """One fetch_max_wait_ms value on a fresh database and fresh topics."""
    rng = random.Random(args.seed)
    token = secrets.token_hex(3)
    logs = logs / f"wait-{wait_ms}-{token}"
    logs.mkdir()
    topics = {
        name: f"bench.pipeline.{name}.{token}"
        for name in ("contract_events", "deadlines", "payments", "odometer", "dead_letter")
    }
    create_topics(stack.bootstrap_servers, list(topics.values()), args.partitions)
    with fresh_database(stack.postgres) as db, ExitStack() as resources:
        app = ContractsApplication(env=db.eventsourcing_env())
        resources.callback(app.close)
        over_caps = int(args.rate * args.seconds * args.over_cap_share) + 1
        leases = set_up(app, args.contracts, rng)
        fresh = set_up(app, over_caps, rng, first=args.contracts)
        env = worker_env(db, stack.bootstrap_servers, topics, wait_ms)
        workers = [
            Worker(name, env, logs, profile_path(args, name, f"{wait_ms}-{token}"))
            for name in WORKERS
        ]
        for worker in workers:
            resources.callback(worker.stop)
        conn = resources.enter_context(psycopg.connect(db.dsn, autocommit=True))
        drain(conn, workers, stack.bootstrap_servers, topics["contract_events"])
        channel: str = app.recorder.channel_name  # type: ignore[attr-defined]
        collect = resources.enter_context(watcher(db.dsn, channel))
        before, cpu0 = head(conn), {w.name: w.cpu_seconds() for w in workers}
        returned, commands, refusals, seconds = drive(app, Mix(leases, rng), fresh, args)
        cpu = {w.name: w.cpu_seconds() - cpu0[w.name] for w in workers}
        events = head(conn) - before
        wait_for(lambda: scalar(conn, ended_count()) >= len(returned), "all ended", END_TIMEOUT)
        ended = collect()
    missing = set(returned) - set(ended)
    if missing:
        raise RuntimeError(f"{len(missing)} ContractEndedByLaw not seen by the watcher")
    latencies = [(ended[c] - t) * 1000 for c, t in returned.items()]
    return Result(wait_ms, latencies, commands, refusals, len(returned), events, seconds, cpu)


def profile_path(args: argparse.Namespace, name: str, label: str) -> Path | None:
    """Where `--profile DIR` keeps a worker's cProfile output (set-up included)."""
    if args.profile is None:
        return None
    args.profile.mkdir(parents=True, exist_ok=True)
    path: Path = args.profile / f"{name}-{label}.prof"
    return path


def drain(conn: psycopg.Connection[Any], workers: list[Worker], bootstrap: str, topic: str) -> None:
    """Wait until the workers are up and the set-up's events are published and consumed."""
    started = time.monotonic()
    wait_for(lambda: all(w.ready() for w in workers), "workers up", 60)
    wait_for(lambda: drained(conn, bootstrap, topic), "set-up drained", DRAIN_TIMEOUT)
    seconds = time.monotonic() - started
    print(f"    set-up: {head(conn):,} events stored, published and consumed in {seconds:.1f} s")


def ended_count() -> sql.Composed:
    return sql.SQL("SELECT count(*) FROM contracts_events WHERE topic = {}").format(
        sql.Literal(get_topic(ContractEndedByLaw))
    )


@contextmanager
def fresh_database(info: PostgresInfo) -> Iterator[PostgresInfo]:
    """A database of its own on the server, dropped after (its connections closed by force)."""
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(info.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield dataclasses.replace(info, dbname=name)
    finally:
        with psycopg.connect(info.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


# --- reporting -----------------------------------------------------------------------------


def machine() -> str:
    model = "unknown"
    with contextlib.suppress(OSError), Path("/proc/cpuinfo").open() as cpuinfo:
        for row in cpuinfo:
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} x {model}, Python {platform.python_version()}"


def settings_lines(args: argparse.Namespace) -> list[str]:
    relay = RelayConfig()
    consumer = {k: CONSUMER_SETTINGS[k] for k in ("max_poll_records", "session_timeout_ms")}
    driver = (
        f"  driver: {args.rate:g} commands/s for {args.seconds:g} s, every"
        f" {round(1 / args.over_cap_share)}th an over-cap km report on a fresh contract;"
        f" {args.contracts} background contracts (billing, payments, km reports)"
    )
    pipeline = (
        f"  topics: {args.partitions} partitions; relay: batch {relay.batch_size},"
        f" linger_ms {relay.linger_ms}, woken by NOTIFY; consumer: {consumer},"
        f" fetch_max_wait_ms default {Settings().consumer_fetch_max_wait_ms}"
    )
    load = f"  business date {BUSINESS_DATE}; load average {os.getloadavg()[0]:.2f} at start"
    return [f"  machine: {machine()}", driver, pipeline, load]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=100.0, help="commands per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--over-cap-share", type=float, default=0.1)
    parser.add_argument("--contracts", type=int, default=200, help="background contracts")
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument(
        "--fetch-max-wait",
        default="100,20,5",
        help="comma-separated fetch_max_wait_ms values, one run each",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--profile", type=Path, help="run the workers under cProfile, output to this directory"
    )
    parser.add_argument("--quick", action="store_true", help="5 s per value")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 5.0
    args.waits = [int(v) for v in args.fetch_max_wait.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print("bench/pipeline.py: km report over the cap -> ContractEndedByLaw, commit to commit")
    print("\n".join(settings_lines(args)))
    results = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lease-pipeline-")))
        running = stack.enter_context(Stack(Settings(data_dir=tmp)))
        for wait_ms in args.waits:
            print(f"  fetch_max_wait_ms={wait_ms}:")
            result = run_variant(args, running, wait_ms, tmp)
            print(result.line())
            results.append(result)
    best = min(results, key=lambda r: r.quantile(0.99))
    print(f"  lowest p99: fetch_max_wait_ms={best.wait_ms} ({best.quantile(0.99):.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
