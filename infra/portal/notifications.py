"""SMS and e-mail to customers, as messages on `lease.notifications.v1` (PORTAL.md).

The service never talks to an SMS gateway or a mail server: it writes a `Notification`
(kind, to, template, language, parameters) to the outbox table `portal_notifications`,
in the caller's transaction when given its connection, and `relay_once` publishes the
pending rows in order, keyed by customer number, with an acknowledged producer, marking
them sent only after the broker acknowledged them (at least once: a relay stopped between
the two sends them again; `notification_id` lets the reader drop the repeat). `recent`
lists the last ones for the development page.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from psycopg import sql

from infra.portal.tables import aware, create, table
from infra.schemas.envelope import encode

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from eventsourcing.postgres import PostgresDatastore
    from kafka import KafkaProducer
    from psycopg import Connection

SEND_TIMEOUT = 30.0
"""Seconds to wait for the broker's acknowledgement of a batch."""
MAX_CHANNEL = 63
"""PostgreSQL's longest identifier, so the LISTEN channel is the NOTIFY one."""
BATCH = 100
MAX_TO = 254
MAX_TEMPLATE = 64
MAX_PARAMETERS = 20
MAX_PARAMETER_NAME = 64
MAX_PARAMETER_VALUE = 1000
MAX_CUSTOMER_NUMBER = 64
TEMPLATE = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class NotificationError(ValueError):
    """A notification field is out of bounds; the message names it."""


@dataclass(frozen=True)
class Notification:
    """One SMS or e-mail for the Lessor's notification service to send."""

    kind: Literal["SMS", "EMAIL"]
    to: str
    """The mobile number (E.164) or e-mail address."""
    template: str
    """The message's template id, e.g. `authentication-code`."""
    language: Literal["nl", "fr", "en"]
    parameters: dict[str, str]
    """The template's values (an authentication code, a name)."""
    customer_number: str
    """The message key: one customer's notifications stay in order."""
    notification_id: str
    """Unique per notification (a uuid4): a repeat after a relay restart is recognised."""
    created_at: datetime
    schema_version: int = 1

    @classmethod
    def new(
        cls,
        kind: Literal["SMS", "EMAIL"],
        to: str,
        template: str,
        language: Literal["nl", "fr", "en"],
        parameters: Mapping[str, str],
        customer_number: str,
        now: datetime,
    ) -> Notification:
        """A notification with a fresh id, made at `now`."""
        identifier = str(uuid.uuid4())
        return cls(kind, to, template, language, dict(parameters), customer_number, identifier, now)

    def __post_init__(self) -> None:
        _require(self.kind in ("SMS", "EMAIL"), "kind", "must be SMS or EMAIL")
        _require(0 < len(self.to) <= MAX_TO, "to", f"has 1 to {MAX_TO} characters")
        _require(
            len(self.template) <= MAX_TEMPLATE and TEMPLATE.fullmatch(self.template) is not None,
            "template",
            "must be a lower-case template id",
        )
        _require(self.language in ("nl", "fr", "en"), "language", "must be nl, fr or en")
        _require(len(self.parameters) <= MAX_PARAMETERS, "parameters", "has too many entries")
        for name, value in self.parameters.items():
            _require(
                isinstance(name, str) and 0 < len(name) <= MAX_PARAMETER_NAME,
                "parameters",
                "has a bad name",
            )
            _require(
                isinstance(value, str) and len(value) <= MAX_PARAMETER_VALUE,
                f"parameters.{name}",
                "must be a string",
            )
        _require(
            0 < len(self.customer_number) <= MAX_CUSTOMER_NUMBER,
            "customer_number",
            f"has 1 to {MAX_CUSTOMER_NUMBER} characters",
        )
        _require(len(self.notification_id) <= 64, "notification_id", "is too long")
        aware(self.created_at)

    def to_json(self) -> dict[str, Any]:
        """The message value's fields (docs/schemas/notifications/Notification.v1.json)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {
            **values,
            "parameters": dict(self.parameters),
            "created_at": self.created_at.isoformat(),
        }

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> Notification:
        """A notification from its message value's fields (NotificationError if malformed)."""
        try:
            return cls(**{**value, "created_at": datetime.fromisoformat(value["created_at"])})
        except (TypeError, KeyError, ValueError) as err:
            raise NotificationError(f"not a notification: {err}") from None


