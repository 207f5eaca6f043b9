"""The broker away for a minute while commands and payments flow (issue 9, the long version
of tests/integration/test_outages.py).

    python bench/outages.py [--outage 60] [--rate 20] [--contracts 200] [--quick]

Starts the embedded PostgreSQL in a temporary directory (or uses LEASE_DATABASE_URL) and a
broker of its own on a fixed port. The relay, the termination and payments consumers and
the projections worker run as `lease run` processes, as in production. Set-up (not timed):
contracts concluded, handed over and first invoiced (bench/commands.py), then drained.

The driver issues the command mix of bench/commands.py (billing, payments, odometer
reports) at `--rate` per second through `ContractsApplication`, and the bank sends one
payment a second on the payments feed: `--before` seconds with the broker up, `--outage`
seconds with the broker stopped (the bank holds its payments), `--after` seconds once it
is back on the same port (empty: it keeps its log in memory; the bank recreates its topic
and sends what it held, and the first payments again). It prints how long each worker
took to catch up after the broker returned, and checks that nothing was lost: every
stored event on the contract-events topic, every bank payment booked exactly once, the
termination group at the topic's end, the views at the head, no dead letter.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import secrets
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/outages.py` from a checkout
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from eventsourcing.utils import get_topic  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.commands import Mix, database, set_up  # noqa: E402
from bench.pipeline import Worker, fresh_database, head, scalar, wait_for, worker_env  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract.billing_events import PaymentReceived  # noqa: E402
from domain.errors import ContractError  # noqa: E402
from infra.embedded.broker import EmbeddedBroker  # noqa: E402
from infra.kafka import create_topics, group_at_end, list_topics  # noqa: E402
from infra.schemas.envelope import decode, encode  # noqa: E402
from infra.settings import free_port  # noqa: E402
from projections.registry import VIEW_MODULES  # noqa: E402

if TYPE_CHECKING:
    from bench.commands import Lease

WORKERS = ("relay", "termination", "payments", "projections")
READY = {
    "relay": "relay: running on",
    "termination": "assigned, reading from",
    "payments": "assigned, reading from",
    "projections": "Caught up:",
}
PAID_ON = date(2025, 1, 1)
"""The bank's payments' date: bench/pipeline.py's pinned business date."""
CATCH_UP_TIMEOUT = 300.0


class Bank:
    """One payment a second on the payments feed; held while the broker is away."""

    def __init__(self, bootstrap: str, topic: str, leases: list[Lease]) -> None:
        self.bootstrap, self.topic, self.leases = bootstrap, topic, leases
        self.producer: KafkaProducer | None = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        self.sent: list[tuple[bytes, bytes]] = []
        self.held: list[tuple[bytes, bytes]] = []
        self.ids: set[str] = set()

    def pay(self, i: int) -> None:
        lease = self.leases[i % len(self.leases)]
        payment_id = f"BENCH-BANK-{i}"
        self.ids.add(payment_id)
        value = encode(
            {
                "schema_version": 1,
                "payment_id": payment_id,
                "contract_number": lease.number,
                "amount": {"amount": "10.00", "currency": "EUR"},
                "received_on": PAID_ON.isoformat(),
                "method": "TRANSFER",
            }
        )
        self._send(lease.number.encode(), value)

    def _send(self, key: bytes, value: bytes) -> None:
        if self.producer is None:
            self.held.append((key, value))
            return
        self.producer.send(self.topic, key=key, value=value).get(timeout=30)
        self.sent.append((key, value))

    def away(self) -> None:
        producer, self.producer = self.producer, None
        if producer is not None:
            producer.close(timeout=0)

    def back(self) -> int:
        create_topics(self.bootstrap, [self.topic], 2)
        self.producer = KafkaProducer(bootstrap_servers=self.bootstrap, acks="all")
        backlog = [*self.held, *self.sent[:5]]
        self.held = []
        for key, value in backlog:
            self._send(key, value)
        return len(backlog)


def drive(app: ContractsApplication, mix: Mix, bank: Bank, seconds: float, rate: float) -> int:
    """Commands at `rate` and one bank payment a second for `seconds`; commands issued."""
    pace = threading.Event()
    started, issued, paid = time.monotonic(), 0, 0
    while (now := time.monotonic()) < started + seconds:
        if now >= started + paid:
            bank.pay(len(bank.ids))
            paid += 1
        with contextlib.suppress(ContractError):  # a refusal is a command too
            mix.next_command(app)()
        issued += 1
        pace.wait(max(0.0, started + issued / rate - time.monotonic()))
    return issued


def positions(conn: psycopg.Connection[Any]) -> dict[str, int]:
    query = "SELECT coalesce(max(notification_id), 0) FROM {} WHERE application_name = 'contracts'"
    tables = ["relay", *VIEW_MODULES]
    return {t: scalar(conn, sql.SQL(query).format(sql.Identifier(f"{t}_tracking"))) for t in tables}


def booked(conn: psycopg.Connection[Any]) -> list[str]:
    """Payment ids of the bank's payments, one per booking."""
    query = "SELECT state FROM contracts_events WHERE topic = %s"
    rows = conn.execute(query, (get_topic(PaymentReceived),)).fetchall()
    ids = [decode(bytes(r[0])).get("payment_id") for r in rows]
    return [i for i in ids if isinstance(i, str) and i.startswith("BENCH-BANK-")]


