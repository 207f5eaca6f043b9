"""What the hash chain costs: commands with the chain trigger vs without, and the rate of
`lease audit verify --all` beside a plain read of the same rows.

    python bench/audit_chain.py [--contracts 200] [--commands 2000] [--events 200000]

Starts the embedded PostgreSQL in a temporary data directory (or uses LEASE_DATABASE_URL).

(a) Two schemas on the same server, set up alike (the same contracts, the same seed): in
one `chain_hash` is filled as the service does (the one-event insert computes it, the
trigger does for the rest), in the other the trigger is disabled and the one-event insert
function is the one before the chain. The command mix of bench/commands.py (billing,
payments, odometer reports) runs in alternating rounds on both; the ratio is chained/plain
commands per second (the issue allows the chain to cost at most 10%).

(b) A third schema gets `--events` events (aggregates of 100 versions, their topics and
states copied from the commands' real events) inserted through the trigger (and the same
insert into the plain schema, trigger off: the trigger's cost per event); then the
verification the command runs (`verify_apps`: every link recomputed, the snapshots
checked) is timed beside a plain read of the same rows (the same server-side cursor, no
hashing), in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/audit_chain.py` from a checkout
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402
from rich.console import Console  # noqa: E402

from bench.commands import (  # noqa: E402
    Mix,
    Timing,
    fresh_schema,
    open_app,
    open_bench_database,
    run_mix,
    set_up,
)
from infra.audit.chain import trigger_name  # noqa: E402
from infra.audit.chain_store import stream_links  # noqa: E402
from infra.cli.audit import verify_apps  # noqa: E402
from infra.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from domain.application import ContractsApplication

TABLE = "contracts_events"
ROUNDS = 40
"""Alternating rounds of part (a): fine interleaving, so a shared machine's drift hits both."""
VERSIONS = 100
"""Versions of each aggregate of part (b)."""
ALLOWED_SLOWDOWN = 0.10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=12)
    return parser.parse_args(argv)


UNCHAINED_INSERT = (
    "CREATE OR REPLACE FUNCTION {schema}.{function}("
    "id uuid, version bigint, topic text, state bytea) RETURNS SETOF bigint "
    "LANGUAGE plpgsql AS $BODY$ BEGIN "
    "LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; NOTIFY {table}; "
    "RETURN QUERY INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
    "VALUES (id, version, topic, state) RETURNING notification_id; END; $BODY$"
)
"""The commands' one-event insert function as it was before the chain (infra/recorder.py)."""


def unchain(dsn: str, schema: str) -> None:
    """The events table of `schema` without the chain: its trigger disabled, and the
    one-event insert function back to what it was before the chain."""
    names = {
        "schema": sql.Identifier(schema),
        "table": sql.Identifier(TABLE),
        "function": sql.Identifier(f"lease_insert_{TABLE}"),
        "trigger": sql.Identifier(trigger_name(TABLE)),
    }
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {schema}.{table} DISABLE TRIGGER {trigger}").format(**names)
        )
        conn.execute(sql.SQL(UNCHAINED_INSERT).format(**names))


