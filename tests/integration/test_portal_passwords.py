"""Portal passwords (PORTAL.md, PT-04): argon2id, at least 12 characters, outside the event
store; an unknown username costs a verification all the same."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import pytest
from argon2 import PasswordHasher
from psycopg import sql

from infra.portal.passwords import (
    MAX_LENGTH,
    Passwords,
    PasswordTooLongError,
    PasswordTooShortError,
)

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = "correct horse battery"


class CountingHasher(PasswordHasher):
    """argon2id with cheap parameters that counts its verifications."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"time_cost": 1, "memory_cost": 8, "parallelism": 1, **kwargs})
        self.verified: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002
        self.verified.append(str(hash))
        return super().verify(hash, password)


@pytest.fixture
def hasher() -> CountingHasher:
    return CountingHasher()


@pytest.fixture
def passwords(portal_datastore: PostgresDatastore, hasher: CountingHasher) -> Passwords:
    return Passwords(portal_datastore, hasher)


def stored_hashes(datastore: PostgresDatastore) -> list[str]:
    name = sql.Identifier(datastore.schema, "portal_passwords")
    with datastore.transaction(commit=False) as curs:
        curs.execute(sql.SQL("SELECT hash FROM {}").format(name))
        return [row["hash"] for row in curs.fetchall()]


def test_a_password_is_checked_against_its_argon2id_hash(
    portal_datastore: PostgresDatastore,
) -> None:
    passwords, account = Passwords(portal_datastore), uuid.uuid4()
    passwords.set(account, GOOD, T0)
    (stored,) = stored_hashes(portal_datastore)
    assert stored.startswith("$argon2id$")
    assert GOOD not in stored
    assert passwords.check(account, GOOD)
    assert not passwords.check(account, GOOD + "!")
    assert not passwords.check(uuid.uuid4(), GOOD)


def test_short_and_overlong_passwords_are_refused(passwords: Passwords) -> None:
    account = uuid.uuid4()
    with pytest.raises(PasswordTooShortError):
        passwords.set(account, "x" * 11, T0)
    with pytest.raises(PasswordTooLongError):
        passwords.set(account, "x" * (MAX_LENGTH + 1), T0)
    passwords.set(account, "x" * 12, T0)
    passwords.set(account, "y" * MAX_LENGTH, T0)
    assert passwords.check(account, "y" * MAX_LENGTH)
    assert not passwords.check(account, "x" * 12)


def test_an_unknown_username_costs_a_verification_too(
    passwords: Passwords, hasher: CountingHasher
) -> None:
    account = uuid.uuid4()
    passwords.set(account, GOOD, T0)
    assert not passwords.check(account, "wrong password!")
    assert not passwords.check_unknown(GOOD)
    assert not passwords.check(uuid.uuid4(), GOOD)  # an account without a password
    assert len(hasher.verified) == 3
    real, dummy, dummy_again = hasher.verified
    assert real != dummy
    assert dummy == dummy_again
    assert dummy.startswith("$argon2id$")  # the same algorithm and parameters as a real one
    assert dummy.split("$")[3] == real.split("$")[3]


def test_a_hash_with_old_parameters_is_replaced_at_login(
    portal_datastore: PostgresDatastore,
) -> None:
    account = uuid.uuid4()
    Passwords(portal_datastore, CountingHasher()).set(account, GOOD, T0)
    (old,) = stored_hashes(portal_datastore)
    stronger = Passwords(portal_datastore, CountingHasher(time_cost=2))
    assert stronger.check(account, GOOD)
    (new,) = stored_hashes(portal_datastore)
    assert new != old
    assert "t=2" in new
    assert stronger.check(account, GOOD)


def test_a_reset_forgets_the_password(passwords: Passwords) -> None:
    account = uuid.uuid4()
    passwords.set(account, GOOD, T0)
    passwords.reset(account)
    assert not passwords.check(account, GOOD)
    passwords.set(account, "a new long password", T0)
    assert passwords.check(account, "a new long password")
