"""Poison never stalls a partition (issue 9, findings 2 and 3), without a broker.

The runner is driven with the list-backed fakes of tests/unit/test_consumers.py: a record
that can never be applied is dead-lettered at once, one failing for an unknown reason after
a bounded number of tries with growing waits, one failing because the database is down is
tried for as long as it takes; a dead letter always fits in one Kafka message.
"""

from __future__ import annotations

import hashlib
import json
from decimal import InvalidOperation
from typing import Any

import psycopg
import pytest
from eventsourcing import persistence
from kafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError

from consumers import payments
from consumers.base import KafkaRecord
from consumers.dead_letters import MAX_KEY, dead_letter, letter_bytes, letter_value
from consumers.failures import Retries, is_infrastructure, never_applicable
from domain.contract.command import CommandInputError
from infra.kafka import MAX_MESSAGE_BYTES
from tests.unit.test_consumers import (
    TOPIC,
    FakeApp,
    FakeConsumer,
    Raw,
    payment_dict,
    runner_for,
    tracking_handler,
)


def polls_until_moved_on(runner: Any, consumer: FakeConsumer, limit: int = 50) -> int:
    """Poll until a poll succeeds; how many polls that took (at most `limit`)."""
    for polls in range(1, limit + 1):
        if runner.poll_once(consumer):
            return polls
    return limit + 1


class TestPoisonIsDeadLettered:
    def test_an_amount_of_1e400_is_dead_lettered_at_once_and_the_next_payment_applied(
        self,
    ) -> None:
        app = FakeApp()
        huge = payment_dict(amount={"amount": "1" + "0" * 400, "currency": "EUR"})
        records = [Raw(0, json.dumps(huge).encode()), Raw(1, b"{}")]
        applied: list[int] = []

        def handle(record: KafkaRecord, a: Any) -> None:
            if record.offset == 0:
                payments.handle(record, a)  # the real parser: 10^400 is no amount
            applied.append(record.offset)
            a.record_tracking(record.tracking)

        runner, letters = runner_for(app, handle)

        assert runner.poll_once(FakeConsumer(app, records))

        [letter] = letters.letters
        assert letter.source_offset == 0
        assert letter.error.startswith("InvalidMessageError: amount.amount")
        assert applied == [1]

    def test_an_unexpected_error_is_tried_a_bounded_number_of_times_then_dead_lettered(
        self,
    ) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0), Raw(1)])
        runner, letters = runner_for(app, tracking_handler({0: InvalidOperation("1e400")}))

        polls = polls_until_moved_on(runner, consumer)

        assert polls == runner.retries.max_tries
        [letter] = letters.letters
        assert letter.error == (
            f"InvalidOperation: 1e400 (gave up after {runner.retries.max_tries} tries)"
        )
        assert app.tracked == {f"kafka:{TOPIC}:0": 1}
        assert consumer.commits[-1] == 2


class TestInfrastructureIsRetried:
    @pytest.mark.parametrize(
        "error",
        [
            psycopg.OperationalError("connection refused"),
            persistence.OperationalError("server closed the connection"),
            KafkaConnectionError("broker down"),
            KafkaTimeoutError("no acknowledgement"),
        ],
        ids=["psycopg", "eventsourcing", "kafka-connection", "kafka-timeout"],
    )
    def test_a_database_or_broker_outage_is_retried_indefinitely(self, error: Exception) -> None:
        app = FakeApp()
        consumer = FakeConsumer(app, [Raw(0)])
        runner, letters = runner_for(app, tracking_handler({0: error}))

        assert polls_until_moved_on(runner, consumer, limit=30) == 31  # never moved on

        assert letters.letters == []
        assert consumer.commits == []

    def test_a_message_too_large_for_the_broker_is_not_an_outage(self) -> None:
        assert not is_infrastructure(MessageSizeTooLargeError("1.8 MB"))
        assert is_infrastructure(KafkaConnectionError("down"))
        assert never_applicable(CommandInputError("x", "too long"))

    def test_the_wait_doubles_from_the_first_up_to_the_longest(self) -> None:
        retries = Retries(max_tries=10, first_wait=0.5, max_wait=3.0)
        waits = []
        for _ in range(5):
            retries.failed((TOPIC, 0, 7), psycopg.OperationalError("down"))
            waits.append(retries.wait())
        assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]
        retries.done((TOPIC, 0, 7))
        assert retries.wait() == 0.5


class TestDeadLetterSize:
    def test_a_value_of_900_KB_of_quotes_is_cut_to_fit_with_its_digest(self) -> None:
        value = b'"' * 900_000  # 1.8 MB once escaped in the dead letter's JSON
        record = KafkaRecord(TOPIC, 0, 5, b"PL-1", value)

        letter = dead_letter(record, "payments", "InvalidMessageError: value is not JSON")

        assert letter_bytes(letter) <= MAX_MESSAGE_BYTES
        assert letter_bytes(letter) > MAX_MESSAGE_BYTES - 100  # as much as fits is kept
        assert value.decode().startswith(letter.value)
        assert letter.value_sha256 == hashlib.sha256(value).hexdigest()
        assert letter.value_bytes == len(value)
        assert json.loads(letter_value(letter))["value_sha256"] == letter.value_sha256

    @pytest.mark.parametrize(
        "value", [b"\x01" * 400_000, "\U0001f600".encode() * 300_000, b"\xff" * 500_000]
    )
    def test_any_value_and_key_are_cut_to_fit(self, value: bytes) -> None:
        record = KafkaRecord(TOPIC, 0, 5, b"K" * 2_000_000, value)

        letter = dead_letter(record, "payments", "why " * 10_000)

        assert letter_bytes(letter) <= MAX_MESSAGE_BYTES
        assert letter.key is not None
        assert len(letter.key) == MAX_KEY

    def test_a_small_value_is_kept_whole_without_a_digest(self) -> None:
        record = KafkaRecord(TOPIC, 0, 5, None, b'{"a": 1}')

        letter = dead_letter(record, "payments", "why")

        assert (letter.value, letter.value_sha256, letter.value_bytes) == ('{"a": 1}', None, 8)
