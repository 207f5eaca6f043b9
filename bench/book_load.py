"""A generated book into PostgreSQL: generation in worker processes, one merged log, COPY.

Each worker process lives its contracts in chunks (bench/book_gen.py), each chunk in a fresh
in-memory ContractsApplication so memory stays bounded, and writes the chunk's stored events
(encoded by the application's own mapper) to a file in business-date order, and its
snapshots to another. The parent merges every chunk's events by business date, the order a
lessor's log has (contracts interleaved as their days pass, each contract's versions in
order), numbers them 1..N, computes each event's hash-chain link in Python with
`infra.audit.links.link_hash` (the bytes the database's trigger computes, so the loaded store
verifies as one written by commands), and streams them into the real events table with COPY
(binary), the chain trigger skipped because each row brings its hash. Snapshots are copied as
they are. Then the notification sequence is moved past the last position and the tables are
analysed.
"""

from __future__ import annotations

import heapq
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, BinaryIO
from uuid import UUID

import psycopg
from psycopg import sql

from bench.book_gen import Lived, generate
from bench.memory import own_peak_mib
from domain.application import ContractsApplication
from infra.audit.links import GENESIS, link_hash
from infra.simulate.in_process import IN_MEMORY_ENV

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from infra.settings import PostgresInfo

CHUNK = 250
"""Contracts per in-memory application (and per file) in a generating process."""
RECORDS_PER_PICKLE = 2_000
COPY_COMMIT = 200_000
"""Events per COPY transaction."""
DAY_MARK = b'"occurred_on":{"_type_":"date_iso","_data_":"'
EventRecord = tuple[str, int, bytes, int, str, bytes]
"""(business date, order in its chunk, originator id, version, topic, state)."""
SnapshotRecord = tuple[bytes, int, str, bytes]


@dataclass
class Slice:
    """What one generating process made: files, counts and its peak memory."""

    event_files: list[Path] = field(default_factory=list)
    snapshot_files: list[Path] = field(default_factory=list)
    lived: Lived = field(default_factory=Lived)
    rss_mib: float = 0.0
    seconds: float = 0.0


def business_day(state: bytes, before: str) -> str:
    """The event's business date (ISO) as stored, never before the previous event's."""
    at = state.find(DAY_MARK)
    if at < 0:
        return before
    day = state[at + len(DAY_MARK) : at + len(DAY_MARK) + 10].decode()
    return max(day, before)


def write_pickled(path: Path, records: list[Any]) -> None:
    with path.open("wb") as out:
        for i in range(0, len(records), RECORDS_PER_PICKLE):
            pickle.dump(records[i : i + RECORDS_PER_PICKLE], out, pickle.HIGHEST_PROTOCOL)


def read_pickled(path: Path) -> Iterator[Any]:
    with path.open("rb") as source:
        yield from _records(source)


def _records(source: BinaryIO) -> Iterator[Any]:
    while True:
        try:
            batch = pickle.load(source)
        except EOFError:
            return
        yield from batch


def dump_chunk(app: ContractsApplication, stem: Path) -> tuple[Path, Path]:
    """The chunk's events (in business-date order) and snapshots, to two files."""
    events: list[EventRecord] = []
    last_day: dict[UUID, str] = {}
    for order, n in enumerate(app.recorder.select_notifications(1, 10**9)):
        oid = UUID(str(n.originator_id))
        day = business_day(n.state, last_day.get(oid, ""))
        last_day[oid] = day
        events.append((day, order, oid.bytes, n.originator_version, n.topic, n.state))
    events.sort()
    snapshots: list[SnapshotRecord] = []
    snapshot_store: Any = app.snapshots
    if snapshot_store is not None:
        snapshots = [
            (oid.bytes, s.originator_version, s.topic, s.state)
            for oid in last_day
            for s in snapshot_store.recorder.select_events(oid)
        ]
    event_path, snapshot_path = stem.with_suffix(".events"), stem.with_suffix(".snapshots")
    write_pickled(event_path, events)
    write_pickled(snapshot_path, snapshots)
    return event_path, snapshot_path


