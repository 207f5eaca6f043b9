"""A snapshot in one prepared insert (infra.recorder.SnapshotsOneAtATime), and a command's
snapshot in the statement of its events (OneTripApplicationRecorder.store_snapshots_in):
stored as the library stores it, refused as the library refuses a version stored already."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresFactory

from domain.application import SNAPSHOT_INTERVAL, ContractsApplication
from domain.contract import Contract
from domain.contract.incidents import ReportOdometer
from domain.recording import SNAPSHOT
from infra.idempotency import SAVE_OPTION, IdempotencyRecord, IdempotentContracts
from infra.recorder import OneTripApplicationRecorder, SnapshotsOneAtATime
from tests.factories import ctx, part_paid_in, run_days
from tests.prepared import prepared_runs

pytestmark = pytest.mark.integration

STATE = b'{"status":"ACTIVE","note":"\xc3\xa9 \\u0000 \x00\xff"}'
"""Any bytes: the state goes as binary, not through a text escape."""
LAST_DAY = date(2028, 3, 31)


def recorder(app: ContractsApplication) -> SnapshotsOneAtATime:
    assert app.snapshots is not None
    assert isinstance(app.snapshots.recorder, SnapshotsOneAtATime)
    return app.snapshots.recorder


def snapshot(oid: UUID, version: int, state: bytes = STATE) -> StoredEvent:
    return StoredEvent(oid, version, "eventsourcing.domain:Snapshot", state)


def stored(app: ContractsApplication, oid: UUID) -> list[tuple[int, bytes]]:
    return [(s.originator_version, s.state) for s in recorder(app).select_events(oid)]


def runs(app: ContractsApplication, like: str = "lease_snapshot_%") -> list[int]:
    """How often each prepared statement of the one session named `like` ran."""
    return prepared_runs(recorder(app).datastore, like)


def test_a_snapshot_is_one_run_of_the_prepared_insert(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()

    assert recorder(one_connection).insert_events([snapshot(oid, 20)]) is None
    recorder(one_connection).insert_events([snapshot(oid, 40, b"{}")])

    assert stored(one_connection, oid) == [(20, STATE), (40, b"{}")]
    assert runs(one_connection) == [2]


def test_a_version_stored_already_is_refused_and_the_first_kept(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()
    recorder(one_connection).insert_events([snapshot(oid, 20)])

    with pytest.raises(IntegrityError):
        recorder(one_connection).insert_events([snapshot(oid, 20, b"{}")])

    assert stored(one_connection, oid) == [(20, STATE)]


def test_several_snapshots_at_once_are_the_library_s_insert(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()

    recorder(one_connection).insert_events([snapshot(oid, 20), snapshot(oid, 40)])

    assert stored(one_connection, oid) == [(20, STATE), (40, STATE)]
    assert runs(one_connection) == []


def test_each_snapshot_a_command_stored_is_the_contract_at_its_version(
    one_connection: ContractsApplication,
) -> None:
    number = part_paid_in(one_connection, date(2024, 5, 1))
    one_connection.decide(number, lambda c: run_days(c, date(2024, 5, 2), LAST_DAY))
    for km in range(SNAPSHOT_INTERVAL + 1):  # one event a command: a snapshot at a multiple
        one_connection.execute(number, ReportOdometer(odometer=70_000 + km), ctx(LAST_DAY))
    contract_id = Contract.create_id(number)

    assert one_connection.snapshots is not None
    snapshots = list(one_connection.snapshots.get(contract_id))
    assert any(s.originator_version % SNAPSHOT_INTERVAL == 0 for s in snapshots)
    assert sum(runs(one_connection, "lease_insert_%_snap")) == len(snapshots)
    assert runs(one_connection) == []  # each in its events' statement
    for taken in snapshots:
        events = one_connection.events.get(contract_id, lte=taken.originator_version)
        assert project_aggregate(None, [taken]) == project_aggregate(None, events)


def events_of(app: ContractsApplication, oid: UUID) -> list[int]:
    return [e.originator_version for e in app.recorder.select_events(oid)]


def event(oid: UUID, version: int) -> StoredEvent:
    return StoredEvent(oid, version, "tests:Happened", b"{}")


def test_a_command_s_snapshot_is_stored_with_its_events_or_not_at_all(
    one_connection: ContractsApplication,
) -> None:
    events = one_connection.recorder
    oid = uuid4()
    events.insert_events([event(oid, 1)], **{SNAPSHOT: snapshot(oid, 1)})
    events.insert_events([event(oid, 2), event(oid, 3)], **{SNAPSHOT: snapshot(oid, 3)})

    # A refused event (its version is stored already) takes its snapshot with it
    with pytest.raises(IntegrityError):
        events.insert_events([event(oid, 3)], **{SNAPSHOT: snapshot(oid, 4, b"{}")})
    # A snapshot stored already (a retry) is kept, and the events are stored
    events.insert_events([event(oid, 4)], **{SNAPSHOT: snapshot(oid, 3, b"{}")})

    assert events_of(one_connection, oid) == [1, 2, 3, 4]
    assert stored(one_connection, oid) == [(1, STATE), (3, STATE)]
    assert runs(one_connection, "lease_insert_%_snap") == [1, 3]  # many; one (refused too)


def test_an_idempotent_save_stores_its_snapshot_in_its_transaction(pg_env: dict[str, str]) -> None:
    app = IdempotentContracts(env=pg_env)
    try:
        oid = uuid4()
        record = IdempotencyRecord(key=f"k-{oid}", request="r", command="c", status=200)
        app.recorder.insert_events(
            [event(oid, 1)], **{SAVE_OPTION: record, SNAPSHOT: snapshot(oid, 1)}
        )

        assert events_of(app, oid) == [1]
        assert stored(app, oid) == [(1, STATE)]
        assert app.keys.find(record.key) is not None
    finally:
        app.close()


def test_with_the_library_s_database_functions_snapshots_are_left_to_the_application(
    pg_env: dict[str, str],
) -> None:
    app = ContractsApplication(env={**pg_env, PostgresFactory.POSTGRES_ENABLE_DB_FUNCTIONS: "y"})
    try:
        assert isinstance(app.recorder, OneTripApplicationRecorder)
        assert app.recorder.store_snapshots_in("contracts_snapshots") is False
        assert app._snapshot_in_save is False
    finally:
        app.close()
