"""Command throughput of ContractsApplication on PostgreSQL, beside a raw psycopg baseline.

    python bench/commands.py [--contracts 1000] [--commands N] [--seconds S] [--quick]

Starts the embedded PostgreSQL in a temporary data directory (or uses LEASE_DATABASE_URL),
puts the event store in a fresh schema, concludes and hands over the contracts (not timed),
then times a sequential mix of monthly billing, payments and odometer reports on random
contracts. Each command is one load -> decide -> save through ContractsApplication, as the
service runs it. The baseline, in the same run and on the same server, is one psycopg
connection doing one single-row INSERT per transaction, as many times as commands ran.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import cProfile
import os
import platform
import pstats
import random
import resource
import secrets
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/commands.py` from a checkout
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Contract, Ctx  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from domain.money import Money  # noqa: E402
from domain.policy import LessorPolicy  # noqa: E402
from domain.terms import ContractTerms  # noqa: E402
from infra.postgres import EmbeddedPostgres  # noqa: E402
from infra.settings import PostgresInfo, Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

TARGET_RATIO = 0.5
"""The issue's target: commands/s at least half the raw one-row-insert baseline."""
BILLING, PAYMENT, KM = "billing", "payment", "km"
MIX = ((BILLING, 0.40), (PAYMENT, 0.40), (KM, 0.20))
LATE_PAYMENT_SHARE = 0.2
"""Share of payments that arrive 1-10 days after the invoice (late interest, M-06)."""
BASELINE_PAYLOAD_BYTES = 300
POLICY = LessorPolicy()
FIRST_START = date(2024, 1, 2)
"""Handover dates are spread over 2024 from here."""


# --- the contracts -------------------------------------------------------------------------


@dataclass
class Lease:
    """What the client (scheduler, bank feed, customer portal) knows of one contract."""

    number: str
    start: date
    end: date
    annual_km: int
    km_factor: float
    """How much the customer drives against the agreed annual km."""
    handover_odometer: int
    clock: date
    """The contract's business date: it only moves forward."""
    odometer: int
    unpaid: int = 0
    """Invoices issued since the last payment (client-side estimate)."""


def terms_dict(i: int, rng: random.Random) -> dict[str, Any]:
    """Contract terms like infra/scenario.py's format, varied per contract."""
    term = rng.choice((36, 48, 60))
    annual_km = rng.choice((10_000, 15_000, 20_000, 25_000))
    fuel = "PETROL" if annual_km * term / 12 <= 100_000 else "DIESEL"
    return {
        "contract_number": f"B-{i:06d}",
        "customer_number": f"K-{100_000 + i}",
        "fuel_type": fuel,
        "term_months": term,
        "annual_km": annual_km,
        "excess_km_price": "0.10",
        "instalment_amount": f"{rng.randrange(350, 900)}.{rng.randrange(100):02d}",
        "instalment_frequency": "MONTHLY",
        "payment_term_days": rng.choice((0, 0, 0, 10)),
        "invested_capital": f"{rng.randrange(25_000, 60_000)}.00",
        "advance_payment": rng.choice(("0.00", "1500.00", "3000.00")),
        "protection": {"included": rng.random() < 0.5, "flat_damage_fee": "500.00"},
        "gap": {"included": False},
        "insurance_mode": "CUSTOMER_OWN",
        "insurer_theft_recovery_days": 30,
    }


def ctx(on: date, actor: str, what: str) -> Ctx:
    return Ctx(on, actor, f"bench:{what}:{on.isoformat()}")


