"""The scheduler (DESIGN 5): due deadlines to `lease.deadlines.v1`, and the daily billing.

- **Deadlines.** Every open deadline of the `deadlines` view whose last day is before
  today becomes one `DeadlineReached` message (key = the contract id as text, as contract
  events are keyed), once per deadline id:
  a deadline is recorded in `<schema>.scheduler_deadlines` after the broker acknowledged
  it. A crash between the two sends it again; the termination consumer's rules are
  state-based, so a second message changes nothing (at least once, harmless twice).
- **Billing.** Once per business date, every contract not closed that has something due
  is asked to bill (`Contract.bill`: the periods begun by today, then set-off); the
  aggregate refuses a second invoice for a period, so a repeated run records nothing. What
  is due comes from the next-due index (infra/billing_due.py): the contracts changed since
  the last run, and those whose next billing day has come, so a run costs what is due, not
  the size of the book.
- **Portal access expiry.** Once per business date, when given one, `AccessExpiry`
  (infra/portal/expiry.py) asks every live portal account whether its access ended
  (PT-03, D-34, A-39).
- `tick()` does all of them on the clock's date; `run(stop)` ticks every `interval` seconds, so a
  deadline the view learns of late still goes out the same day.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from psycopg import sql

from consumers.termination import DeadlineReached
from domain.contract import Ctx
from domain.contract.daily import Bill, next_billing_day
from domain.contract.registry import execute
from domain.values import ContractStatus
from infra.kafka import acknowledged_producer
from infra.schemas.envelope import encode

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterable
    from datetime import date
    from uuid import UUID

    from eventsourcing.postgres import PostgresDatastore

    from domain.application import ContractsApplication
    from domain.contract import Contract
    from domain.decisions import CommandResult
    from domain.errors import RecordedRefusalError
    from infra.billing_due import BillingDue
    from infra.clock import Clock
    from infra.portal.expiry import AccessExpiry
    from projections.views.deadlines import DeadlinesView

logger = logging.getLogger(__name__)

ACTOR = "SYSTEM:scheduler"
SEND_TIMEOUT = 10.0
TICK_INTERVAL = 60.0
"""Seconds between two scheduler runs (`lease run scheduler`)."""
RECORD_EVERY = 500
"""Contracts asked between two writes of their next due dates to the index."""


class PublishedDeadlines:
    """The deadline ids already sent, in the event store's PostgreSQL."""

    def __init__(self, datastore: PostgresDatastore, table: str = "scheduler_deadlines") -> None:
        self.datastore = datastore
        name = sql.Identifier(datastore.schema or "public", table)
        self._create = sql.SQL(
            "CREATE TABLE IF NOT EXISTS {} (deadline_id text PRIMARY KEY, "
            "reached_on date NOT NULL, topic_partition integer NOT NULL, "
            "topic_offset bigint NOT NULL)"
        ).format(name)
        self._select = sql.SQL("SELECT deadline_id FROM {} WHERE deadline_id = ANY(%s)").format(
            name
        )
        self._insert = sql.SQL(
            "INSERT INTO {} SELECT * FROM unnest(%s::text[], %s::date[], %s::int[], %s::bigint[])"
            " ON CONFLICT (deadline_id) DO NOTHING"
        ).format(name)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._create)

    def among(self, deadline_ids: list[str]) -> set[str]:
        """Which of these ids were sent already."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (deadline_ids,))
            return {row["deadline_id"] for row in curs.fetchall()}

    def record(self, sent: Iterable[tuple[DeadlineReached, int, int]]) -> None:
        """Record messages the broker acknowledged: (message, partition, offset)."""
        rows = list(sent)
        if not rows:
            return
        columns = (
            [m.deadline_id for m, _, _ in rows],
            [m.reached_on for m, _, _ in rows],
            [p for _, p, _ in rows],
            [o for _, _, o in rows],
        )
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert, columns)


class DeadlineProducer:
    """Sends `DeadlineReached` messages, acknowledged by all replicas."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self._producer = acknowledged_producer(bootstrap, "lease-scheduler")

    def send(self, messages: list[DeadlineReached]) -> list[tuple[DeadlineReached, int, int]]:
        """Send and wait for every acknowledgement; (message, partition, offset) each."""
        futures = [
            self._producer.send(self.topic, key=deadline_key(m), value=deadline_value(m))
            for m in messages
        ]
        acked = [f.get(timeout=SEND_TIMEOUT) for f in futures]
        return [(m, a.partition, a.offset) for m, a in zip(messages, acked, strict=True)]

    def close(self) -> None:
        self._producer.close()


