"""The outbox relay on PostgreSQL and the broker: in order, at least once, never forgotten."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from kafka import KafkaAdminClient

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.incidents import ReportOdometer
from infra.embedded.broker import EmbeddedBroker
from infra.kafka import create_topics
from infra.listen import new_events
from infra.relay import outbox
from infra.relay.outbox import (
    KafkaRelay,
    RelayConfig,
    TopicRecreatedError,
    UnpublishableEventError,
)
from infra.relay.outbox import build_relay as build
from infra.schemas.envelope import decode, envelope
from tests.factories import REF_START, ctx, handed_over_ref_contract
from tests.largest_events import largest_event
from tests.topic_reader import deduplicated, keyed, read_topic, wait_for_messages

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from eventsourcing.persistence import StoredEvent

pytestmark = pytest.mark.integration

KAFKA_WAIT = 20.0
BATCH = 4
"""Small batches, so a few contracts make several (5 events per contract)."""


@pytest.fixture
def config() -> RelayConfig:
    """A topic of the test's own on the session broker, in batches of 4 events."""
    return RelayConfig(topic=f"test.relay.{secrets.token_hex(4)}", batch_size=BATCH)


@pytest.fixture
def relay_of(
    app: ContractsApplication, pg_env: dict[str, str], bootstrap_servers: str, config: RelayConfig
) -> Callable[..., KafkaRelay]:
    """Builds a relay of the test's application to its topic on the session broker (`bootstrap`
    and `config`'s fields may be changed); it reads in its own thread unless `child_process`
    (a child process costs a second to start)."""

    def build_one(
        *, child_process: bool = False, bootstrap: str | None = None, **changes: Any
    ) -> KafkaRelay:
        chosen = replace(config, **changes)
        return build(
            app, pg_env, bootstrap or bootstrap_servers, chosen, child_process=child_process
        )

    return build_one


def store_contracts(app: ContractsApplication, count: int) -> list[Contract]:
    """REF contracts walked to ACTIVE (5 events each), stored one contract at a time."""
    contracts = [handed_over_ref_contract() for _ in range(count)]
    for contract in contracts:
        app.save(contract)
    return contracts


def expected_envelopes(app: ContractsApplication) -> list[dict[str, Any]]:
    """The envelope of every stored event, in log order."""
    out = []
    for notification in app.recorder.select_notifications(1, 10_000):
        event = app.mapper.to_domain_event(notification)
        assert isinstance(event, ContractEvent)
        out.append(envelope(event, position=notification.id))
    return out


class TestPublishing:
    @pytest.mark.parametrize("child_process", [True, False], ids=["child-reader", "inline"])
    def test_every_event_reaches_the_topic_in_order_per_contract_with_its_key_and_envelope(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
        child_process: bool,
    ) -> None:
        contracts = store_contracts(app, 3)
        relay = relay_of(child_process=child_process)
        with relay:
            assert relay.catch_up() == 15
            assert relay.position == app.recorder.max_notification_id()
        records = read_topic(bootstrap_servers, config.topic)
        expected = expected_envelopes(app)
        assert len(records) == len(expected)
        assert deduplicated(records) == keyed(expected)
        for contract in contracts:
            mine = [r for r in records if r.key == str(contract.id).encode()]
            assert len({r.partition for r in mine}) == 1
            assert [decode(r.value)["sequence"] for r in mine] == [1, 2, 3, 4, 5]
            headers = dict(mine[0].headers)
            assert headers["event_id"] == decode(mine[0].value)["event_id"].encode()
            assert headers["originator_version"] == b"1"

    def test_a_restarted_relay_resumes_at_its_position_and_publishes_nothing_twice(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
    ) -> None:
        store_contracts(app, 2)
        with relay_of() as relay:
            assert relay.catch_up() == 10
        store_contracts(app, 1)
        with relay_of() as restarted:
            assert restarted.position == 10
            assert restarted.catch_up() == 5
            assert restarted.catch_up() == 0
        records = read_topic(bootstrap_servers, config.topic)
        assert len(records) == 15
        assert deduplicated(records) == keyed(expected_envelopes(app))


