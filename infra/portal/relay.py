"""The notifications relay: the portal's outbox to `lease.notifications.v1` (PORTAL.md).

`NotificationRelay.run` calls `NotificationOutbox.relay_once` with an acknowledged producer
until the stop event is set: at once again while it finds a full batch, else when the
outbox's NOTIFY says a notification was added (or after `SAFETY_SECONDS` without one). A
broker that does not answer is retried after a back-off (nothing is marked sent until
acknowledged, so nothing is lost). `on_sent` sees each notification once the broker
acknowledged it: `lease dev` prints them (it is the development console).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kafka.errors import KafkaError

from infra.kafka import acknowledged_producer
from infra.listen import notified
from infra.portal.notifications import BATCH

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from kafka import KafkaProducer

    from infra.portal.notifications import Notification, NotificationOutbox

logger = logging.getLogger(__name__)

IDLE_SECONDS = 1.0
"""How often an idle relay looks at the stop flag (it waits on the outbox's NOTIFY)."""
SAFETY_SECONDS = 60.0
"""An idle relay looks at the outbox anyway after this long without a NOTIFY."""
BACKOFF_SECONDS = 2.0
"""The wait after a failed send (the broker away)."""


@dataclass
class NotificationRelay:
    """Publishes the outbox's pending notifications, in order, until stopped."""

    outbox: NotificationOutbox
    bootstrap: str
    topic: str
    on_sent: Callable[[Notification], None] | None = None
    batch: int = BATCH
    _producer: KafkaProducer | None = field(default=None, init=False, repr=False)

    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = acknowledged_producer(self.bootstrap, "lease-notifications-relay")
        return self._producer

    def relay_once(self) -> int:
        """One batch; how many were published."""
        return self.outbox.relay_once(self.producer(), self.topic, self.batch, self.on_sent)

    def run(self, stop: threading.Event) -> None:
        with notified(self.outbox.datastore, self.outbox.channel) as wait:
            due, looked = True, 0.0
            while not stop.is_set():
                if due or time.monotonic() - looked >= SAFETY_SECONDS:
                    try:
                        sent = self.relay_once()
                    except KafkaError as err:
                        logger.warning("notifications not relayed (%s); retrying", err)
                        stop.wait(BACKOFF_SECONDS)
                        continue
                    looked = time.monotonic()
                    if sent >= self.batch:
                        continue  # more may be waiting
                due = wait(IDLE_SECONDS)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=5)
            self._producer = None


def console_line(notification: Notification) -> str:
    """One line per relayed notification for the development console (its parameters, an
    authentication code included: it is how a developer registers on the demo)."""
    parameters = " ".join(f"{k}={v}" for k, v in sorted(notification.parameters.items()))
    return (
        f"Notification {notification.kind} to {notification.to}: {notification.template}"
        f" [{notification.language}] {parameters}".rstrip()
    )
