"""Faults: the workers SIGKILLed at random points while a few thousand events flow (issue 5).

`lease run relay`, `lease run termination` and `lease run projections` run as processes of
their own on a fresh database and topics of this test, as in production. A driver in this
process lives 240 contracts through PostgreSQL (a few thousand events); 40% of them end with
an odometer report over the km cap, which the termination consumer must turn into exactly
one `KmCapReached` + `ContractEndedByLaw` (T-18.1-ii). Meanwhile each worker is killed with
SIGKILL at points a seeded `random.Random` picks (a share of the driver's commands, then a
random moment once the worker is up again) and restarted at once. When everything has
settled (the relay at the log's head, the termination group's committed offsets at the
topic's end, the views at the head, and the head unchanged over the check):

(a) every stored event's (contract_id, sequence) is on the contract-events topic, with the
    envelope the relay makes of it (at least once; duplicates are expected);
(b) no rule effect was recorded twice: one KmCapReached and one ContractEndedByLaw per
    over-cap contract, none elsewhere, and the consumer recorded nothing else;
(c) the views the killed projections worker kept equal the six views rebuilt in memory from
    the log.

No sleeps: every wait is a condition polled against a deadline. The consumer group's rejoin
after a kill dominates the run time (the dead member is dropped after the 6 s session
timeout), so the consumer is killed twice; the others three and two times.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
from eventsourcing.utils import get_topic
from psycopg import errors as pg_errors
from psycopg import sql

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.incidents import ReportOdometer
from domain.contract.incidents_events import KmCapReached
from domain.contract.termination_events import ContractEndedByLaw
from infra import bootstrap
from infra.kafka import create_topics, group_at_end
from infra.schemas.envelope import envelope
from projections.registry import VIEW_MODULES
from tests.factories import REF_START, ctx, handed_over_ref_contract
from tests.integration.test_projection_runner import all_rows
from tests.topic_reader import deduplicated, keyed, read_topic

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

SEED = 20_240_312
CONTRACTS = 240
REPORTS = 4
"""Odometer reports per contract, 30 days apart (two events each: reading + deviation)."""
OVER_CAP_SHARE = 0.4
KM_CAP = 200_000
"""T-18.1-ii for the DIESEL reference contract (M-12)."""
COMMANDS = CONTRACTS * (1 + REPORTS)
RATE = 60.0
"""Driver commands per second: the run spans the kills and the consumer's rejoins."""
BUSINESS_DATE = date(2024, 12, 31)
"""The workers' pinned clock: after every report, well inside the 48-month term."""
PARTITIONS = 2
CONSUMER_GROUP = "termination"
TERMINATION_ACTOR = "SYSTEM:termination"
LEASE = Path(sys.executable).with_name("lease")
ROOT = Path(__file__).resolve().parents[2]
POLL = 0.05
RUN_TIMEOUT = 90.0
"""The driver and every planned kill (a kill waits for its worker to be up again)."""
SETTLE_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0

READY_MARKERS = {
    "relay": "relay: running on",
    "termination": "assigned, reading from",
    "projections": "Caught up:",
}
"""What a worker writes once it works: the relay before its catch-up, the consumer when
its partitions are assigned, the projections worker after its catch-up."""
KILLS = {"relay": 3, "termination": 2, "projections": 2}


# --- the workers -----------------------------------------------------------------------


class Worker:
    """One `lease run <name>` process at a time, restarted after each kill; logs per start."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name, self.env, self.logs = name, env, logs
        self.starts = 0
        self.kills = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._ready = False

    @property
    def log(self) -> Path:
        return self.logs / f"{self.name}-{self.starts}.log"

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

    def kill_and_restart(self) -> None:
        """SIGKILL (no clean-up of any kind), then a new process at once."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT)
        self.kills += 1
        self.start()

    def check_alive(self) -> None:
        """Fail with the log's tail if the process ended by itself."""
        assert self.process is not None
        code = self.process.poll()
        if code is not None:
            tail = self.log.read_text(errors="replace")[-3000:]
            pytest.fail(f"{self.name} exited with {code} by itself:\n{tail}")

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
    topic: str
    dead_letters: str
    workers: dict[str, Worker]
    group_prefix: str

    def check_alive(self) -> None:
        for worker in self.workers.values():
            worker.check_alive()


