"""Published chain heads (`lease.audit-checkpoints.v1`): what the database alone cannot prove.

Every `LEASE_AUDIT_CHECKPOINT_SECONDS` the checkpointer reads, for each events table, the
aggregates whose chain advanced since the previous checkpoint (the events after the position
it covered) and publishes each one's head: its last version, that event's position and its
chain hash. A checkpoint is split in parts well under the broker's largest message. The
position each checkpoint covered is remembered in `audit_checkpoints` once the broker has
acknowledged every part, so the next one carries only what changed (a checkpoint not
acknowledged is published again, whole, the next time: a head published twice is harmless).

`verify_against_checkpoints` reads the topic from its beginning and compares every published
head with the database's chain at that version: someone who rewrites events *and* recomputes
their chain so that it holds again is found unless they also rewrite the broker's log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID  # noqa: TC003 - pydantic reads the annotations at run time

from kafka import KafkaConsumer, TopicPartition
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from pydantic import Field

from consumers.wire import SchemaVersion  # noqa: TC001 - pydantic reads it at run time
from infra.audit.verify import BrokenLink
from infra.inputs.types import Strict
from infra.kafka import acknowledged_producer

if TYPE_CHECKING:
    import threading

    from eventsourcing.application import Application
    from eventsourcing.postgres import PostgresDatastore

logger = logging.getLogger(__name__)

HEADS_PER_MESSAGE = 2000
"""Heads in one message: about 230 bytes each in JSON, so under 0.5 MB (the broker takes 1 MB)."""
SEND_TIMEOUT = 30.0
HexHash = Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
Position = Annotated[int, Field(ge=0)]


class ChainHead(Strict):
    """An aggregate's chain at a checkpoint: its last event and that event's chain hash."""

    aggregate_id: UUID
    """The aggregate (for a contract: the uuid5 of its number)."""
    version: Annotated[int, Field(ge=1)]
    position: Position
    """The event's notification id in its events table."""
    chain_hash: HexHash
    """sha256 link of the event (docs/audit-chain.md), hexadecimal."""


class AuditCheckpoint(Strict):
    """One part of a checkpoint: the heads of the aggregates whose chain advanced in one
    events table since the previous checkpoint, up to `covers_position`."""

    schema_version: SchemaVersion
    checkpoint_id: Annotated[int, Field(ge=1)]
    events_table: Annotated[str, Field(min_length=1, max_length=63)]
    """contracts_events or portal_events."""
    after_position: Position
    """The position the previous checkpoint of this table covered (0: the first)."""
    covers_position: Position
    """The last position of the table this checkpoint covers."""
    part: Annotated[int, Field(ge=1)]
    parts: Annotated[int, Field(ge=1)]
    published_at: datetime
    heads: list[ChainHead]


def _ledger(datastore: PostgresDatastore) -> SQL | Any:
    return SQL(
        "CREATE TABLE IF NOT EXISTS {}.audit_checkpoints ("
        "checkpoint_id bigserial PRIMARY KEY, events_table text NOT NULL, "
        "covers_position bigint NOT NULL, heads bigint NOT NULL, "
        "published_at timestamptz NOT NULL DEFAULT now())"
    ).format(Identifier(datastore.schema))


