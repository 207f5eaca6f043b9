"""The workers of DESIGN 3 and 6, built by a call (STYLE 5): projections, relay, consumers,
scheduler. `WORKERS` is their registry: `lease dev` runs them all in one supervisor, `lease
run <worker>` runs one (its choices and help are the registry's), `lease simulate --stack`
runs them on a stack of its own.

Every Kafka-side worker has a `run(stop)` that returns once the shared stop event is set;
what it holds is closed by its `Wiring`. Each consumer gets a `TrackedContracts` of its own
(its own connection pool), as it would in a process of its own.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

import psycopg
from eventsourcing.persistence import ProgrammingError

from consumers.external_agreements import Applier
from consumers.runner import ConsumerRunner
from consumers.termination import Termination
from consumers.tracking import TrackedContracts
from domain.portal.application import PortalApplication
from infra.audit.checkpoints import Checkpointer
from infra.billing_due import BillingDue
from infra.kafka import PartitionLag, cluster_id, create_topics, group_lag
from infra.portal.backend import portal_datastore
from infra.portal.codes import AuthenticationCodes
from infra.portal.expiry import AccessExpiry, Purgeable
from infra.portal.notifications import NotificationOutbox
from infra.portal.relay import NotificationRelay
from infra.portal.secret import portal_secret
from infra.portal.sessions import Sessions
from infra.portal.throttle import LoginThrottle
from infra.relay.outbox import KafkaRelay, RelayConfig, build_relay
from infra.scheduler import DeadlineProducer, PublishedDeadlines, Scheduler
from infra.topics import topic_spec
from projections.registry import all_specs, postgres_view

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Mapping

    from eventsourcing.postgres import PostgresApplicationRecorder

    from consumers.base import Handler
    from domain.application import ContractsApplication
    from domain.policy import LessorPolicy
    from infra.clock import Clock
    from infra.portal.notifications import Notification
    from infra.settings import Settings
    from projections.engine.rows import PostgresRowView
    from projections.views.deadlines import DeadlinesView
    from projections.views.portal import PortalView


RECONNECT_BACKOFF_MAX_MS = 1000
"""A consumer's longest wait between attempts to reach a broker that went away. kafka-python's
default, 30 s, kept the consumers away for up to 30 s after a minute-long outage ended
(bench/outages.py: 35-38 s to catch up with it, against the relay's 6.5 s)."""


class Worker(Protocol):
    """A Kafka-side worker: runs until `stop` is set."""

    def run(self, stop: threading.Event) -> None: ...


@dataclass
class Wiring:
    """What every worker is built from: settings, the event store's env, the broker, a clock."""

    settings: Settings
    env: Mapping[str, str]
    bootstrap: str
    clock: Clock
    policy: LessorPolicy | None = None
    """The Lessor policy; None: the settings' (a scenario brings its own)."""
    on_notification: Callable[[Notification], None] | None = None
    """Sees each notification the relay publishes (`lease dev` prints them)."""
    closing: ExitStack = field(default_factory=ExitStack)

    def lessor_policy(self) -> LessorPolicy:
        """The Lessor policy (K-02); K-08 refuses legal-review grounds."""
        return self.policy if self.policy is not None else self.settings.lessor_policy()

    def tracked_contracts(self) -> TrackedContracts:
        app = TrackedContracts(env=dict(self.env))
        self.closing.callback(app.close)
        return app

    def portal_app(self) -> PortalApplication:
        """The portal's application on the event store (its own pool), closed with the rest."""
        app = PortalApplication(env=dict(self.env))
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
        dead_letter_topic=settings.topic("dead_letter"),
        cluster_id=lambda: cluster_id(wiring.bootstrap),
        idle_fetch_wait_ms=settings.consumer_idle_fetch_wait_ms,
        consumer_settings={
            "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
            "session_timeout_ms": settings.consumer_session_timeout_ms,
            "heartbeat_interval_ms": settings.consumer_session_timeout_ms // 6,
            "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
        },
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
        wiring.settings.topic("contract_events"): rules.on_contract_event,
        wiring.settings.topic("deadlines"): rules.on_deadline,
    }
    return consumer(wiring, "termination", handlers)


