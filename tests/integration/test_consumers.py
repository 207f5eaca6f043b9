"""Kafka consumers with exactly-once effects, on PostgreSQL and the session's broker.

- TestTrackedSave feeds KafkaRecords to `payments.handle`: events and tracking commit
  together, a duplicate offset changes nothing, a no-event message is still tracked, and a
  new application instance resumes after the tracked offset.
- TestRunner runs the ConsumerRunner against the broker: a payment sent twice is booked
  once, also across runner restarts (even under a new group id: PostgreSQL is the truth),
  and an invalid message is dead-lettered with its reason while the next one is applied.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.persistence import Tracking
from kafka import KafkaProducer

from consumers import payments
from consumers.base import KafkaRecord, tracking_name
from consumers.runner import ConsumerRunner, KafkaDeadLetters
from consumers.tracking import AlreadyProcessedError, TrackedContracts
from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.billing_events import PaymentReceived
from infra.embedded.broker import EmbeddedBroker
from infra.kafka import MAX_MESSAGE_BYTES, cluster_id, create_topics
from tests.factories import ctx, ref_terms
from tests.topic_reader import wait_for_messages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

pytestmark = pytest.mark.integration

CONCLUDED_ON = date(2024, 2, 1)
PAID_ON = date(2024, 2, 5)
TOPIC = "lease.payments.v1"
WAIT = 20.0


@pytest.fixture
def app(tracked_app: TrackedContracts) -> TrackedContracts:
    """These tests' application is the consumers' (tests/integration/conftest.py)."""
    return tracked_app


def concluded(app: ContractsApplication) -> str:
    terms = ref_terms()
    app.conclude(terms, ctx(CONCLUDED_ON))
    return terms.contract_number


def payment(number: str, payment_id: str, amount: str = "650.00") -> dict[str, Any]:
    return {
        "schema_version": 1,
        "payment_id": payment_id,
        "contract_number": number,
        "amount": {"amount": amount, "currency": "EUR"},
        "received_on": PAID_ON.isoformat(),
        "method": "TRANSFER",
    }


def record(message: dict[str, Any], offset: int, topic: str = TOPIC) -> KafkaRecord:
    return KafkaRecord(topic, 0, offset, b"k", json.dumps(message).encode())


def stored_payments(app: ContractsApplication, number: str) -> list[PaymentReceived]:
    events = app.events.get(Contract.create_id(number))
    return [e for e in events if isinstance(e, PaymentReceived)]


def version(app: ContractsApplication, number: str) -> int:
    return app.get(number).version


class TestTrackedSave:
    def test_payment_and_its_offset_are_stored_together(self, app: TrackedContracts) -> None:
        number = concluded(app)

        payments.handle(record(payment(number, "BANK-1"), 0), app)

        assert [p.payment_id for p in stored_payments(app, number)] == ["BANK-1"]
        assert app.max_tracking_id(tracking_name(TOPIC, 0)) == 0

    def test_a_duplicate_offset_raises_and_writes_nothing(self, app: TrackedContracts) -> None:
        number = concluded(app)
        payments.handle(record(payment(number, "BANK-1"), 7), app)
        before = version(app, number)

        with pytest.raises(AlreadyProcessedError):
            payments.handle(record(payment(number, "BANK-1"), 7), app)
        with pytest.raises(AlreadyProcessedError):  # another payment id under the same offset
            payments.handle(record(payment(number, "BANK-2"), 7), app)

        assert version(app, number) == before
        assert len(stored_payments(app, number)) == 1
        assert app.max_tracking_id(tracking_name(TOPIC, 0)) == 7

    def test_a_resent_payment_id_yields_no_event_but_is_tracked(
        self, app: TrackedContracts
    ) -> None:
        number = concluded(app)
        payments.handle(record(payment(number, "BANK-1"), 0), app)
        before = version(app, number)

        payments.handle(record(payment(number, "BANK-1"), 1), app)

        assert version(app, number) == before
        assert len(stored_payments(app, number)) == 1
        assert app.max_tracking_id(tracking_name(TOPIC, 0)) == 1

    def test_the_events_land_in_the_contracts_application_log(
        self, app: TrackedContracts, pg_env: dict[str, str]
    ) -> None:
        number = concluded(app)
        payments.handle(record(payment(number, "BANK-1"), 0), app)
        plain = ContractsApplication(env=pg_env)
        try:
            assert [p.payment_id for p in stored_payments(plain, number)] == ["BANK-1"]
            assert plain.recorder.max_notification_id() == app.recorder.max_notification_id()
        finally:
            plain.close()

    def test_a_restarted_application_resumes_after_the_tracked_offset(
        self, app: TrackedContracts, pg_env: dict[str, str]
    ) -> None:
        number = concluded(app)
        for offset, payment_id in enumerate(["BANK-1", "BANK-2"]):
            payments.handle(record(payment(number, payment_id), offset), app)
        restarted = TrackedContracts(env=pg_env)
        seeks = SeekRecorder()
        try:
            runner = ConsumerRunner([TOPIC], {TOPIC: payments.handle}, "g", "unused", restarted)
            runner.seek_to_tracked(seeks, [Partition(TOPIC, 0), Partition(TOPIC, 1)])
            with pytest.raises(AlreadyProcessedError):
                payments.handle(record(payment(number, "BANK-3"), 1), restarted)
        finally:
            restarted.close()
        assert seeks.calls == [("seek", TOPIC, 0, 2), ("beginning", TOPIC, 1, None)]
        assert len(stored_payments(app, number)) == 2


class Partition:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition


class SeekRecorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int, int | None]] = []

    def seek(self, tp: Partition, offset: int) -> None:
        self.calls.append(("seek", tp.topic, tp.partition, offset))

    def seek_to_beginning(self, *tps: Partition) -> None:
        self.calls.extend(("beginning", tp.topic, tp.partition, None) for tp in tps)


# --- against the broker -------------------------------------------------------------------


class Topics:
    """A payments topic and a dead-letter topic of this test only (one partition each)."""

    def __init__(self, bootstrap: str, token: str | None = None) -> None:
        self.token = token = token or secrets.token_hex(4)
        self.bootstrap = bootstrap
        self.payments = f"test.payments.{token}"
        self.dead_letters = f"test.dead-letter.{token}"
        create_topics(bootstrap, [self.payments, self.dead_letters], partitions=1)
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")

    def send(self, value: bytes, key: bytes = b"PL") -> int:
        metadata = self._producer.send(self.payments, key=key, value=value).get(timeout=WAIT)
        offset: int = metadata.offset
        return offset

    def close(self) -> None:
        self._producer.close()


@pytest.fixture
def topics(bootstrap_servers: str) -> Iterator[Topics]:
    created = Topics(bootstrap_servers)
    yield created
    created.close()


class Running:
    """A ConsumerRunner on a thread; `stop()` sets its Event and joins it."""

    def __init__(
        self, topics: Topics, app: TrackedContracts, group_id: str, *, check_broker: bool = False
    ) -> None:
        self.runner = ConsumerRunner(
            [topics.payments],
            {topics.payments: payments.handle},
            group_id,
            topics.bootstrap,
            app,
            dead_letters=KafkaDeadLetters(topics.bootstrap, topics.dead_letters),
            cluster_id=(lambda: cluster_id(topics.bootstrap)) if check_broker else None,
        )
        self.event = threading.Event()
        self.thread = threading.Thread(target=self.runner.run, args=(self.event,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.event.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


def wait_tracked(app: TrackedContracts, topic: str, offset: int) -> None:
    """Deadline loop until the partition's tracked offset reaches `offset`."""
    deadline = time.monotonic() + WAIT
    name = tracking_name(topic, 0)
    while not app.already_processed(Tracking(name, offset)):
        assert time.monotonic() < deadline, f"offset {offset} of {topic} not tracked in {WAIT}s"
        threading.Event().wait(0.05)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Deadline loop until `condition()` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {WAIT}s"
        threading.Event().wait(0.05)