class TestAtLeastOnce:
    @pytest.mark.parametrize("child_process", [True, False], ids=["child-reader", "inline"])
    def test_a_crash_after_sending_before_recording_republishes_that_batch(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
        monkeypatch: pytest.MonkeyPatch,
        child_process: bool,
    ) -> None:
        store_contracts(app, 3)
        relay = relay_of(child_process=child_process)
        crash_on_record(monkeypatch, relay, call=2)
        with pytest.raises(RuntimeError, match="killed"):
            relay.catch_up()
        relay.close()
        assert relay.position == BATCH
        with relay_of() as restarted:
            assert restarted.position == BATCH
            assert restarted.catch_up() == 15 - BATCH
        records = read_topic(bootstrap_servers, config.topic)
        assert len(records) > 15  # the unrecorded batch went out twice ...
        assert deduplicated(records) == keyed(expected_envelopes(app))  # ... and dedupes


def crash_on_record(monkeypatch: pytest.MonkeyPatch, relay: KafkaRelay, call: int) -> None:
    """Make the relay's `call`-th tracking write raise, as a kill after sending would."""
    record, calls = relay.tracking.record, Counter[str]()

    def crashing(*args: Any) -> None:
        calls["record"] += 1
        if calls["record"] == call:
            raise RuntimeError("killed before the tracking record was written")
        record(*args)

    monkeypatch.setattr(relay.tracking, "record", crashing)


@contextmanager
def running(relay: KafkaRelay) -> Iterator[None]:
    """The relay following the log in a thread; stopped (and joined) on exit."""
    stop = threading.Event()
    worker = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_wait": 0.1})
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(KAFKA_WAIT)
    assert not worker.is_alive()


class TestForgetfulBroker:
    @pytest.fixture
    def broker(self, tmp_path: Path) -> Iterator[EmbeddedBroker]:
        """A broker of this test's own, to restart (memory storage: it forgets everything)."""
        with EmbeddedBroker(log_dir=tmp_path) as running:
            yield running

    def test_a_broker_restart_mid_stream_is_noticed_and_everything_is_published_again(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        broker: EmbeddedBroker,
    ) -> None:
        fresh = relay_of(bootstrap=broker.bootstrap_servers, check_interval=0.2, retry_wait=0.1)
        config = fresh.config
        with fresh as relay:
            with running(relay):
                store_contracts(app, 2)
                wait_for_messages(broker.bootstrap_servers, config.topic, 10)
                first_cluster = relay.cluster_id
                broker.restart()
                store_contracts(app, 1)
                records = wait_for_messages(broker.bootstrap_servers, config.topic, 15)
            state = relay.tracking.broker_state(config.topic)
        assert relay.cluster_id == broker.cluster_id != first_cluster
        assert deduplicated(records) == keyed(expected_envelopes(app))
        assert state is not None
        assert (state.cluster_id, state.published) == (broker.cluster_id, 15)


class TestRecreatedTopic:
    def recreate(self, bootstrap: str, topic: str) -> None:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            admin.delete_topics([topic])
        finally:
            admin.close()
        create_topics(bootstrap, [topic], 3)

    def test_an_emptied_topic_is_noticed_at_the_next_check(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
    ) -> None:
        store_contracts(app, 2)
        with relay_of(check_interval=0) as relay:
            assert relay.catch_up() == 10
            self.recreate(bootstrap_servers, config.topic)
            assert relay.catch_up() == 10
        records = read_topic(bootstrap_servers, config.topic)
        assert len(records) == 10
        assert deduplicated(records) == keyed(expected_envelopes(app))

    def test_offsets_going_back_under_a_live_producer_are_noticed(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
    ) -> None:
        [contract] = store_contracts(app, 1)
        with relay_of(check_interval=60) as relay:
            assert relay.catch_up() == 5
            self.recreate(bootstrap_servers, config.topic)
            app.execute(
                contract.number, ReportOdometer(odometer=900), ctx(REF_START + timedelta(days=9))
            )
            with pytest.raises(TopicRecreatedError):  # same key, same partition: offset 0 again
                relay.catch_up()
            assert relay.position == 0
            assert relay.catch_up() == app.recorder.max_notification_id()
        records = read_topic(bootstrap_servers, config.topic)
        assert deduplicated(records) == keyed(expected_envelopes(app))


