"""Faults: the workers SIGKILLed at 50 random points while a few thousand events flow (issues
5 and 9).

Every worker of the service runs as a `lease run <worker>` process of its own on a fresh
database and topics of this test, as in production (tests/fault_lab.py): the relay, the
termination, payments and odometer consumers, the scheduler and the projections worker. A
driver in this process (tests/fault_driver.py) hands contracts over through PostgreSQL and
sends their odometer readings and payments on the telematics and bank feeds; 40% of the
contracts end with a reading over the km cap, which the termination consumer must turn
into exactly one `KmCapReached` + `ContractEndedByLaw` (T-18.1-ii); the scheduler bills
every contract up to the pinned business date. Meanwhile the workers are killed with
SIGKILL 50 times in all, at points a seeded `random.Random` picks (a share of the driver's
steps, then a random moment once the worker is up again), and restarted at once. When
everything has settled (the relay and the views at the log's head, each consumer group's
committed offsets at its topic's end, the head unchanged over the check),
tests/fault_checks.py checks:

(a) every stored event is on the contract-events topic as the relay makes it (at least
    once), and nothing was dead-lettered;
(b) no effect was recorded twice: one KmCapReached + ContractEndedByLaw per over-cap
    contract and none elsewhere, no invoice credited twice, each payment booked and each
    reading reported exactly once, no period invoiced twice;
(c) the views the killed projections worker kept equal the views rebuilt in memory.

No sleeps: every wait is a condition polled against a deadline. A consumer group's rejoin
after a kill dominates the run time (the dead member is dropped after the 3 s session
timeout of tests/fault_lab.py, half the production default: 132 s → 115 s for this test,
alone on a quiet machine); the three groups rejoin in parallel, so each consumer is killed
8 times.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from tests.fault_checks import check_settled, settled
from tests.fault_driver import BUSINESS_DATE, Driver, plan
from tests.fault_lab import Feeds, open_lab, settle, wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from infra.settings import PostgresInfo
    from tests.fault_lab import Lab, Worker

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

SEED = 20_240_312
CONTRACTS = 200
READINGS = 3
"""Odometer readings per contract, 30 days apart (two events each: reading + deviation)."""
PAYMENTS = 1
RATE = 15.0
"""Driver steps per second: the driver spans most kills and the consumers' rejoins."""
RUN_TIMEOUT = 180.0
"""The driver and every planned kill (a kill waits for its worker to be up again)."""
SETTLE_TIMEOUT = 90.0
KILLS = {
    "relay": 10,
    "termination": 8,
    "payments": 8,
    "odometer": 8,
    "scheduler": 8,
    "projections": 8,
}
"""SIGKILLs per worker: 50 in all."""


@pytest.fixture
def lab(fresh_database: PostgresInfo, bootstrap_servers: str, tmp_path: Path) -> Iterator[Lab]:
    """Topics of this test, the event store created, every worker started."""
    with open_lab(fresh_database, bootstrap_servers, tmp_path, KILLS, BUSINESS_DATE) as created:
        yield created


# --- the kills -------------------------------------------------------------------------


@dataclasses.dataclass
class Kill:
    """Kill `worker` once the driver has issued `after` steps and the worker is up,
    `delay` seconds after both hold."""

    worker: str
    after: int
    delay: float
    armed_at: float | None = None


def kill_plan(rng: random.Random, steps: int) -> dict[str, list[Kill]]:
    """Each worker's kills: one at a random point of each of equal shares of the run (so the
    consumers' slow rejoins overlap the driver), each a random moment after it is up."""
    out: dict[str, list[Kill]] = {}
    first, last = steps // 20, steps * 17 // 20
    for name, count in KILLS.items():
        share = (last - first) // count
        points = [rng.randrange(first + i * share, first + (i + 1) * share) for i in range(count)]
        out[name] = [Kill(name, point, rng.uniform(0.0, 0.5)) for point in points]
    return out


def due(kill: Kill, driver: Driver, worker: Worker) -> bool:
    now = time.monotonic()
    if kill.armed_at is None and driver.done >= kill.after and worker.ready():
        kill.armed_at = now
    return kill.armed_at is not None and now >= kill.armed_at + kill.delay


def run_with_kills(lab: Lab, driver: Driver, kills: dict[str, list[Kill]]) -> None:
    """Drive the plan and kill the workers as planned; returns when both are done."""
    started = time.monotonic()

    def done() -> bool:
        for name, todo in kills.items():
            if todo and due(todo[0], driver, lab.workers[name]):
                kill = todo.pop(0)
                logger.info("SIGKILL %s after %d steps (%d)", name, driver.done, kill.after)
                lab.workers[name].kill_and_restart()
        return driver.finished and not any(kills.values())

    driver.start()

    def progress() -> str:
        left = {name: len(todo) for name, todo in kills.items() if todo}
        return f"driver and kills ({driver.done} steps; kills left: {left})"

    wait_until(lab.watch(done), progress, RUN_TIMEOUT)
    logger.info("driven and killed in %.1f s", time.monotonic() - started)


def test_killed_workers_lose_nothing_and_repeat_no_effect(lab: Lab) -> None:
    rng = random.Random(SEED)
    the_plan = plan(rng, CONTRACTS, READINGS, PAYMENTS, over=0.4)
    kills = kill_plan(rng, len(the_plan.steps))
    app = ContractsApplication(env=lab.env)
    feeds = Feeds(lab)
    try:
        # Given the workers killed and restarted at random points while the driver runs
        driver = Driver(app, the_plan.steps, RATE, feeds.send, readings_via_feed=True)
        try:
            run_with_kills(lab, driver, kills)
        finally:
            driver.join()
        assert {n: w.kills for n, w in lab.workers.items()} == KILLS
        assert sum(KILLS.values()) == 50

        # When everything stored has been published, consumed and projected
        driven = time.monotonic()
        last = settle(lab, settled(the_plan), SETTLE_TIMEOUT)
        logger.info("settled at %d events in %.1f s", last, time.monotonic() - driven)

        # Then nothing is lost, no effect is repeated, and the views equal a rebuild
        events = check_settled(lab, app, the_plan, last)
        assert len(events) > 3_000
    finally:
        feeds.close()
        app.close()
