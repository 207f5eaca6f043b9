"""Authentication codes (PORTAL.md): 6 digits, hashed, 10 minutes, single use.

A code is drawn from `secrets` (a CSPRNG) and only its HMAC-SHA256 under the portal secret
is stored, over (subject, purpose, code): the table never holds a code. A subject is who the
code is for (the customer number during registration), a purpose why (REGISTRATION,
SECURITY_SETUP). Issuing a code voids the previous one of that subject and purpose; at most
`MAX_CODES_PER_HOUR` codes are issued per subject in any rolling hour, whatever their
purpose. `MAX_FAILURES` wrong entries void a code (the last wrong entry answers VOID). A
right code is consumed: a second entry of it finds no code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_FAILURES = 5
MAX_CODES_PER_HOUR = 3
RATE_WINDOW = timedelta(hours=1)
MAX_SUBJECT = 128
MAX_PURPOSE = 32
KEEP = timedelta(days=1)
"""Rows older than this are purged: past their validity and out of the rate window."""


class Outcome(StrEnum):
    OK = "OK"
    """The code was right; it is consumed."""
    WRONG = "WRONG"
    """Wrong (or not six digits); `attempts_left` more entries before the code is void."""
    VOID = "VOID"
    """Voided by `MAX_FAILURES` wrong entries: request a new code."""
    EXPIRED = "EXPIRED"
    """Older than `CODE_TTL`: request a new code."""
    NONE = "NONE"
    """No code to check: none issued, or the last one was used already."""


@dataclass(frozen=True)
class Verdict:
    """The answer to an entered code."""

    outcome: Outcome
    attempts_left: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


class CodeRateLimitedError(Exception):
    """`MAX_CODES_PER_HOUR` codes were issued to the subject in the last hour."""

    def __init__(self, next_allowed_at: datetime) -> None:
        super().__init__(f"too many codes; the next one can be requested at {next_allowed_at}")
        self.next_allowed_at = next_allowed_at


class AuthenticationCodes:
    """The codes table `portal_codes`, in the event store's schema."""

    def __init__(
        self, datastore: PostgresDatastore, secret: bytes, table_name: str = "portal_codes"
    ) -> None:
        self.datastore = datastore
        self._secret = secret
        name = table(datastore, table_name)
        index = sql.Identifier(f"{table_name}_subject_idx")
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, subject text NOT NULL,"
                " purpose text NOT NULL, digest text NOT NULL, issued_at timestamptz NOT NULL,"
                " expires_at timestamptz NOT NULL, failures smallint NOT NULL DEFAULT 0,"
                " state text NOT NULL DEFAULT 'OPEN')"
            ).format(name),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (subject, issued_at)").format(index, name),
        )
        self._lock = sql.SQL("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))")
        self._window = sql.SQL(
            "SELECT issued_at FROM {} WHERE subject = %s AND issued_at > %s ORDER BY issued_at"
        ).format(name)
        self._supersede = sql.SQL(
            "UPDATE {} SET state = 'SUPERSEDED' WHERE subject = %s AND purpose = %s"
            " AND state = 'OPEN'"
        ).format(name)
        self._insert = sql.SQL(
            "INSERT INTO {} (subject, purpose, digest, issued_at, expires_at)"
            " VALUES (%s, %s, %s, %s, %s)"
        ).format(name)
        self._latest = sql.SQL(
            "SELECT id, digest, expires_at, failures, state FROM {} WHERE subject = %s"
            " AND purpose = %s ORDER BY id DESC LIMIT 1 FOR UPDATE"
        ).format(name)
        self._mark = sql.SQL("UPDATE {} SET failures = %s, state = %s WHERE id = %s").format(name)
        self._purge = sql.SQL("DELETE FROM {} WHERE issued_at < %s").format(name)

    def issue(self, subject: str, purpose: str, now: datetime) -> str:
        """A new code for `subject` and `purpose` (the previous one is void); send it, never
        store it. CodeRateLimitedError when the subject had its codes for this hour."""
        _check(subject, purpose)
        now = aware(now)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._lock, (f"portal-codes:{subject}",))
            curs.execute(self._window, (subject, now - RATE_WINDOW))
            recent = [row["issued_at"] for row in curs.fetchall()]
            if len(recent) >= MAX_CODES_PER_HOUR:
                raise CodeRateLimitedError(recent[-MAX_CODES_PER_HOUR] + RATE_WINDOW)
            curs.execute(self._supersede, (subject, purpose))
            digest = self._digest(subject, purpose, code)
            curs.execute(self._insert, (subject, purpose, digest, now, now + CODE_TTL))
        return code

    def verify(self, subject: str, purpose: str, code: str, now: datetime) -> Verdict:
        """Judge an entered code; a right one is consumed, a wrong one counts (input that is
        not six ASCII digits is wrong too, and counts)."""
        _check(subject, purpose)
        now = aware(now)
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._latest, (subject, purpose))
            row = curs.fetchone()
            if row is None or row["state"] in ("USED", "SUPERSEDED"):
                return Verdict(Outcome.NONE)
            if row["state"] == "VOID":
                return Verdict(Outcome.VOID)
            if now >= row["expires_at"]:
                return Verdict(Outcome.EXPIRED)
            entered = code if _well_formed(code) else "-"
            if hmac.compare_digest(row["digest"], self._digest(subject, purpose, entered)):
                curs.execute(self._mark, (row["failures"], "USED", row["id"]))
                return Verdict(Outcome.OK)
            failures = row["failures"] + 1
            if failures >= MAX_FAILURES:
                curs.execute(self._mark, (failures, "VOID", row["id"]))
                return Verdict(Outcome.VOID)
            curs.execute(self._mark, (failures, "OPEN", row["id"]))
            return Verdict(Outcome.WRONG, attempts_left=MAX_FAILURES - failures)

    def purge(self, now: datetime) -> int:
        """Delete the codes issued more than `KEEP` before `now`; how many."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._purge, (aware(now) - KEEP,))
            return curs.rowcount

    def _digest(self, subject: str, purpose: str, code: str) -> str:
        message = f"{subject}\x00{purpose}\x00{code}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def _check(subject: str, purpose: str) -> None:
    if not 0 < len(subject) <= MAX_SUBJECT or "\x00" in subject:
        raise ValueError(f"subject must be 1 to {MAX_SUBJECT} characters")
    if not 0 < len(purpose) <= MAX_PURPOSE or "\x00" in purpose:
        raise ValueError(f"purpose must be 1 to {MAX_PURPOSE} characters")


def _well_formed(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()