def as_bytes(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


class TestRunner:
    def test_a_payment_sent_twice_is_booked_once_across_restarts(
        self, app: TrackedContracts, topics: Topics
    ) -> None:
        number = concluded(app)
        group = f"test-{secrets.token_hex(4)}"
        topics.send(as_bytes(payment(number, "BANK-1")))
        second = topics.send(as_bytes(payment(number, "BANK-1")))
        running = Running(topics, app, group)
        wait_tracked(app, topics.payments, second)
        running.stop()
        settled = version(app, number)

        third = topics.send(as_bytes(payment(number, "BANK-2", "10.00")))
        for restarted_group in (group, f"{group}-new"):  # no Kafka offsets under the new one
            running = Running(topics, app, restarted_group)
            wait_tracked(app, topics.payments, third)
            running.stop()

        assert [p.payment_id for p in stored_payments(app, number)] == ["BANK-1", "BANK-2"]
        assert version(app, number) == settled + 1

    def test_an_invalid_message_is_dead_lettered_and_the_next_is_applied(
        self, app: TrackedContracts, topics: Topics
    ) -> None:
        number = concluded(app)
        bad = topics.send(as_bytes({**payment(number, "BANK-1"), "method": "CASH"}))
        good = topics.send(as_bytes(payment(number, "BANK-2")))
        running = Running(topics, app, f"test-{secrets.token_hex(4)}")
        wait_tracked(app, topics.payments, good)
        running.stop()

        [letter] = wait_for_messages(topics.bootstrap, topics.dead_letters, 1)
        dead = json.loads(letter.value)
        assert (dead["source_topic"], dead["source_offset"]) == (topics.payments, bad)
        assert "method input should be" in dead["error"]
        assert json.loads(dead["value"])["method"] == "CASH"
        assert [p.payment_id for p in stored_payments(app, number)] == ["BANK-2"]

    def test_poison_never_stalls_the_partition(self, app: TrackedContracts, topics: Topics) -> None:
        """Issue 9, findings 1-3: each used to be re-read every second, for ever."""
        number = concluded(app)
        poison = [
            as_bytes(payment(number, "B" * 600_000)),  # an id that would inflate the event
            b'"' * 900_000,  # a 1.8 MB dead letter once escaped
            as_bytes(payment(number, "BANK-1", "1" + "0" * 400)),  # decimal.InvalidOperation
        ]
        offsets = [topics.send(value) for value in poison]
        good = topics.send(as_bytes(payment(number, "BANK-2")))
        running = Running(topics, app, f"test-{secrets.token_hex(4)}")
        wait_tracked(app, topics.payments, good)
        running.stop()

        assert [p.payment_id for p in stored_payments(app, number)] == ["BANK-2"]
        letters = wait_for_messages(topics.bootstrap, topics.dead_letters, 3)
        dead = {json.loads(r.value)["source_offset"]: json.loads(r.value) for r in letters}
        assert sorted(dead) == offsets
        assert dead[offsets[0]]["error"].startswith("InvalidMessageError: payment_id string")
        assert dead[offsets[2]]["error"].startswith("InvalidMessageError: amount.amount")
        cut = dead[offsets[1]]
        assert cut["value_sha256"] == hashlib.sha256(poison[1]).hexdigest()
        assert cut["value_bytes"] == len(poison[1])
        assert poison[1].decode().startswith(cut["value"])
        assert max(len(r.value) for r in letters) <= MAX_MESSAGE_BYTES


class TestForgetfulBroker:
    """DESIGN 6: after the embedded broker restarts, offsets start at 0 again."""

    def test_broker_changed_drops_only_that_topics_positions(self, app: TrackedContracts) -> None:
        app.record_tracking(Tracking(tracking_name("a", 0), 41))
        app.record_tracking(Tracking(tracking_name("a", 1), 7))
        app.record_tracking(Tracking(tracking_name("b", 0), 9))

        first = app.broker_changed("a", "cluster-1")
        same = app.broker_changed("a", "cluster-1")
        changed = app.broker_changed("a", "cluster-2")

        assert (first, same, changed) == (False, False, True)
        assert app.max_tracking_id(tracking_name("a", 0)) is None
        assert app.max_tracking_id(tracking_name("a", 1)) is None
        assert app.max_tracking_id(tracking_name("b", 0)) == 9

    def test_a_payment_after_a_broker_restart_is_booked_not_skipped(
        self, app: TrackedContracts, tmp_path: Path
    ) -> None:
        number = concluded(app)
        with EmbeddedBroker(log_dir=tmp_path) as broker:
            topics = Topics(broker.bootstrap_servers)
            for i in range(3):
                last = topics.send(as_bytes(payment(number, f"BANK-{i}", "1.00")))
            running = Running(topics, app, "payments", check_broker=True)
            wait_tracked(app, topics.payments, last)
            running.stop()
            topics.close()

            broker.restart()  # memory storage: topics and offsets are gone
            topics = Topics(broker.bootstrap_servers, topics.token)  # the same topic names
            topics.send(as_bytes(payment(number, "BANK-AFTER", "2.00")))  # offset 0 again
            running = Running(topics, app, "payments", check_broker=True)
            wait_until(lambda: len(stored_payments(app, number)) == 4, "BANK-AFTER booked")
            running.stop()
            topics.close()

        booked = [p.payment_id for p in stored_payments(app, number)]
        assert booked == ["BANK-0", "BANK-1", "BANK-2", "BANK-AFTER"]
