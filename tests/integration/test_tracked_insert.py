"""The consumers' saves in one round trip (infra.tracked_recorder): events and position
together or not at all, the position only forwards, as the library's process recorder."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.postgres import PostgresFactory
from psycopg import sql

from consumers.base import tracking_name
from consumers.tracking import TrackedContracts
from domain.application import SNAPSHOT_INTERVAL
from domain.contract import Contract
from domain.contract.incidents import ReportOdometer
from domain.recording import SNAPSHOT
from infra.tracked_recorder import PublishableProcessRecorder
from tests.factories import ctx, part_paid_in
from tests.prepared import prepared_runs

if TYPE_CHECKING:
    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

NAME = tracking_name("lease.contract-events.v1", 2)


def recorder(app: TrackedContracts) -> PublishableProcessRecorder:
    assert isinstance(app.recorder, PublishableProcessRecorder)
    return app.recorder


def event(oid: UUID, version: int, state: bytes = b'{"x":1}') -> StoredEvent:
    return StoredEvent(oid, version, "domain.contract:Noted", state)


def one_session(pg_env: dict[str, str]) -> dict[str, str]:
    """The env of an application whose pool holds one connection: the session's prepared
    statements are all the recorder ran."""
    return pg_env | {
        PostgresFactory.POSTGRES_POOL_SIZE: "1",
        PostgresFactory.POSTGRES_MAX_OVERFLOW: "0",
    }


def stored(app: TrackedContracts, oid: UUID) -> list[tuple[int, bytes]]:
    return [(e.originator_version, e.state) for e in app.recorder.select_events(oid)]


def test_events_and_their_position_are_stored_together(tracked_app: TrackedContracts) -> None:
    oid = uuid4()
    events = [event(oid, 1), event(oid, 2, b'{"\\u00e9":"\xc3\xa9"}')]

    positions = recorder(tracked_app).insert_events(events, tracking=Tracking(NAME, 7))

    assert positions is not None
    assert len(positions) == 2
    assert list(positions) == sorted(positions)
    assert positions[-1] == tracked_app.recorder.max_notification_id()
    assert stored(tracked_app, oid) == [(1, b'{"x":1}'), (2, events[1].state)]
    assert tracked_app.max_tracking_id(NAME) == 7


def test_a_save_is_one_call_of_the_prepared_function(pg_env: dict[str, str]) -> None:
    """Not the library's pipelined path: the one pooled session holds the prepared call, and
    the tracking-only save used it too (the session's statement was executed twice)."""
    app = TrackedContracts(env=one_session(pg_env))
    try:
        app.recorder.insert_events([event(uuid4(), 1)], tracking=Tracking(NAME, 1))
        recorder(app).insert_tracking(Tracking(NAME, 2))
        runs = prepared_runs(recorder(app).datastore, "lease_tracked_%")
    finally:
        app.close()
    assert runs == [2]


def test_a_position_alone_moves_on_and_stores_no_event(tracked_app: TrackedContracts) -> None:
    before = tracked_app.recorder.max_notification_id()

    assert recorder(tracked_app).insert_events([], tracking=Tracking(NAME, 3)) is None
    recorder(tracked_app).insert_tracking(Tracking(NAME, 4))

    assert tracked_app.max_tracking_id(NAME) == 4
    assert tracked_app.recorder.max_notification_id() == before


def test_a_position_not_ahead_is_refused_and_its_events_are_not_stored(
    tracked_app: TrackedContracts,
) -> None:
    recorder(tracked_app).insert_tracking(Tracking(NAME, 10))
    oid = uuid4()

    for position in (10, 9):
        with pytest.raises(IntegrityError, match=f"Failed to record tracking for {NAME}"):
            recorder(tracked_app).insert_events([event(oid, 1)], tracking=Tracking(NAME, position))

    assert stored(tracked_app, oid) == []
    assert tracked_app.max_tracking_id(NAME) == 10
    assert tracked_app.already_processed(Tracking(NAME, 9))


def test_a_version_stored_already_is_refused_and_the_position_stays(
    tracked_app: TrackedContracts,
) -> None:
    oid = uuid4()
    recorder(tracked_app).insert_events([event(oid, 1)], tracking=Tracking(NAME, 1))

    with pytest.raises(IntegrityError):
        recorder(tracked_app).insert_events(
            [event(oid, 2), event(oid, 1)], tracking=Tracking(NAME, 2)
        )

    assert stored(tracked_app, oid) == [(1, b'{"x":1}')]
    assert tracked_app.max_tracking_id(NAME) == 1


def test_tracked_events_are_chained_and_wake_the_listeners(
    tracked_app: TrackedContracts, pg_info: PostgresInfo
) -> None:
    """The hash chain's trigger fills each row; the NOTIFY wakes the relay's LISTEN."""
    app_recorder = recorder(tracked_app)
    datastore = app_recorder.datastore
    with psycopg.connect(pg_info.dsn, autocommit=True) as listener:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(app_recorder.channel_name)))
        oid = uuid4()
        app_recorder.insert_events([event(oid, 1), event(oid, 2)], tracking=Tracking(NAME, 1))
        woken = list(listener.notifies(timeout=10, stop_after=1))
        hashes = listener.execute(
            sql.SQL("SELECT chain_hash FROM {}.{} WHERE originator_id = %s").format(
                sql.Identifier(datastore.schema), sql.Identifier(app_recorder.events_table_name)
            ),
            (oid,),
        ).fetchall()
    assert [n.channel for n in woken] == [app_recorder.channel_name]
    assert len(hashes) == 2
    assert all(row[0] is not None and len(row[0]) == 32 for row in hashes)


