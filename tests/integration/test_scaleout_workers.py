"""Scale-out of the workers (issue 14): more than one `lease run <worker>` process of a kind.

Consumers: two instances of each consumer (termination, payments, odometer readings,
external agreements) in one consumer group share its topics' partitions while the fault
tests' load flows (tests/fault_driver.py, with an external agreement per contract); one
instance of each is SIGKILLed mid-load and not restarted, the other is assigned its
partitions (the group rebalances), and once everything has settled tests/fault_checks.py
finds nothing lost and no effect applied twice.

Projections: a second `lease run projections` started while the first holds the event
store's projection lock waits as a hot standby; when the active one is SIGKILLed the
standby takes the lock over within a bounded time, and the views it keeps afterwards equal
a rebuild.

No sleeps: every wait is a condition polled against a deadline.
"""

from __future__ import annotations

import logging
import random
import signal
import subprocess
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from domain.application import ContractsApplication
from infra.bootstrap import Standby, StandbyEndedError, projections_lock
from infra.workers import worker_spec
from tests.fault_checks import check_settled, live_views, rebuilt_in_memory, settled
from tests.fault_driver import BUSINESS_DATE, Driver, plan
from tests.fault_lab import PARTITIONS, STOP_TIMEOUT, Feeds, open_lab, settle, wait_until
from tests.integration.test_cli import (
    READY_TIMEOUT,
    cli_env,
    failure_line,
    lease,
    lease_command,
    read_until,
)

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo
    from tests.fault_lab import Worker

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

SEED = 20_261_202
CONSUMERS = ("termination", "payments", "odometer", "external_agreements")
INSTANCES = dict.fromkeys(CONSUMERS, 2)
RATE = 40.0
"""Driver steps per second."""
START_TIMEOUT = 180.0
"""Every worker up (ten processes starting at once on a small machine)."""
REBALANCE_TIMEOUT = 60.0
"""A killed member is dropped after the session timeout, then the group rebalances."""
RUN_TIMEOUT = 120.0
SETTLE_TIMEOUT = 90.0
TAKEOVER_SECONDS = 15.0
"""The standby's bound: it asks for the lock every 0.5 s, then catches up a short backlog."""


def assigned_since(worker: Worker, offset: int, topics: list[str]) -> bool:
    """Whether `worker`'s log, after `offset`, assigns it every partition of `topics`."""
    text = worker.log.read_text(errors="replace")[offset:]
    return all(f"{t}/{p} assigned" in text for t in topics for p in range(PARTITIONS))


