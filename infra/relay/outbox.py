"""The outbox relay: every stored contract event, in log order, to `lease.contract-events.v1`.

The events table is the outbox (DESIGN 6, STYLE 5). The relay reads the application's
notification log in batches, sends each event's envelope (infra/schemas/envelope.py) keyed by its
contract id with an idempotent `acks="all"` producer, waits until the broker acknowledged
the whole batch, and only then records the batch's last notification id as its tracking
record in PostgreSQL. Delivery is therefore at least once: a relay killed between the
acknowledgement and the record sends that batch again when it restarts, and consumers
deduplicate on (contract_id, sequence). While batch N is being sent and acknowledged, batch
N+1 is read and encoded (by default in a child process, infra/relay/reader.py), so neither
the wait for the broker nor the encoding holds the producer up.

An event the broker cannot take (a message over `MAX_MESSAGE_BYTES`, or refused by the
broker as too large) is not retried and not skipped: retrying gives the same answer and
skipping would hide an event from every consumer. `UnpublishableEventError` names it, the
relay stops and says so loudly. It cannot happen by construction: the stores refuse such
an event before it is written (infra/recorder.py), and the largest event a command can
produce is a few tens of KB (tests/unit/test_message_size.py).

A broker that forgets (the embedded one keeps its log in memory): beside its position the
relay stores the broker's cluster id and, per partition, the offset after its last
acknowledged message. At start, every `check_interval` seconds while it publishes (every
`idle_check_interval` while nothing is stored) and after a failed send it asks the broker:
a changed cluster id (each embedded start gets a new one) or an empty partition it had
been acknowledged on makes it forget its position and publish every event again, to a
topic it creates if missing. A recreated topic the live producer already writes
to shows as acknowledged offsets going back, with the same effect.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

from eventsourcing.persistence import Tracking
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, MessageSizeTooLargeError

from infra.kafka import MAX_MESSAGE_BYTES, cluster_id, create_topics, message_bytes
from infra.listen import new_events
from infra.relay.reader import Batch, InlineReader, ProcessReader
from infra.relay.tracking import BrokerState, relay_tracking
from infra.schemas.envelope import decode

if TYPE_CHECKING:
    import threading
    from collections.abc import Mapping

    from eventsourcing.application import Application

    from infra.relay.tracking import RelayTracking
    from infra.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RelayConfig:
    """Where and how the relay publishes."""

    topic: str = "lease.contract-events.v1"
    partitions: int = 3
    """Partitions of the topic when the relay has to create it."""
    batch_size: int = 1000
    """Notifications read, sent and recorded together."""
    check_interval: float = 5.0
    """Seconds between checks that the broker still holds what was published."""
    idle_check_interval: float = 60.0
    """While no event is stored: seconds between those checks (and catch-ups: a safety net
    under NOTIFY). Each check opens clients to the broker, so an idle relay checks rarely."""
    ack_timeout: float = 30.0
    retry_wait: float = 1.0
    """Seconds `run` waits after a failed batch before it tries again."""
    linger_ms: int = 5
    batch_bytes: int = 1 << 20

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RelayConfig:
        base = cls(topic=settings.topic("contract_events"), partitions=settings.topic_partitions)
        return cls(**{**base.__dict__, **overrides})


def producer_settings(config: RelayConfig) -> dict[str, Any]:
    """The relay's KafkaProducer settings: idempotent, acknowledged by all replicas, batched."""
    return {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": config.linger_ms,
        "batch_size": config.batch_bytes,
        "allow_auto_create_topics": False,  # the relay creates it with the right partitions
        "max_block_ms": 10_000,
        "request_timeout_ms": 10_000,
        "delivery_timeout_ms": int(config.ack_timeout * 1000),
        "client_id": "lease-relay",
    }


class UnpublishableEventError(RuntimeError):
    """A stored event the broker cannot take: the relay stops rather than retry or skip it."""


class TopicRecreatedError(KafkaError):  # type: ignore[misc]  # kafka-python is untyped
    """The broker acknowledged offsets below earlier ones: the topic was recreated."""


@dataclass
class _Sent:
    """A batch handed to the producer, not yet recorded."""

    last: int
    futures: list[Any] = field(default_factory=list)


