"""The hash chain on PostgreSQL: the trigger computes `link_hash`'s bytes, tables stored
before it are chained in, and tampering with stored events or snapshots is named."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore, PostgresFactory
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from rich.console import Console

from consumers.tracking import TrackedContracts
from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.formation import (
    HandOverVehicle,
    NotifyVehicleReady,
    OrderVehicle,
    SubmitInsuranceProof,
)
from infra.audit.chain import trigger_name
from infra.audit.chain_store import stream_links, verify_snapshots
from infra.audit.links import GENESIS, link_hash
from infra.audit.verify import verify_rows
from infra.cli import audit as audit_cli
from tests.factories import REF_START, ctx, ref_terms
from tests.integration.test_application import CONCLUDED_ON, ORDERED_ON, PROOF_ON, READY_NOTICE

if TYPE_CHECKING:
    from infra.audit.verify import ChainReport

pytestmark = pytest.mark.integration
TABLE = "contracts_events"


def conclude(app: ContractsApplication, number: str) -> UUID:
    """A contract walked to ACTIVE (versions 1..5)."""
    app.conclude(ref_terms(contract_number=number), ctx(CONCLUDED_ON))
    app.execute(number, OrderVehicle(), ctx(ORDERED_ON))
    app.execute(number, NotifyVehicleReady(), ctx(READY_NOTICE))
    app.execute(number, SubmitInsuranceProof(), ctx(PROOF_ON))
    app.execute(number, HandOverVehicle(odometer=12), ctx(REF_START))
    return Contract.create_id(number)


def store(app: ContractsApplication) -> PostgresDatastore:
    """The application's PostgreSQL datastore."""
    factory = app.factory
    assert isinstance(factory, PostgresFactory)
    return factory.datastore


def sql(app: ContractsApplication, statement: str) -> None:
    """Run SQL on the app's schema, as someone with access to the database would."""
    schema = store(app).schema
    with store(app).get_connection() as conn:
        conn.execute(SQL(f"SET search_path TO {{}}; {statement}").format(Identifier(schema)))
        conn.commit()


def verify(app: ContractsApplication) -> ChainReport:
    schema = store(app).schema
    with store(app).get_connection() as conn, conn.transaction():
        return verify_rows(TABLE, stream_links(conn, schema, TABLE))


def problems(app: ContractsApplication) -> list[tuple[UUID, int, str]]:
    report = verify(app)
    assert report.broken is not None
    return [(b.originator_id, b.version, b.problem) for b in report.broken]


class TestTheTrigger:
    def test_postgres_hash_equals_link_hash_for_real_events(
        self, app: ContractsApplication
    ) -> None:
        contract_id = conclude(app, "LC-2024-000101")
        schema = store(app).schema
        with store(app).get_connection() as conn, conn.transaction():
            rows = list(stream_links(conn, schema, TABLE, contract_id))

        previous = GENESIS
        for row in rows:
            expected = link_hash(
                previous, row.originator_id, row.version, row.position, row.topic, row.state
            )
            assert row.chain_hash == expected
            previous = expected
        assert [r.version for r in rows] == [1, 2, 3, 4, 5]

    def test_non_ascii_topic_and_state_and_many_events_in_one_insert(
        self, app: ContractsApplication
    ) -> None:
        oid = uuid4()
        events = [
            StoredEvent(oid, v, f"tésts.ünïcode:Événement{v}€", f'{{"n": "çà🚗{v}"}}'.encode())
            for v in (1, 2, 3)
        ]
        app.recorder.insert_events(events[:1])  # one event: hashed by the insert function
        app.recorder.insert_events(events[1:])  # several: by the trigger, in one statement
        schema = store(app).schema
        with store(app).get_connection() as conn, conn.transaction():
            rows = list(stream_links(conn, schema, TABLE, oid))

        previous = GENESIS
        for row, event in zip(rows, events, strict=True):
            assert row.topic == event.topic
            previous = link_hash(previous, oid, row.version, row.position, row.topic, event.state)
            assert row.chain_hash == previous

    def test_the_library_insert_of_tracked_saves_is_chained_by_the_trigger(
        self, tracked_app: TrackedContracts
    ) -> None:
        oid = uuid4()
        events = [StoredEvent(oid, v, "t:Tracked", f"{{{v}}}".encode()) for v in (1, 2)]
        tracked_app.recorder.insert_events(events)
        schema = tracked_app.recorder.datastore.schema  # type: ignore[attr-defined]
        with tracked_app.recorder.datastore.get_connection() as conn, conn.transaction():  # type: ignore[attr-defined]
            report = verify_rows(TABLE, stream_links(conn, schema, TABLE, oid))
        assert report.intact
        assert report.events == 2

    def test_an_event_whose_previous_version_is_missing_is_refused(
        self, app: ContractsApplication
    ) -> None:
        with pytest.raises(Exception, match="no chained previous version"):
            app.recorder.insert_events([StoredEvent(uuid4(), 2, "t:T", b"{}")])

    def test_a_table_stored_before_the_chain_is_chained_in(
        self, app: ContractsApplication, pg_env: dict[str, str]
    ) -> None:
        conclude(app, "LC-2024-000102")
        conclude(app, "LC-2024-000103")
        before = verify(app)
        sql(app, f"UPDATE {TABLE} SET chain_hash = NULL")

        again = ContractsApplication(env=pg_env)  # creates its tables: the migration runs
        again.close()

        after = verify(app)
        assert after.intact
        assert after.events == before.events == 10


