"""An idle consumer fetches slowly, a busy one fast (issue 14: an idle `lease dev`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from consumers.runner import IDLE_AFTER, ConsumerRunner
from tests.unit.test_consumers import TOPIC, FakeApp, FakeConsumer, Raw, tracking_handler

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from consumers.tracking import TrackedContracts

BUSY_MS, IDLE_MS = 20, 1000


@dataclass
class Fetcher:
    config: dict[str, Any] = field(default_factory=lambda: {"fetch_max_wait_ms": BUSY_MS})


class PacedConsumer(FakeConsumer):
    """The fake consumer with kafka-python's fetcher config; records the wait of each poll."""

    def __init__(self, app: FakeApp, records: list[Raw]) -> None:
        super().__init__(app, records)
        self._fetcher = Fetcher()
        self.waits: list[int] = []

    def poll(self, timeout_ms: int = 0) -> Mapping[Any, Sequence[Any]]:
        self.waits.append(self._fetcher.config["fetch_max_wait_ms"])
        return super().poll(timeout_ms)


def test_fetches_wait_longer_once_idle_and_short_again_when_records_arrive() -> None:
    app = FakeApp()
    consumer = PacedConsumer(app, [])
    runner = ConsumerRunner(
        [TOPIC],
        {TOPIC: tracking_handler()},
        "payments",
        "unused:9092",
        cast("TrackedContracts", app),
        consumer_settings={"fetch_max_wait_ms": BUSY_MS},
        idle_fetch_wait_ms=IDLE_MS,
    )
    now = [100.0]
    runner.clock = lambda: now[0]
    runner._last_record = now[0]

    runner.poll_once(consumer)  # just started: as if busy
    now[0] += IDLE_AFTER
    runner.poll_once(consumer)  # nothing for IDLE_AFTER seconds: idle
    consumer.records.append(Raw(0))
    runner.poll_once(consumer)  # fetched at the idle pace, and a record came
    runner.poll_once(consumer)  # busy again

    assert consumer.waits == [BUSY_MS, IDLE_MS, IDLE_MS, BUSY_MS]


def test_a_consumer_without_a_fetcher_is_polled_as_configured() -> None:
    app = FakeApp()
    consumer = FakeConsumer(app, [Raw(0)])
    runner = ConsumerRunner(
        [TOPIC], {TOPIC: tracking_handler()}, "g", "b", cast("TrackedContracts", app)
    )
    runner.clock = lambda: 1e9  # long idle
    assert runner.poll_once(consumer)
    assert app.tracked == {f"kafka:{TOPIC}:0": 0}