def first_event(stored: StoredEvent) -> StoredEvent:
    """The stored event as its aggregate's first (version 1), which the hash chain takes
    without a previous version."""
    return replace(stored, originator_version=1)


class TestMessageSize:
    """Issue 9, finding 1: no stored event can stop the relay."""

    def test_the_largest_event_a_command_can_produce_is_published(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
    ) -> None:
        names = ("CreditsSetOff", "DissolutionGroundRecorded", "ContractConcluded")
        events = [largest_event(name) for name in names]
        # Each the first event of its aggregate: the hash chain refuses a version 2 alone.
        app.recorder.insert_events([first_event(app.mapper.to_stored_event(e)) for e in events])
        with relay_of() as relay:
            assert relay.catch_up() == len(names)
        records = read_topic(bootstrap_servers, config.topic)
        assert len(records) == len(names)
        assert max(len(r.value) for r in records) > 700_000
        assert deduplicated(records) == keyed(expected_envelopes(app))

    def test_an_event_too_large_to_publish_stops_the_relay_loudly_instead_of_a_retry_loop(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        store_contracts(app, 1)
        too_large = largest_event("PaymentReceived")
        object.__setattr__(too_large, "__dict__", {**vars(too_large), "actor": "X" * 1_100_000})
        stored = first_event(app.mapper.to_stored_event(too_large))
        # Stored past the size guard, as an event stored before it existed would be.
        PostgresApplicationRecorder.insert_events(app.recorder, [stored])
        failures: list[BaseException] = []
        with relay_of(retry_wait=0.05) as relay:
            stop = threading.Event()
            worker = threading.Thread(target=catching(relay.run, failures), args=(stop,))
            worker.start()
            worker.join(KAFKA_WAIT)
            stop.set()
            worker.join(KAFKA_WAIT)
            assert not worker.is_alive(), "the relay kept retrying"
            assert relay.position == 5  # the contract's events before it are published
        [error] = failures
        assert isinstance(error, UnpublishableEventError)
        assert "PaymentReceived #1" in str(error)
        assert "cannot be published" in caplog.text


def catching(run: Callable[..., None], failures: list[BaseException]) -> Callable[..., None]:
    """`run`, keeping what it raises in `failures` (a thread's exception is otherwise lost)."""

    def wrapped(*args: Any) -> None:
        try:
            run(*args)
        except BaseException as err:  # noqa: BLE001 - handed to the test
            failures.append(err)

    return wrapped


class TestIdle:
    def test_an_idle_relay_only_waits_and_a_stored_event_wakes_it(
        self,
        app: ContractsApplication,
        relay_of: Callable[..., KafkaRelay],
        bootstrap_servers: str,
        config: RelayConfig,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        catch_ups: list[int] = []
        wakes: list[bool] = []

        @contextmanager
        def watched(recorder: Any) -> Iterator[Callable[[float], bool]]:
            with new_events(recorder) as wait:

                def counted(timeout: float) -> bool:
                    wakes.append(notified := wait(timeout))
                    return notified

                yield counted

        monkeypatch.setattr(outbox, "new_events", watched)
        with relay_of() as relay:
            catch_up = relay.catch_up

            def counted(stop: threading.Event | None = None) -> int:
                catch_ups.append(1)
                return catch_up(stop)

            relay.catch_up = counted  # type: ignore[method-assign]
            with running(relay):  # wakes every 0.1 s to look at the stop flag
                wait_for(lambda: wakes.count(False) >= 10, "ten idle wake-ups")
                idle_catch_ups = len(catch_ups)
                store_contracts(app, 1)
                wait_for_messages(bootstrap_servers, config.topic, 5)
        assert idle_catch_ups == 1  # the first one, none while idle
        assert True in wakes
        assert len(catch_ups) >= 2


def wait_for(condition: Callable[[], bool], what: str, timeout: float = KAFKA_WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)
