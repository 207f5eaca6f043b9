"""The service's own consumer lag, from committed positions (issue 9, finding 6).

The embedded broker answers ListOffsets "latest" with the base offset of a partition's last
record batch + 1; `group_lag` reads the end from a fetch's high watermark instead, so ten
messages sent as one batch with three committed leave a lag of seven, whatever ListOffsets
says. `lease consumers status` prints it for each group of the worker registry.
"""

from __future__ import annotations

import secrets

import pytest
import typer
from fastapi.testclient import TestClient
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata
from typer.testing import CliRunner

from api.app import create_app
from api.deps import Services
from api.metrics import Metrics
from infra.cli.consumers import consumers_app
from infra.clock import business_clock
from infra.kafka import (
    PartitionLag,
    create_topics,
    delete_groups_and_topics,
    group_lag,
    list_topics,
)
from infra.settings import Settings, free_port
from tests.api.tokens import new_keys

pytestmark = pytest.mark.integration

SENT = 10
COMMITTED = 3


def batch_of_ten(bootstrap: str) -> str:
    """A topic of one partition holding ten messages sent as one record batch."""
    topic = f"test.lag.{secrets.token_hex(4)}"
    create_topics(bootstrap, [topic], 1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=200)
    try:
        futures = [producer.send(topic, key=b"k", value=b"%d" % i) for i in range(SENT)]
        producer.flush(20)
        assert [f.get(20).offset for f in futures] == list(range(SENT))
    finally:
        producer.close()
    return topic


def commit(bootstrap: str, group: str, topic: str, offset: int) -> None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
    finally:
        consumer.close()


def test_the_lag_is_the_fetched_end_minus_the_committed_offset(bootstrap_servers: str) -> None:
    topic = batch_of_ten(bootstrap_servers)
    group = f"test-lag-{secrets.token_hex(4)}"
    assert group_lag(bootstrap_servers, group, [topic]) == [PartitionLag(topic, 0, None, SENT)]

    commit(bootstrap_servers, group, topic, COMMITTED)

    [lag] = group_lag(bootstrap_servers, group, [topic])
    assert (lag.committed, lag.end, lag.lag) == (COMMITTED, SENT, SENT - COMMITTED)


def test_deleted_groups_forget_their_offsets_and_deleted_topics_are_gone(
    bootstrap_servers: str,
) -> None:
    topic, kept = batch_of_ten(bootstrap_servers), batch_of_ten(bootstrap_servers)
    group = f"test-lag-{secrets.token_hex(4)}"
    commit(bootstrap_servers, group, kept, COMMITTED)

    delete_groups_and_topics(bootstrap_servers, [group], [topic, f"{topic}.never-made"])

    [lag] = group_lag(bootstrap_servers, group, [kept])
    assert lag.committed is None
    assert topic not in list_topics(bootstrap_servers)
    assert kept in list_topics(bootstrap_servers)


def payments_behind(bootstrap: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The settings of a service whose payments group has read 3 of the 10 messages of its
    topic and whose other topics do not exist: (the payments topic, the group prefix)."""
    topic = batch_of_ten(bootstrap)
    prefix = f"test-{secrets.token_hex(4)}-"
    commit(bootstrap, f"{prefix}payments", topic, COMMITTED)
    token = secrets.token_hex(4)
    for key in ("CONTRACT_EVENTS", "DEADLINES", "ODOMETER", "DEAD_LETTER"):
        monkeypatch.setenv(f"LEASE_{key}_TOPIC", f"test.none.{key.lower()}.{token}")
    monkeypatch.setenv("LEASE_PAYMENTS_TOPIC", topic)
    monkeypatch.setenv("LEASE_CONSUMER_GROUP_PREFIX", prefix)
    return topic, prefix


def test_lease_consumers_status_prints_each_groups_lag(
    bootstrap_servers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic, prefix = payments_behind(bootstrap_servers, monkeypatch)
    monkeypatch.setenv("LEASE_KAFKA_BOOTSTRAP_SERVERS", bootstrap_servers)
    monkeypatch.setenv("COLUMNS", "200")
    lease = typer.Typer()
    lease.add_typer(consumers_app, name="consumers")  # as infra/cli registers it

    result = CliRunner().invoke(lease, ["consumers", "status"])

    assert result.exit_code == 0, result.output
    [row] = [line.split() for line in result.output.splitlines() if topic in line]
    assert row == [f"{prefix}payments", topic, "0", str(COMMITTED), str(SENT), "7"]


def test_the_apis_metrics_show_each_groups_lag(
    bootstrap_servers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic, prefix = payments_behind(bootstrap_servers, monkeypatch)
    services = Services(
        settings=Settings(),
        verifier=new_keys().verifier(),
        clock=business_clock(None),
        metrics=Metrics(),
        bootstrap_servers=bootstrap_servers,
    )

    with TestClient(create_app(services)) as client:
        text = client.get("/metrics").text

    assert "lease_consumer_lag_readable 1.0" in text
    line = f'lease_consumer_lag_messages{{group="{prefix}payments",topic="{topic}"}} 7.0'
    assert line in text


def test_the_metrics_say_when_the_broker_does_not_answer() -> None:
    services = Services(
        settings=Settings(),
        verifier=new_keys().verifier(),
        clock=business_clock(None),
        metrics=Metrics(),
        bootstrap_servers=f"127.0.0.1:{free_port()}",
    )

    with TestClient(create_app(services)) as client:
        response = client.get("/metrics")

    assert response.status_code == 200
    assert "lease_consumer_lag_readable 0.0" in response.text
