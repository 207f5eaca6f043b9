"""The consumer loop: the only kafka-python user of the consumers (STYLE 3, DESIGN 6).

- Offsets are committed by hand (`enable_auto_commit=False`), once per polled batch of a
  partition: `offset + 1` of the last record whose database transaction committed. The
  Kafka offset is a hint: on partition assignment each partition is sought to its tracked
  offset + 1 from PostgreSQL (or to the beginning when nothing is tracked), so a crash
  between the transaction and the commit re-reads at most records whose tracking is
  stored, and those change nothing.
- A record whose tracking is already stored (a redelivery) is logged at info and committed.
- A record that fails is logged with its traceback, the partition is sought back to it
  and polled again after a growing wait (consumers/failures.py): for as long as it takes
  when the database or the broker is unavailable; at most `Retries.max_tries` times
  otherwise. A record that can never be applied (not the published schema, refused by the
  contract's rules) is not tried again. A record given up on goes to the dead-letter topic
  with the reason (DeadLetter v1, cut to fit a message); then its tracking is recorded and
  the partition moves on.
- `run(stop)` returns when `stop` is set (the caller sets it on SIGTERM).
- Idle, it polls slowly: while records arrive, each fetch waits at most the configured
  `fetch_max_wait_ms` on the broker (short: measured on the embedded broker, a long wait
  delays records under steady traffic, by a fraction of the wait); after `IDLE_AFTER`
  seconds without a record, fetches wait `idle_fetch_wait_ms`, so an idle consumer asks
  the broker about once a second instead of fifty times. The first record after a quiet
  spell may arrive a little later (a fraction of that wait); then it is fast again.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Protocol

from eventsourcing.persistence import IntegrityError
from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.base import KafkaRecord, tracking_name
from consumers.dead_letters import dead_letter, letter_key, letter_value
from consumers.failures import Retries
from infra.kafka import acknowledged_producer
from infra.topics import topic_spec

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from consumers.base import Handler
    from consumers.dead_letters import DeadLetter
    from consumers.tracking import TrackedContracts

logger = logging.getLogger(__name__)

DEAD_LETTER_TOPIC = topic_spec("dead_letter").default
CONSUMER_SETTINGS: dict[str, Any] = {
    "enable_auto_commit": False,
    "auto_offset_reset": "earliest",
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,  # a sixth of the session: an idle consumer's main cost
    "max_poll_interval_ms": 10_000,
    "max_poll_records": 100,
    "fetch_max_wait_ms": 100,
}
SEND_TIMEOUT = 10.0
POLL_TIMEOUT_MS = 1000
"""How long one poll waits for records (it returns as soon as some arrive): how often the
loop looks at the stop flag."""
IDLE_AFTER = 2.0
"""Seconds without a record after which the consumer fetches at the idle pace."""
IDLE_FETCH_WAIT_MS = 1000
"""`fetch_max_wait_ms` of an idle consumer."""


class Seeker(Protocol):
    """What positioning assigned partitions needs of a consumer."""

    def seek(self, partition: Any, offset: int) -> None: ...
    def seek_to_beginning(self, *partitions: Any) -> None: ...


class Consumer(Seeker, Protocol):
    """What the runner uses of kafka-python's KafkaConsumer (a list-backed fake in tests)."""

    def poll(self, timeout_ms: int = 0) -> Mapping[Any, Sequence[Any]]: ...
    def commit(self, offsets: Mapping[Any, Any]) -> None: ...


class DeadLetters(Protocol):
    """Where messages that cannot be applied go; `send` returns once the broker has them."""

    def send(self, letter: DeadLetter) -> None: ...


class KafkaDeadLetters:
    """Dead letters to a Kafka topic, acknowledged by all replicas."""

    def __init__(self, bootstrap: str, topic: str = DEAD_LETTER_TOPIC) -> None:
        self.topic = topic
        self._producer = acknowledged_producer(bootstrap, "lease-dead-letters")

    def send(self, letter: DeadLetter) -> None:
        key, value = letter_key(letter), letter_value(letter)
        self._producer.send(self.topic, key=key, value=value).get(timeout=SEND_TIMEOUT)

    def close(self) -> None:
        self._producer.close()


