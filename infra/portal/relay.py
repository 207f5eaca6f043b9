"""The notifications relay: the portal's outbox to `lease.notifications.v1` (PORTAL.md).

`NotificationRelay.run` calls `NotificationOutbox.relay_once` with an acknowledged producer
until the stop event is set: at once again while it finds a full batch, else after a short
wait. A broker that does not answer is retried after a back-off (nothing is marked sent
until acknowledged, so nothing is lost). `on_sent` sees each notification once the broker
acknowledged it: `lease dev` prints them (it is the development console).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kafka.errors import KafkaError

from infra.kafka import acknowledged_producer
from infra.portal.notifications import BATCH

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from kafka import KafkaProducer

    from infra.portal.notifications import Notification, NotificationOutbox

logger = logging.getLogger(__name__)

IDLE_SECONDS = 0.2
"""The wait between two looks at an empty outbox."""
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
        while not stop.is_set():
            try:
                sent = self.relay_once()
            except KafkaError as err:
                logger.warning("notifications not relayed (%s); retrying", err)
                stop.wait(BACKOFF_SECONDS)
                continue
            if sent < self.batch:
                stop.wait(IDLE_SECONDS)

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
