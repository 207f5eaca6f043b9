"""Consumers without I/O: wire parsing and to_command on plain dicts, the runner's discipline.

The runner is driven through a list-backed fake consumer (poll/commit/seek) and a fake
tracked application that records positions in a dict, so the order "database, then
commit" is checked without a broker.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, cast

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from kafka.structs import TopicPartition

from consumers import odometer_readings, payments
from consumers.base import InvalidMessageError, KafkaRecord
from consumers.dead_letters import dead_letter
from consumers.runner import ConsumerRunner
from consumers.wire import read
from domain.contract.billing import ReceivePayment
from domain.contract.command import CommandInputError
from domain.contract.incidents import ReportOdometer
from domain.errors import ConcurrencyConflictError, RuleViolationError
from domain.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from consumers.dead_letters import DeadLetter
    from consumers.tracking import TrackedContracts

PAID_ON = date(2024, 3, 12)
TOPIC = "lease.payments.v1"
TP = TopicPartition(TOPIC, 0)


def as_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


def payment_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "payment_id": "BANK-1",
        "contract_number": "PL-1",
        "amount": {"amount": "650.00", "currency": "EUR"},
        "received_on": "2024-03-12",
        "method": "SEPA_DD",
    }
    return data | overrides


def reading_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": 1,
        "reading_id": "T-9",
        "contract_number": "PL-1",
        "reading_km": 12_345,
        "read_on": "2024-03-12",
        "source": "TELEMATICS",
    }
    return data | overrides


class TestPaymentToCommand:
    def test_a_bank_payment_becomes_receive_payment_on_its_booking_date(self) -> None:
        command = payments.to_command(payments.parse(as_json(payment_dict())))

        assert command is not None
        assert command.contract_number == "PL-1"
        assert command.command == ReceivePayment(Money.of("650.00"), "BANK-1")
        assert command.ctx.on == PAID_ON
        assert command.ctx.causation_id == "payment:BANK-1"

    @pytest.mark.parametrize(
        ("overrides", "reason"),
        [
            ({"method": "CASH"}, "method input should be 'SEPA_DD' or 'TRANSFER'"),
            ({"amount": {"amount": 650.0, "currency": "EUR"}}, "amount.amount must be a string"),
            ({"amount": {"amount": "650.00", "currency": "USD"}}, "amount.currency input"),
            ({"received_on": "12/03/2024"}, "received_on must match"),
            ({"schema_version": 2}, "schema_version input should be 1"),
            ({"payment_id": ""}, "payment_id string should have at least 1 character"),
            ({"payment_id": "B" * 600_000}, "payment_id string should have at most 64"),
            ({"amount": {"amount": "-1.00", "currency": "EUR"}}, "amount.amount must be a decimal"),
            ({"amount": {"amount": "0.001", "currency": "EUR"}}, "amount.amount must be a decimal"),
            ({"amount": {"amount": "1e400", "currency": "EUR"}}, "amount.amount must be a decimal"),
            ({"amount": {"amount": "1" + "0" * 400, "currency": "EUR"}}, "amount.amount string"),
        ],
    )
    def test_a_message_off_the_schema_is_refused_with_its_reason(
        self, overrides: dict[str, Any], reason: str
    ) -> None:
        with pytest.raises(InvalidMessageError, match=re.escape(reason)):
            payments.parse(as_json(payment_dict(**overrides)))

    def test_a_missing_field_is_named(self) -> None:
        data = payment_dict()
        del data["contract_number"]
        with pytest.raises(InvalidMessageError, match="contract_number is required"):
            payments.parse(as_json(data))

    def test_fields_the_schema_does_not_know_are_refused(self) -> None:
        with pytest.raises(InvalidMessageError, match="note is not a known field"):
            payments.parse(as_json(payment_dict(note="x")))


class TestOdometerToCommand:
    def test_a_reading_becomes_report_odometer_with_its_source(self) -> None:
        command = odometer_readings.to_command(odometer_readings.parse(as_json(reading_dict())))

        assert command is not None
        assert command.contract_number == "PL-1"
        assert command.command == ReportOdometer(12_345, "TELEMATICS")
        assert command.ctx.on == PAID_ON

    def test_a_boolean_is_not_a_km_reading(self) -> None:
        with pytest.raises(InvalidMessageError, match="reading_km must be a whole number"):
            odometer_readings.parse(as_json(reading_dict(reading_km=True)))


class TestDecode:
    @pytest.mark.parametrize("value", [None, b"not json", b"[1]", b"\xff", b"[" * 100_000])
    def test_a_value_that_is_no_json_object_is_invalid(self, value: bytes | None) -> None:
        with pytest.raises(InvalidMessageError):
            read(payments.BankPayment, value)


# --- the runner ---------------------------------------------------------------------------


@dataclass
class Raw:
    """A ConsumerRecord look-alike."""

    offset: int
    value: bytes = b"{}"
    topic: str = TOPIC
    partition: int = 0
    key: bytes | None = b"PL-1"
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class FakeApp:
    """The tracked application's positions, in a dict."""

    def __init__(self) -> None:
        self.tracked: dict[str, int] = {}

    def max_tracking_id(self, name: str) -> int | None:
        return self.tracked.get(name)

    def already_processed(self, tracking: Tracking) -> bool:
        last = self.tracked.get(tracking.application_name)
        return last is not None and last >= tracking.notification_id

    def record_tracking(self, tracking: Tracking) -> None:
        if self.already_processed(tracking):
            raise IntegrityError(tracking.application_name)
        self.tracked[tracking.application_name] = tracking.notification_id


