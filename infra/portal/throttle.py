"""The login throttle (PORTAL.md): after 5 failures a username waits, longer each time.

Failures are counted per HMAC of the normalised username, whether an account has it or not,
so the throttle tells nobody which usernames exist, and the table holds no username. The
first `FREE_FAILURES` failures cost nothing; after the 5th the username waits
`FIRST_WAIT` (1 s), after the 6th 2 s, then 4 s, 8 s ... doubling up to `MAX_WAIT` (15
minutes), counted from the last failure. A login attempted during a wait is refused without
checking the password and counts as a failure (the caller calls `failed`); a success resets
the count.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import TYPE_CHECKING

from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(minutes=15)
MAX_USERNAME_INPUT = 1024
"""A typed username is cut to this before it is hashed (an input bound)."""
KEEP = timedelta(days=1)
"""A username whose last failure is older than this starts again (its row is purged)."""
_MAX_DOUBLINGS = 10
"""2**10 s > 15 minutes: more doublings change nothing (and keep the numbers small)."""


def delay_after(failures: int) -> timedelta:
    """How long a username waits after its `failures`-th failure in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, _MAX_DOUBLINGS)
    wait: timedelta = min(FIRST_WAIT * 2**doublings, MAX_WAIT)
    return wait


class LoginThrottle:
    """Failed logins per username digest, in `portal_login_failures`."""

    def __init__(
        self,
        datastore: PostgresDatastore,
        secret: bytes,
        table_name: str = "portal_login_failures",
    ) -> None:
        self.datastore = datastore
        self._secret = secret
        name = table(datastore, table_name)
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, failures integer NOT NULL,"
                " last_failure timestamptz NOT NULL)"
            ).format(name),
        )
        self._select = sql.SQL("SELECT failures, last_failure FROM {} WHERE key = %s").format(name)
        self._fail = sql.SQL(
            "INSERT INTO {0} VALUES (%s, 1, %s) ON CONFLICT (key) DO UPDATE SET"
            " failures = LEAST({0}.failures + 1, 1000000), last_failure = EXCLUDED.last_failure"
        ).format(name)
        self._reset = sql.SQL("DELETE FROM {} WHERE key = %s").format(name)
        self._purge = sql.SQL("DELETE FROM {} WHERE last_failure < %s").format(name)

    def wait(self, username: str, now: datetime) -> timedelta:
        """How long the username must still wait before a login is checked (zero: go)."""
        now = aware(now)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (self._key(username),))
            row = curs.fetchone()
        if row is None:
            return timedelta(0)
        remaining: timedelta = row["last_failure"] + delay_after(row["failures"]) - now
        return max(remaining, timedelta(0))

    def failed(self, username: str, now: datetime) -> None:
        """Count a failed login (a wrong password, an unknown username, a refused attempt)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._fail, (self._key(username), aware(now)))

    def succeeded(self, username: str) -> None:
        """A successful login: the count starts again."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._reset, (self._key(username),))

    def purge(self, now: datetime) -> int:
        """Forget usernames whose last failure is more than `KEEP` before `now`; how many."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._purge, (aware(now) - KEEP,))
            return curs.rowcount

    def _key(self, username: str) -> str:
        normalised = username[:MAX_USERNAME_INPUT].strip().lower().encode("utf-8")
        return hmac.new(self._secret, normalised, hashlib.sha256).hexdigest()
