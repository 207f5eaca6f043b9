"""The fault and outage tests' laboratory: `lease run <worker>` processes on a database and
topics of the test's own, killed, restarted and watched from the test; the bank's and the
telematics' feeds; the checks every fault test makes once everything has settled.

No sleeps: every wait is a condition polled against a deadline (`wait_until`).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.utils import get_topic
from kafka import KafkaProducer
from psycopg import errors as pg_errors
from psycopg import sql

from domain.application import ContractsApplication
from infra.kafka import create_topics, group_at_end
from infra.schemas.envelope import encode
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping
    from datetime import date

    from infra.settings import PostgresInfo

LEASE = Path(sys.executable).with_name("lease")
ROOT = Path(__file__).resolve().parents[1]
POLL = 0.05
STOP_TIMEOUT = 15.0
SEND_TIMEOUT = 30.0
PARTITIONS = 2
SESSION_TIMEOUT_MS = 3000
"""The consumers' session: a killed member's partitions move after it (half the default's
6 s, so a kill costs the run less), and a new member's join takes half of it."""
TOPIC_KEYS = (
    "contract_events",
    "deadlines",
    "payments",
    "odometer",
    "external_agreements",
    "dead_letter",
)
CONSUMER_GROUPS = {
    "termination": "contract_events",
    "payments": "payments",
    "odometer": "odometer",
    "external_agreements": "external_agreements",
}
"""Each consumer worker's group and the topic whose end says it is done."""
TERMINATION_ACTOR = "SYSTEM:termination"

READY_MARKERS = {
    "relay": "relay: running on",
    "termination": "assigned, reading from",
    "payments": "assigned, reading from",
    "odometer": "assigned, reading from",
    "external_agreements": "assigned, reading from",
    "scheduler": "scheduler: running on",
    "projections": "Caught up:",
}
"""What a worker writes once it works: the relay and the scheduler when they start, a
consumer when its partitions are assigned, the projections worker after its catch-up."""


def wait_until(
    condition: Callable[[], bool], what: str | Callable[[], str], timeout: float
) -> None:
    """Poll `condition` every POLL seconds until it holds; fail naming `what` after `timeout`
    (a callable: what it says then, e.g. how far a driver got)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what() if callable(what) else what}: not within {timeout:g} s")
        threading.Event().wait(POLL)


# --- the workers -----------------------------------------------------------------------


class Worker:
    """One `lease run <name>` process at a time, restarted after each kill; logs per start.
    `label` names it in the lab and its logs: `name`, or `name-2` for a second instance."""

    def __init__(self, name: str, env: dict[str, str], logs: Path, label: str = "") -> None:
        self.name, self.env, self.logs = name, env, logs
        self.label = label or name
        self.starts = 0
        self.kills = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._ready = False

    @property
    def log(self) -> Path:
        return self.logs / f"{self.label}-{self.starts}.log"

    def start(self) -> None:
        self.starts += 1
        self._ready = False
        with self.log.open("wb") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                [str(LEASE), "run", self.name, "-v"],
                env=self.env,
                cwd=self.logs,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def ready(self) -> bool:
        """Whether this start has written its ready marker (it works now)."""
        if not self._ready:
            self._ready = READY_MARKERS[self.name] in self.log.read_text(errors="replace")
        return self._ready

    def logged(self, text: str) -> bool:
        """Whether any start of this worker logged `text`."""
        return any(
            text in (self.logs / f"{self.label}-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
        )

    def kill(self) -> None:
        """SIGKILL (no clean-up of any kind); not restarted."""
        process, self.process = self.process, None
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(STOP_TIMEOUT)
        self.kills += 1

    def kill_and_restart(self) -> None:
        """SIGKILL (no clean-up of any kind), then a new process at once."""
        self.kill()
        self.start()

    def check_alive(self) -> None:
        """Fail with the log's tail if the process ended by itself (not if it was killed)."""
        if self.process is None:
            return
        code = self.process.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            pytest.fail(f"{self.label} exited with {code} by itself:\n{tail}")

    def stop(self) -> None:
        """SIGTERM (the graceful stop), SIGKILL if it does not end in time."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


@dataclasses.dataclass(frozen=True)
class Lab:
    """The test's database, broker, topics and workers."""

    env: dict[str, str]
    """The eventsourcing env of the test's database."""
    dsn: str
    bootstrap: str
    topics: dict[str, str]
    """Topic key (infra/topics.py) -> this test's topic."""
    workers: dict[str, Worker]
    group_prefix: str

    @property
    def topic(self) -> str:
        return self.topics["contract_events"]

    def runs(self, name: str) -> bool:
        """Whether the lab has an instance of the worker `name`."""
        return any(worker.name == name for worker in self.workers.values())

    def check_alive(self) -> None:
        for worker in self.workers.values():
            worker.check_alive()

    def watch(self, condition: Callable[[], bool]) -> Callable[[], bool]:
        """`condition` for `wait_until`, failing at once if a worker ended by itself."""

        def alive_and() -> bool:
            self.check_alive()
            return condition()

        return alive_and

    def stop(self) -> None:
        for worker in self.workers.values():
            worker.stop()


