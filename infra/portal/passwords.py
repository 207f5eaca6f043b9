"""Portal passwords (PORTAL.md; the registration flow): argon2id hashes, outside the event store.

`portal_passwords` holds one argon2id hash per account (argon2-cffi's `PasswordHasher`,
its default parameters) and when it was set; no event carries a hash. A password has at
least `MIN_LENGTH` characters; more than `MAX_LENGTH` is refused too, as an input bound
(hashing megabytes per login attempt would be a cheap denial of service). `check` of an
account without a password, and `check_unknown` for a username nobody has, verify the
password against a dummy hash, so a login costs the same whether the account exists or not.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from eventsourcing.postgres import PostgresDatastore

MIN_LENGTH = 12
MAX_LENGTH = 256


class PasswordTooShortError(ValueError):
    """Fewer than `MIN_LENGTH` characters."""


class PasswordTooLongError(ValueError):
    """More than `MAX_LENGTH` characters (an input bound)."""


class Passwords:
    """The password hashes, keyed by account id."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        hasher: PasswordHasher | None = None,
        table_name: str = "portal_passwords",
    ) -> None:
        self.datastore = datastore
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        name = table(datastore, table_name)
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (account_id uuid PRIMARY KEY, hash text NOT NULL,"
                " set_at timestamptz NOT NULL)"
            ).format(name),
        )
        self._upsert = sql.SQL(
            "INSERT INTO {} (account_id, hash, set_at) VALUES (%s, %s, %s) ON CONFLICT"
            " (account_id) DO UPDATE SET hash = EXCLUDED.hash, set_at = EXCLUDED.set_at"
        ).format(name)
        self._select = sql.SQL("SELECT hash FROM {} WHERE account_id = %s").format(name)
        self._rehash = sql.SQL(
            "UPDATE {} SET hash = %s WHERE account_id = %s AND hash = %s"
        ).format(name)
        self._delete = sql.SQL("DELETE FROM {} WHERE account_id = %s").format(name)

    def set(self, account_id: UUID, password: str, now: datetime) -> None:
        """Store the password's hash (replacing any); PasswordTooShortError below
        `MIN_LENGTH` characters, PasswordTooLongError above `MAX_LENGTH`."""
        if len(password) < MIN_LENGTH:
            raise PasswordTooShortError(f"a password has at least {MIN_LENGTH} characters")
        if len(password) > MAX_LENGTH:
            raise PasswordTooLongError(f"a password has at most {MAX_LENGTH} characters")
        hashed = self.hasher.hash(password)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._upsert, (account_id, hashed, aware(now)))

    def check(self, account_id: UUID, password: str) -> bool:
        """Whether `password` is the account's; a hash made with older parameters is
        replaced by a new one. An account without a password costs a dummy verification."""
        if len(password) > MAX_LENGTH:
            return False
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (account_id,))
            row = curs.fetchone()
        if row is None:
            return self.check_unknown(password)
        stored: str = row["hash"]
        try:
            self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        if self.hasher.check_needs_rehash(stored):
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self._rehash, (self.hasher.hash(password), account_id, stored))
        return True

    def check_unknown(self, password: str) -> bool:
        """Spend what `check` spends, for a username nobody has; always False."""
        if len(password) > MAX_LENGTH:
            return False
        try:
            self.hasher.verify(self._dummy, password)
        except VerificationError:
            return False
        return False  # pragma: no cover - nobody knows the dummy's random password

    def reset(self, account_id: UUID) -> None:
        """Forget the account's password (a reset after suspicious access)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._delete, (account_id,))