def commands_part(
    chained: ContractsApplication, plain: ContractsApplication, args: argparse.Namespace
) -> tuple[Timing, Timing]:
    """The same mix on both, in alternating rounds."""
    mixes = []
    for app in (chained, plain):
        rng = random.Random(args.seed)
        mixes.append(Mix(set_up(app, args.contracts, rng), rng))
    timings = (Timing("commands, with the chain"), Timing("commands, without the chain"))
    per_round = -(-args.commands // ROUNDS)
    forever = time.perf_counter_ns() + 10**15
    for n in range(ROUNDS):
        order = (0, 1) if n % 2 == 0 else (1, 0)
        for i in order:
            app = (chained, plain)[i]
            run_mix(mixes[i], app, timings[i], per_round, forever)
    return timings


def fill(conn: psycopg.Connection[Any], source: str, target: str, events: int) -> float:
    """`events` events in `target` (through the trigger), copied from `source`'s; seconds."""
    aggregates = max(1, events // VERSIONS)
    statement = sql.SQL(
        "CREATE TEMP TABLE IF NOT EXISTS sample AS "
        "SELECT row_number() OVER () - 1 AS i, topic, state FROM {source}.{table}; "
        "INSERT INTO {target}.{table} (originator_id, originator_version, topic, state) "
        "SELECT md5('bench' || a)::uuid, v, s.topic, s.state "
        "FROM generate_series(1, %(aggregates)s) a CROSS JOIN generate_series(1, %(versions)s) v "
        "JOIN sample s ON s.i = (a * %(versions)s + v) %% (SELECT count(*) FROM sample) "
        "ORDER BY a, v"
    ).format(
        source=sql.Identifier(source), target=sql.Identifier(target), table=sql.Identifier(TABLE)
    )
    started = time.perf_counter()
    with conn.cursor() as curs:
        for part in statement.as_string(conn).split("; "):
            curs.execute(part, {"aggregates": aggregates, "versions": VERSIONS})
    conn.commit()
    return time.perf_counter() - started


def raw_read(conn: psycopg.Connection[Any], schema: str) -> tuple[int, float]:
    """(rows, seconds) of reading every row as the verification does, without hashing."""
    started = time.perf_counter()
    with conn.transaction():
        rows = sum(1 for _ in stream_links(conn, schema, TABLE))
    return rows, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as stack:
        info, _, chained_schema, env = open_bench_database(stack)
        plain_schema = stack.enter_context(fresh_schema(info))
        verify_schema = stack.enter_context(fresh_schema(info))
        pool = Settings().pool_size
        chained = open_app(env, "")
        stack.callback(chained.close)
        plain = open_app(info.eventsourcing_env(schema=plain_schema, pool_size=pool), "")
        stack.callback(plain.close)
        unchain(info.dsn, plain_schema)
        on, off = commands_part(chained, plain, args)
        ratio = on.per_second / off.per_second
        print(f"\n(a) commands, {args.contracts} contracts each, {ROUNDS} alternating rounds")
        print(off.line())
        print(on.line(off))
        verdict = "within" if ratio >= 1 - ALLOWED_SLOWDOWN else "OVER"
        print(f"  chain cost: {1 - ratio:+.1%} ({verdict} the {ALLOWED_SLOWDOWN:.0%} allowed)")

        audited = open_app(info.eventsourcing_env(schema=verify_schema, pool_size=2), "")
        stack.callback(audited.close)
        with psycopg.connect(info.dsn) as conn:
            seconds = fill(conn, chained_schema, verify_schema, args.events)
            total = conn.execute(
                sql.SQL("SELECT count(*) FROM {}.{}").format(
                    sql.Identifier(verify_schema), sql.Identifier(TABLE)
                )
            ).fetchone()
            events = int(total[0]) if total else 0
            print(f"\n(b) {events:,} events ({events // VERSIONS:,} aggregates of {VERSIONS})")
            plain_seconds = fill(conn, chained_schema, plain_schema, args.events)
            off_rate = events / plain_seconds
            print(f"  insert, trigger off (one statement)        {off_rate:>10,.0f} events/s")
            print(
                f"  insert through the trigger (one statement) {events / seconds:>10,.0f} events/s"
                f"  {(seconds - plain_seconds) / events * 1e6:+.1f} us/event"
            )
            raw_rows, raw_seconds = raw_read(conn, verify_schema)
        started = time.perf_counter()
        checked, broken = verify_apps([audited], None, Console(stderr=True, quiet=True))
        verify_seconds = time.perf_counter() - started
        if not checked == raw_rows == events or broken:
            print(f"verification disagrees: {checked}, {raw_rows}, {broken[:3]}")
            return 1
        raw_rate, verify_rate = raw_rows / raw_seconds, checked / verify_seconds
        print(f"  raw read (server-side cursor, no hashing)  {raw_rate:>10,.0f} events/s")
        print(
            f"  lease audit verify --all (verify_apps)     {verify_rate:>10,.0f} events/s"
            f"  {verify_rate / raw_rate:5.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