def add_months(d: date, k: int) -> date:
    month = d.month - 1 + k
    return date(d.year + month // 12, month % 12 + 1, 1)


def set_up(app: ContractsApplication, count: int, rng: random.Random) -> list[Lease]:
    """Conclude, order, ready, insurance proof, hand over and first invoice; not timed."""
    leases = []
    for i in range(count):
        terms = ContractTerms.from_dict(terms_dict(i, rng))
        start = FIRST_START + timedelta(days=rng.randrange(350))
        number = terms.contract_number
        app.conclude(terms, ctx(start - timedelta(days=20), "CUSTOMER", "conclude"))
        app.order_vehicle(number, ctx(start - timedelta(days=19), "LESSOR_USER", "order"))
        app.notify_vehicle_ready(number, ctx(start - timedelta(days=12), "LESSOR_USER", "ready"))
        app.accept_insurance_proof(number, ctx(start - timedelta(days=6), "LESSOR_USER", "proof"))
        odometer = rng.randrange(5, 60)
        app.hand_over(number, ctx(start, "CUSTOMER", "handover"), odometer)
        app.run_daily(number, ctx(start, "SYSTEM:scheduler", "daily"), POLICY)
        leases.append(
            Lease(
                number=number,
                start=start,
                end=add_months(start, terms.term_months) - timedelta(days=1),
                annual_km=terms.annual_km,
                km_factor=rng.choice((0.9, 0.95, 1.0, 1.05, 1.1, 1.3)),
                handover_odometer=odometer,
                clock=start,
                odometer=odometer,
                unpaid=1,
            )
        )
    return leases


# --- the command mix -------------------------------------------------------------------------


@dataclass
class Mix:
    """Picks the next command of the mix; all choices happen outside the timed call."""

    app: ContractsApplication
    leases: list[Lease]
    rng: random.Random
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys((BILLING, PAYMENT, KM), 0))

    def next_command(self) -> tuple[str, Callable[[], object]]:
        kinds, weights = zip(*MIX, strict=True)
        kind = self.rng.choices(kinds, weights)[0]
        lease = self.rng.choice(self.leases)
        if kind == BILLING and add_months(lease.clock, 1) > lease.end:
            kind = KM  # the contract has been billed to its end: report km instead
        if kind == PAYMENT and lease.unpaid == 0:
            owing = [x for x in self.leases if x.unpaid]
            if owing:
                lease = self.rng.choice(owing)
            else:
                kind = BILLING
        self.counts[kind] += 1
        if kind == BILLING:
            return kind, self.billing(lease)
        if kind == PAYMENT:
            return kind, self.payment(lease)
        return kind, self.km_report(lease)

    def billing(self, lease: Lease) -> Callable[[], object]:
        """The scheduler's daily run on the first day of the next period: it invoices it."""
        lease.clock = add_months(lease.clock, 1)
        lease.unpaid += 1
        c = ctx(lease.clock, "SYSTEM:scheduler", "daily")
        return lambda: self.app.run_daily(lease.number, c, POLICY)

    def payment(self, lease: Lease) -> Callable[[], object]:
        """The bank feed: the customer pays what the statement shows open, sometimes late."""
        if self.rng.random() < LATE_PAYMENT_SHARE:
            period_end = add_months(lease.clock, 1) - timedelta(days=1)
            lease.clock = min(lease.clock + timedelta(days=self.rng.randrange(1, 11)), period_end)
        lease.unpaid = 0
        c = ctx(lease.clock, "INTEGRATION:bank", "payment")

        def pay(contract: Contract) -> None:
            open_amount = contract.open_debits()
            amount = open_amount if open_amount.is_positive else contract.terms.instalment_amount
            contract.receive_payment(c, Money(amount.amount))

        return lambda: self.app.execute(lease.number, pay)

    def km_report(self, lease: Lease) -> Callable[[], object]:
        """The customer portal: a reading on the business date, never below the last one."""
        driven = (lease.clock - lease.start).days / 365 * lease.annual_km * lease.km_factor
        noise = self.rng.randrange(-300, 300)
        reading = max(lease.odometer + 1, lease.handover_odometer + int(driven) + noise)
        lease.odometer = reading
        c = ctx(lease.clock, "CUSTOMER", "odometer")
        return lambda: self.app.report_odometer(lease.number, c, reading)