def test_two_instances_of_each_consumer_share_the_partitions_and_survive_a_kill(
    fresh_database: PostgresInfo, bootstrap_servers: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    the_plan = plan(rng, contracts=60, readings=3, payments=1, over=0.4, agreements=1)
    names = ("relay", *CONSUMERS, "projections")
    with open_lab(
        fresh_database, bootstrap_servers, tmp_path, names, BUSINESS_DATE, INSTANCES
    ) as lab:
        app = ContractsApplication(env=lab.env)
        feeds = Feeds(lab)
        driver = Driver(app, the_plan.steps, RATE, feeds.send, readings_via_feed=True)
        try:
            # Given two instances of each consumer, each assigned partitions of its group
            everyone = lab.watch(lambda: all(w.ready() for w in lab.workers.values()))
            wait_until(everyone, "every instance assigned partitions", START_TIMEOUT)
            driver.start()
            third = len(the_plan.steps) // 3
            wait_until(lab.watch(lambda: driver.done >= third), "a third driven", RUN_TIMEOUT)

            # When the second instance of each consumer is killed mid-load (not restarted)
            survivors: dict[str, tuple[Worker, int, list[str]]] = {}
            for name in CONSUMERS:
                survivor = lab.workers[name]
                offset = len(survivor.log.read_text(errors="replace"))
                topics = [lab.topics[key] for key in worker_spec(name).reads]
                survivors[name] = (survivor, offset, topics)
                lab.workers[f"{name}-2"].kill()
            killed = time.monotonic()

            # Then each survivor is assigned every partition of its group
            wait_until(
                lab.watch(lambda: all(assigned_since(*s) for s in survivors.values())),
                "the survivors assigned the killed instances' partitions",
                REBALANCE_TIMEOUT,
            )
            logger.info("rebalanced in %.1f s after the kills", time.monotonic() - killed)

            # And once everything has settled, nothing is lost and nothing applied twice
            wait_until(lab.watch(lambda: driver.finished), "the driver", RUN_TIMEOUT)
            last = settle(lab, settled(the_plan), SETTLE_TIMEOUT)
            assert the_plan.agreements == 60
            check_settled(lab, app, the_plan, last)
        finally:
            driver.join()
            feeds.close()
            app.close()


def test_a_standby_waits_for_the_projection_lock_and_can_be_stopped(
    app: ContractsApplication,
) -> None:
    stop, waited = threading.Event(), threading.Event()
    standby = Standby(stop, waited.set, poll=0.05)
    got: list[str] = []

    def wait_then_hold() -> None:
        try:
            with projections_lock(app, standby):
                got.append("lock")
        except StandbyEndedError:
            got.append("stopped")

    # Given the lock held, a standby waits (and says so) instead of failing
    with projections_lock(app):
        waiter = threading.Thread(target=wait_then_hold)
        waiter.start()
        wait_until(waited.is_set, "the standby waiting", 10.0)
        assert got == []
    # When the holder lets go, the standby gets the lock
    waiter.join(10.0)
    assert got == ["lock"]

    # And a standby stopped while it waits ends without the lock
    waited.clear()
    with projections_lock(app):
        waiter = threading.Thread(target=wait_then_hold)
        waiter.start()
        wait_until(waited.is_set, "the standby waiting again", 10.0)
        stop.set()
        waiter.join(10.0)
        assert got == ["lock", "stopped"]


def test_lease_run_projections_waits_on_standby_or_fails_with_no_standby(
    fresh_database: PostgresInfo, tmp_path: Path
) -> None:
    env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)
    app = ContractsApplication(env=fresh_database.eventsourcing_env(pool_size=1))
    try:
        with projections_lock(app):
            # --no-standby: refused at once, as before
            refused = lease("run", "projections", "--no-standby", cwd=tmp_path, env=env)
            assert failure_line(refused) == (
                "lease run projections: another projection runner or rebuild is running on"
                " this event store (`lease dev` or `lease run projections`); stop it first"
            )
            # by default: it says it waits, and SIGTERM ends the wait cleanly
            process = subprocess.Popen(
                [*lease_command(), "run", "projections"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            try:
                read_until(process, "Standby: another projections worker", READY_TIMEOUT)
                process.send_signal(signal.SIGTERM)
                rest, stderr = process.communicate(timeout=STOP_TIMEOUT)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
    finally:
        app.close()
    assert (process.returncode, stderr.decode()) == (0, "")
    assert rest.decode().endswith("Stopped.\n")
    assert "Caught up" not in rest.decode()


def no_feed(_key: str, _number: str, _message: dict[str, Any]) -> None:
    raise AssertionError("this load sends nothing on the feeds")


def test_a_standby_projections_worker_takes_over_when_the_active_one_is_killed(
    fresh_database: PostgresInfo, bootstrap_servers: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 1)
    the_plan = plan(rng, contracts=40, readings=3, payments=0, over=0.0)
    twice = {"projections": 2}
    with open_lab(
        fresh_database, bootstrap_servers, tmp_path, ("projections",), BUSINESS_DATE, twice
    ) as lab:
        app = ContractsApplication(env=lab.env)
        driver = Driver(app, the_plan.steps, RATE, no_feed)
        try:
            # Given one projections worker active and the other on standby
            first, second = lab.workers.values()
            one = lab.watch(lambda: first.ready() or second.ready())
            wait_until(one, "a projections worker caught up", START_TIMEOUT)
            active, standby = (first, second) if first.ready() else (second, first)
            wait_until(lab.watch(lambda: standby.logged("Standby:")), "a standby", START_TIMEOUT)
            driver.start()
            half = len(the_plan.steps) // 2
            wait_until(lab.watch(lambda: driver.done >= half), "half driven", RUN_TIMEOUT)
            assert not standby.ready()  # it waited: the views were the active worker's

            # When the active one is killed
            active.kill()
            killed = time.monotonic()

            # Then the standby takes over within the bound
            wait_until(lab.watch(standby.ready), "the standby's takeover", TAKEOVER_SECONDS)
            logger.info("the standby took over in %.1f s", time.monotonic() - killed)

            # And the views keep up and equal a rebuild
            wait_until(lab.watch(lambda: driver.finished), "the driver", RUN_TIMEOUT)
            last = settle(lab, lambda _conn: True, SETTLE_TIMEOUT)
            lab.stop()
            live = live_views(app, lab.env)
            assert len(live["portal.contracts"]) == 40
            assert live == rebuilt_in_memory(app)
            logger.info("views equal a rebuild at %d events", last)
        finally:
            driver.join()
            app.close()