class TestTampering:
    def test_an_intact_log_verifies(self, app: ContractsApplication) -> None:
        conclude(app, "LC-2024-000104")
        report = verify(app)
        assert report.intact
        assert report.events == 5

    def test_changed_content_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000105")
        sql(app, f"UPDATE {TABLE} SET topic = topic || 'x' WHERE originator_version = 3")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 3)
        assert problem.startswith("content changed")

    def test_changed_content_of_the_last_event_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000113")
        sql(
            app,
            f"UPDATE {TABLE} SET state = convert_to(replace(convert_from(state, 'UTF8'),"
            f" '12', '13'), 'UTF8') WHERE originator_version = 5",
        )
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 5)
        assert problem.startswith("content or hash changed")

    def test_a_deleted_event_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000106")
        sql(app, f"DELETE FROM {TABLE} WHERE originator_version = 3")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 4)
        assert problem == "event missing: version 3 expected, found 4"

    def test_exchanged_states_are_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000107")
        sql(
            app,
            f"UPDATE {TABLE} a SET state = b.state, topic = b.topic FROM {TABLE} b "
            f"WHERE a.originator_id = b.originator_id AND "
            f"((a.originator_version = 2 AND b.originator_version = 3) OR "
            f"(a.originator_version = 3 AND b.originator_version = 2))",
        )
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 2)
        assert problem.startswith("order broken: the content stored at version 3")

    def test_exchanged_versions_are_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000108")
        sql(app, f"UPDATE {TABLE} SET originator_version = -2 WHERE originator_version = 2")
        sql(app, f"UPDATE {TABLE} SET originator_version = 2 WHERE originator_version = 3")
        sql(app, f"UPDATE {TABLE} SET originator_version = 3 WHERE originator_version = -2")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 2)
        assert problem.startswith("order broken: the events stored as versions 2 and 3")

    def test_an_inserted_event_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000109")
        sql(app, f"ALTER TABLE {TABLE} DISABLE TRIGGER {trigger_name(TABLE)}")
        sql(
            app,
            f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) "
            f"SELECT originator_id, 6, topic, state FROM {TABLE} WHERE originator_version = 5",
        )
        sql(app, f"ALTER TABLE {TABLE} ENABLE TRIGGER {trigger_name(TABLE)}")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 6)
        assert problem.startswith("unexpected event inserted")

    def test_an_event_inserted_in_the_middle_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000110")
        for version in (5, 4, 3):
            sql(
                app,
                f"UPDATE {TABLE} SET originator_version = {version + 1} "
                f"WHERE originator_version = {version}",
            )
        sql(app, f"ALTER TABLE {TABLE} DISABLE TRIGGER {trigger_name(TABLE)}")
        sql(
            app,
            f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state, chain_hash) "
            f"SELECT originator_id, 3, topic, state, chain_hash FROM {TABLE} "
            f"WHERE originator_version = 2",
        )
        sql(app, f"ALTER TABLE {TABLE} ENABLE TRIGGER {trigger_name(TABLE)}")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 3)
        assert problem.startswith("unexpected event inserted: the chain holds without it")

    def test_a_changed_hash_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000111")
        sql(app, f"UPDATE {TABLE} SET chain_hash = sha256('x') WHERE originator_version = 2")
        [(found, version, problem)] = problems(app)
        assert (found, version) == (oid, 2)
        assert problem.startswith("hash column changed")

    def test_a_tampered_snapshot_is_named(self, app: ContractsApplication) -> None:
        oid = conclude(app, "LC-2024-000112")
        app.take_snapshot(oid, version=4)
        app.take_snapshot(oid, version=5)
        table = "contracts_snapshots"
        with store(app).get_connection() as conn, conn.transaction():
            assert verify_snapshots(app, conn, table, set()) == []
        sql(
            app,
            f"UPDATE {table} SET state = convert_to(replace(convert_from(state, 'UTF8'),"
            f" '\"last_odometer\":12', '\"last_odometer\":99'), 'UTF8')"
            " WHERE originator_version = 5",
        )
        with store(app).get_connection() as conn, conn.transaction():
            [broken] = verify_snapshots(app, conn, table, set())
        assert (broken.originator_id, broken.version) == (oid, 5)
        assert broken.problem.startswith("snapshot tampered")


def test_a_verify_keeps_its_transactions_open_past_the_idle_timeout(
    app: ContractsApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verify streams from a cursor while it works elsewhere (a snapshot's aggregate is
    rebuilt on another connection), so its transactions must outlast the library's 5 s
    idle-in-transaction limit: on a 5,000-contract book under load the server ended one."""
    oid = conclude(app, "LC-2024-000113")
    app.take_snapshot(oid, version=5)
    seen: list[str] = []

    def timeout_of(conn: Any) -> str:
        with conn.cursor(row_factory=tuple_row) as curs:
            row = curs.execute("SHOW idle_in_transaction_session_timeout").fetchone()
        return str(row[0])

    def links(conn: Any, *args: Any) -> Any:
        seen.append(timeout_of(conn))
        return stream_links(conn, *args)

    def snapshots(app_: Any, conn: Any, *args: Any) -> Any:
        seen.append(timeout_of(conn))
        return verify_snapshots(app_, conn, *args)

    monkeypatch.setattr(audit_cli, "stream_links", links)
    monkeypatch.setattr(audit_cli, "verify_snapshots", snapshots)
    events, broken = audit_cli.verify_apps([app], None, Console(file=io.StringIO()))
    assert (events, broken) == (5, [])
    assert seen == ["0", "0"]
    with store(app).get_connection() as conn:  # the library's limit stands elsewhere
        assert timeout_of(conn) != "0"