class FakeConsumer:
    """poll() hands out the remaining records of one partition; commit() checks the database."""

    def __init__(self, app: FakeApp, records: list[Raw]) -> None:
        self.app, self.records = app, records
        self.position = 0
        self.commits: list[int] = []
        self.seeks: list[int] = []

    def poll(self, timeout_ms: int = 0) -> Mapping[Any, Sequence[Any]]:
        batch = [r for r in self.records if r.offset >= self.position]
        self.position = batch[-1].offset + 1 if batch else self.position
        return {TP: batch} if batch else {}

    def commit(self, offsets: Mapping[Any, Any]) -> None:
        offset = offsets[TP].offset
        tracked = self.app.max_tracking_id(f"kafka:{TOPIC}:0")
        assert tracked is not None, "committed before the database"
        assert tracked >= offset - 1, "committed before the database"
        self.commits.append(offset)

    def seek(self, partition: Any, offset: int) -> None:
        self.seeks.append(offset)
        self.position = offset

    def seek_to_beginning(self, *partitions: Any) -> None:
        self.seek(partitions[0], 0)


class FakeDeadLetters:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    def send(self, letter: DeadLetter) -> None:
        self.letters.append(letter)


def tracking_handler(fails: Mapping[int, Exception] | None = None) -> Callable[..., None]:
    """A handler that records the tracking (as a save would) unless told to fail."""

    def handle(record: KafkaRecord, app: Any) -> None:
        error = (fails or {}).get(record.offset)
        if error is not None:
            raise error
        app.record_tracking(record.tracking)

    return handle


def runner_for(
    app: FakeApp, handler: Callable[..., None]
) -> tuple[ConsumerRunner, FakeDeadLetters]:
    letters = FakeDeadLetters()
    runner = ConsumerRunner(
        [TOPIC],
        {TOPIC: handler},
        "payments",
        "unused:9092",
        cast("TrackedContracts", app),
        dead_letters=letters,
        retry_wait=0.0,
    )
    return runner, letters