class ConsumerRunner:
    """Polls the topics, dispatches each record to its handler, commits after the database."""

    def __init__(
        self,
        topics: Iterable[str],
        handlers: Mapping[str, Handler],
        group_id: str,
        bootstrap: str,
        tracked_app: TrackedContracts,
        *,
        dead_letters: DeadLetters | None = None,
        dead_letter_topic: str = DEAD_LETTER_TOPIC,
        retry_wait: float = 1.0,
        retries: Retries | None = None,
        poll_timeout_ms: int = POLL_TIMEOUT_MS,
        idle_fetch_wait_ms: int = IDLE_FETCH_WAIT_MS,
        cluster_id: Callable[[], str] | None = None,
        consumer_settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.group_id = group_id
        self.bootstrap = bootstrap
        self.app = tracked_app
        self.dead_letters = dead_letters
        self.dead_letter_topic = dead_letter_topic
        self.retries = retries if retries is not None else Retries(first_wait=retry_wait)
        """How a failing record is tried again (`retry_wait`: the first wait)."""
        self.poll_timeout_ms = poll_timeout_ms
        self.idle_fetch_wait_ms = idle_fetch_wait_ms
        self.clock = time.monotonic
        self._last_record = self.clock()
        self.cluster_id = cluster_id
        """Asks the broker its cluster id (None: no forgotten-broker check, e.g. fakes)."""
        self.consumer_settings = {**CONSUMER_SETTINGS, **(consumer_settings or {})}
        self._tracked: dict[str, int] = {}
        """Tracking name -> last offset handled (see `_last_tracked`)."""
        self.handled: dict[tuple[str, int], int] = {}
        """(topic, partition) -> the last offset handled (applied, skipped or dead-lettered)."""
        missing = set(self.topics) - set(self.handlers)
        if missing:
            raise ValueError(f"no handler for topics {sorted(missing)}")

    # --- the loop -------------------------------------------------------------------------

    def run(self, stop: threading.Event, consumer: Consumer | None = None) -> None:
        """Consume until `stop` is set; a consumer is created (and closed) unless given."""
        own_letters = self.dead_letters is None
        if self.dead_letters is None:
            self.dead_letters = KafkaDeadLetters(self.bootstrap, self.dead_letter_topic)
        try:
            if consumer is not None:
                self._loop(stop, consumer)
                return
            kafka_consumer = self._connect()
            try:
                self._loop(stop, kafka_consumer)
            finally:
                kafka_consumer.close()
        finally:
            if own_letters and isinstance(self.dead_letters, KafkaDeadLetters):
                self.dead_letters.close()
                self.dead_letters = None
            logger.info("consumer %s stopped", self.group_id)

    def _loop(self, stop: threading.Event, consumer: Consumer) -> None:
        logger.info("consumer %s started on %s", self.group_id, ", ".join(self.topics))
        while not stop.is_set():
            if not self.poll_once(consumer):
                stop.wait(self.retries.wait())

    def _connect(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            client_id=f"lease-{self.group_id}",
            **self.consumer_settings,
        )
        consumer.subscribe(self.topics, listener=_SeekToTracked(self, consumer))
        return consumer

    def poll_once(self, consumer: Consumer) -> bool:
        """One poll; False when a record failed and its partition was sought back to it."""
        idle = self.clock() - self._last_record >= IDLE_AFTER
        set_fetch_wait(consumer, self.fetch_wait_ms(idle=idle))
        batches = consumer.poll(timeout_ms=self.poll_timeout_ms)
        if batches:
            self._last_record = self.clock()
        ok = True
        for tp, records in batches.items():
            ok = self._process_partition(consumer, tp, records) and ok
        return ok

    def fetch_wait_ms(self, *, idle: bool) -> int:
        """The broker-side wait of the next fetch: the configured one, longer when idle."""
        busy = int(self.consumer_settings.get("fetch_max_wait_ms", IDLE_FETCH_WAIT_MS))
        return max(busy, self.idle_fetch_wait_ms) if idle else busy

    def _process_partition(self, consumer: Consumer, tp: Any, records: Sequence[Any]) -> bool:
        """Process the partition's records in order; commit the Kafka offset once, after the
        last one handled (PostgreSQL holds the positions; the commit only saves re-reads)."""
        last: KafkaRecord | None = None
        ok = True
        for raw in records:
            record = to_record(raw)
            try:
                self.process(record)
            except Exception:
                logger.exception(
                    "%s failed; it is read again after %gs", record.where, self.retries.wait()
                )
                self._tracked.pop(record.tracking.application_name, None)  # ask the database
                consumer.seek(tp, record.offset)
                ok = False
                break
            self.retries.done(_at(record))
            self.handled[record.topic, record.partition] = record.offset
            last = record
        if last is not None:
            self._commit(consumer, tp, last)
        return ok

    def _commit(self, consumer: Consumer, tp: Any, record: KafkaRecord) -> None:
        try:
            consumer.commit({tp: OffsetAndMetadata(record.offset + 1, "", -1)})
        except KafkaError as err:  # PostgreSQL holds the position; the commit is a hint
            logger.warning("commit of %s failed (%s); tracking is stored", record.where, err)

    # --- one record -----------------------------------------------------------------------

    def process(self, record: KafkaRecord) -> None:
        """Apply one record once: skip a redelivery, dead-letter what cannot be applied.

        Raises when the record is to be read again (consumers/failures.py)."""
        name = record.tracking.application_name
        if record.offset <= self._last_tracked(name):
            logger.info("%s already processed (redelivered); skipped", record.where)
            return
        try:
            self.handlers[record.topic](record, self.app)
        except IntegrityError:
            logger.info("%s already processed (redelivered); skipped", record.where)
        except Exception as err:
            tries = self.retries.failed(_at(record), err)
            if tries is None:
                raise
            after = f" (gave up after {tries} tries)" if tries > 1 else ""
            self._dead_letter(record, f"{type(err).__name__}: {err}{after}")
        self._tracked[name] = record.offset

    def _last_tracked(self, name: str) -> int:
        """The partition's last handled offset: read from PostgreSQL on assignment (or first
        use, or after a failure), then kept in memory (one query per partition, not per
        record). Another process's save of the same offset still fails on the tracking."""
        if name not in self._tracked:
            last = self.app.max_tracking_id(name)
            self._tracked[name] = -1 if last is None else last
        return self._tracked[name]

    def _dead_letter(self, record: KafkaRecord, reason: str) -> None:
        assert self.dead_letters is not None, "run() or the caller sets dead_letters"
        self.dead_letters.send(dead_letter(record, self.group_id, reason))
        logger.warning("%s dead-lettered: %s", record.where, reason)
        try:
            self.app.record_tracking(record.tracking)
        except IntegrityError:
            logger.info("%s was tracked meanwhile", record.where)

    # --- partition assignment -------------------------------------------------------------

    def seek_to_tracked(self, consumer: Seeker, partitions: Iterable[Any]) -> None:
        """Position each assigned partition after its last tracked offset (PostgreSQL rules).

        On a broker that forgot (a new cluster id: the embedded broker restarted, or the
        topics live elsewhere now) the topics' positions are dropped first, so everything
        on the new broker is read (DESIGN 6); the handlers deduplicate effects.
        """
        partitions = list(partitions)
        if self.cluster_id is not None:
            for topic in sorted({tp.topic for tp in partitions}):
                if self.app.broker_changed(topic, self.cluster_id()):
                    logger.warning("%s is on a new broker: reading it from the start", topic)
        for tp in partitions:
            last = self.app.max_tracking_id(tracking_name(tp.topic, tp.partition))
            self._tracked[tracking_name(tp.topic, tp.partition)] = -1 if last is None else last
            if last is None:
                consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, last + 1)
            logger.info("%s/%s assigned, reading from %s", tp.topic, tp.partition, _next(last))