class KafkaRelay:
    """Publishes the application's notification log to Kafka, tracked in PostgreSQL."""

    def __init__(
        self,
        app: Application[Any],
        tracking: RelayTracking,
        bootstrap_servers: str,
        config: RelayConfig | None = None,
        reader: InlineReader | ProcessReader | None = None,
    ) -> None:
        self.app = app
        self.tracking = tracking
        self.bootstrap_servers = bootstrap_servers
        self.config = config if config is not None else RelayConfig()
        self.reader = reader if reader is not None else InlineReader(app, self.config.batch_size)
        self.position = tracking.max_tracking_id(app.name) or 0  # last recorded notification
        state = tracking.broker_state(self.config.topic)
        self.published = state.published if state is not None else 0
        self.cluster_id = state.cluster_id if state is not None else None
        self._producer: KafkaProducer | None = None
        self._checked_at: float | None = None
        self.offsets = dict(state.offsets) if state is not None else {}  # see BrokerState

    # --- publishing -----------------------------------------------------------------------

    def catch_up(self, stop: threading.Event | None = None) -> int:
        """Publish everything stored after the position; returns how many events were sent.

        Raises KafkaError when the broker does not acknowledge a batch (nothing after the
        last acknowledged batch is recorded; the next call checks the broker first).
        """
        if self._checked_at is None or self._since_check() >= self.config.check_interval:
            self.check_broker()
        try:
            return self._publish(stop)
        except KafkaError:
            self._discard_producer()
            self._checked_at = None  # the next call checks the broker first
            raise

    def _publish(self, stop: threading.Event | None) -> int:
        reader, size = self.reader, self.config.batch_size
        reader.drain()
        reader.request(self.position)
        sent, pending, refused = 0, None, None
        while refused is None:
            batch = reader.receive()
            more = len(batch.messages) == size and not (stop is not None and stop.is_set())
            if more:  # read and encoded while this batch is sent and acknowledged
                reader.request(batch.last)
            current, refused = self._send(batch) if batch.messages else (None, None)
            if pending is not None:
                sent += self._confirm(pending)
            pending = current
            if not more:
                break
        if pending is not None:
            self._producer_now().flush(self.config.ack_timeout)
            sent += self._confirm(pending)
        if refused is not None:
            raise refused
        return sent

    def _send(self, batch: Batch) -> tuple[_Sent | None, UnpublishableEventError | None]:
        """Hand the batch to the producer, up to the first message too large to publish
        (then also that message's error: the messages before it are published first)."""
        messages, refused = batch.messages, None
        for i, (key, value, headers) in enumerate(batch.messages):
            if (size := message_bytes(key, value, headers)) > MAX_MESSAGE_BYTES:
                messages, refused = batch.messages[:i], _unpublishable(key, value, size)
                break
        if not messages:
            return None, refused
        send, topic = self._producer_now().send, self.config.topic
        futures = [send(topic, value=v, key=k, headers=h) for k, v, h in messages]
        last = batch.last if refused is None else decode(messages[-1][1])["position"]
        return _Sent(last, futures), refused

    def _confirm(self, sent: _Sent) -> int:
        """Wait for the broker's acknowledgement of every message, then record the batch."""
        went_back, deadline = False, time.monotonic() + self.config.ack_timeout
        for future in sent.futures:
            if not future.is_done:
                future.get(max(0.0, deadline - time.monotonic()))
            if isinstance(future.exception, MessageSizeTooLargeError):
                raise UnpublishableEventError(f"the broker refused a message: {future.exception}")
            if future.exception is not None:
                raise future.exception
            partition, offset = future.value.partition, future.value.offset
            went_back = went_back or offset < self.offsets.get(partition, 0)
            self.offsets[partition] = offset + 1
        if went_back:  # the live producer already writes to a recreated topic
            self._forget(self.cluster_id or "", "acknowledged offsets went back")
            raise TopicRecreatedError(self.config.topic)
        published = self.published + len(sent.futures)
        state = BrokerState(self.config.topic, self.cluster_id or "", published, self.offsets)
        self.tracking.record(Tracking(self.app.name, sent.last), state)
        self.position, self.published = sent.last, published
        return len(sent.futures)

    # --- a broker that forgets ------------------------------------------------------------

    def check_broker(self) -> bool:
        """Whether the broker lost what was published; if so, publish again from zero.

        Lost: the cluster id changed, or a partition the relay was acknowledged on is empty.
        (Log end offsets are not compared with the offsets acknowledged: the embedded
        broker reports the base offset of a partition's last record batch + 1 as its end.)
        """
        create_topics(self.bootstrap_servers, [self.config.topic], self.config.partitions)
        current = cluster_id(self.bootstrap_servers)
        changed = self.cluster_id is not None and current != self.cluster_id
        lost = changed or self._partition_emptied()
        if lost:
            self._forget(current, f"cluster {self.cluster_id} -> {current}")
        self.cluster_id, self._checked_at = current, time.monotonic()
        return lost

    def _forget(self, current: str, reason: str) -> None:
        logger.warning(
            "broker lost %s (%s) after %d events were published:"
            " publishing every event again from the event store",
            *(self.config.topic, reason, self.published),
        )
        self.tracking.reset(self.app.name, BrokerState(self.config.topic, current, 0))
        self.position = self.published = 0
        self.cluster_id = current
        self.offsets = {}
        self._discard_producer()

    def _partition_emptied(self) -> bool:
        """Whether a partition the relay was acknowledged on now has log end offset 0."""
        written = [TopicPartition(self.config.topic, p) for p, o in self.offsets.items() if o]
        if not written:
            return False
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            client_id="lease-relay",
            enable_auto_commit=False,
        )
        try:
            ends = consumer.end_offsets(written)
        finally:
            consumer.close()
        return any(not ends.get(tp) for tp in written)

    def _since_check(self) -> float:
        return time.monotonic() - (self._checked_at or 0.0)

    # --- following the log ----------------------------------------------------------------

    def run(self, stop: threading.Event, *, idle_wait: float = 1.0) -> None:
        """Catch up, then follow the log until `stop` is set (woken by PostgreSQL NOTIFY).

        Between events it only waits: every `idle_wait` seconds it looks at `stop`, and it
        catches up when notified, or once `idle_check_interval` passed since the broker was
        last checked. A failed batch is logged and tried again after `retry_wait`; on stop
        the batch in flight is still acknowledged and recorded before this returns.
        """
        with new_events(self.app.recorder) as wait:
            due = True
            while not stop.is_set():
                if due or self._since_check() >= self.config.idle_check_interval:
                    try:
                        self.catch_up(stop)
                    except UnpublishableEventError as err:
                        logger.critical("relay stopped: %s", err)
                        raise
                    except KafkaError as err:
                        logger.warning("relay: batch not acknowledged (%r); retrying", err)
                        stop.wait(self.config.retry_wait)
                        continue
                due = wait(idle_wait)

    # --- the producer ---------------------------------------------------------------------

    def _producer_now(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap_servers, **producer_settings(self.config)
            )
        return self._producer

    def _discard_producer(self) -> None:
        """Drop the producer without waiting: what it still holds is sent again later."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=0)

    def close(self) -> None:
        """Close the producer and the tracking's connections (unrecorded sends go again)."""
        producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=self.config.ack_timeout)
        self.reader.close()
        self.tracking.datastore.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _unpublishable(key: bytes, value: bytes, size: int) -> UnpublishableEventError:
    head = decode(value)
    return UnpublishableEventError(
        f"event {head['event_type']} #{head['sequence']} of contract {key.decode()} at"
        f" position {head['position']} is {size:,} bytes, over the {MAX_MESSAGE_BYTES:,}-byte"
        " limit: it cannot be published; nothing after it is published until it is dealt with"
    )


def build_relay(
    app: Application[Any],
    env: Mapping[str, str],
    bootstrap_servers: str,
    config: RelayConfig | None = None,
    *,
    child_process: bool = True,
) -> KafkaRelay:
    """A relay of `app`'s log, tracked in the PostgreSQL of `env` (env name "relay").

    With `child_process` (the default) a child process reads and encodes the batches
    (infra/relay/reader.py); `env` is then also what it opens the event store with.
    """
    config = config if config is not None else RelayConfig()
    reader = ProcessReader(type(app), env, config.batch_size) if child_process else None
    return KafkaRelay(app, relay_tracking(env), bootstrap_servers, config, reader)
