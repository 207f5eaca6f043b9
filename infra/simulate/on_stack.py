"""`lease simulate --stack`: a scenario through the real pipeline, same answer as in-process.

The steps go to PostgreSQL through ContractsApplication (as the API will send them), bank
payments and odometer readings as messages on their topics. The relay publishes every
stored event; the termination consumer applies Article 18 to them; the scheduler sends
the due deadlines and bills; the projections fill the views the output is read from. The
business clock moves only when the pipeline is idle: every stored event published and
handled by the termination consumer, every message the driver or the scheduler sent
handled, and every view at the head of the log.

Each run gets a schema of its own in the stack's PostgreSQL and topics of its own
(`sim-<id>.…`, one partition each), so it neither sees nor disturbs other data. When it
ends, its pools are closed, its schema is dropped, and its topics and consumer groups are
deleted.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, cast

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError
from psycopg import sql

from consumers.runner import ConsumerRunner
from domain.application import ContractsApplication
from infra import workers
from infra.bootstrap import close_projection_group
from infra.clock import SettableClock
from infra.kafka import delete_groups_and_topics
from infra.schemas.envelope import encode, json_safe
from infra.simulate.in_process import document_line, perform, simulate
from infra.supervisor import Supervisor
from infra.topics import TOPICS
from projections.registry import all_specs, build_group

if TYPE_CHECKING:
    from uuid import UUID

    from infra.relay.outbox import KafkaRelay
    from infra.scheduler import Scheduler
    from infra.settings import PostgresInfo, Settings
    from infra.simulate.in_process import Run
    from infra.simulate.scenario import Scenario, Step
    from projections.engine.runner import ProjectionGroup
    from projections.views.invoices import InvoicesView

logger = logging.getLogger(__name__)

SETTLE_TIMEOUT = 60.0
"""Seconds the pipeline may take to become idle after one action."""
FEEDS = {"receive_payment": "payments", "report_odometer": "odometer"}
"""Steps that arrive as messages on an inbound topic (its key; unless a refusal is expected)."""
VIEWS = ("invoices", "deadlines", "portal")
"""The views the run reads: documents, the scheduler's deadlines and billable contracts."""


class PipelineStuckError(RuntimeError):
    """The pipeline did not become idle in time (a worker failed or is wedged)."""