def _require(condition: bool, name: str, message: str) -> None:
    if not condition:
        raise NotificationError(f"{name}: {message}")


def notification_value(notification: Notification) -> bytes:
    """The Kafka message value: compact JSON with sorted keys."""
    return encode(notification.to_json())


class NotificationOutbox:
    """The notifications not yet acknowledged by the broker, and those that were."""

    def __init__(
        self, datastore: PostgresDatastore, table_name: str = "portal_notifications"
    ) -> None:
        self.datastore = datastore
        name = table(datastore, table_name)
        pending = sql.Identifier(f"{table_name}_pending_idx")
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (position bigserial PRIMARY KEY,"
                " notification_id text NOT NULL UNIQUE, customer_number text NOT NULL,"
                " body jsonb NOT NULL, sent_at timestamptz)"
            ).format(name),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (position) WHERE sent_at IS NULL").format(
                pending, name
            ),
        )
        self.channel = f"{table_name}_{datastore.schema or 'public'}"[:MAX_CHANNEL]
        """NOTIFYed at the commit of every insert (the relay LISTENs instead of polling)."""
        self._insert = sql.SQL(
            "WITH added AS (INSERT INTO {} (notification_id, customer_number, body)"
            " VALUES (%s, %s, %s) RETURNING 1) SELECT pg_notify(%s, '') FROM added"
        ).format(name)
        self._pending = sql.SQL(
            "SELECT position, body FROM {} WHERE sent_at IS NULL ORDER BY position LIMIT %s"
            " FOR UPDATE"
        ).format(name)
        self._sent = sql.SQL("UPDATE {} SET sent_at = now() WHERE position = ANY(%s)").format(name)
        self._recent = sql.SQL("SELECT body FROM {} ORDER BY position DESC LIMIT %s").format(name)

    def add(self, notification: Notification, conn: Connection[Any] | None = None) -> None:
        """Queue `notification`: in `conn`'s open transaction if given (it commits with the
        caller's work), else in a transaction of its own."""
        row = (
            notification.notification_id,
            notification.customer_number,
            json.dumps(notification.to_json()),
            self.channel,
        )
        if conn is not None:
            conn.execute(self._insert, row)
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert, row)

    def relay_once(
        self,
        producer: KafkaProducer,
        topic: str,
        limit: int = BATCH,
        on_sent: Callable[[Notification], None] | None = None,
    ) -> int:
        """Publish up to `limit` pending notifications in order and mark them sent once the
        broker acknowledged them all; how many. A failed send raises and marks none.
        `on_sent` then sees each one, in order (the development console prints them)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._pending, (limit,))
            rows = curs.fetchall()
            futures, messages = [], []
            for row in rows:
                message = Notification.from_json(row["body"])
                messages.append(message)
                key = message.customer_number.encode("utf-8")
                futures.append(producer.send(topic, key=key, value=notification_value(message)))
            producer.flush(timeout=SEND_TIMEOUT)
            for future in futures:
                future.get(timeout=SEND_TIMEOUT)
            if rows:
                curs.execute(self._sent, ([row["position"] for row in rows],))
        if on_sent is not None:
            for message in messages:
                on_sent(message)
        return len(rows)

    def recent(self, limit: int = 50) -> list[Notification]:
        """The last `limit` notifications, newest first (the development page)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._recent, (max(0, min(limit, 1000)),))
            return [Notification.from_json(row["body"]) for row in curs.fetchall()]
