"""Workers ride out a database or broker outage (issue 9): `reconnecting` runs a worker
again after a connection error, and a projection group whose commit's answer was lost
resumes from what storage holds, applying nothing twice."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from kafka.errors import KafkaConfigurationError, KafkaConnectionError, KafkaTimeoutError

from domain.application import ContractsApplication
from infra import bootstrap, supervisor
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.factories import handed_over_ref_contract
from tests.integration.test_projection_runner import all_rows


@pytest.fixture(autouse=True)
def no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(supervisor, "RECONNECT_WAIT", 0.001)


class Flaky:
    """A worker that fails with `errors` in turn, then returns."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.runs = 0

    def __call__(self, _stop: threading.Event) -> None:
        self.runs += 1
        if self.errors:
            raise self.errors.pop(0)


class TestReconnecting:
    def test_a_worker_is_run_again_after_each_connection_error(self) -> None:
        worker = Flaky(psycopg.OperationalError("cut"), OperationalError("server closed"))
        supervisor.reconnecting("relay", worker)(threading.Event())
        assert worker.runs == 3

    def test_a_broker_outage_runs_it_again_too(self) -> None:
        worker = Flaky(KafkaConnectionError("111 ECONNREFUSED"), KafkaTimeoutError("no reply"))
        supervisor.reconnecting("payments", worker)(threading.Event())
        assert worker.runs == 3

    def test_a_kafka_error_that_is_not_an_outage_still_ends_it(self) -> None:
        worker = Flaky(KafkaConfigurationError("bad setting"))
        with pytest.raises(KafkaConfigurationError):
            supervisor.reconnecting("payments", worker)(threading.Event())
        assert worker.runs == 1

    def test_other_errors_still_end_the_worker(self) -> None:
        worker = Flaky(ValueError("a bug"))
        with pytest.raises(ValueError, match="a bug"):
            supervisor.reconnecting("relay", worker)(threading.Event())
        assert worker.runs == 1

    def test_a_stop_during_the_wait_ends_it(self) -> None:
        stop = threading.Event()

        def worker(_stop: threading.Event) -> None:
            stop.set()
            raise psycopg.OperationalError("cut")

        supervisor.reconnecting("relay", worker)(stop)  # returns: no second run

    def test_the_supervisor_keeps_a_worker_through_an_outage(self) -> None:
        worker = Flaky(psycopg.OperationalError("cut"))
        sup = supervisor.Supervisor()
        sup.add("relay", worker)
        sup.start()
        deadline = time.monotonic() + 5.0
        while worker.runs < 2 and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        sup.stop()
        assert (worker.runs, sup.failed) == (2, [])


def test_a_commit_whose_answer_was_lost_is_not_applied_twice() -> None:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    app.save(*(handed_over_ref_contract() for _ in range(3)))
    group = bootstrap.build_projection_group(app, None)
    view = group.projections[0].view
    remember = view._remember  # the step after the write

    def answer_lost(changes: Any) -> None:
        view._remember = remember  # once
        raise OperationalError("server closed the connection unexpectedly")

    # Given the first view's batch written, and the connection lost before the answer
    view._remember = answer_lost
    with pytest.raises(OperationalError):
        group.catch_up()

    # When the group catches up again (the worker run again after the outage)
    group.catch_up()

    # Then every view equals one built in one go: nothing lost, nothing applied twice
    reference = bootstrap.build_projection_group(app, None)
    reference.catch_up()
    assert all_rows(group) == all_rows(reference)
