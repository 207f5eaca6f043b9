"""Personal data kept outside the event payloads (PORTAL.md), and the username index.

An event carries an opaque reference (`put` gives a uuid4); the value sits in
`portal_personal_data` and `erase` wipes it at retention end, keeping the row with its
erasure time, so history keeps its shape and loses the person. Usernames are e-mail
addresses (the registration flow), normalised (stripped, lower-cased) and unique in
`portal_usernames`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

MAX_KIND = 32
MAX_VALUE = 1024
MAX_USERNAME = 254
"""The longest e-mail address (RFC 5321's path limit)."""


class UsernameTakenError(Exception):
    """Another account has this username."""


def normalise_username(email: str) -> str:
    """The username of an e-mail address: stripped and lower-cased; ValueError if empty or
    longer than `MAX_USERNAME`."""
    username = email.strip().lower()
    if not 0 < len(username) <= MAX_USERNAME:
        raise ValueError(f"a username has 1 to {MAX_USERNAME} characters")
    return username


class PersonalData:
    """Values behind references, and the usernames of the accounts."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        table_name: str = "portal_personal_data",
        usernames_table: str = "portal_usernames",
    ) -> None:
        self.datastore = datastore
        data, names = table(datastore, table_name), table(datastore, usernames_table)
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (ref uuid PRIMARY KEY, kind text NOT NULL,"
                " value text, created_at timestamptz NOT NULL, erased_at timestamptz)"
            ).format(data),
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (username text PRIMARY KEY,"
                " account_id uuid NOT NULL UNIQUE)"
            ).format(names),
        )
        self._put = sql.SQL(
            "INSERT INTO {} (ref, kind, value, created_at) VALUES (%s, %s, %s, %s)"
        ).format(data)
        self._get = sql.SQL("SELECT value FROM {} WHERE ref = %s").format(data)
        self._erase = sql.SQL(
            "UPDATE {} SET value = NULL, erased_at = now() WHERE ref = %s AND erased_at IS NULL"
        ).format(data)
        self._claim = sql.SQL(
            "INSERT INTO {} (username, account_id) VALUES (%s, %s) ON CONFLICT DO NOTHING"
            " RETURNING username"
        ).format(names)
        self._owner = sql.SQL("SELECT account_id FROM {} WHERE username = %s").format(names)
        self._release = sql.SQL("DELETE FROM {} WHERE account_id = %s").format(names)
        self._accounts = sql.SQL("SELECT account_id FROM {} ORDER BY account_id").format(names)

    def put(self, kind: str, value: str, now: datetime) -> str:
        """Keep `value` (a name, an e-mail address) and return its reference."""
        if not 0 < len(kind) <= MAX_KIND:
            raise ValueError(f"kind has 1 to {MAX_KIND} characters")
        if len(value) > MAX_VALUE:
            raise ValueError(f"value has at most {MAX_VALUE} characters")
        ref = uuid.uuid4()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._put, (ref, kind, value, aware(now)))
        return str(ref)

    def get(self, ref: str) -> str | None:
        """The value behind `ref`; None when unknown or erased."""
        key = _ref(ref)
        if key is None:
            return None
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._get, (key,))
            row = curs.fetchone()
        return None if row is None else row["value"]

    def erase(self, ref: str) -> None:
        """Wipe the value behind `ref` (the row stays, with its erasure time)."""
        key = _ref(ref)
        if key is not None:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self._erase, (key,))

    def claim_username(self, email: str, account_id: uuid.UUID) -> None:
        """Make `email` (normalised) the account's username; UsernameTakenError if it is
        another account's or the account has another one (release that first)."""
        username = normalise_username(email)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._owner, (username,))
            row = curs.fetchone()
            if row is not None and row["account_id"] == account_id:
                return
            curs.execute(self._claim, (username, account_id))
            if curs.fetchone() is None:
                raise UsernameTakenError("this username is taken")

    def account_of_username(self, email: str) -> uuid.UUID | None:
        """The account whose username `email` is (normalised), or None."""
        try:
            username = normalise_username(email)
        except ValueError:
            return None
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._owner, (username,))
            row = curs.fetchone()
        return None if row is None else row["account_id"]

    def registered_accounts(self) -> list[uuid.UUID]:
        """The ids of the accounts that have a username (created credentials, PT-04 step 4)."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._accounts)
            return [row["account_id"] for row in curs.fetchall()]

    def release_username(self, account_id: uuid.UUID) -> None:
        """Free the account's username (erasure, a change of e-mail address)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._release, (account_id,))


def _ref(ref: str) -> uuid.UUID | None:
    if len(ref) > 36:
        return None
    try:
        return uuid.UUID(ref)
    except ValueError:
        return None
