"""The embedded PostgreSQL and broker start, keep what they should, and fail in one line."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from kafka import KafkaConsumer, KafkaProducer

from infra.embedded.broker import EmbeddedBroker
from infra.embedded.postgres import EmbeddedPostgres, PostgresStartError
from infra.embedded.stack import Stack
from infra.kafka import BrokerStartError, cluster_id, create_topics, list_topics
from infra.settings import PostgresInfo, Settings, free_port

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration

KAFKA_WAIT = 20.0


class Counter(Aggregate):
    """A tiny aggregate: a named counter."""

    @event("Started")
    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    @event("Incremented")
    def increment(self, by: int) -> None:
        self.count += by


class Counters(Application[UUID]):
    """Stores counters."""


def test_embedded_postgres_accepts_a_connection(pg_info: PostgresInfo) -> None:
    with psycopg.connect(pg_info.dsn) as conn:
        row = conn.execute("SELECT current_database(), current_user").fetchone()
    assert row == (pg_info.dbname, pg_info.user)


def test_application_saves_and_reloads_in_its_own_schema(
    pg_env: dict[str, str], pg_info: PostgresInfo
) -> None:
    # Given a counter saved by one application instance
    app = Counters(env=pg_env)
    counter = Counter("kilometres")
    counter.increment(by=2)
    counter.increment(by=3)
    app.save(counter)
    app.close()

    # When a fresh instance (new connection pool) loads it
    reloaded_app = Counters(env=pg_env)
    try:
        reloaded: Counter = reloaded_app.repository.get(counter.id)
    finally:
        reloaded_app.close()

    # Then the history is replayed, and the tables sit in the test's schema
    assert (reloaded.name, reloaded.count, reloaded.version) == ("kilometres", 5, 3)
    with psycopg.connect(pg_info.dsn) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (pg_env["POSTGRES_SCHEMA"],),
        ).fetchall()
    assert ("counters_events",) in tables


def test_data_survives_a_restart_and_a_second_handle_reuses_the_server(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    other = EmbeddedPostgres(tmp_path / "pg")
    try:
        # Given a row written to a fresh server
        info = server.start()
        with psycopg.connect(info.dsn) as conn:
            conn.execute("CREATE TABLE notes (body text)")
            conn.execute("INSERT INTO notes VALUES ('kept')")

        # When the server stops and starts again on the same data directory
        server.stop()
        assert not (tmp_path / "pg" / "postmaster.pid").exists()
        info = server.start()

        # Then the row is still there
        with psycopg.connect(info.dsn) as conn:
            assert conn.execute("SELECT body FROM notes").fetchall() == [("kept",)]

        # And a second handle on the running data directory reuses that server
        assert other.start() == info
    finally:
        server.stop()
        other.stop()


def test_postgres_on_a_taken_port_fails_in_one_line(tmp_path: Path, taken_port: int) -> None:
    with pytest.raises(PostgresStartError) as caught:
        EmbeddedPostgres(tmp_path / "pg", taken_port).start()
    assert str(caught.value) == f"port {taken_port} on 127.0.0.1 is already in use"


def test_broker_on_a_taken_port_fails_in_one_line(tmp_path: Path, taken_port: int) -> None:
    with pytest.raises(BrokerStartError) as caught:
        EmbeddedBroker(taken_port, log_dir=tmp_path).start()
    assert str(caught.value) == f"port {taken_port} on 127.0.0.1 is already in use"


def test_session_stack_created_the_service_topics(stack: Stack) -> None:
    assert set(stack.settings.all_topics()) <= set(list_topics(stack.bootstrap_servers))


def test_broker_round_trips_a_message_through_a_consumer_group(bootstrap_servers: str) -> None:
    topic = f"test.round-trip.{secrets.token_hex(4)}"
    create_topics(bootstrap_servers, [topic], partitions=1)

    producer = KafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    try:
        producer.send(topic, key=b"contract-1", value=b"hello").get(timeout=10)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        group_id=f"test-{secrets.token_hex(4)}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        max_poll_interval_ms=10000,
    )
    received: list[tuple[bytes, bytes]] = []
    deadline = time.monotonic() + KAFKA_WAIT
    try:
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                received.extend((record.key, record.value) for record in records)
    finally:
        consumer.close()
    assert received == [(b"contract-1", b"hello")]


def test_broker_restart_forgets_topics_and_topic_creation_is_idempotent(tmp_path: Path) -> None:
    topics = ["test.a.v1", "test.b.v1"]
    with EmbeddedBroker(log_dir=tmp_path) as broker:
        bootstrap = broker.bootstrap_servers
        first_cluster = cluster_id(bootstrap)

        create_topics(bootstrap, topics, partitions=2)
        create_topics(bootstrap, topics, partitions=2)  # already there: no error
        assert set(topics) <= set(list_topics(bootstrap))

        assert broker.restart() == bootstrap
        assert list_topics(bootstrap) == []
        assert cluster_id(bootstrap) != first_cluster

        create_topics(bootstrap, topics, partitions=2)
        assert set(topics) <= set(list_topics(bootstrap))


def test_stack_with_external_urls_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_info: PostgresInfo, bootstrap_servers: str
) -> None:
    monkeypatch.setenv("LEASE_DATABASE_URL", pg_info.dsn)
    monkeypatch.setenv("LEASE_KAFKA_BOOTSTRAP_SERVERS", bootstrap_servers)
    settings = Settings(data_dir=tmp_path / "lease", pg_port=free_port())

    with Stack(settings, ready_timeout=5) as stack:
        assert stack.embedded_postgres is False
        assert stack.embedded_broker is False
        assert stack.postgres == pg_info
        assert stack.bootstrap_servers == bootstrap_servers

    # Closing the stack left the servers it did not start running
    assert not (tmp_path / "lease" / "pg").exists()
    with psycopg.connect(pg_info.dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
