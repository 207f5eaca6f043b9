"""The one-event insert through libpq (infra.recorder.PreparedCall): what psycopg did for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from domain.application import ContractsApplication
from infra.recorder import OneTripApplicationRecorder

if TYPE_CHECKING:
    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration


def recorder(app: ContractsApplication) -> OneTripApplicationRecorder:
    assert isinstance(app.recorder, OneTripApplicationRecorder)
    return app.recorder


def states(app: ContractsApplication, oid: Any) -> list[tuple[int, str, bytes]]:
    return [(s.originator_version, s.topic, s.state) for s in app.recorder.select_events(oid)]


def test_each_event_is_stored_with_its_position_in_order(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()
    events = [
        StoredEvent(oid, v, "t:Événement", f'{{"v":{v},"x":"\\u0000é"}}'.encode())
        for v in (1, 2, 3)
    ]
    positions = [recorder(one_connection).insert_events([e]) for e in events]
    flat = [cast("list[int]", p)[0] for p in positions]
    assert flat == sorted(flat)
    assert len(set(flat)) == 3
    assert states(one_connection, oid) == [(e.originator_version, e.topic, e.state) for e in events]


def test_several_events_in_one_call_keep_every_byte_of_their_topics_and_states(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()
    topics = ['t:quote"d', "t:back\\slash\\", "t:{braces},comma", "t:Événement€ NULL"]
    bodies = [bytes(range(256)), b"", b'{"a":"\\u0000"}', "çà🚗".encode()]
    events = [
        StoredEvent(oid, v, t, s) for v, (t, s) in enumerate(zip(topics, bodies, strict=True), 1)
    ]
    positions = recorder(one_connection).insert_events(events)
    assert positions is not None
    assert len(positions) == 4
    assert list(positions) == sorted(positions)
    assert states(one_connection, oid) == [(e.originator_version, e.topic, e.state) for e in events]


def test_a_version_stored_already_is_an_integrity_error_and_writes_nothing(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()
    recorder(one_connection).insert_events([StoredEvent(oid, 1, "t:T", b"{}")])
    with pytest.raises(IntegrityError):
        recorder(one_connection).insert_events([StoredEvent(oid, 1, "t:T", b'{"again":1}')])
    assert states(one_connection, oid) == [(1, "t:T", b"{}")]
    recorder(one_connection).insert_events([StoredEvent(oid, 2, "t:T", b"{}")])  # session fine
    assert [v for v, _, _ in states(one_connection, oid)] == [1, 2]


def test_a_session_that_lost_the_statement_prepares_it_again(
    one_connection: ContractsApplication,
) -> None:
    oid = uuid4()
    recorder(one_connection).insert_events([StoredEvent(oid, 1, "t:T", b"{}")])
    with recorder(one_connection).datastore.get_connection() as conn:
        conn.execute("DISCARD ALL")  # drops the session's prepared statements
    recorder(one_connection).insert_events([StoredEvent(oid, 2, "t:T", b"{}")])
    assert [v for v, _, _ in states(one_connection, oid)] == [1, 2]


def test_a_lost_connection_is_an_operational_error_and_the_next_insert_reconnects(
    one_connection: ContractsApplication, pg_info: PostgresInfo
) -> None:
    """As psycopg's own execute raises it: callers (the library's retries, the API's 503, the
    workers' reconnecting) retry an OperationalError; a plain DatabaseError ended them."""
    oid = uuid4()
    recorder(one_connection).insert_events([StoredEvent(oid, 1, "t:T", b"{}")])
    with recorder(one_connection).datastore.get_connection() as conn:
        pid = conn.info.backend_pid
    with psycopg.connect(pg_info.dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    with pytest.raises(OperationalError):
        recorder(one_connection).insert_events([StoredEvent(oid, 2, "t:T", b"{}")])
    recorder(one_connection).insert_events([StoredEvent(oid, 2, "t:T", b"{}")])

    assert [v for v, _, _ in states(one_connection, oid)] == [1, 2]
