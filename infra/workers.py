"""The Kafka-side workers of DESIGN 3 and 6, built by a call (STYLE 5): relay, consumers,
scheduler. `lease dev` runs them all in one supervisor; `lease run <worker>` runs one.

Every worker is a `Worker`: a callable that runs until the shared stop event is set, plus
what to close afterwards. Each consumer gets a `TrackedContracts` of its own (its own
connection pool), as it would in a process of its own.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import psycopg
from eventsourcing.persistence import ProgrammingError

from consumers import odometer_readings, payments
from consumers.runner import ConsumerRunner
from consumers.termination import Termination
from consumers.tracking import TrackedContracts
from domain.policy import LessorPolicy
from infra.kafka import cluster_id, create_topics
from infra.relay import KafkaRelay, RelayConfig, build_relay
from infra.scheduler import DeadlineProducer, PublishedDeadlines, Scheduler
from projections.registry import all_specs, postgres_view

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping

    from eventsourcing.postgres import PostgresApplicationRecorder

    from consumers.base import Handler
    from domain.application import ContractsApplication
    from infra.clock import Clock
    from infra.settings import Settings
    from projections.deadlines import DeadlinesView
    from projections.portal import PortalView
    from projections.rows import PostgresRowView

KAFKA_WORKERS = ("relay", "termination", "payments", "odometer", "scheduler")
"""Workers that need the broker (`projections` needs PostgreSQL only)."""


@dataclass
class Wiring:
    """What every worker is built from: settings, the event store's env, the broker, a clock."""

    settings: Settings
    env: Mapping[str, str]
    bootstrap: str
    clock: Clock
    policy: LessorPolicy | None = None
    """The Lessor policy; None: the settings' (a scenario brings its own)."""
    closing: ExitStack = field(default_factory=ExitStack)

    def lessor_policy(self) -> LessorPolicy:
        """The Lessor policy (K-02); K-08 refuses legal-review grounds."""
        if self.policy is not None:
            return self.policy
        return LessorPolicy(
            auto_dissolve_grounds=self.settings.auto_dissolve_grounds,
            auto_suspend_grounds=self.settings.auto_suspend_grounds,
        )

    def tracked_contracts(self) -> TrackedContracts:
        app = TrackedContracts(env=dict(self.env))
        self.closing.callback(app.close)
        return app

    def close(self) -> None:
        self.closing.close()


def relay(wiring: Wiring, app: ContractsApplication, *, child_process: bool) -> KafkaRelay:
    """The outbox relay of `app`'s log to `lease.contract-events.v1`."""
    config = RelayConfig.from_settings(wiring.settings)
    built = build_relay(app, wiring.env, wiring.bootstrap, config, child_process=child_process)
    wiring.closing.callback(built.close)
    return built


def consumer(
    wiring: Wiring, group_id: str, handlers: Mapping[str, Handler], **overrides: Any
) -> ConsumerRunner:
    """A consumer group over `handlers`' topics, its effects tracked in PostgreSQL."""
    settings = wiring.settings
    create_topics(wiring.bootstrap, list(handlers), settings.topic_partitions)
    return ConsumerRunner(
        handlers,
        handlers,
        settings.consumer_group_prefix + group_id,
        wiring.bootstrap,
        wiring.tracked_contracts(),
        dead_letter_topic=settings.dead_letter_topic,
        cluster_id=lambda: cluster_id(wiring.bootstrap),
        consumer_settings={"fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms},
        **overrides,
    )


def termination(wiring: Wiring) -> ConsumerRunner:
    """Article 18 on contract events and deadlines (consumers/termination.py)."""
    exposure = _view("exposure", wiring.env)
    wiring.closing.callback(exposure.datastore.close)

    def siblings(customer_number: str) -> list[str]:
        try:
            rows = exposure.select("contracts", customer_number=customer_number)
        except ProgrammingError as err:
            if not isinstance(err.__cause__, psycopg.errors.UndefinedTable):
                raise
            return []  # the exposure view does not exist yet: nothing to share yet
        return [row["contract_number"] for row in rows]

    rules = Termination(wiring.clock, wiring.lessor_policy(), siblings)
    handlers: dict[str, Handler] = {
        wiring.settings.contract_events_topic: rules.on_contract_event,
        wiring.settings.deadlines_topic: rules.on_deadline,
    }
    return consumer(wiring, "termination", handlers)


def payments_feed(wiring: Wiring) -> ConsumerRunner:
    """Bank payments in (`lease.payments.v1`)."""
    return consumer(wiring, "payments", {wiring.settings.payments_topic: payments.handle})


def odometer_feed(wiring: Wiring) -> ConsumerRunner:
    """Odometer readings in (`lease.odometer-readings.v1`)."""
    handlers = {wiring.settings.odometer_topic: odometer_readings.handle}
    return consumer(wiring, "odometer", handlers)


def scheduler(wiring: Wiring, app: ContractsApplication) -> Scheduler:
    """Due deadlines out to `lease.deadlines.v1`, daily billing through `app`."""
    settings = wiring.settings
    create_topics(wiring.bootstrap, [settings.deadlines_topic], settings.topic_partitions)
    deadlines, portal = _view("deadlines", wiring.env), _view("portal", wiring.env)
    for view in (deadlines, portal):
        wiring.closing.callback(view.datastore.close)
    recorder: PostgresApplicationRecorder = app.recorder  # type: ignore[assignment]
    built = Scheduler(
        app=app,
        deadlines=cast("DeadlinesView", deadlines),
        portal=cast("PortalView", portal),
        published=PublishedDeadlines(recorder.datastore),
        producer=DeadlineProducer(wiring.bootstrap, settings.deadlines_topic),
        clock=wiring.clock,
    )
    wiring.closing.callback(built.close)
    return built


def _view(name: str, env: Mapping[str, str]) -> PostgresRowView:
    """A read model's tables, for reading (the projections worker creates them)."""
    (spec,) = all_specs([name])
    return postgres_view(spec, env, create=False)


def kafka_workers(
    wiring: Wiring, app: ContractsApplication, names: tuple[str, ...] = KAFKA_WORKERS
) -> dict[str, Callable[[threading.Event], None]]:
    """The named workers (all Kafka-side ones by default), ready for a supervisor."""
    builders: dict[str, Callable[[], Callable[[threading.Event], None]]] = {
        "relay": lambda: relay(wiring, app, child_process=False).run,
        "termination": lambda: termination(wiring).run,
        "payments": lambda: payments_feed(wiring).run,
        "odometer": lambda: odometer_feed(wiring).run,
        "scheduler": lambda: scheduler(wiring, app).run,
    }
    return {name: builders[name]() for name in names}
