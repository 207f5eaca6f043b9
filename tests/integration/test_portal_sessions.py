"""Portal sessions (PORTAL.md): hashed tokens, idle 15 minutes, absolute 12 hours, rotated at
login, a CSRF token each, all of an account's ended at once; and the login throttle."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from psycopg import sql

from infra.portal.sessions import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    SessionDataTooLargeError,
    Sessions,
)
from infra.portal.throttle import MAX_WAIT, LoginThrottle, delay_after

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def sessions(portal_datastore: PostgresDatastore) -> Sessions:
    return Sessions(portal_datastore)


@pytest.fixture
def throttle(portal_datastore: PostgresDatastore) -> LoginThrottle:
    return LoginThrottle(portal_datastore, b"k" * 32)


def test_a_session_lives_while_used_and_dies_after_15_idle_minutes(sessions: Sessions) -> None:
    account = uuid.uuid4()
    opened = sessions.open(account, T0)
    at = T0
    for _ in range(10):  # seen every 14 minutes: alive for well over 15
        at += IDLE_TIMEOUT - MINUTE
        session = sessions.get(opened.token, at)
        assert session is not None
        assert session.account_id == account
        assert session.last_seen == at
    assert sessions.get(opened.token, at + IDLE_TIMEOUT) is None
    assert sessions.get(opened.token, at + MINUTE) is None  # ended, not just stale


def test_a_session_dies_after_12_hours_however_busy(sessions: Sessions) -> None:
    opened = sessions.open(None, T0)
    at = T0
    while at + 10 * MINUTE < T0 + ABSOLUTE_TIMEOUT:
        at += 10 * MINUTE
        assert sessions.get(opened.token, at) is not None
    assert sessions.get(opened.token, T0 + ABSOLUTE_TIMEOUT) is None


def test_only_the_token_hash_is_stored_and_each_session_has_its_csrf_token(
    sessions: Sessions, portal_datastore: PostgresDatastore
) -> None:
    first, second = sessions.open(None, T0), sessions.open(None, T0)
    assert first.token != second.token
    assert first.csrf_token != second.csrf_token
    assert first.csrf_token != first.token
    name = sql.Identifier(portal_datastore.schema, "portal_sessions")
    with portal_datastore.transaction(commit=False) as curs:
        curs.execute(sql.SQL("SELECT id FROM {}").format(name))
        ids = {row["id"] for row in curs.fetchall()}
    assert first.token not in ids
    assert second.token not in ids
    session = sessions.get(first.token, T0)
    assert session is not None
    assert session.id in ids
    assert session.csrf_matches(first.csrf_token)
    assert not session.csrf_matches(second.csrf_token)
    assert not session.csrf_matches("")


def test_rotation_at_login_kills_the_old_token_and_keeps_the_data(sessions: Sessions) -> None:
    before = sessions.open(None, T0, {"step": "CODE_VERIFIED"})
    account = uuid.uuid4()
    after = sessions.rotate(before.token, account, T0 + MINUTE)
    assert sessions.get(before.token, T0 + MINUTE) is None
    session = sessions.get(after.token, T0 + MINUTE)
    assert session is not None
    assert session.account_id == account
    assert session.data == {"step": "CODE_VERIFIED"}
    assert session.csrf_token == after.csrf_token != before.csrf_token


def test_rotating_a_timed_out_session_carries_nothing_over(sessions: Sessions) -> None:
    before = sessions.open(None, T0, {"step": "CODE_VERIFIED"})
    after = sessions.rotate(before.token, uuid.uuid4(), T0 + IDLE_TIMEOUT)
    session = sessions.get(after.token, T0 + IDLE_TIMEOUT)
    assert session is not None
    assert session.data == {}


def test_data_is_replaced_and_bounded(sessions: Sessions) -> None:
    opened = sessions.open(None, T0)
    sessions.update_data(opened.token, {"step": "STARTED", "customer": "C-1"})
    session = sessions.get(opened.token, T0)
    assert session is not None
    assert session.data == {"step": "STARTED", "customer": "C-1"}
    with pytest.raises(SessionDataTooLargeError):
        sessions.update_data(opened.token, {"x": "y" * 5000})
    with pytest.raises(SessionDataTooLargeError):
        sessions.open(None, T0, {"x": "y" * 5000})


def test_end_and_end_all(sessions: Sessions) -> None:
    account, other = uuid.uuid4(), uuid.uuid4()
    mine = [sessions.open(account, T0) for _ in range(3)]
    theirs = sessions.open(other, T0)
    sessions.end(mine[0].token)
    assert sessions.get(mine[0].token, T0) is None
    assert sessions.end_all(account) == 2
    assert all(sessions.get(s.token, T0) is None for s in mine)
    assert sessions.get(theirs.token, T0) is not None


def test_unknown_and_oversized_tokens_find_nothing(sessions: Sessions) -> None:
    assert sessions.get("nope", T0) is None
    assert sessions.get("x" * 100_000, T0) is None
    sessions.end("x" * 100_000)


def test_purge_drops_timed_out_sessions(sessions: Sessions) -> None:
    stale = sessions.open(None, T0)
    live = sessions.open(None, T0 + 10 * MINUTE)
    assert sessions.purge(T0 + IDLE_TIMEOUT) == 1
    assert sessions.get(live.token, T0 + IDLE_TIMEOUT) is not None
    assert sessions.get(stale.token, T0) is None


def test_the_throttle_waits_after_five_failures_doubling_up_to_15_minutes(
    throttle: LoginThrottle,
) -> None:
    at = T0
    for _ in range(4):
        throttle.failed("anna@example.be", at)
        assert throttle.wait("anna@example.be", at) == timedelta(0)
    waits = []
    for _ in range(8):
        throttle.failed("anna@example.be", at)
        waits.append(throttle.wait("anna@example.be", at))
        at += waits[-1]
    assert [w.total_seconds() for w in waits] == [1, 2, 4, 8, 16, 32, 64, 128]
    assert throttle.wait("anna@example.be", at) == timedelta(0)
    assert delay_after(5 + 20) == MAX_WAIT
    assert delay_after(5 + 10_000) == MAX_WAIT


def test_the_wait_runs_from_the_last_failure_and_a_success_resets(
    throttle: LoginThrottle,
) -> None:
    for _ in range(7):
        throttle.failed("anna@example.be", T0)
    assert throttle.wait("anna@example.be", T0 + timedelta(seconds=1)) == timedelta(seconds=3)
    assert throttle.wait(" ANNA@example.BE ", T0) == timedelta(seconds=4)  # normalised
    throttle.succeeded("anna@example.be")
    assert throttle.wait("anna@example.be", T0) == timedelta(0)
    throttle.failed("anna@example.be", T0)
    assert throttle.wait("anna@example.be", T0) == timedelta(0)


def test_known_and_unknown_usernames_are_throttled_alike_and_not_stored(
    throttle: LoginThrottle, portal_datastore: PostgresDatastore
) -> None:
    for name in ("anna@example.be", "nobody@example.be"):
        for _ in range(6):
            throttle.failed(name, T0)
    assert throttle.wait("anna@example.be", T0) == throttle.wait("nobody@example.be", T0)
    table = sql.Identifier(portal_datastore.schema, "portal_login_failures")
    with portal_datastore.transaction(commit=False) as curs:
        curs.execute(sql.SQL("SELECT key FROM {}").format(table))
        keys = [row["key"] for row in curs.fetchall()]
    assert len(keys) == 2
    assert not any("example" in key for key in keys)


def test_the_throttle_forgets_a_username_a_day_after_its_last_failure(
    throttle: LoginThrottle,
) -> None:
    for _ in range(6):
        throttle.failed("anna@example.be", T0)
    throttle.failed("bert@example.be", T0 + timedelta(hours=12))
    assert throttle.purge(T0 + timedelta(days=1, seconds=1)) == 1
    assert throttle.wait("anna@example.be", T0) == timedelta(0)
