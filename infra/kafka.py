"""Talking to a Kafka cluster (embedded or external): readiness, topic set-up, the cluster id,
acknowledged producers. The embedded broker itself is infra/embedded/broker.py."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, KafkaTimeoutError, TopicAlreadyExistsError

if TYPE_CHECKING:
    from collections.abc import Iterable

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.05
MAX_MESSAGE_BYTES = 1_000_000
"""The largest message (key + value + headers) the service produces or stores an event for.

Kafka's default `message.max.bytes` and kafka-python's `max_request_size` are 1 MiB
(1,048,576) for a whole record batch; this leaves room for the batch and record overhead.
An event whose message would be larger is refused before it is stored (infra/recorder.py),
and a dead letter is cut to fit (consumers/dead_letters.py)."""


class BrokerStartError(RuntimeError):
    """The embedded broker could not be started or reached; the message is one line."""


def wait_until_ready(bootstrap: str, timeout: float) -> None:
    """Wait until the cluster behind `bootstrap` answers a metadata request."""
    deadline = time.monotonic() + timeout
    _wait_for_listener(bootstrap, deadline, timeout)
    wait_for_metadata(bootstrap, deadline, timeout)


def create_topics(
    bootstrap: str, topics: list[str], partitions: int, *, replication_factor: int = -1
) -> None:
    """Create each topic unless it exists (replication_factor -1 = the broker's default)."""
    with _admin(bootstrap) as admin:
        for topic in topics:
            spec = {"num_partitions": partitions, "replication_factor": replication_factor}
            try:
                admin.create_topics({topic: spec})
            except TopicAlreadyExistsError:
                logger.debug("topic %s already exists", topic)
            else:
                logger.info("created topic %s (%d partitions)", topic, partitions)


def delete_groups_and_topics(bootstrap: str, groups: list[str], topics: list[str]) -> None:
    """Delete the consumer groups (their committed offsets), then the topics: what a run that
    made them for itself leaves behind. One that is not there is not an error."""
    with _admin(bootstrap) as admin:
        if groups:
            admin.delete_groups(groups)
        if topics:
            admin.delete_topics(topics, raise_errors=False)


def message_bytes(
    key: bytes | None, value: bytes | None, headers: Iterable[tuple[str, bytes]] = ()
) -> int:
    """What a message counts against `MAX_MESSAGE_BYTES`: key, value and headers."""
    size = len(key or b"") + len(value or b"")
    return size + sum(len(name.encode()) + len(data) for name, data in headers)


def acknowledged_producer(bootstrap: str, client_id: str) -> KafkaProducer:
    """A producer whose sends are acknowledged by all replicas, idempotent, bounded waits."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        max_block_ms=10_000,
        client_id=client_id,
    )


@dataclass(frozen=True)
class PartitionLag:
    """How far a consumer group is behind on one partition."""

    topic: str
    partition: int
    committed: int | None
    """The group's committed offset (the next one it reads); None: nothing committed."""
    end: int
    """The partition's end: the offset after its last message."""

    @property
    def lag(self) -> int:
        """Messages the group has yet to read."""
        return max(0, self.end - (self.committed or 0))


def group_lag(
    bootstrap: str, group: str, topics: Iterable[str], timeout: float = 10.0
) -> list[PartitionLag]:
    """The group's lag on every partition of `topics`, from its committed offsets.

    The end is the high watermark a fetch at the committed offset reports, not ListOffsets
    "latest": the embedded broker answers that with the base offset of the partition's last
    record batch + 1, below the end whenever that batch holds several messages, so standard
    lag tools under-report. The group is asked for its offsets (manual assignment), never
    joined. KafkaTimeoutError when a partition does not answer within `timeout`.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, fetch_max_wait_ms=50
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        committed = {tp: consumer.committed(tp) for tp in partitions}
        for tp in partitions:
            consumer.seek(tp, committed[tp] or 0)
        deadline = time.monotonic() + timeout
        while any(consumer.highwater(tp) is None for tp in partitions):
            if time.monotonic() > deadline:
                raise KafkaTimeoutError(f"no high watermark of {group}'s partitions in {timeout}s")
            consumer.poll(timeout_ms=100)
        return [
            PartitionLag(tp.topic, tp.partition, committed[tp], consumer.highwater(tp))
            for tp in partitions
        ]
    finally:
        consumer.close()


def group_at_end(bootstrap: str, topic: str, group: str, timeout: float = 10.0) -> bool:
    """Whether the group's committed offsets are at the end of every partition of `topic`
    (False also when the broker does not answer within `timeout`)."""
    try:
        return all(p.lag == 0 for p in group_lag(bootstrap, group, [topic], timeout))
    except KafkaTimeoutError:
        return False


def list_topics(bootstrap: str) -> list[str]:
    """Names of the topics the cluster knows."""
    with _admin(bootstrap) as admin:
        return sorted(admin.list_topics())


def cluster_id(bootstrap: str) -> str:
    """The id of the cluster behind `bootstrap` (changes when the embedded broker restarts)."""
    with _admin(bootstrap) as admin:
        return str(admin.describe_cluster()["cluster_id"])


def _admin(bootstrap: str, timeout: float = 10.0) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap,
        client_id="lease-infra",
        bootstrap_timeout_ms=int(timeout * 1000),
    )


def _addresses(bootstrap: str) -> list[tuple[str, int]]:
    addresses = []
    for raw in bootstrap.split(","):
        server = raw.strip()
        host, sep, port = server.rpartition(":")
        if not sep or "]" in port:
            host, port = server, "9092"
        if not host or not port.isdigit():
            raise BrokerStartError(f"not a bootstrap server (host:port): {server!r}")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _wait_for_listener(bootstrap: str, deadline: float, timeout: float) -> None:
    """Poll TCP connects first: a failed admin client would leak its I/O thread."""
    addresses = _addresses(bootstrap)
    while not any(listening(host, port) for host, port in addresses):
        if time.monotonic() >= deadline:
            raise BrokerStartError(f"Kafka at {bootstrap} did not become ready in {timeout:g} s")
        time.sleep(POLL_INTERVAL)


def wait_for_metadata(bootstrap: str, deadline: float, timeout: float) -> None:
    remaining = max(deadline - time.monotonic(), 1.0)
    try:
        with _admin(bootstrap, remaining) as admin:
            admin.describe_cluster()
    except KafkaError as err:
        raise BrokerStartError(
            f"Kafka at {bootstrap} did not become ready in {timeout:g} s ({type(err).__name__})"
        ) from err
