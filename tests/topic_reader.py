"""Reading a whole topic back in tests: an assigned consumer (no group), deadline loops."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from kafka import KafkaConsumer, TopicPartition

from infra.schemas.envelope import decode

if TYPE_CHECKING:
    from kafka.consumer.fetcher import ConsumerRecord

TOPIC_WAIT = 20.0


def read_topic(bootstrap: str, topic: str, timeout: float = TOPIC_WAIT) -> list[ConsumerRecord]:
    """Every message the topic holds now, by partition then offset (read up to the fetches'
    high watermarks: the embedded broker's ListOffsets under-reports end offsets); none
    for a topic the broker does not know."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
        fetch_max_wait_ms=50,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:  # no such topic (yet): a restarted broker forgot it
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while not all(at_high_watermark(consumer, tp) for tp in partitions):
            assert time.monotonic() < deadline, f"topic {topic} not read in {timeout} s"
            for batch in consumer.poll(timeout_ms=100).values():
                records.extend(batch)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def at_high_watermark(consumer: KafkaConsumer, tp: TopicPartition) -> bool:
    mark = consumer.highwater(tp)
    return mark is not None and consumer.position(tp) >= mark


def wait_for_messages(bootstrap: str, topic: str, count: int) -> list[ConsumerRecord]:
    """The topic's messages once it holds at least `count` (a deadline loop, no sleeps)."""
    deadline = time.monotonic() + TOPIC_WAIT
    while True:
        records = read_topic(bootstrap, topic)
        if len(records) >= count:
            return records
        assert time.monotonic() < deadline, f"{len(records)} of {count} messages on {topic}"


def deduplicated(records: list[ConsumerRecord]) -> dict[tuple[str, int], dict[str, Any]]:
    """What a consumer keeps: one envelope per (contract_id, sequence)."""
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for record in records:
        value = decode(record.value)
        out.setdefault((value["contract_id"], value["sequence"]), value)
    return out


def keyed(expected: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(e["contract_id"], e["sequence"]): e for e in expected}