def snapshots_of(app: TrackedContracts, oid: UUID) -> list[tuple[int, bytes]]:
    assert app.snapshots is not None
    return [(s.originator_version, s.state) for s in app.snapshots.recorder.select_events(oid)]


def snapshot(oid: UUID, version: int, state: bytes = b'{"s":1}') -> StoredEvent:
    return StoredEvent(oid, version, "eventsourcing.domain:Snapshot", state)


def test_a_save_s_snapshot_is_stored_with_its_events_and_position_or_not_at_all(
    tracked_app: TrackedContracts,
) -> None:
    assert tracked_app._snapshot_in_save
    oid = uuid4()
    recorder(tracked_app).insert_events(
        [event(oid, 1), event(oid, 2)], tracking=Tracking(NAME, 1), **{SNAPSHOT: snapshot(oid, 2)}
    )

    # A position not ahead: nothing of the save is stored, its snapshot neither
    with pytest.raises(IntegrityError):
        recorder(tracked_app).insert_events(
            [event(oid, 3)], tracking=Tracking(NAME, 1), **{SNAPSHOT: snapshot(oid, 3)}
        )

    assert stored(tracked_app, oid) == [(1, b'{"x":1}'), (2, b'{"x":1}')]
    assert snapshots_of(tracked_app, oid) == [(2, b'{"s":1}')]
    assert tracked_app.max_tracking_id(NAME) == 1


def test_a_snapshot_is_refused_on_the_library_s_path(tracked_app: TrackedContracts) -> None:
    oid = uuid4()
    with pytest.raises(ValueError, match="one-call save"):
        recorder(tracked_app).insert_events([event(oid, 1)], **{SNAPSHOT: snapshot(oid, 1)})
    assert stored(tracked_app, oid) == []


def test_a_consumer_s_command_snapshots_in_its_one_call(pg_env: dict[str, str]) -> None:
    app = TrackedContracts(env=one_session(pg_env))
    try:
        number = part_paid_in(app, date(2024, 5, 1))
        contract_id = Contract.create_id(number)
        due = (app.get(number).version // SNAPSHOT_INTERVAL + 1) * SNAPSHOT_INTERVAL
        offset = 100
        while app.get(number).version < due:  # one event a command, up to the multiple
            offset += 1
            km = ReportOdometer(odometer=10_000 + offset)
            app.execute_tracked(number, km, ctx(date(2024, 5, 2)), Tracking(NAME, offset))

        assert app.snapshots is not None
        [taken] = [s for s in app.snapshots.get(contract_id) if s.originator_version == due]
        events = app.events.get(contract_id, lte=due)
        assert project_aggregate(None, [taken]) == project_aggregate(None, events)
        runs = prepared_runs(recorder(app).datastore, "lease_tracked_%_snap")
    finally:
        app.close()
    assert runs == [1]