@dataclass
class Timing:
    """Latencies of one timed loop, in nanoseconds, and its wall time."""

    label: str
    latencies: list[int]
    wall_ns: int
    refusals: int = 0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.count / (self.wall_ns / 1e9) if self.wall_ns else 0.0

    def quantile_ms(self, q: float) -> float:
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))
        return ordered[index] / 1e6

    def line(self, baseline: Timing | None = None) -> str:
        ratio = f"{self.per_second / baseline.per_second:5.2f}x" if baseline else "    -"
        return (
            f"  {self.label:<58} {self.count:>7} {self.per_second:>9.0f}/s "
            f"p50 {self.quantile_ms(0.50):6.2f} ms  p99 {self.quantile_ms(0.99):6.2f} ms  {ratio}"
        )


def run_mix(mix: Mix, label: str, commands: int, seconds: float) -> Timing:
    """Run commands of the mix one after another until `commands` ran or `seconds` passed."""
    latencies: list[int] = []
    refusals = 0
    deadline = time.perf_counter_ns() + int(seconds * 1e9)
    busy = 0
    while len(latencies) < commands:
        _, command = mix.next_command()
        t0 = time.perf_counter_ns()
        try:
            command()
        except ContractError:
            refusals += 1
        t1 = time.perf_counter_ns()
        latencies.append(t1 - t0)
        busy += t1 - t0
        if t1 > deadline:
            break
    return Timing(label, latencies, busy, refusals)


# --- the raw psycopg baseline ---------------------------------------------------------------


