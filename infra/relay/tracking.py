"""Where the outbox relay keeps its position and what it knows of the broker (PostgreSQL).

The position is the library's tracking record (`relay_tracking`, single row per
application). Beside it, `relay_state` keeps, per topic, the id of the cluster the relay
published to, how many events it has published up to that position, and the next offset of
each partition it was acknowledged on. Both change in one
transaction, after the broker acknowledged a batch, so after a crash the relay resumes at
the last acknowledged batch, and a broker that lost its log can be told apart (DESIGN 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InfrastructureFactory, IntegrityError
from eventsourcing.postgres import PostgresFactory, PostgresTrackingRecorder
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Composed, Identifier
from psycopg.types.json import Jsonb

if TYPE_CHECKING:
    from collections.abc import Mapping

    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresDatastore

RELAY_NAME = "relay"
"""The relay's env prefix and table prefix (`relay_tracking`, `relay_state`)."""
POOL_SIZE = "1"
"""Connections the relay keeps open: it reads and records from one thread."""


@dataclass(frozen=True)
class BrokerState:
    """What the relay published to a topic: on which cluster, and how many events."""

    topic: str
    cluster_id: str
    published: int
    """Events published (each counted once) up to the tracked position."""
    offsets: dict[int, int] = field(default_factory=dict)
    """Partition -> offset after the last message acknowledged there."""


class RelayTracking(PostgresTrackingRecorder):
    """The relay's tracking record plus its `BrokerState` per topic, written together."""

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str) -> None:
        super().__init__(datastore, tracking_table_name=tracking_table_name)
        schema = Identifier(datastore.schema)
        state = Identifier(tracking_table_name.removesuffix("_tracking") + "_state")
        tracking = Identifier(tracking_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (topic text PRIMARY KEY, "
                "cluster_id text NOT NULL, published bigint NOT NULL, offsets jsonb NOT NULL)"
            ).format(schema, state)
        )
        self._upsert_state = _upsert_state(schema, state)
        self._record = _record(schema, tracking, state, single_row=datastore.single_row_tracking)
        self._select_state = SQL("SELECT * FROM {0}.{1} WHERE topic = %s").format(schema, state)
        self._delete_tracking = SQL("DELETE FROM {0}.{1} WHERE application_name = %s").format(
            schema, tracking
        )

    def record(self, tracking: Tracking, state: BrokerState) -> None:
        """Move the position to `tracking` and store `state`: one statement, one transaction.

        The commit does not wait for the WAL flush: a record lost in a database crash only
        moves the position back, so the relay sends those events again (at least once).
        Raises IntegrityError when the position is not behind `tracking`.
        """
        params = {
            "application_name": tracking.application_name,
            "notification_id": tracking.notification_id,
            **_params(state),
        }
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._record, params, prepare=True)
            row = curs.fetchone()
        if row is None or not row["tracked"]:
            msg = (
                f"position of {tracking.application_name} is not behind {tracking.notification_id}"
            )
            raise IntegrityError(msg)

    def broker_state(self, topic: str) -> BrokerState | None:
        """The stored state of `topic`, None before the first publication."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_state, (topic,))
            row: Mapping[str, Any] | None = curs.fetchone()
        if row is None:
            return None
        offsets = {int(p): int(o) for p, o in row["offsets"].items()}
        return BrokerState(row["topic"], row["cluster_id"], row["published"], offsets)

    def reset(self, application_name: str, state: BrokerState) -> None:
        """Forget the position (publish again from the first event) and store `state`."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._delete_tracking, (application_name,))
            curs.execute(self._upsert_state, _params(state))


def _upsert_state(schema: Identifier, state: Identifier) -> Composed:
    return SQL(
        "INSERT INTO {0}.{1} VALUES (%(topic)s, %(cluster_id)s, %(published)s, %(offsets)s) "
        "ON CONFLICT (topic) DO UPDATE SET cluster_id = EXCLUDED.cluster_id, "
        "published = EXCLUDED.published, offsets = EXCLUDED.offsets"
    ).format(schema, state)


def _record(
    schema: Identifier, tracking: Identifier, state: Identifier, *, single_row: bool
) -> Composed:
    """Insert the tracking record and upsert the state in one statement (one round trip),
    committed without waiting for the WAL flush."""
    track = "INSERT INTO {0}.{1} VALUES (%(application_name)s, %(notification_id)s)"
    if single_row:  # the library's rule: the position only moves on
        track += (
            " ON CONFLICT (application_name) DO UPDATE SET notification_id ="
            " EXCLUDED.notification_id WHERE {0}.{1}.notification_id < EXCLUDED.notification_id"
        )
    return SQL(
        "WITH tracked AS ({0} RETURNING notification_id), stated AS ({1}) "
        "SELECT set_config('synchronous_commit', 'off', true) AS async_commit, "
        "(SELECT count(*) FROM tracked) AS tracked"
    ).format(SQL(track).format(schema, tracking), _upsert_state(schema, state))


def _params(state: BrokerState) -> dict[str, Any]:
    offsets = {str(p): o for p, o in sorted(state.offsets.items())}
    return {
        "topic": state.topic,
        "cluster_id": state.cluster_id,
        "published": state.published,
        "offsets": Jsonb(offsets),
    }


def relay_tracking(env: Mapping[str, str], name: str = RELAY_NAME) -> RelayTracking:
    """The relay's tables in the application's PostgreSQL (created if missing)."""
    settings = {**env, PostgresFactory.POSTGRES_POOL_SIZE: POOL_SIZE}
    factory = InfrastructureFactory.construct(Environment(name, settings))
    recorder = factory.tracking_recorder(RelayTracking)
    if not isinstance(recorder, RelayTracking):  # pragma: no cover - not eventsourcing.postgres
        msg = "the relay needs PERSISTENCE_MODULE=eventsourcing.postgres"
        raise TypeError(msg)
    return recorder