def deadline_key(message: DeadlineReached) -> bytes:
    """The message key: the contract id as text (before issue 9: its 16 raw bytes; no
    consumer reads the key, the termination consumer takes the id from the value)."""
    return str(message.contract_id).encode()


def deadline_value(message: DeadlineReached) -> bytes:
    """The message's JSON value (docs/schemas/deadlines/DeadlineReached.v1.json)."""
    return encode(message.model_dump(mode="json"))


@dataclass
class Scheduler:
    """Due deadlines out, billing in, on the clock's business date."""

    app: ContractsApplication
    deadlines: DeadlinesView
    published: PublishedDeadlines
    producer: DeadlineProducer
    clock: Clock
    billing_due: BillingDue
    billed_on: date | None = None
    sent: dict[int, int] = field(default_factory=dict)
    """Partition -> offset of the last deadline message acknowledged there."""
    access: AccessExpiry | None = None
    """The portal's access expiry (None: no portal here)."""

    def tick(self) -> None:
        """Send what fell due and bill once per date (what `run` does each interval)."""
        today = self.clock.today()
        self.publish_due(today)
        if self.billed_on != today:
            self.bill(today)
        if self.access is not None and self.access.done_on != today:
            self.access.run(today, datetime.now(UTC))

    def publish_due(self, today: date) -> list[DeadlineReached]:
        """Send one `DeadlineReached` per open deadline whose last day is before `today`."""
        due = self.deadlines.pending(before=today)
        if not due:
            return []
        known = self.published.among([row["deadline_id"] for row in due])
        messages = [reached(row, today) for row in due if row["deadline_id"] not in known]
        acked = self.producer.send(messages)
        self.published.record(acked)
        for _, partition, offset in acked:
            self.sent[partition] = max(offset, self.sent.get(partition, -1))
        for message in messages:
            logger.info("deadline %s reached on %s", message.deadline_id, today)
        return messages

    def bill(self, today: date) -> int:
        """Ask every unclosed contract with something due `today` to bill; how many recorded
        events. Each answer's next due date goes to the index."""
        ctx = Ctx(on=today, actor=ACTOR, causation_id=f"billing:{today.isoformat()}")
        self.billing_due.refresh()
        billed = 0
        asked: list[tuple[UUID, int, date | None]] = []
        for contract_id in self.billing_due.due(today):
            result, next_day = self.bill_one(contract_id, ctx)
            billed += result.position is not None
            asked.append((contract_id, result.version, next_day))
            if len(asked) >= RECORD_EVERY:
                self.billing_due.record(asked)
                asked = []
        self.billing_due.record(asked)
        self.billed_on = today
        logger.info("billing run of %s: %d contracts billed or set off", today, billed)
        return billed

    def bill_one(self, contract_id: UUID, ctx: Ctx) -> tuple[CommandResult, date | None]:
        """Bill one contract (not when closed), and its next billing day after that."""
        found: list[date | None] = [None]

        def decide(contract: Contract) -> RecordedRefusalError | None:
            refusal = None
            if contract.status is not ContractStatus.CLOSED:
                refusal = execute(contract, Bill(), ctx)
            found[0] = next_billing_day(contract)
            return refusal

        result = self.app.decide_id(contract_id, decide)
        return result, found[0]

    def run(self, stop: threading.Event, *, interval: float = TICK_INTERVAL) -> None:
        """Tick until `stop` is set; a failed tick is logged and tried again next interval."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("scheduler tick failed; trying again in %gs", interval)
            stop.wait(interval)

    def close(self) -> None:
        self.producer.close()


def reached(row: dict[str, Any], today: date) -> DeadlineReached:
    """The message for one open deadline row of the `deadlines` view."""
    return DeadlineReached.model_validate_json(
        encode(
            {
                "schema_version": 1,
                "deadline_id": row["deadline_id"],
                "contract_id": str(row["contract_id"]),
                "rule_id": row["rule_id"],
                "due_on": row["due_on"].isoformat(),
                "reached_on": today.isoformat(),
            }
        )
    )