class TestRunnerCommits:
    def test_a_polled_batch_is_committed_once_after_its_transactions(self) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0), Raw(1), Raw(2)])
        runner, _ = runner_for(app, tracking_handler())

        assert runner.poll_once(consumer)

        assert consumer.commits == [3]
        assert app.tracked == {f"kafka:{TOPIC}:0": 2}

    def test_a_failed_record_is_not_committed_and_read_again(self) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0), Raw(1), Raw(2)])
        runner, letters = runner_for(app, tracking_handler({1: OSError("database down")}))

        assert not runner.poll_once(consumer)

        assert consumer.commits == [1]
        assert consumer.seeks == [1]
        assert letters.letters == []

    def test_a_record_already_tracked_is_skipped_and_committed(self) -> None:
        app = FakeApp()
        app.tracked[f"kafka:{TOPIC}:0"] = 1
        calls: list[int] = []
        consumer = FakeConsumer(app, [Raw(1), Raw(2)])

        def handle(record: KafkaRecord, a: Any) -> None:
            calls.append(record.offset)
            a.record_tracking(record.tracking)

        runner, _ = runner_for(app, handle)

        runner.poll_once(consumer)

        assert calls == [2]
        assert consumer.commits == [3]

    def test_a_redelivery_found_by_the_save_is_committed(self) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0)])

        def handle(record: KafkaRecord, a: Any) -> None:
            a.tracked[record.tracking.application_name] = 0  # another process, after the check
            raise IntegrityError("duplicate tracking")

        runner, letters = runner_for(app, handle)

        assert runner.poll_once(consumer)

        assert consumer.commits == [1]
        assert letters.letters == []

    def test_an_invalid_message_is_dead_lettered_tracked_and_committed(self) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0, b"oops"), Raw(1)])
        runner, letters = runner_for(app, tracking_handler({0: InvalidMessageError("bad")}))

        assert runner.poll_once(consumer)

        [letter] = letters.letters
        assert (letter.source_topic, letter.source_offset, letter.value) == (TOPIC, 0, "oops")
        assert letter.error == "InvalidMessageError: bad"
        assert letter.consumer == "payments"
        assert consumer.commits == [2]

    @pytest.mark.parametrize(
        "refused",
        [
            RuleViolationError("L-28", "contract is closed"),
            CommandInputError("payment_id", "must be at most 64 characters"),
        ],
        ids=["rule-violation", "command-input"],
    )
    def test_what_can_never_apply_is_dead_lettered_at_once(self, refused: Exception) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0)])
        runner, letters = runner_for(app, tracking_handler({0: refused}))

        assert runner.poll_once(consumer)

        assert letters.letters[0].error.startswith(type(refused).__name__)
        assert consumer.commits == [1]

    def test_a_version_conflict_is_retried_not_dead_lettered(self) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0)])
        runner, letters = runner_for(app, tracking_handler({0: ConcurrencyConflictError("PL-1")}))

        assert not runner.poll_once(consumer)

        assert letters.letters == []
        assert consumer.commits == []
        assert consumer.seeks == [0]


class TestRunnerLifecycle:
    def test_run_stops_on_the_event(self) -> None:
        app = FakeApp()
        stop = threading.Event()
        consumer = FakeConsumer(app, [Raw(0), Raw(1)])

        def handle(record: KafkaRecord, a: Any) -> None:
            a.record_tracking(record.tracking)
            if record.offset == 1:
                stop.set()

        runner, _ = runner_for(app, handle)
        runner.run(stop, consumer)

        assert consumer.commits == [2]

    def test_assigned_partitions_are_sought_after_their_tracked_offset(self) -> None:
        app = FakeApp()
        app.tracked[f"kafka:{TOPIC}:0"] = 41
        consumer = FakeConsumer(app, [])
        runner, _ = runner_for(app, tracking_handler())

        runner.seek_to_tracked(consumer, [TP, TopicPartition(TOPIC, 1)])

        assert consumer.seeks == [42, 0]

    def test_a_topic_without_a_handler_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no handler"):
            ConsumerRunner(["x"], {}, "g", "b", cast("TrackedContracts", FakeApp()))

    def test_a_dead_letter_keeps_key_and_value_as_text(self) -> None:
        record = KafkaRecord(TOPIC, 2, 9, b"PL-1", json.dumps({"a": 1}).encode())

        letter = dead_letter(record, "payments", "why")

        assert (letter.key, letter.value, letter.source_partition) == ("PL-1", '{"a": 1}', 2)
