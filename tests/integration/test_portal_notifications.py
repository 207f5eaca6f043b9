"""The notifications outbox (PORTAL.md): SMS and e-mail out on `lease.notifications.v1`,
in order per customer, at least once, only after the caller's transaction committed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from infra.kafka import acknowledged_producer, create_topics
from infra.portal.notifications import Notification, NotificationError, NotificationOutbox
from infra.schemas.envelope import decode
from tests.topic_reader import read_topic, wait_for_messages

if TYPE_CHECKING:
    from collections.abc import Iterator

    from eventsourcing.postgres import PostgresDatastore
    from kafka import KafkaProducer
    from psycopg import Connection

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sms(customer: str, code: str, minute: int = 0) -> Notification:
    return Notification.new(
        "SMS",
        "+32470123456",
        "authentication-code",
        "nl",
        {"code": code},
        customer,
        T0 + timedelta(minutes=minute),
    )


@pytest.fixture
def outbox(portal_datastore: PostgresDatastore) -> NotificationOutbox:
    return NotificationOutbox(portal_datastore)


@pytest.fixture
def topic(bootstrap_servers: str) -> str:
    name = f"test.notifications.{secrets.token_hex(4)}"
    create_topics(bootstrap_servers, [name], 3)
    return name


@pytest.fixture
def producer(bootstrap_servers: str) -> Iterator[KafkaProducer]:
    made = acknowledged_producer(bootstrap_servers, "test-notifications")
    yield made
    made.close()


def test_pending_notifications_are_relayed_in_order_keyed_by_customer_then_marked_sent(
    outbox: NotificationOutbox, producer: KafkaProducer, topic: str, bootstrap_servers: str
) -> None:
    sent = [sms("C-1", f"{n:06d}", n) for n in range(5)] + [sms("C-2", "999999")]
    for notification in sent:
        outbox.add(notification)
    assert outbox.relay_once(producer, topic) == 6
    assert outbox.relay_once(producer, topic) == 0
    records = wait_for_messages(bootstrap_servers, topic, 6)
    assert len(records) == 6
    by_customer: dict[bytes, list[Notification]] = {}
    for record in records:
        by_customer.setdefault(record.key, []).append(Notification.from_json(decode(record.value)))
    assert by_customer[b"C-1"] == sent[:5]  # one partition per key: in order
    assert by_customer[b"C-2"] == sent[5:]
    body = decode(records[0].value)
    assert set(body) >= {"kind", "to", "template", "language", "parameters"}


def test_a_notification_added_in_a_rolled_back_transaction_is_never_sent(
    outbox: NotificationOutbox,
    portal_datastore: PostgresDatastore,
    producer: KafkaProducer,
    topic: str,
    bootstrap_servers: str,
) -> None:
    with portal_datastore.get_connection() as conn:
        with conn.transaction():
            outbox.add(sms("C-1", "111111"), conn)
        with pytest.raises(RuntimeError, match="failed"):
            add_then_fail(outbox, conn)
    assert outbox.relay_once(producer, topic) == 1
    (record,) = read_topic(bootstrap_servers, topic)
    assert decode(record.value)["parameters"] == {"code": "111111"}


def add_then_fail(outbox: NotificationOutbox, conn: Connection[Any]) -> None:
    """The caller's work fails after it queued a notification: it goes with the work."""
    with conn.transaction():
        outbox.add(sms("C-1", "222222"), conn)
        raise RuntimeError("failed")


def test_recent_lists_the_newest_first(outbox: NotificationOutbox) -> None:
    for n in range(4):
        outbox.add(sms("C-1", f"{n:06d}", n))
    assert [n.parameters["code"] for n in outbox.recent(3)] == ["000003", "000002", "000001"]


def test_a_notification_is_bounded() -> None:
    with pytest.raises(NotificationError, match=r"^to:"):
        Notification.new("SMS", "", "authentication-code", "nl", {}, "C-1", T0)
    with pytest.raises(NotificationError, match=r"^template:"):
        Notification.new("SMS", "+32470123456", "Bad Template", "nl", {}, "C-1", T0)
    with pytest.raises(NotificationError, match=r"^parameters"):
        Notification.new("SMS", "+32470123456", "x", "nl", {"p": "v" * 2000}, "C-1", T0)
    with pytest.raises(NotificationError, match=r"^kind:"):
        Notification.new("FAX", "+32470123456", "x", "nl", {}, "C-1", T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        Notification.new("SMS", "+32470123456", "x", "nl", {}, "C-1", datetime(2026, 3, 2))