def worker_env(
    db: PostgresInfo, bootstrap_servers: str, topics: dict[str, str], group_prefix: str
) -> dict[str, str]:
    """The process environment of `lease run`: this test's database, broker, topics and
    consumer groups (a group shared with other tests' consumers would rebalance with them)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEASE_")}
    env.update(
        {
            "LEASE_DATABASE_URL": db.dsn,
            "LEASE_KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
            "LEASE_TOPIC_PARTITIONS": str(PARTITIONS),
            "LEASE_BUSINESS_DATE": BUSINESS_DATE.isoformat(),
            "LEASE_CONSUMER_GROUP_PREFIX": group_prefix,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",  # the ready markers printed on stdout show at once
        }
    )
    env.update({f"LEASE_{name.upper()}_TOPIC": topic for name, topic in topics.items()})
    return env


@pytest.fixture
def lab(fresh_database: PostgresInfo, bootstrap_servers: str, tmp_path: Path) -> Iterator[Lab]:
    """Topics of this test, the event store created, the three workers started."""
    token = secrets.token_hex(4)
    topics = {
        name: f"test.faults.{name}.{token}"
        for name in ("contract_events", "deadlines", "payments", "odometer", "dead_letter")
    }
    create_topics(bootstrap_servers, list(topics.values()), PARTITIONS)
    env = fresh_database.eventsourcing_env()
    ContractsApplication(env=env).close()  # the events table exists before any worker starts
    group_prefix = f"test.faults.{token}."
    process_env = worker_env(fresh_database, bootstrap_servers, topics, group_prefix)
    workers = {name: Worker(name, process_env, tmp_path) for name in KILLS}
    created = Lab(
        env,
        fresh_database.dsn,
        bootstrap_servers,
        topics["contract_events"],
        topics["dead_letter"],
        workers,
        group_prefix,
    )
    try:
        for worker in workers.values():
            worker.start()
        yield created
    finally:
        for worker in workers.values():
            worker.stop()


# --- the driver ------------------------------------------------------------------------


Command = tuple[str, int | None]
"""(contract number, odometer reading); None: conclude and hand the contract over."""


@dataclasses.dataclass(frozen=True)
class Plan:
    """The driver's commands in order (contracts interleaved) and which go over the cap."""

    commands: list[Command]
    over_cap: frozenset[str]


def plan(rng: random.Random) -> Plan:
    """Each contract: handed over, then REPORTS readings; an over-cap one ends at >= cap."""
    queues: dict[str, list[Command]] = {}
    over: set[str] = set()
    for _ in range(CONTRACTS):
        number = f"PL-F{rng.getrandbits(40):010X}"  # a database of its own: no clashes
        readings = sorted(rng.sample(range(1_000, 150_000), REPORTS))
        if rng.random() < OVER_CAP_SHARE:
            readings[-1] = rng.randrange(KM_CAP, KM_CAP + 30_000)
            over.add(number)
        queues[number] = [(number, None), *((number, km) for km in readings)]
    commands: list[Command] = []
    active = list(queues)
    while active:
        number = rng.choice(active)
        commands.append(queues[number].pop(0))
        if not queues[number]:
            active.remove(number)
    return Plan(commands, frozenset(over))