def simulate_on_stack(
    scenario: Scenario, settings: Settings, postgres: PostgresInfo, bootstrap: str
) -> dict[str, Any]:
    """Run the scenario through the pipeline on this PostgreSQL and broker."""
    run_id = secrets.token_hex(4)
    schema = f"sim_{run_id}"
    settings = isolated(settings, run_id)
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        env = postgres.eventsourcing_env(schema=schema, pool_size=2)
        with StackPipeline.start(settings, env, bootstrap, scenario) as pipeline:
            return simulate(scenario, pipeline.app, pipeline)
    finally:
        with psycopg.connect(postgres.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
        forget_topics(settings, bootstrap)


def forget_topics(settings: Settings, bootstrap: str) -> None:
    """Delete the run's consumer groups and topics; a broker that cannot is logged, as the
    run's answer stands without it."""
    groups = list(workers.consumer_groups(settings))
    topics = [settings.topic(t.key) for t in TOPICS]
    try:
        delete_groups_and_topics(bootstrap, groups, topics)
    except KafkaError as err:
        logger.warning("the run's topics stay on the broker (%s): %s", ", ".join(topics), err)


SESSION_TIMEOUT_MS = 2000
"""One consumer per group, never killed: a short session makes the broker answer each
group's first join after 1 s instead of 3 (Tansu holds a join for half the session)."""


def isolated(settings: Settings, run_id: str) -> Settings:
    """Topics of this run only, one partition each, fetches that return at once, groups
    that join fast."""
    prefix = f"sim-{run_id}"
    return settings.with_topics(
        {t.key: f"{prefix}.{t.slug}" for t in TOPICS},
        topic_partitions=1,
        consumer_group_prefix=f"{prefix}.",
        consumer_fetch_max_wait_ms=10,
        consumer_session_timeout_ms=SESSION_TIMEOUT_MS,
    )


@dataclass
class StackPipeline:
    """The workers of one run and the driver's view of whether they are idle."""

    app: ContractsApplication
    clock: SettableClock
    relay: KafkaRelay
    consumers: dict[str, ConsumerRunner]
    """The consumer groups of the worker registry (termination and the feeds), by name."""
    scheduler: Scheduler
    group: ProjectionGroup
    settings: Settings
    producer: KafkaProducer
    closing: ExitStack
    supervisor: Supervisor = field(default_factory=Supervisor)
    sent: dict[tuple[str, int], int] = field(default_factory=dict)
    """(topic, partition) -> the last offset the driver sent there."""

    @classmethod
    def start(
        cls, settings: Settings, env: dict[str, str], bootstrap: str, scenario: Scenario
    ) -> StackPipeline:
        closing = ExitStack()
        try:
            clock = SettableClock(scenario.steps[0].on)
            app = ContractsApplication(env=env)
            closing.callback(app.close)
            wiring = workers.Wiring(settings, env, bootstrap, clock, scenario.policy)
            closing.callback(wiring.close)
            group = build_group(app, all_specs(VIEWS), env)
            closing.callback(close_projection_group, group)
            producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
            closing.callback(producer.close)
            built = workers.build_workers(wiring, app)
            pipeline = cls(
                app=app,
                clock=clock,
                relay=cast("KafkaRelay", built.pop("relay")),
                scheduler=cast("Scheduler", built.pop("scheduler")),
                consumers={n: w for n, w in built.items() if isinstance(w, ConsumerRunner)},
                group=group,
                settings=settings,
                producer=producer,
                closing=closing,
            )
            pipeline._start_workers()
        except BaseException:
            closing.close()
            raise
        return pipeline

    def _start_workers(self) -> None:
        s = self.supervisor
        s.add("relay", lambda stop: self.relay.run(stop, idle_wait=0.2))
        s.add("projections", lambda stop: self.group.run(stop, idle_wait=0.2))
        for name, runner in self.consumers.items():
            s.add(name, runner.run)
        s.start()
        self.closing.callback(self.supervisor.stop)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.closing.close()

    # --- the Pipeline protocol of infra/simulate/in_process.py ---------------------------------

    def new_day(self, run: Run) -> None:
        self.clock.set(run.clock)
        if not run.app.exists(run.number):
            return
        if self.scheduler.publish_due(run.clock):
            self.settle()
        self._bill(run)

    def perform(self, run: Run, step: Step) -> None:
        self.clock.set(run.clock)  # the walk may have skipped quiet days up to the step
        feed = FEEDS.get(step.do)
        if feed is None or step.expect_refusal:
            perform(run, step)
            return
        topic = self.settings.topic(feed)
        ack = self.producer.send(topic, key=run.number.encode(), value=feed_message(run, step))
        meta = ack.get(timeout=10)
        self.sent[topic, meta.partition] = meta.offset

    def after_step(self, run: Run) -> None:
        self.settle()
        if run.app.exists(run.number):
            self._bill(run)

    def documents(self, run: Run, contract_id: UUID) -> list[dict[str, Any]]:  # noqa: ARG002
        self.settle()
        view: InvoicesView = next(p.view for p in self.group.projections if p.name == "invoices")
        return [document_line(row) for row in view.documents(contract_id)]

    def _bill(self, run: Run) -> None:
        if self.scheduler.bill(run.clock):
            self.settle()

    # --- idle ----------------------------------------------------------------------------------

    def settle(self, timeout: float = SETTLE_TIMEOUT) -> None:
        """Return once the pipeline is idle; PipelineStuckError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        wake = threading.Event()
        while not self.idle():
            if self.supervisor.failed:
                msg = f"worker {', '.join(self.supervisor.failed)} failed"
                raise PipelineStuckError(msg)
            if time.monotonic() > deadline:
                raise PipelineStuckError(f"not idle after {timeout:g}s: {self.waiting_for()}")
            wake.wait(0.002)

    def idle(self) -> bool:
        return not self.waiting_for()

    def waiting_for(self) -> str:
        """What the pipeline still has to do ('' when idle)."""
        head = self.app.recorder.max_notification_id() or 0
        if self.relay.position < head:
            return f"relay at {self.relay.position} of {head}"
        events_topic = self.settings.topic("contract_events")
        expected = {(events_topic, p): end - 1 for p, end in self.relay.offsets.items()}
        deadlines_topic = self.settings.topic("deadlines")
        expected.update({(deadlines_topic, p): o for p, o in self.scheduler.sent.items()})
        expected.update(self.sent)
        for (topic, partition), offset in expected.items():
            runner = self._runner_of(topic)
            if runner.handled.get((topic, partition), -1) < offset:
                return f"{runner.group_id} behind on {topic}/{partition}@{offset}"
        behind = [s.name for s in self.group.status() if s.position < head]
        if behind:
            return f"views {', '.join(behind)} behind {head}"
        if (self.app.recorder.max_notification_id() or 0) != head:
            return "new events"
        return ""

    def _runner_of(self, topic: str) -> ConsumerRunner:
        return next(r for r in self.consumers.values() if topic in r.topics)


def feed_message(run: Run, step: Step) -> bytes:
    """The step as the bank or the telematics system would send it (BankPayment v1, ...)."""
    key = f"{run.number}:step:{step.index}"
    if step.do == "receive_payment":
        body: dict[str, Any] = {
            "payment_id": key,
            "amount": step.args["amount"],
            "received_on": step.on,
            "method": "TRANSFER",
        }
    else:
        body = {
            "reading_id": key,
            "reading_km": step.args["odometer"],
            "read_on": step.on,
            "source": "CUSTOMER",
        }
    message = {"schema_version": 1, "contract_number": run.number, **body}
    return encode({k: v if isinstance(v, (str, int)) else json_safe(v) for k, v in message.items()})