def published(bootstrap: str, topic: str) -> set[tuple[str, int]]:
    """(contract_id, sequence) of every message on the topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        seen: set[tuple[str, int]] = set()
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < (consumer.highwater(tp) or 1) for tp in tps):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} not read in 60 s")
            for batch in consumer.poll(timeout_ms=200).values():
                seen.update(
                    (decode(r.value)["contract_id"], decode(r.value)["sequence"]) for r in batch
                )
        return seen
    finally:
        consumer.close()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage", type=float, default=60.0, help="seconds the broker is away")
    parser.add_argument("--before", type=float, default=10.0)
    parser.add_argument("--after", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="commands per second")
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="a 10 s outage, 50 contracts")
    args = parser.parse_args(argv)
    if args.quick:
        args.outage, args.before, args.after, args.contracts = 10.0, 3.0, 3.0, 50
    return args


def run(args: argparse.Namespace, resources: ExitStack, tmp: Path) -> int:
    rng = random.Random(args.seed)
    info, _ = resources.enter_context(database(tmp))
    broker = resources.enter_context(EmbeddedBroker(free_port(), log_dir=tmp))
    bootstrap, token = broker.bootstrap_servers, secrets.token_hex(3)
    keys = ("contract_events", "deadlines", "payments", "odometer", "dead_letter")
    topics = {k: f"bench.outages.{k}.{token}" for k in keys}
    create_topics(bootstrap, list(topics.values()), 2)
    db = resources.enter_context(fresh_database(info))
    app = ContractsApplication(env=db.eventsourcing_env())
    resources.callback(app.close)
    leases = set_up(app, args.contracts, rng)
    env = {**worker_env(db, bootstrap, topics, 20), "LEASE_TOPIC_PARTITIONS": "2"}
    workers = [Worker(name, env, tmp) for name in WORKERS]
    for worker in workers:
        resources.callback(worker.stop)
    conn = resources.enter_context(psycopg.connect(db.dsn, autocommit=True))
    wait_for(lambda: all(READY[w.name] in w.log.read_text() for w in workers), "workers up", 60)
    bank = Bank(bootstrap, topics["payments"], leases)
    mix = Mix(leases, rng)

    def group_done() -> bool:
        return group_at_end(bootstrap, topics["contract_events"], "termination")

    wait_for(lambda: min(positions(conn).values()) == head(conn) and group_done(), "set-up", 180)
    print(f"  set-up: {args.contracts} contracts, {head(conn):,} events, drained")

    issued = drive(app, mix, bank, args.before, args.rate)
    bank.away()
    broker.stop()
    stopped, before = time.monotonic(), head(conn)
    issued += drive(app, mix, bank, args.outage, args.rate)
    during = head(conn) - before
    broker.start()
    back = time.monotonic()
    print(f"  broker away {back - stopped:.1f} s: {during:,} events stored meanwhile")
    print(f"  bank: {bank.back()} payments sent once it was back (held, and 5 sent again)")
    after: list[int] = []  # the load runs on while the workers catch up
    driver = threading.Thread(
        target=lambda: after.append(drive(app, mix, bank, args.after, args.rate))
    )
    driver.start()

    caught: dict[str, float] = {}
    deadline = time.monotonic() + CATCH_UP_TIMEOUT
    while len(caught) < len(WORKERS):
        for worker in workers:
            worker.check_alive()
        last, at = head(conn), positions(conn)
        done = {
            "relay": at["relay"] == last,
            "projections": all(at[v] == last for v in VIEW_MODULES),
            "termination": at["relay"] == last and group_done(),
            "payments": bool(after) and set(booked(conn)) == bank.ids,
        }
        for name, ok in done.items():
            if ok and name not in caught:
                caught[name] = time.monotonic() - back
        if time.monotonic() > deadline:
            raise TimeoutError(f"not caught up in {CATCH_UP_TIMEOUT:.0f} s: {sorted(caught)}")
        threading.Event().wait(0.2)
    driver.join()
    issued += after[0]
    print(f"  {issued:,} commands, {len(bank.ids)} bank payments, {head(conn):,} events in all")
    for name, seconds in caught.items():
        print(f"  {name:<12} caught up {seconds:5.1f} s after the broker was back")
    print(f"  (the load ran on for {args.after:g} s after it was back; payments: the last one)")

    stored = {
        (str(r[0]), int(r[1]))
        for r in conn.execute("SELECT originator_id, originator_version FROM contracts_events")
    }
    on_topic = published(bootstrap, topics["contract_events"])
    ids = booked(conn)
    dead = topics["dead_letter"] in list_topics(bootstrap) and published(
        bootstrap, topics["dead_letter"]
    )
    checks = {
        "every stored event on the topic": stored <= on_topic,
        "every bank payment booked exactly once": sorted(ids) == sorted(bank.ids),
        "no dead letter": not dead,
    }
    for what, ok in checks.items():
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
    return 0 if all(checks.values()) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"bench/outages.py: the broker away {args.outage:g} s, {args.rate:g} commands/s")
    with ExitStack() as resources:
        tmp = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="lease-outages-")))
        return run(args, resources, tmp)


if __name__ == "__main__":
    sys.exit(main())