class Checkpointer:
    """Publishes the chain heads of the applications' events tables (a worker)."""

    def __init__(
        self, apps: list[Application[Any]], bootstrap: str, topic: str, seconds: float
    ) -> None:
        self.apps, self.topic, self.seconds = apps, topic, seconds
        self._producer = acknowledged_producer(bootstrap, "lease-audit-checkpoints")

    def run(self, stop: threading.Event) -> None:
        """A checkpoint now, then one every `seconds`, until `stop` is set."""
        while not stop.is_set():
            try:
                self.publish()
            except Exception:  # a broker or database away: try again next time
                logger.exception("audit checkpoint not published")
            stop.wait(self.seconds)

    def publish(self) -> int:
        """One checkpoint of every table; how many heads it published."""
        return sum(self._publish_table(app) for app in self.apps)

    def _publish_table(self, app: Application[Any]) -> int:
        recorder: Any = app.recorder
        datastore: PostgresDatastore = recorder.datastore
        table, schema = recorder.events_table_name, Identifier(datastore.schema)
        with datastore.transaction(commit=True) as curs:
            curs.execute(_ledger(datastore))
            after_row = curs.execute(
                SQL(
                    "SELECT coalesce(max(covers_position), 0) AS p FROM {}.audit_checkpoints "
                    "WHERE events_table = %s"
                ).format(schema),
                (table,),
            ).fetchone()
            after = int(after_row["p"]) if after_row else 0
            head_row = curs.execute(
                SQL("SELECT coalesce(max(notification_id), 0) AS p FROM {}.{}").format(
                    schema, Identifier(table)
                )
            ).fetchone()
            covers = int(head_row["p"]) if head_row else 0
            if covers <= after:
                return 0
            rows = curs.execute(
                SQL(
                    "SELECT DISTINCT ON (originator_id) originator_id, originator_version, "
                    "notification_id, chain_hash FROM {}.{} "
                    "WHERE notification_id > %s AND notification_id <= %s "
                    "ORDER BY originator_id, originator_version DESC"
                ).format(schema, Identifier(table)),
                (after, covers),
            ).fetchall()
            checkpoint = curs.execute(
                SQL(
                    "INSERT INTO {}.audit_checkpoints (events_table, covers_position, heads) "
                    "VALUES (%s, %s, %s) RETURNING checkpoint_id AS id"
                ).format(schema),
                (table, covers, len(rows)),
            ).fetchone()
            assert checkpoint is not None
            heads = [
                ChainHead(
                    aggregate_id=r["originator_id"],
                    version=r["originator_version"],
                    position=r["notification_id"],
                    chain_hash=bytes(r["chain_hash"] or b"").hex() or "0" * 64,
                )
                for r in rows
            ]
            self._send(int(checkpoint["id"]), table, after, covers, heads)
        return len(heads)

    def _send(
        self, checkpoint_id: int, table: str, after: int, covers: int, heads: list[ChainHead]
    ) -> None:
        """Every part, acknowledged (inside the ledger's transaction: no ack, no record)."""
        chunks = [heads[i : i + HEADS_PER_MESSAGE] for i in range(0, len(heads), HEADS_PER_MESSAGE)]
        now = datetime.now(UTC)
        futures = [
            self._producer.send(
                self.topic,
                key=f"{table}:{checkpoint_id}".encode(),
                value=AuditCheckpoint(
                    schema_version=1,
                    checkpoint_id=checkpoint_id,
                    events_table=table,
                    after_position=after,
                    covers_position=covers,
                    part=n,
                    parts=len(chunks),
                    published_at=now,
                    heads=chunk,
                )
                .model_dump_json()
                .encode(),
            )
            for n, chunk in enumerate(chunks, 1)
        ]
        for future in futures:
            future.get(timeout=SEND_TIMEOUT)

    def close(self) -> None:
        self._producer.close()


def read_checkpoints(bootstrap: str, topic: str) -> list[AuditCheckpoint]:
    """Every checkpoint part on the topic, from its beginning to its end now."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        found: list[AuditCheckpoint] = []
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            for records in consumer.poll(timeout_ms=1000).values():
                found += [AuditCheckpoint.model_validate_json(r.value) for r in records]
        return found
    finally:
        consumer.close()


def verify_against_checkpoints(
    app: Application[Any], bootstrap: str, topic: str, only: UUID | None = None
) -> list[BrokenLink]:
    """Every published head compared with the stored chain at that version (the contracts
    application's datastore holds every events table)."""
    recorder: Any = app.recorder
    datastore: PostgresDatastore = recorder.datastore
    broken: list[BrokenLink] = []
    with datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
        for checkpoint in read_checkpoints(bootstrap, topic):
            table = checkpoint.events_table
            query = SQL(
                "SELECT notification_id, chain_hash FROM {}.{} "
                "WHERE originator_id = %s AND originator_version = %s"
            ).format(Identifier(datastore.schema), Identifier(table))
            for head in checkpoint.heads:
                if only is not None and head.aggregate_id != only:
                    continue
                row = curs.execute(query, (head.aggregate_id, head.version)).fetchone()
                problem = _head_problem(head, row)
                if problem is not None:
                    where = f"checkpoint {checkpoint.checkpoint_id}: {problem}"
                    broken.append(
                        BrokenLink(table, head.aggregate_id, head.version, head.position, where)
                    )
    return broken


def _head_problem(head: ChainHead, row: tuple[Any, ...] | None) -> str | None:
    if row is None:
        return "event missing: the published head is not in the database"
    position, chain_hash = row
    if position != head.position:
        return f"order broken: published at position {head.position}, stored at {position}"
    if chain_hash is None or bytes(chain_hash).hex() != head.chain_hash:
        return "chain rewritten: the stored hash differs from the published head"
    return None