def generate_slice(first: int, count: int, seed: int, folder: Path) -> Slice:
    """In a worker process: contracts first .. first+count-1, CHUNK at a time, to files."""
    started = time.perf_counter()
    out = Slice()
    for start in range(first, first + count, CHUNK):
        size = min(CHUNK, first + count - start)
        app = ContractsApplication(env=IN_MEMORY_ENV)
        lived = generate(app, start, size, seed)
        event_path, snapshot_path = dump_chunk(app, folder / f"chunk-{start:08d}")
        out.event_files.append(event_path)
        out.snapshot_files.append(snapshot_path)
        out.lived.merge(lived)
        del app
    out.rss_mib = own_peak_mib()
    out.seconds = time.perf_counter() - started
    return out


def generate_book(contracts: int, seed: int, folder: Path, processes: int) -> list[Slice]:
    """The book's contracts split over `processes` spawned processes (0: this one)."""
    if processes == 0:
        return [generate_slice(0, contracts, seed, folder)]
    per = -(-contracts // processes)
    bounds = [(i, min(per, contracts - i)) for i in range(0, contracts, per)]
    context = get_context("spawn")
    with ProcessPoolExecutor(len(bounds), mp_context=context) as pool:
        futures = [pool.submit(generate_slice, a, n, seed, folder) for a, n in bounds]
        return [f.result() for f in futures]


@dataclass
class Loaded:
    """What the load stored: counts, each contract's last version, timing."""

    events: int
    snapshots: int
    versions: dict[UUID, int]
    seconds: float


def merged(slices: list[Slice]) -> Iterator[EventRecord]:
    """Every chunk's events, merged by business date (each chunk is sorted)."""
    streams = [read_pickled(p) for s in slices for p in s.event_files]
    return heapq.merge(*streams)


def load(info: PostgresInfo, schema: str, slices: list[Slice]) -> Loaded:
    """COPY the merged events (numbered, chained) and the snapshots into the store's tables
    (created by the application beforehand)."""
    started = time.perf_counter()
    events_table = sql.Identifier(schema, "contracts_events")
    copy_events = sql.SQL(
        "COPY {} (notification_id, originator_id, originator_version, topic, state, chain_hash)"
        " FROM STDIN (FORMAT BINARY)"
    ).format(events_table)
    heads: dict[UUID, bytes] = {}
    versions: dict[UUID, int] = {}
    position = 0
    stream = merged(slices)
    with psycopg.connect(info.dsn) as conn:
        exhausted = False
        while not exhausted:
            exhausted = True
            with conn.cursor() as cursor, cursor.copy(copy_events) as copy:
                copy.set_types(["bigint", "uuid", "bigint", "text", "bytea", "bytea"])
                for _, _, raw, version, topic, state in stream:
                    oid = UUID(bytes=raw)
                    position += 1
                    link = link_hash(heads.get(oid, GENESIS), oid, version, position, topic, state)
                    heads[oid] = link
                    versions[oid] = version
                    copy.write_row((position, oid, version, topic, state, link))
                    if position % COPY_COMMIT == 0:
                        exhausted = False
                        break
            conn.commit()
        snapshots = copy_snapshots(conn, schema, slices)
        sequence = sql.Literal(f'"{schema}"."contracts_events_notification_id_seq"')
        conn.execute(sql.SQL("SELECT setval({}::regclass, %s)").format(sequence), (position,))
        conn.commit()
        conn.autocommit = True
        conn.execute(sql.SQL("ANALYZE {}").format(events_table))
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema, "contracts_snapshots")))
    return Loaded(position, snapshots, versions, time.perf_counter() - started)


def copy_snapshots(conn: psycopg.Connection[Any], schema: str, slices: list[Slice]) -> int:
    copy_statement = sql.SQL(
        "COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
    ).format(sql.Identifier(schema, "contracts_snapshots"))
    count = 0
    with conn.cursor() as cursor, cursor.copy(copy_statement) as copy:
        copy.set_types(["uuid", "bigint", "text", "bytea"])
        for path in (p for s in slices for p in s.snapshot_files):
            for raw, version, topic, state in read_pickled(path):
                copy.write_row((UUID(bytes=raw), version, topic, state))
                count += 1
    conn.commit()
    return count
