"""Outages (issue 9): PostgreSQL restarted and the broker stopped while the load flows.

The workers run as `lease run <worker>` processes, as in production (tests/fault_lab.py);
the load is tests/fault_driver.py's: contracts handed over, odometer readings (some over the
km cap) and bank payments, interleaved. After the outage, once everything has settled,
tests/fault_checks.py checks (a) every stored event is on the contract-events topic and
nothing was dead-lettered, (b) no effect was recorded twice (each over-cap contract ended by
law once and no other, each payment booked and each reading reported once), (c) the views
the projections worker kept through the outage equal a rebuild.

PostgreSQL restarted: a server of the test's own is stopped (fast shutdown: every
connection is cut) and started again on the same port while the relay, the termination and
payments consumers and the projections worker have a backlog; each must reconnect by
itself, not exit. Broker stopped: a broker of the test's own is stopped while a third of the
load (contracts and readings: about 5 s at OUTAGE_RATE) is stored, and started again on the
same port; it keeps its log in memory, so it comes back empty under a new cluster id,
and the relay publishes the whole event store again. The bank holds the payments it could
not deliver meanwhile and sends them once the broker is back (the bench's 60 s version:
bench/outages.py).

No sleeps: every wait is a condition polled against a deadline.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from infra.embedded.broker import EmbeddedBroker
from infra.embedded.postgres import EmbeddedPostgres
from infra.kafka import create_topics
from infra.settings import free_port
from tests.fault_checks import check_settled, settled
from tests.fault_driver import BUSINESS_DATE, Driver, plan
from tests.fault_lab import PARTITIONS, Feeds, open_lab, settle, wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

    from infra.settings import PostgresInfo
    from tests.fault_lab import Lab

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

SEED = 20_250_901
RATE = 60.0
OUTAGE_RATE = 20.0
"""Steps per second while the broker is away: a third of the plan takes about 5 s."""
RUN_TIMEOUT = 90.0
SETTLE_TIMEOUT = 90.0


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own, on a fixed port, so it can be restarted."""
    server = EmbeddedPostgres(tmp_path / "pg", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own, on a fixed port, so it can be stopped and started."""
    broker = EmbeddedBroker(free_port(), log_dir=tmp_path)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_workers_reconnect_after_postgresql_restarts(
    own_postgres: EmbeddedPostgres, bootstrap_servers: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    the_plan = plan(rng, contracts=60, readings=3, payments=1, over=0.4)
    names = ("relay", "termination", "payments", "projections")
    with open_lab(own_postgres.info, bootstrap_servers, tmp_path, names, BUSINESS_DATE) as lab:
        app = ContractsApplication(env=lab.env)
        feeds = Feeds(lab)
        driver = Driver(app, the_plan.steps, RATE, feeds.send)
        try:
            # Given the workers at work and the load flowing
            wait_until(lambda: all(w.ready() for w in lab.workers.values()), "workers ready", 60)
            driver.start()
            wait_until(
                lambda: driver.done >= len(the_plan.steps) // 3, "a third driven", RUN_TIMEOUT
            )

            # When PostgreSQL is restarted under them (every connection cut)
            restarted = time.monotonic()
            own_postgres.stop()
            own_postgres.start()
            logger.info("PostgreSQL restarted in %.1f s", time.monotonic() - restarted)

            # Then the workers are still up, and the driver finishes
            wait_until(lab.watch(lambda: driver.finished), "the driver", RUN_TIMEOUT)
            last = settle(lab, settled(the_plan), SETTLE_TIMEOUT)
            logger.info("settled at %d events; the driver retried %d steps", last, driver.retried)
            for name in ("relay", "projections"):  # they did have to reconnect
                assert lab.workers[name].logged("reconnect"), f"{name} never lost PostgreSQL"
            check_settled(lab, app, the_plan, last)
        finally:
            driver.join()
            feeds.close()
            app.close()


class Bank:
    """The payments feed: what it cannot deliver while the broker is away it holds, and sends
    once the broker is back (with a few payments it had sent before, as banks do)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.feeds: Feeds | None = Feeds(lab)
        self.held: list[tuple[str, str, dict[str, Any]]] = []
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def send(self, key: str, number: str, message: dict[str, Any]) -> None:
        with self._lock:
            if self.feeds is None:
                self.held.append((key, number, message))
                return
            self.feeds.send(key, number, message)
            self.sent.append((key, number, message))

    def broker_away(self) -> None:
        with self._lock:
            feeds, self.feeds = self.feeds, None
        assert feeds is not None
        feeds.close()

    def broker_back(self) -> int:
        """Recreate the feed's topic on the empty broker, send what was held and resend
        three payments already sent; how many messages went out."""
        with self._lock:
            create_topics(self.lab.bootstrap, [self.lab.topics["payments"]], PARTITIONS)
            self.feeds = Feeds(self.lab)
            backlog = [*self.held, *self.sent[:3]]
            for key, number, message in backlog:
                self.feeds.send(key, number, message)
            self.held.clear()
            return len(backlog)

    def close(self) -> None:
        if self.feeds is not None:
            self.feeds.close()


def test_nothing_is_lost_while_the_broker_is_away(
    fresh_database: PostgresInfo, own_broker: EmbeddedBroker, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 1)
    the_plan = plan(rng, contracts=60, readings=3, payments=1, over=0.4)
    names = ("relay", "termination", "payments", "projections")
    bootstrap = own_broker.bootstrap_servers
    with open_lab(fresh_database, bootstrap, tmp_path, names, BUSINESS_DATE) as lab:
        app = ContractsApplication(env=lab.env)
        bank = Bank(lab)
        driver = Driver(app, the_plan.steps, OUTAGE_RATE, bank.send)
        try:
            # Given the workers at work and the load flowing
            wait_until(lambda: all(w.ready() for w in lab.workers.values()), "workers ready", 60)
            driver.start()
            third = len(the_plan.steps) // 3
            wait_until(lab.watch(lambda: driver.done >= third), "a third driven", RUN_TIMEOUT)

            # When the broker is stopped while a third of the plan is stored
            bank.broker_away()
            own_broker.stop()
            stopped = time.monotonic()

            def away() -> bool:
                return driver.done >= 2 * third and lab.workers["relay"].logged("not acknowledged")

            wait_until(lab.watch(away), "a third driven while away", RUN_TIMEOUT)

            # And started again on the same port: empty, under a new cluster id
            own_broker.start()
            logger.info("broker away for %.1f s", time.monotonic() - stopped)
            logger.info("the bank sent %d messages it held or sends again", bank.broker_back())

            # Then everything stored is published and consumed once it is back
            wait_until(lab.watch(lambda: driver.finished), "the driver", RUN_TIMEOUT)
            last = settle(lab, settled(the_plan), SETTLE_TIMEOUT)
            assert lab.workers["relay"].logged("publishing every event again")
            check_settled(lab, app, the_plan, last)
        finally:
            driver.join()
            bank.close()
            app.close()