def worker_env(
    db: PostgresInfo, bootstrap_servers: str, topics: dict[str, str], group_prefix: str, on: date
) -> dict[str, str]:
    """The process environment of `lease run`: this test's database, broker, topics and
    consumer groups (a group shared with other tests' consumers would rebalance with them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEASE_")}
    env.update(
        {
            "LEASE_DATABASE_URL": db.dsn,
            "LEASE_KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "LEASE_TOPIC_PARTITIONS": str(PARTITIONS),
            "LEASE_BUSINESS_DATE": on.isoformat(),
            "LEASE_CONSUMER_GROUP_PREFIX": group_prefix,
            "LEASE_CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",  # the ready markers printed on stdout show at once
        }
    )
    env.update({f"LEASE_{name.upper()}_TOPIC": topic for name, topic in topics.items()})
    return env


def labelled(names: Iterable[str], instances: Mapping[str, int]) -> list[tuple[str, str]]:
    """(name, label) of each worker instance: `name` for the first, `name-2`... after it."""
    return [
        (name, name if n == 1 else f"{name}-{n}")
        for name in names
        for n in range(1, instances.get(name, 1) + 1)
    ]


@contextmanager
def open_lab(
    db: PostgresInfo,
    bootstrap_servers: str,
    logs: Path,
    names: Iterable[str],
    on: date,
    instances: Mapping[str, int] | None = None,
) -> Iterator[Lab]:
    """Topics of this test, the event store created, the named workers started (and
    stopped on exit); `instances` of a name (default one) in one consumer group."""
    token = secrets.token_hex(4)
    topics = {name: f"test.faults.{name}.{token}" for name in TOPIC_KEYS}
    create_topics(bootstrap_servers, list(topics.values()), PARTITIONS)
    env = db.eventsourcing_env()
    ContractsApplication(env=env).close()  # the events table exists before any worker starts
    group_prefix = f"test.faults.{token}."
    process_env = worker_env(db, bootstrap_servers, topics, group_prefix, on)
    workers = {
        label: Worker(name, process_env, logs, label)
        for name, label in labelled(names, instances or {})
    }
    lab = Lab(env, db.dsn, bootstrap_servers, topics, workers, group_prefix)
    try:
        for worker in workers.values():
            worker.start()
        yield lab
    finally:
        lab.stop()


# --- the feeds -------------------------------------------------------------------------


def payment_message(number: str, payment_id: str, amount: str, on: date) -> dict[str, Any]:
    """A BankPayment v1 (docs/schemas/payments)."""
    return {
        "schema_version": 1,
        "payment_id": payment_id,
        "contract_number": number,
        "amount": {"amount": amount, "currency": "EUR"},
        "received_on": on.isoformat(),
        "method": "TRANSFER",
    }


def agreement_message(customer: str, agreement_id: str, ends_on: date) -> dict[str, Any]:
    """An ExternalAgreementMessage v1 (docs/schemas/external-agreements): a financing
    agreement registered with its end date (registered and ended on the portal account)."""
    return {
        "schema_version": 1,
        "customer_number": customer,
        "agreement_id": agreement_id,
        "type": "FINANCING",
        "event": "REGISTERED",
        "effective_end_date": ends_on.isoformat(),
    }


def reading_message(number: str, reading_id: str, km: int, on: date) -> dict[str, Any]:
    """An OdometerReading v1 (docs/schemas/odometer-readings)."""
    return {
        "schema_version": 1,
        "reading_id": reading_id,
        "contract_number": number,
        "reading_km": km,
        "read_on": on.isoformat(),
        "source": "TELEMATICS",
    }


class Feeds:
    """The bank and the telematics provider: messages keyed by contract number, each
    acknowledged before `send` returns."""

    def __init__(self, lab: Lab) -> None:
        self.topics = lab.topics
        self._producer = KafkaProducer(bootstrap_servers=lab.bootstrap, acks="all")

    def send(self, key: str, number: str, message: dict[str, Any]) -> None:
        future = self._producer.send(self.topics[key], key=number.encode(), value=encode(message))
        future.get(timeout=SEND_TIMEOUT)

    def close(self) -> None:
        self._producer.close(timeout=STOP_TIMEOUT)


# --- settling --------------------------------------------------------------------------


def scalar(conn: psycopg.Connection[Any], query: sql.SQL | sql.Composed, *params: object) -> int:
    """An integer query result; 0 for NULL or a table not created yet."""
    try:
        row = conn.execute(query, params).fetchone()
    except pg_errors.UndefinedTable:
        return 0
    return int(row[0]) if row is not None and row[0] is not None else 0


def position(conn: psycopg.Connection[Any], table: str) -> int:
    """A tracking table's position in the contracts log."""
    query = sql.SQL("SELECT max(notification_id) FROM {} WHERE application_name = %s")
    return scalar(conn, query.format(sql.Identifier(table)), "contracts")