class Driver:
    """Issues the plan's commands through ContractsApplication at RATE per second."""

    def __init__(self, app: ContractsApplication, commands: list[Command]) -> None:
        self.app, self.commands = app, commands
        self.done = 0
        self.error: BaseException | None = None
        self.ended_at: float | None = None
        self.stop = threading.Event()
        self._reports: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._run, name="fault-driver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def finished(self) -> bool:
        if self.error is not None:
            raise AssertionError("the driver failed") from self.error
        return self.done == len(self.commands)

    def join(self) -> None:
        self.stop.set()
        self._thread.join(STOP_TIMEOUT)

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for i, (number, reading) in enumerate(self.commands):
                # The pace of a live feed: command i is due at i / RATE seconds.
                if self.stop.wait(max(0.0, started + i / RATE - time.monotonic())):
                    return
                self._issue(number, reading)
                self.done = i + 1
        except BaseException as err:
            self.error = err
            raise

    def _issue(self, number: str, reading: int | None) -> None:
        if reading is None:
            self.app.save(handed_over_ref_contract(contract_number=number))
            return
        self._reports[number] += 1
        on = REF_START + timedelta(days=30 * self._reports[number])
        self.app.execute(number, ReportOdometer(odometer=reading), ctx(on, actor="CUSTOMER"))


# --- the kills -------------------------------------------------------------------------


@dataclasses.dataclass
class Kill:
    """Kill `worker` once the driver has issued `after` commands and the worker is up,
    `delay` seconds after both hold."""

    worker: str
    after: int
    delay: float
    armed_at: float | None = None


def kill_plan(rng: random.Random) -> dict[str, list[Kill]]:
    """Each worker's kills: one at a random point of each of equal shares of the run (so the
    consumer's slow rejoins overlap the driver), each a random moment after it is up."""
    out: dict[str, list[Kill]] = {}
    first, last = COMMANDS // 20, COMMANDS * 17 // 20
    for name, count in KILLS.items():
        share = (last - first) // count
        points = [rng.randrange(first + i * share, first + (i + 1) * share) for i in range(count)]
        out[name] = [Kill(name, point, rng.uniform(0.0, 0.5)) for point in points]
    return out


def run_with_kills(lab: Lab, driver: Driver, kills: dict[str, list[Kill]]) -> None:
    """Drive the plan and kill the workers as planned; returns when both are done."""
    deadline = time.monotonic() + RUN_TIMEOUT
    driver.start()
    while not driver.finished or any(kills.values()):
        lab.check_alive()
        for name, todo in kills.items():
            if todo and due(todo[0], driver, lab.workers[name]):
                kill = todo.pop(0)
                logger.info("SIGKILL %s after %d commands (%d)", name, driver.done, kill.after)
                lab.workers[name].kill_and_restart()
        left = {n: len(k) for n, k in kills.items() if k}
        if driver.finished and driver.ended_at is None:
            driver.ended_at = time.monotonic()
            logger.info("driver done: %d commands", driver.done)
        assert time.monotonic() < deadline, f"{driver.done} commands, kills left {left}"
        threading.Event().wait(POLL)


def due(kill: Kill, driver: Driver, worker: Worker) -> bool:
    now = time.monotonic()
    if kill.armed_at is None and driver.done >= kill.after and worker.ready():
        kill.armed_at = now
    return kill.armed_at is not None and now >= kill.armed_at + kill.delay


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


def count_of(conn: psycopg.Connection[Any], event: type[ContractEvent]) -> int:
    query = sql.SQL("SELECT count(*) FROM contracts_events WHERE topic = %s")
    return scalar(conn, query, get_topic(event))