def _at(record: KafkaRecord) -> tuple[str, int, int]:
    return record.topic, record.partition, record.offset


def _next(last: int | None) -> str:
    return "the beginning" if last is None else str(last + 1)


class _SeekToTracked(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python is untyped
    def __init__(self, runner: ConsumerRunner, consumer: KafkaConsumer) -> None:
        self.runner = runner
        self.consumer = consumer

    def on_partitions_revoked(self, revoked: Any) -> None:
        logger.info("%s revoked %s", self.runner.group_id, sorted(map(str, revoked)))

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.runner.seek_to_tracked(self.consumer, assigned)


def to_record(raw: Any) -> KafkaRecord:
    """kafka-python's ConsumerRecord as the consumers' KafkaRecord."""
    return KafkaRecord(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        headers=tuple((name, value) for name, value in raw.headers or ()),
    )


def set_fetch_wait(consumer: object, wait_ms: int) -> None:
    """Set the `fetch_max_wait_ms` of the consumer's next fetch requests.

    kafka-python has no public setter; its fetcher reads the value from its own config
    dict each time it builds a request. A consumer without one (a test fake) is left as is.
    """
    config = getattr(getattr(consumer, "_fetcher", None), "config", None)
    if isinstance(config, dict):
        config["fetch_max_wait_ms"] = wait_ms
