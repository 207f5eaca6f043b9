"""Cold loads of contracts on PostgreSQL, beside a raw read of the same rows.

    python bench/loads.py [--contracts 20] [--loads 400]

(also part of `bench/commands.py`, after its command lines). Lives a few contracts through
the command mix of bench/commands.py to version 150 and more (not timed), then times loads
of random contracts at random versions among 6, 49, 99 and 150: each is one
`repository.get(id, version=v)`, no cache, as the service does for a contract it has not
seen or for a past version. The baseline, in the same rounds on the same server, reads the
rows such a load reads (the latest snapshot at or before the version, then the events after
it) through one psycopg connection, without decoding them: what the database alone costs.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import MethodType
from typing import TYPE_CHECKING, Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/loads.py` from a checkout
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.application import (  # noqa: E402
    Application,
    ProcessingEvent,
    Repository,
)
from eventsourcing.postgres import PostgresAggregateRecorder  # noqa: E402
from psycopg import sql  # noqa: E402

from domain.application import SNAPSHOT_INTERVAL, ContractsApplication  # noqa: E402
from domain.codecs import DataclassAsDict  # noqa: E402
from domain.contract import Contract  # noqa: E402
from domain.contract.state import Receivable  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Mapping
    from uuid import UUID

    from eventsourcing.persistence import JSONTranscoder

    from bench.commands import Lease
    from infra.settings import PostgresInfo

VERSIONS = (6, 49, 99, 150)
"""Just after handover, the last event before a snapshot, and two later points."""
TARGET_P99_MS = 2.0
ROUNDS = 10


@dataclass
class Quantiles:
    """Latencies in nanoseconds, reported as p50/p99 in milliseconds."""

    label: str
    latencies: list[int] = field(default_factory=list)
    cpu: list[int] = field(default_factory=list)
    """CPU time of this thread inside each call: what a loaded, shared machine inflates least."""

    def add(self, elapsed: int, cpu: int) -> None:
        self.latencies.append(elapsed)
        self.cpu.append(cpu)

    def ms(self, q: float, of: list[int] | None = None) -> float:
        ordered = sorted(self.latencies if of is None else of)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] / 1e6

    def line(self) -> str:
        return (
            f"  {self.label:<44} {len(self.latencies):>5}"
            f"  p50 {self.ms(0.50):5.2f} ms  p99 {self.ms(0.99):5.2f} ms"
            f"  cpu p50 {self.ms(0.50, self.cpu):4.2f} p99 {self.ms(0.99, self.cpu):4.2f} ms"
        )


class RawRead:
    """The rows a cold load reads, fetched by one psycopg connection and not decoded."""

    def __init__(self, info: PostgresInfo, schema: str) -> None:
        self.conn = psycopg.connect(info.dsn, autocommit=True)
        self.snapshot = sql.SQL(
            "SELECT originator_version, topic, state FROM {} WHERE originator_id = %s"
            " AND originator_version <= %s ORDER BY originator_version DESC LIMIT 1"
        ).format(sql.Identifier(schema, "contracts_snapshots"))
        self.events = sql.SQL(
            "SELECT originator_version, topic, state FROM {} WHERE originator_id = %s"
            " AND originator_version > %s AND originator_version <= %s"
            " ORDER BY originator_version"
        ).format(sql.Identifier(schema, "contracts_events"))

    def read(self, contract_id: UUID, version: int) -> int:
        row = self.conn.execute(self.snapshot, (contract_id, version), prepare=True).fetchone()
        after = int(row[0]) if row else 0
        rows = self.conn.execute(self.events, (contract_id, after, version), prepare=True)
        return len(rows.fetchall())

    def close(self) -> None:
        self.conn.close()


def snapshot_interval(app: ContractsApplication) -> int:
    return app.snapshotting_intervals[Contract]


def live_to(app: ContractsApplication, leases: list[Lease], rng: random.Random) -> None:
    """Run the command mix on `leases` until each is past the highest version timed."""
    from bench.commands import Mix  # noqa: PLC0415 - bench.commands imports this module

    for lease in leases:
        mix = Mix([lease], rng)
        while app.get(lease.number).version < VERSIONS[-1]:
            mix.next_command(app)()


@dataclass
class LoadSide:
    """One application's contracts under test, with its timings by version."""

    label: str
    app: ContractsApplication
    ids: list[UUID]
    every: Quantiles = field(default_factory=lambda: Quantiles("cold load, all versions"))
    by_version: dict[int, Quantiles] = field(
        default_factory=lambda: {v: Quantiles(f"cold load at version {v}") for v in VERSIONS}
    )

    def load(self, contract_id: UUID, version: int) -> None:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        self.app.repository.get(contract_id, version=version)
        elapsed, cpu = time.perf_counter_ns() - t0, time.thread_time_ns() - c0
        self.by_version[version].add(elapsed, cpu)
        self.every.add(elapsed, cpu)

    def lines(self) -> list[str]:
        p99 = self.every.ms(0.99)
        verdict = "met" if p99 < TARGET_P99_MS else "NOT met"
        return [
            f"{self.label}: snapshots every {snapshot_interval(self.app)} events",
            self.every.line(),
            *(q.line() for q in self.by_version.values()),
            f"  p99 {p99:.2f} ms (target < {TARGET_P99_MS} ms: {verdict})",
        ]