def settle(lab: Lab, over_cap: int) -> int:
    """Wait until everything stored is published, consumed and projected; the head then."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    with psycopg.connect(lab.dsn, autocommit=True) as conn:
        state: dict[str, int] = {}
        while True:
            lab.check_alive()
            last = head(conn)
            state = {
                "head": last,
                "ended": count_of(conn, ContractEndedByLaw),
                "relay": position(conn, "relay_tracking"),
                **{name: position(conn, f"{name}_tracking") for name in VIEW_MODULES},
            }
            at_head = all(v == last for k, v in state.items() if k not in ("head", "ended"))
            if (
                state["ended"] >= over_cap
                and at_head
                and group_at_end(lab.bootstrap, lab.topic, lab.group_prefix + CONSUMER_GROUP)
                and head(conn) == last
            ):
                return last
            assert time.monotonic() < deadline, f"not settled in {SETTLE_TIMEOUT} s: {state}"
            threading.Event().wait(0.2)


# --- the checks ------------------------------------------------------------------------


def stored(app: ContractsApplication) -> list[tuple[int, ContractEvent]]:
    """Every stored event with its notification id, in log order."""
    out = []
    start = 1
    while notifications := app.recorder.select_notifications(start, 1000):
        for notification in notifications:
            event = app.mapper.to_domain_event(notification)
            assert isinstance(event, ContractEvent)
            out.append((notification.id, event))
        start = notifications[-1].id + 1
    return out


def rebuilt_in_memory(app: ContractsApplication) -> dict[str, list[dict[str, Any]]]:
    """The six views rebuilt from the whole log in memory: what the live ones must equal."""
    group = bootstrap.build_projection_group(app, None)
    bootstrap.catch_up(group)
    return all_rows(group)


def live_views(app: ContractsApplication, env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The rows the projections worker left in PostgreSQL."""
    group = bootstrap.build_projection_group(app, env)
    try:
        return all_rows(group)
    finally:
        bootstrap.close_projection_group(group)


def effects(events: list[tuple[int, ContractEvent]]) -> dict[str, Counter[str]]:
    """Per contract id: how many of each event the termination consumer recorded."""
    out: dict[str, Counter[str]] = {}
    for _, event in events:
        if event.actor == TERMINATION_ACTOR or isinstance(event, KmCapReached | ContractEndedByLaw):
            out.setdefault(str(event.originator_id), Counter())[type(event).__name__] += 1
    return out


def test_killed_workers_lose_nothing_and_repeat_no_effect(lab: Lab) -> None:
    rng = random.Random(SEED)
    the_plan, kills = plan(rng), kill_plan(rng)
    app = ContractsApplication(env=lab.env)
    try:
        # Given the workers killed and restarted at random points while the driver runs
        driver = Driver(app, the_plan.commands)
        try:
            run_with_kills(lab, driver, kills)
        finally:
            driver.join()
        assert {n: w.kills for n, w in lab.workers.items()} == KILLS

        # When everything stored has been published, consumed and projected
        driven = time.monotonic()
        last = settle(lab, len(the_plan.over_cap))
        logger.info("settled at %d events in %.1f s", last, time.monotonic() - driven)
        for worker in lab.workers.values():
            worker.stop()
        events = stored(app)  # positions may have gaps: a transaction that lost a race
        assert events[-1][0] == last
        assert len(events) > 3_000

        # Then (a) every stored event reached the topic, at least once, as the relay makes it
        records = read_topic(lab.bootstrap, lab.topic, timeout=30.0)
        expected = [envelope(event, position=n) for n, event in events]
        assert len(records) >= len(expected)
        logger.info("%d messages for %d events", len(records), len(expected))
        assert deduplicated(records) == keyed(expected)
        assert read_topic(lab.bootstrap, lab.dead_letters) == []

        # And (b) each over-cap contract ended by law exactly once, no other contract did,
        # and the consumer recorded nothing else
        once = Counter({"KmCapReached": 1, "ContractEndedByLaw": 1})
        assert effects(events) == {str(Contract.create_id(n)): once for n in the_plan.over_cap}

        # And (c) the views kept by the killed projections worker equal a rebuild
        live = live_views(app, lab.env)
        assert all(live[t] for t in ("history.events", "portal.contracts", "portal.timeline"))
        assert live == rebuilt_in_memory(app)
    finally:
        app.close()