def run_baseline(
    info: PostgresInfo, schema: str, count: int, label: str, *, explicit_transaction: bool
) -> Timing:
    """One connection, one single-row INSERT of an event-sized row per transaction."""
    table = sql.Identifier(schema, "baseline_events")
    payload = (b'{"occurred_on":"2024-03-12","actor":"INTEGRATION:bank","rule_ids":["M-09"],' * 4)[
        :BASELINE_PAYLOAD_BYTES
    ]
    insert = sql.SQL(
        "INSERT INTO {} (originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)"
    ).format(table)
    topic = "domain.events:PaymentReceived"
    latencies: list[int] = []
    with psycopg.connect(info.dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (originator_id uuid NOT NULL, "
                "originator_version integer NOT NULL, topic text NOT NULL, state bytea, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(table)
        )
        ids = [uuid.uuid4() for _ in range(1000)]
        versions = dict.fromkeys(ids, 0)
        for i in range(count):
            originator = ids[i % len(ids)]
            versions[originator] += 1
            params = (originator, versions[originator], topic, payload)
            t0 = time.perf_counter_ns()
            if explicit_transaction:
                with conn.transaction():
                    conn.execute(insert, params, prepare=True)
            else:  # autocommit: the INSERT is its own transaction, one round trip
                conn.execute(insert, params, prepare=True)
            latencies.append(time.perf_counter_ns() - t0)
    return Timing(label, latencies, sum(latencies))


# --- environment and reporting ---------------------------------------------------------------


@contextmanager
def database(data_root: Path) -> Iterator[PostgresInfo]:
    """LEASE_DATABASE_URL if set, else an embedded server in a temporary data directory."""
    settings = Settings()
    if settings.database_url:
        yield PostgresInfo.from_url(settings.database_url)
        return
    with EmbeddedPostgres(data_root / "pg") as server:
        yield server.info


@contextmanager
def fresh_schema(info: PostgresInfo) -> Iterator[str]:
    schema = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(info.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema
    finally:
        with psycopg.connect(info.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def pgoptions(options: str) -> Iterator[None]:
    """Session settings (libpq PGOPTIONS) for the connections opened inside the block."""
    before = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = options
    try:
        yield
    finally:
        if before is None:
            del os.environ["PGOPTIONS"]
        else:
            os.environ["PGOPTIONS"] = before


def machine(info: PostgresInfo) -> list[str]:
    model = "unknown"
    with Path("/proc/cpuinfo").open() as cpuinfo:
        for row in cpuinfo:
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    with psycopg.connect(info.dsn) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        sync = conn.execute("SHOW synchronous_commit").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    version = row[0] if row else "?"
    return [
        f"  cpu        {os.cpu_count()} x {model} ({platform.machine()}, {platform.system()})",
        f"  python     {platform.python_version()}  eventsourcing {importlib.metadata.version('eventsourcing')}"
        f"  psycopg {psycopg.__version__} ({psycopg.pq.__impl__})",
        f"  postgresql {version} on {info.host}:{info.port}"
        f"  synchronous_commit={sync[0] if sync else '?'} fsync={fsync[0] if fsync else '?'}",
    ]


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def event_stats(info: PostgresInfo, schema: str) -> tuple[int, float, int]:
    """Stored events, their mean state size in bytes, and snapshots."""
    with psycopg.connect(info.dsn) as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*), avg(length(state)) FROM {}").format(
                sql.Identifier(schema, "contracts_events")
            )
        ).fetchone()
        snaps = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, "contracts_snapshots"))
        ).fetchone()
    assert row is not None
    assert snaps is not None
    return int(row[0]), float(row[1] or 0), int(snaps[0])


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=5000, help="timed commands per run")
    parser.add_argument("--seconds", type=float, default=30.0, help="cap of each timed run")
    parser.add_argument("--quick", action="store_true", help="~10 s smoke run")
    parser.add_argument("--seed", type=int, default=19_2)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="cProfile N commands, print top costs"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.contracts = min(args.contracts, 50)
        args.commands = min(args.commands, 300)
        args.seconds = min(args.seconds, 3.0)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    with ExitStack() as stack:
        data_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lease-bench-")))
        info = stack.enter_context(database(data_root))
        schema = stack.enter_context(fresh_schema(info))
        env = info.eventsourcing_env(schema=schema, pool_size=Settings().pool_size)
        app = ContractsApplication(env=env)
        stack.callback(app.close)
        print("machine")
        for row in machine(info):
            print(row)

        t0 = time.perf_counter()
        leases = set_up(app, args.contracts, rng)
        setup_s = time.perf_counter() - t0
        print(
            f"setup      {args.contracts} contracts x 6 commands in {setup_s:.1f} s"
            f" (not timed below); max RSS {max_rss_mib():.0f} MiB"
        )

        mix = Mix(app, leases, rng)
        if args.profile:
            profile(mix, args.profile)
            return 0
        before, _, _ = event_stats(info, schema)
        commands = run_mix(mix, "commands (repo code and settings)", args.commands, args.seconds)
        after, mean_state, snapshots = event_stats(info, schema)
        baseline = run_baseline(
            info, schema, commands.count, "baseline: INSERT, autocommit", explicit_transaction=False
        )
        print()
        print(
            f"mix        {commands.count} commands on {args.contracts} contracts: "
            + ", ".join(f"{k} {v}" for k, v in mix.counts.items())
            + f"; refused {commands.refusals}"
        )
        print(
            f"           {(after - before) / max(commands.count, 1):.2f} events per command, "
            f"mean event state {mean_state:.0f} bytes, {snapshots} snapshots"
        )
        print()
        print(f"  {'':<58} {'ops':>7} {'rate':>11}")
        print(baseline.line())
        print(commands.line(baseline))
        ratio = commands.per_second / baseline.per_second
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print()
        print(f"ratio      {ratio:.2f}x of the baseline (target >= {TARGET_RATIO}x: {verdict})")
        print(f"max RSS    {max_rss_mib():.0f} MiB")
        print(f"total      {time.perf_counter() - started:.0f} s")
    return 0


def profile(mix: Mix, count: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    timing = run_mix(mix, "profiled", count, 600.0)
    profiler.disable()
    print(timing.line())
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    sys.exit(main())