def load_side(label: str, app: ContractsApplication, leases: list[Lease]) -> LoadSide:
    return LoadSide(label, app, [Contract.create_id(lease.number) for lease in leases])


def cold_loads(
    info: PostgresInfo, schema: str, sides: list[LoadSide], rng: random.Random, loads: int
) -> list[str]:
    """Time `loads` cold loads of random (contract, version) pairs on each side, beside the
    raw read of the same rows, in alternating rounds (a shared machine's drift hits all)."""
    raw = Quantiles("baseline: raw read of the same rows")
    reader = RawRead(info, schema)
    try:
        for _ in range(ROUNDS):
            for side in sides:
                picks = [
                    (rng.choice(side.ids), rng.choice(VERSIONS)) for _ in range(-(-loads // ROUNDS))
                ]
                for contract_id, version in picks:
                    side.load(contract_id, version)
                for contract_id, version in picks:
                    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
                    reader.read(contract_id, version)
                    raw.add(time.perf_counter_ns() - t0, time.thread_time_ns() - c0)
    finally:
        reader.close()
    return [raw.line(), *(row for side in sides for row in side.lines())]


def main(argv: list[str] | None = None) -> int:
    from bench.commands import open_bench_database, set_up  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contracts", type=int, default=20)
    parser.add_argument("--loads", type=int, default=400, help="timed cold loads")
    parser.add_argument("--seed", type=int, default=192)
    parser.add_argument(
        "--intervals",
        default=str(SNAPSHOT_INTERVAL),
        help="snapshot intervals to compare, comma-separated (each on contracts of its own)",
    )
    parser.add_argument(
        "--before", action="store_true", help="also time the loads as they were before issue 14"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with ExitStack() as stack:
        info, _, schema, env = open_bench_database(stack)
        variants = [(f"interval {i}", with_interval(int(i))) for i in args.intervals.split(",")]
        if args.before:
            variants.insert(0, ("as before issue 14", AsBefore))
        sides = []
        for number, (label, app_class) in enumerate(variants):
            app = app_class(env=env)
            stack.callback(app.close)
            leases = set_up(app, args.contracts, rng, first=number * args.contracts)
            live_to(app, leases, rng)
            sides.append(load_side(label, app, leases))
        print()
        print(
            f"cold loads: {args.loads} per line, random contract (of {args.contracts} each)"
            " and version; the lines alternate in rounds with the baseline"
        )
        for row in cold_loads(info, schema, sides, rng, args.loads):
            print(row)
    return 0


class AsBefore(ContractsApplication):
    """Loads as they were before issue 14: snapshots every 50 events, taken by loading the
    contract again, documents written one tagged dict each, the library's repository (its
    projector checks a Protocol per event) and the library's `select_events`."""

    name = ContractsApplication.name
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Contract: 50}
    snapshots_with_events = False  # the library takes them, after the save

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        for recorder in (self.recorder, self.snapshots.recorder if self.snapshots else None):
            if isinstance(recorder, PostgresAggregateRecorder):
                library = PostgresAggregateRecorder.select_events
                recorder.select_events = MethodType(library, recorder)

    def construct_repository(self) -> Repository[UUID]:
        return Application.construct_repository(self)

    def _take_snapshots(self, processing: ProcessingEvent[UUID]) -> None:
        Application._take_snapshots(self, processing)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DataclassAsDict(Receivable))  # writes again; both still read


def with_interval(interval: int) -> type[ContractsApplication]:
    """The application with another snapshot interval (same name, so the same tables)."""
    return type(
        f"ContractsEvery{interval}",
        (ContractsApplication,),
        {"name": ContractsApplication.name, "snapshotting_intervals": {Contract: interval}},
    )


if __name__ == "__main__":
    sys.exit(main())
