"""Authentication codes (PORTAL.md): 6 digits, only hashed, 10 minutes, single use, 5 wrong
entries void, 3 per customer per hour."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from psycopg import sql

from infra.portal.codes import (
    CODE_TTL,
    AuthenticationCodes,
    CodeRateLimitedError,
    Outcome,
    Verdict,
)

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = b"s" * 32
REG = "REGISTRATION"


@pytest.fixture
def codes(portal_datastore: PostgresDatastore) -> AuthenticationCodes:
    return AuthenticationCodes(portal_datastore, SECRET)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_code_is_six_digits_right_once_then_gone(codes: AuthenticationCodes) -> None:
    code = codes.issue("C-1", REG, T0)
    assert len(code) == 6
    assert code.isdigit()
    assert codes.verify("C-1", REG, code, T0 + timedelta(minutes=1)).ok
    assert codes.verify("C-1", REG, code, T0 + timedelta(minutes=2)) == Verdict(Outcome.NONE)


def test_no_code_issued_is_none_and_codes_are_per_subject_and_purpose(
    codes: AuthenticationCodes,
) -> None:
    assert codes.verify("C-1", REG, "123456", T0).outcome is Outcome.NONE
    code = codes.issue("C-1", REG, T0)
    assert codes.verify("C-2", REG, code, T0).outcome is Outcome.NONE
    assert codes.verify("C-1", "SECURITY_SETUP", code, T0).outcome is Outcome.NONE
    assert codes.verify("C-1", REG, code, T0).ok


def test_a_code_expires_after_ten_minutes(codes: AuthenticationCodes) -> None:
    code = codes.issue("C-1", REG, T0)
    assert codes.verify("C-1", REG, code, T0 + CODE_TTL).outcome is Outcome.EXPIRED
    late = codes.issue("C-1", REG, T0 + CODE_TTL)
    just_in_time = T0 + CODE_TTL + CODE_TTL - timedelta(seconds=1)
    assert codes.verify("C-1", REG, late, just_in_time).ok


def test_five_wrong_entries_void_the_code(codes: AuthenticationCodes) -> None:
    code = codes.issue("C-1", REG, T0)
    verdicts = [codes.verify("C-1", REG, wrong(code), T0) for _ in range(4)]
    assert [v.attempts_left for v in verdicts] == [4, 3, 2, 1]
    assert all(v.outcome is Outcome.WRONG for v in verdicts)
    assert codes.verify("C-1", REG, wrong(code), T0).outcome is Outcome.VOID
    assert codes.verify("C-1", REG, code, T0).outcome is Outcome.VOID


@pytest.mark.parametrize(
    "entry",
    ["", "12345", "1234567", "abcdef", "\uff11\uff12\uff13\uff14\uff15\uff16", "9" * 10_000],
)
def test_malformed_entries_are_wrong_and_count(codes: AuthenticationCodes, entry: str) -> None:
    code = codes.issue("C-1", REG, T0)
    assert codes.verify("C-1", REG, entry, T0) == Verdict(Outcome.WRONG, attempts_left=4)
    assert codes.verify("C-1", REG, code, T0).ok


def test_a_new_code_voids_the_previous_one(codes: AuthenticationCodes) -> None:
    first = codes.issue("C-1", REG, T0)
    second = codes.issue("C-1", REG, T0 + timedelta(minutes=1))
    if first != second:  # one in a million they are equal
        assert codes.verify("C-1", REG, first, T0 + timedelta(minutes=2)).outcome is Outcome.WRONG
    assert codes.verify("C-1", REG, second, T0 + timedelta(minutes=2)).ok


def test_three_codes_per_hour_then_refused_until_the_first_is_an_hour_old(
    codes: AuthenticationCodes,
) -> None:
    for minutes in (0, 10, 20):
        codes.issue("C-1", REG if minutes else "SECURITY_SETUP", T0 + timedelta(minutes=minutes))
    with pytest.raises(CodeRateLimitedError) as refused:
        codes.issue("C-1", REG, T0 + timedelta(minutes=30))
    assert refused.value.next_allowed_at == T0 + timedelta(hours=1)
    with pytest.raises(CodeRateLimitedError):
        codes.issue("C-1", REG, T0 + timedelta(minutes=59, seconds=59))
    codes.issue("C-2", REG, T0 + timedelta(minutes=30))  # another customer is not limited
    code = codes.issue("C-1", REG, T0 + timedelta(hours=1))
    assert codes.verify("C-1", REG, code, T0 + timedelta(hours=1)).ok


def test_the_table_holds_hashes_not_codes(
    codes: AuthenticationCodes, portal_datastore: PostgresDatastore
) -> None:
    issued = [codes.issue(f"C-{n}", REG, T0) for n in range(5)]
    query = sql.SQL("SELECT * FROM {}").format(
        sql.Identifier(portal_datastore.schema, "portal_codes")
    )
    with portal_datastore.transaction(commit=False) as curs:
        curs.execute(query)
        rows = curs.fetchall()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert len(rows) == 5
    assert all(code not in stored for code in issued)
    assert all(len(row["digest"]) == 64 for row in rows)


def test_a_code_is_only_right_under_its_secret(portal_datastore: PostgresDatastore) -> None:
    code = AuthenticationCodes(portal_datastore, SECRET).issue("C-1", REG, T0)
    other = AuthenticationCodes(portal_datastore, b"t" * 32)
    assert other.verify("C-1", REG, code, T0).outcome is Outcome.WRONG


def test_times_must_be_aware_and_inputs_bounded(codes: AuthenticationCodes) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        codes.issue("C-1", REG, datetime(2026, 3, 2, 9, 0))
    with pytest.raises(ValueError, match="subject"):
        codes.issue("C" * 129, REG, T0)
    with pytest.raises(ValueError, match="purpose"):
        codes.verify("C-1", "P" * 33, "123456", T0)


def test_old_codes_are_purged(codes: AuthenticationCodes) -> None:
    codes.issue("C-1", REG, T0)
    fresh = codes.issue("C-2", REG, T0 + timedelta(hours=23))
    assert codes.purge(T0 + timedelta(days=1, seconds=1)) == 1
    assert codes.verify("C-2", REG, fresh, T0 + timedelta(hours=23)).ok


def test_a_code_entered_twice_at_once_is_right_once(codes: AuthenticationCodes) -> None:
    code = codes.issue("C-1", REG, T0)
    with ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(lambda _: codes.verify("C-1", REG, code, T0), range(2)))
    assert sorted(v.outcome for v in verdicts) == [Outcome.NONE, Outcome.OK]
