"""Server-side portal sessions (PORTAL.md): idle 15 minutes, absolute 12 hours, rotated at login.

The browser holds a random token (`secrets.token_urlsafe(32)`); `portal_sessions` keeps only
its SHA-256, so a copy of the table opens no session. Each session has its own CSRF token,
which every form carries. `data` is a small string map for a flow in progress (a
registration's step), bounded by `MAX_DATA_BYTES`. `rotate` gives a new token at login (the
old one ends); `end_all` ends every session of an account (suspicious access).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from psycopg import sql
from psycopg.types.json import Jsonb

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from uuid import UUID

    from eventsourcing.postgres import PostgresDatastore

IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
MAX_TOKEN = 64
"""A presented token longer than this is nobody's (a real one has 43 characters)."""
MAX_DATA_BYTES = 4096
"""The largest `data`, as compact JSON."""


class SessionDataTooLargeError(ValueError):
    """A session's data is over `MAX_DATA_BYTES`."""


@dataclass(frozen=True)
class OpenedSession:
    """What the browser gets: the session token (the cookie) and the CSRF token (the forms)."""

    token: str
    csrf_token: str


@dataclass(frozen=True)
class Session:
    """A live session."""

    id: str
    """SHA-256 hex of the token: the row's key."""
    account_id: UUID | None
    """None until login (a registration in progress)."""
    csrf_token: str
    created_at: datetime
    last_seen: datetime
    data: Mapping[str, str] = field(default_factory=dict)

    def csrf_matches(self, presented: str) -> bool:
        """Whether a form's CSRF token is this session's (constant-time)."""
        if len(presented) > MAX_TOKEN:
            return False
        return hmac.compare_digest(self.csrf_token.encode(), presented.encode())


class Sessions:
    """The sessions table `portal_sessions`."""

    def __init__(self, datastore: PostgresDatastore, table_name: str = "portal_sessions") -> None:
        self.datastore = datastore
        name = table(datastore, table_name)
        index = sql.Identifier(f"{table_name}_account_idx")
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id text PRIMARY KEY, account_id uuid,"
                " csrf_token text NOT NULL, created_at timestamptz NOT NULL,"
                " last_seen timestamptz NOT NULL, data jsonb NOT NULL)"
            ).format(name),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (account_id)").format(index, name),
        )
        self._insert = sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s)").format(name)
        self._select = sql.SQL(
            "SELECT id, account_id, csrf_token, created_at, last_seen, data FROM {}"
            " WHERE id = %s FOR UPDATE"
        ).format(name)
        self._touch = sql.SQL("UPDATE {} SET last_seen = %s WHERE id = %s").format(name)
        self._data = sql.SQL("UPDATE {} SET data = %s WHERE id = %s").format(name)
        self._end = sql.SQL("DELETE FROM {} WHERE id = %s RETURNING data").format(name)
        self._end_all = sql.SQL("DELETE FROM {} WHERE account_id = %s").format(name)
        self._purge = sql.SQL("DELETE FROM {} WHERE last_seen <= %s OR created_at <= %s").format(
            name
        )

    def open(
        self, account_id: UUID | None, now: datetime, data: Mapping[str, str] | None = None
    ) -> OpenedSession:
        """A new session (for an account, or None before login)."""
        payload = _bounded(data or {})
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = aware(now)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert, (_id(token), account_id, csrf, now, now, Jsonb(payload)))
        return OpenedSession(token, csrf)

    def get(self, token: str, now: datetime) -> Session | None:
        """The token's live session, now seen; None when unknown, idle longer than
        `IDLE_TIMEOUT` or older than `ABSOLUTE_TIMEOUT` (such a session is ended)."""
        if len(token) > MAX_TOKEN:
            return None
        now = aware(now)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._select, (_id(token),))
            row = curs.fetchone()
            if row is None:
                return None
            if (
                now - row["last_seen"] >= IDLE_TIMEOUT
                or now - row["created_at"] >= ABSOLUTE_TIMEOUT
            ):
                curs.execute(self._end, (row["id"],))
                return None
            curs.execute(self._touch, (now, row["id"]))
        return Session(**{**row, "last_seen": max(now, row["last_seen"])})

    def update_data(self, token: str, data: Mapping[str, str]) -> None:
        """Replace the session's data (a flow's next step)."""
        payload = _bounded(data)
        if len(token) <= MAX_TOKEN:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self._data, (Jsonb(payload), _id(token)))

    def rotate(self, token: str, account_id: UUID, now: datetime) -> OpenedSession:
        """A new session for `account_id` (login), carrying the old one's data if it is
        still live; the old token is dead from now on (a token fixed before login is worth
        nothing)."""
        old = self.get(token, now)
        self.end(token)
        return self.open(account_id, now, old.data if old is not None else {})

    def end(self, token: str) -> None:
        """End the session (logout)."""
        if len(token) <= MAX_TOKEN:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(self._end, (_id(token),))

    def end_all(self, account_id: UUID) -> int:
        """End every session of the account (suspicious access, revocation); how many."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._end_all, (account_id,))
            return curs.rowcount

    def purge(self, now: datetime) -> int:
        """Delete the sessions that timed out by `now`; how many."""
        now = aware(now)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._purge, (now - IDLE_TIMEOUT, now - ABSOLUTE_TIMEOUT))
            return curs.rowcount


def _id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _bounded(data: Mapping[str, str]) -> dict[str, str]:
    payload = dict(data)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in payload.items()):
        raise TypeError("session data maps strings to strings")
    if len(json.dumps(payload, separators=(",", ":"))) > MAX_DATA_BYTES:
        raise SessionDataTooLargeError(f"session data is at most {MAX_DATA_BYTES} bytes")
    return payload
