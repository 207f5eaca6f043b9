"""A command's snapshot in one prepared insert (infra.recorder.SnapshotsOneAtATime): stored
as the library stores it, refused as the library refuses a version stored already."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresFactory

from domain.application import SNAPSHOT_INTERVAL, ContractsApplication
from domain.contract import Contract
from domain.contract.incidents import ReportOdometer
from infra.recorder import SnapshotsOneAtATime
from tests.factories import ctx, part_paid_in, run_days

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

STATE = b'{"status":"ACTIVE","note":"\xc3\xa9 \\u0000 \x00\xff"}'
"""Any bytes: the state goes as binary, not through a text escape."""
LAST_DAY = date(2028, 3, 31)


@pytest.fixture
def app(pg_env: dict[str, str]) -> Iterator[ContractsApplication]:
    """One pooled connection, so its session's prepared statements are the ones used."""
    env = pg_env | {
        PostgresFactory.POSTGRES_POOL_SIZE: "1",
        PostgresFactory.POSTGRES_MAX_OVERFLOW: "0",
    }
    application = ContractsApplication(env=env)
    yield application
    application.close()


def recorder(app: ContractsApplication) -> SnapshotsOneAtATime:
    assert app.snapshots is not None
    assert isinstance(app.snapshots.recorder, SnapshotsOneAtATime)
    return app.snapshots.recorder


def snapshot(oid: UUID, version: int, state: bytes = STATE) -> StoredEvent:
    return StoredEvent(oid, version, "eventsourcing.domain:Snapshot", state)


def stored(app: ContractsApplication, oid: UUID) -> list[tuple[int, bytes]]:
    return [(s.originator_version, s.state) for s in recorder(app).select_events(oid)]


def prepared_runs(app: ContractsApplication) -> list[int]:
    """How often each prepared snapshot insert of the one session ran."""
    with recorder(app).datastore.get_connection() as conn:
        rows = conn.execute(
            "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements"
            " WHERE name LIKE 'lease_snapshot_%'"
        ).fetchall()
    return [row["runs"] for row in rows]


def test_a_snapshot_is_one_run_of_the_prepared_insert(app: ContractsApplication) -> None:
    oid = uuid4()

    assert recorder(app).insert_events([snapshot(oid, 20)]) is None
    recorder(app).insert_events([snapshot(oid, 40, b"{}")])

    assert stored(app, oid) == [(20, STATE), (40, b"{}")]
    assert prepared_runs(app) == [2]


def test_a_version_stored_already_is_refused_and_the_first_kept(
    app: ContractsApplication,
) -> None:
    oid = uuid4()
    recorder(app).insert_events([snapshot(oid, 20)])

    with pytest.raises(IntegrityError):
        recorder(app).insert_events([snapshot(oid, 20, b"{}")])

    assert stored(app, oid) == [(20, STATE)]


def test_several_snapshots_at_once_are_the_library_s_insert(app: ContractsApplication) -> None:
    oid = uuid4()

    recorder(app).insert_events([snapshot(oid, 20), snapshot(oid, 40)])

    assert stored(app, oid) == [(20, STATE), (40, STATE)]
    assert prepared_runs(app) == []


def test_each_snapshot_a_command_stored_is_the_contract_at_its_version(
    app: ContractsApplication,
) -> None:
    number = part_paid_in(app, date(2024, 5, 1))
    app.decide(number, lambda c: run_days(c, date(2024, 5, 2), LAST_DAY))
    for km in range(SNAPSHOT_INTERVAL + 1):  # one event a command: a snapshot at a multiple
        app.execute(number, ReportOdometer(odometer=70_000 + km), ctx(LAST_DAY))
    contract_id = Contract.create_id(number)

    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(contract_id))
    assert any(s.originator_version % SNAPSHOT_INTERVAL == 0 for s in snapshots)
    assert prepared_runs(app) == [len(snapshots)]
    for taken in snapshots:
        events = app.events.get(contract_id, lte=taken.originator_version)
        assert project_aggregate(None, [taken]) == project_aggregate(None, events)
