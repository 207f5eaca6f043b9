"""`GET /metrics` (Prometheus): request latency by route, commands by name and outcome, and
how far the read models and the relay are behind the event log (API.md 5).

The lags are read when Prometheus scrapes, from the positions PostgreSQL holds, so every
replica of the API reports the same figures. With several uvicorn workers each worker
keeps its own request histograms (Prometheus sums them across scrape targets).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.responses import Response

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from prometheus_client.metrics_core import Metric
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from infra.kafka import PartitionLag

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"
"""The route label of requests no route matched (so a scan cannot blow up the labels)."""


class Lags(Collector):
    """Events each reader has still to apply: `head - position`, read at scrape time."""

    def __init__(self, positions: Callable[[], tuple[int, Mapping[str, int | None]]]) -> None:
        self._positions = positions

    def collect(self) -> Iterable[Metric]:
        head, positions = self._positions()
        lag = GaugeMetricFamily(
            "lease_reader_lag_events",
            "Stored events a reader (read model, relay, consumer) has not applied yet",
            labels=["reader"],
        )
        for reader, position in sorted(positions.items()):
            if position is not None:
                lag.add_metric([reader], max(head - position, 0))
        yield GaugeMetricFamily("lease_event_log_head", "Last stored event position", value=head)
        yield lag


CONSUMER_LAG_SECONDS = 15.0
"""How long a reading of the consumer groups' lag is reused: reading it opens a Kafka client
per group, too slow for every scrape and for several Prometheus servers."""


class ConsumerLags(Collector):
    """Messages each consumer group of the workers has still to read, per topic, as the
    broker reports them (infra.workers.consumer_lags); `lease_consumer_lag_readable` is 0
    while the broker does not answer."""

    def __init__(
        self,
        read: Callable[[], Mapping[str, list[PartitionLag]]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._clock = clock
        self._lock = threading.Lock()
        self._read_at: float | None = None
        self._lags: Mapping[str, list[PartitionLag]] = {}
        self._readable = False

    def collect(self) -> Iterable[Metric]:
        with self._lock:  # one reading at a time; the others reuse it
            now = self._clock()
            if self._read_at is None or now - self._read_at >= CONSUMER_LAG_SECONDS:
                try:
                    self._lags, self._readable = self._read(), True
                except (KafkaError, OSError):
                    self._lags, self._readable = {}, False
                self._read_at = now
            lags, readable = self._lags, self._readable
        yield GaugeMetricFamily(
            "lease_consumer_lag_readable",
            "Whether the broker answered the last reading of the consumer groups' lag",
            value=int(readable),
        )
        lag = GaugeMetricFamily(
            "lease_consumer_lag_messages",
            "Messages a consumer group has not read yet, per topic (all partitions)",
            labels=["group", "topic"],
        )
        for group, partitions in sorted(lags.items()):
            per_topic: dict[str, int] = {}
            for p in partitions:
                per_topic[p.topic] = per_topic.get(p.topic, 0) + p.lag
            for topic, behind in sorted(per_topic.items()):
                lag.add_metric([group, topic], behind)
        yield lag


HTTP_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
"""The methods counted by name in request timings."""


class Metrics:
    """The API's Prometheus registry (one per app, so tests and replicas stay apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "lease_api_request_seconds",
            "HTTP request latency by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.commands = Counter(
            "lease_api_commands",
            "Commands received over HTTP by name and outcome",
            ["command", "outcome"],
            registry=self.registry,
        )
        self._timers: dict[tuple[str, str, int], Histogram] = {}

    def timed(self, method: str, template: str, status: int, started: float) -> None:
        """A request to route `template` answered `status`, begun at `started` (perf_counter).

        Each label set's histogram is looked up once (a dict, not the client's label check
        and lock on every request). A method outside HTTP's own is counted as OTHER, so a
        client cannot add label sets: there are at most methods x routes x statuses."""
        key = (method if method in HTTP_METHODS else "OTHER", template, status)
        timer = self._timers.get(key)
        if timer is None:
            timer = self.requests.labels(key[0], template, str(status))
            self._timers[key] = timer
        timer.observe(time.perf_counter() - started)

    def watch(self, positions: Callable[[], tuple[int, Mapping[str, int | None]]]) -> None:
        self.registry.register(Lags(positions))

    def watch_consumers(self, lags: ConsumerLags) -> None:
        self.registry.register(lags)

    def response(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE)


class RequestTimer:
    """ASGI middleware: times each request under its route template, e.g.
    `/v1/contracts/{number}`, never the raw path."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            template = getattr(scope.get("route"), "path", UNMATCHED)
            metrics: Metrics = scope["app"].state.services.metrics
            metrics.timed(scope["method"], template, status, started)