def feed(wiring: Wiring, name: str) -> ConsumerRunner:
    """The consumer group `name` over the topics its registry entry reads, each message
    applied by its topic's registered handler (payments, odometer readings)."""
    handlers: dict[str, Handler] = {}
    for key in worker_spec(name).reads:
        handler = topic_spec(key).handler
        if handler is None:
            raise ValueError(f"topic {key!r} has no handler for the feed {name!r}")
        handlers[wiring.settings.topic(key)] = handler
    return consumer(wiring, name, handlers)


def notifications(wiring: Wiring) -> NotificationRelay:
    """The portal's notifications outbox to `lease.notifications.v1` (acknowledged)."""
    topic = wiring.settings.topic("notifications")
    create_topics(wiring.bootstrap, [topic], wiring.settings.topic_partitions)
    outbox = NotificationOutbox(portal_datastore(wiring.portal_app()))
    built = NotificationRelay(outbox, wiring.bootstrap, topic, wiring.on_notification)
    wiring.closing.callback(built.close)
    return built


def external_agreements(wiring: Wiring) -> ConsumerRunner:
    """Agreements of other systems onto the portal accounts (PT-01, PT-03)."""
    applier = Applier(wiring.portal_app(), lambda: datetime.now(UTC))
    return consumer(
        wiring, "external_agreements", {wiring.settings.topic("external_agreements"): applier}
    )


def scheduler(wiring: Wiring, app: ContractsApplication) -> Scheduler:
    """Due deadlines out to `lease.deadlines.v1`, daily billing through `app`."""
    settings = wiring.settings
    topic = settings.topic("deadlines")
    create_topics(wiring.bootstrap, [topic], settings.topic_partitions)
    deadlines, portal = _view("deadlines", wiring.env), _view("portal", wiring.env)
    for view in (deadlines, portal):
        wiring.closing.callback(view.datastore.close)
    recorder: PostgresApplicationRecorder = app.recorder  # type: ignore[assignment]
    built = Scheduler(
        app=app,
        deadlines=cast("DeadlinesView", deadlines),
        published=PublishedDeadlines(recorder.datastore),
        producer=DeadlineProducer(wiring.bootstrap, topic),
        clock=wiring.clock,
        billing_due=BillingDue(recorder),
        access=AccessExpiry(
            wiring.portal_app(), lambda: cast("PortalView", portal), _expiring(wiring)
        ),
    )
    wiring.closing.callback(built.close)
    return built


def _expiring(wiring: Wiring) -> tuple[Purgeable, ...]:
    """The portal's stores whose rows run out (purged by the scheduler once a day)."""
    datastore = portal_datastore(wiring.portal_app())
    secret = portal_secret(wiring.settings)
    return (
        Sessions(datastore),
        AuthenticationCodes(datastore, secret),
        LoginThrottle(datastore, secret),
    )


def _view(name: str, env: Mapping[str, str]) -> PostgresRowView:
    """A read model's tables, for reading (the projections worker creates them)."""
    (spec,) = all_specs([name])
    return postgres_view(spec, env, create=False)


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerSpec:
    """One kind of worker: a `lease run` command, a thread of `lease dev`."""

    name: str
    help: str
    """`lease run <name>`'s help."""
    reads: tuple[str, ...] = ()
    """Keys of the topics it consumes (infra/topics.py)."""
    writes: tuple[str, ...] = ()
    """Keys of the topics it produces to."""
    build: Callable[[Wiring, ContractsApplication], Worker] | None = None
    """Builds it on the wiring; None: the projections, which bootstrap builds as a group of
    views from the projections registry (they need PostgreSQL only)."""

    @property
    def needs_broker(self) -> bool:
        return bool(self.reads or self.writes)


def audit_checkpoints(wiring: Wiring, app: ContractsApplication) -> Checkpointer:
    """The hash chain's heads of both events tables, published every
    LEASE_AUDIT_CHECKPOINT_SECONDS (issue 12)."""
    topic = wiring.settings.topic("audit_checkpoints")
    create_topics(wiring.bootstrap, [topic], wiring.settings.topic_partitions)
    apps = [app, wiring.portal_app()]
    seconds = wiring.settings.audit_checkpoint_seconds
    built = Checkpointer(apps, wiring.bootstrap, topic, seconds)
    wiring.closing.callback(built.close)
    return built