def head(conn: psycopg.Connection[Any]) -> int:
    return scalar(conn, sql.SQL("SELECT coalesce(max(notification_id), 0) FROM contracts_events"))


def count_of(conn: psycopg.Connection[Any], event: type[Any], log: str = "contracts") -> int:
    """How many `event`s the application `log` (contracts, portal) stored."""
    query = sql.SQL("SELECT count(*) FROM {} WHERE topic = %s")
    return scalar(conn, query.format(sql.Identifier(f"{log}_events")), get_topic(event))


def settle(lab: Lab, done: Callable[[psycopg.Connection[Any]], bool], timeout: float) -> int:
    """Wait until `done` holds and everything stored is published, consumed and projected by
    the lab's workers (the head unchanged over the check); the head then."""
    deadline = time.monotonic() + timeout
    groups = {g: lab.topics[t] for g, t in CONSUMER_GROUPS.items() if lab.runs(g)}
    with psycopg.connect(lab.dsn, autocommit=True) as conn:
        while True:
            lab.check_alive()
            last = head(conn)
            state = {"relay": position(conn, "relay_tracking")} if lab.runs("relay") else {}
            if lab.runs("projections"):
                state.update({name: position(conn, f"{name}_tracking") for name in VIEW_MODULES})
            if (
                all(v == last for v in state.values())
                and done(conn)
                and all(
                    group_at_end(lab.bootstrap, t, lab.group_prefix + g) for g, t in groups.items()
                )
                and head(conn) == last
            ):
                return last
            assert time.monotonic() < deadline, f"not settled in {timeout} s: {last} {state}"
            threading.Event().wait(0.2)