WORKERS: tuple[WorkerSpec, ...] = (
    WorkerSpec(
        "projections", "Catch the views up, then follow the event log live until Ctrl-C or SIGTERM."
    ),
    WorkerSpec(
        "relay",
        "Publish every stored event to the contract-events topic, then follow the log.",
        writes=("contract_events",),
        build=lambda wiring, app: relay(wiring, app, child_process=False),
    ),
    WorkerSpec(
        "termination",
        "Apply Article 18 to contract events and deadlines (the termination group).",
        reads=("contract_events", "deadlines"),
        writes=("dead_letter",),
        build=lambda wiring, _app: termination(wiring),
    ),
    WorkerSpec(
        "payments",
        "Book bank payments from the payments topic.",
        reads=("payments",),
        writes=("dead_letter",),
        build=lambda wiring, _app: feed(wiring, "payments"),
    ),
    WorkerSpec(
        "odometer",
        "Report odometer readings from the odometer-readings topic.",
        reads=("odometer",),
        writes=("dead_letter",),
        build=lambda wiring, _app: feed(wiring, "odometer"),
    ),
    WorkerSpec(
        "notifications",
        "Publish the customer portal's SMS and e-mail to the notifications topic.",
        writes=("notifications",),
        build=lambda wiring, _app: notifications(wiring),
    ),
    WorkerSpec(
        "external_agreements",
        "Apply other systems' agreements to the portal accounts (portal access, PT-01).",
        reads=("external_agreements",),
        writes=("dead_letter",),
        build=lambda wiring, _app: external_agreements(wiring),
    ),
    WorkerSpec(
        "scheduler",
        "Send due deadlines, run the daily billing and end expired portal access.",
        writes=("deadlines",),
        build=scheduler,
    ),
    WorkerSpec(
        "audit_checkpoints",
        "Publish the heads of the events' hash chain to the audit-checkpoints topic.",
        writes=("audit_checkpoints",),
        build=audit_checkpoints,
    ),
)
"""Every worker of the service, in the order `lease dev` starts them."""

KAFKA_WORKERS = tuple(w.name for w in WORKERS if w.needs_broker)
"""Workers that need the broker (`projections` needs PostgreSQL only)."""


def worker_spec(name: str) -> WorkerSpec:
    """The worker registered as `name`; KeyError names the known ones."""
    for spec in WORKERS:
        if spec.name == name:
            return spec
    raise KeyError(f"no worker {name!r}; workers are {', '.join(w.name for w in WORKERS)}")


def build_workers(
    wiring: Wiring, app: ContractsApplication, names: tuple[str, ...] = KAFKA_WORKERS
) -> dict[str, Worker]:
    """The named workers (all Kafka-side ones by default), built on `wiring`."""
    built: dict[str, Worker] = {}
    for name in names:
        build = worker_spec(name).build
        if build is None:
            raise ValueError(f"the worker {name!r} is built by bootstrap, not on a wiring")
        built[name] = build(wiring, app)
    return built


def kafka_workers(
    wiring: Wiring, app: ContractsApplication, names: tuple[str, ...] = KAFKA_WORKERS
) -> dict[str, Callable[[threading.Event], None]]:
    """The named workers (all Kafka-side ones by default), ready for a supervisor."""
    return {name: worker.run for name, worker in build_workers(wiring, app, names).items()}


def consumer_lags(
    settings: Settings, bootstrap: str, timeout: float = 10.0
) -> dict[str, list[PartitionLag]]:
    """Each consumer group of the worker registry -> its lag on every partition it reads
    (`lease consumers status`, the API's /metrics)."""
    return {
        group: group_lag(bootstrap, group, map(settings.topic, reads), timeout)
        for group, reads in consumer_groups(settings).items()
    }


def consumer_groups(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Each consumer group of the worker registry (under the settings' prefix) -> the keys
    of the topics it reads."""
    return {settings.consumer_group_prefix + s.name: s.reads for s in WORKERS if s.reads}
