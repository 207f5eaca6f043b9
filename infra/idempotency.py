"""Idempotency keys stored with the events they produced, in one transaction (API.md 3).

`IdempotentContracts` is the contracts application the HTTP API writes through. A command
sent with an `Idempotency-Key` is saved with an `IdempotencyRecord`: the recorder inserts
the key's row in the transaction that inserts the command's events (or alone, when the
command records none), so either both are stored or neither is. A retry after a crash,
or a second request racing the first, finds the row and gets the first response again,
rebuilt from the row and the stored events; nothing is recorded twice. A command whose
refusal is itself recorded (L-22's `EarlyTerminationRejected`) stores its key with that
event and status 409: it is refused again from the stored event.

The row keeps a digest of the key (scoped to the caller), of the request, the command, the
status, the contract, and the versions the command took. Rows older than the retention
(`KEY_RETENTION`, more than the 24 hours API.md promises) are purged when an API process
starts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from domain.application import ContractsApplication
from infra.recorder import OneTripApplicationRecorder, ensure_publishable

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from uuid import UUID

    from eventsourcing.persistence import StoredEvent
    from eventsourcing.postgres import PostgresDatastore
    from psycopg import Cursor
    from psycopg.rows import DictRow

    from domain.contract import Contract
    from domain.decisions import CommandResult
    from domain.errors import RecordedRefusalError

RECORDER_TOPIC = "infra.idempotency:IdempotentRecorder"
KEY_RETENTION = timedelta(hours=48)
"""How long a key is kept at least (API.md promises 24 hours); older ones are purged when
an API process starts."""
SAVE_OPTION = "idempotency"
"""The `save` option (ContractsApplication.execute) that carries the record."""
REFUSED = 409
"""The status stored with a key whose command recorded its own refusal (L-22): replayed,
it is refused again from the stored rejection, and nothing more is recorded."""


class IdempotencyKeyTakenError(Exception):
    """Another request stored this key first (its transaction committed; this one did not)."""


def digest(*parts: str) -> str:
    """A SHA-256 hex digest of the parts (the key table never holds what a caller sent)."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode("utf-8"))
        hasher.update(b"\x00")
    return hasher.hexdigest()


@dataclass(frozen=True)
class IdempotencyRecord:
    """What is stored under a key: the request it answered and where its effects are."""

    key: str
    """`digest(caller, Idempotency-Key)`."""
    request: str
    """`digest(method, path, body)`: the same key with another request is refused."""
    command: str
    status: int
    contract_id: UUID | None = None
    version: int | None = None
    """The contract's version after the command."""
    from_version: int | None = None
    """The first version the command recorded (None: it recorded nothing)."""


class IdempotentRecorder(OneTripApplicationRecorder):
    """The one-trip recorder, plus the key table written in the events' transaction."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(datastore.schema)
        table = Identifier(events_table_name.removesuffix("_events") + "_idempotency")
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (key text PRIMARY KEY, request text NOT NULL,"
                " command text NOT NULL, status smallint NOT NULL, contract_id uuid,"
                " version bigint, from_version bigint,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema, table)
        )
        self._insert_key = SQL(
            "INSERT INTO {0}.{1} (key, request, command, status, contract_id, version,"
            " from_version) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (key) DO NOTHING RETURNING key"
        ).format(schema, table)
        self._select_key = SQL(
            "SELECT key, request, command, status, contract_id, version, from_version"
            " FROM {0}.{1} WHERE key = %s"
        ).format(schema, table)
        self._position = SQL(
            "SELECT notification_id FROM {0}.{1} WHERE originator_id = %s"
            " AND originator_version = %s"
        ).format(schema, Identifier(events_table_name))
        self._purge = SQL("DELETE FROM {0}.{1} WHERE created_at < now() - %s").format(schema, table)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if kwargs.get(SAVE_OPTION) is None:
            return super().insert_events(stored_events, **kwargs)
        ensure_publishable(stored_events)
        # The library's transactional path: `_insert_events` runs in the events' transaction.
        ids: Sequence[int] | None = PostgresApplicationRecorder.insert_events(
            self, stored_events, **kwargs
        )
        return ids

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        record: IdempotencyRecord | None = kwargs.get(SAVE_OPTION)
        if record is not None:
            # the first event of the key's contract (a two-contract command stores the
            # other contract's events before it: domain/application.py `_save`)
            mine = [e for e in stored_events if e.originator_id == record.contract_id]
            first = mine[0].originator_version if mine else None
            curs.execute(
                self._insert_key,
                (
                    record.key,
                    record.request,
                    record.command,
                    record.status,
                    record.contract_id,
                    record.version,
                    first,
                ),
            )
            if curs.fetchone() is None:
                raise IdempotencyKeyTakenError(record.key)
        super()._insert_events(curs, stored_events, **kwargs)

    def find(self, key: str) -> IdempotencyRecord | None:
        """The record stored under `key`, or None."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._select_key, (key,))
            row = curs.fetchone()
        return IdempotencyRecord(**row) if row is not None else None

    def position_of(self, originator_id: UUID, version: int) -> int | None:
        """The log position (notification id) of a stored event, None if there is none."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._position, (originator_id, version))
            row = curs.fetchone()
        return int(row["notification_id"]) if row is not None else None

    def purge(self, older_than: timedelta) -> int:
        """Forget the keys stored longer ago than `older_than`; how many were dropped."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._purge, (older_than,))
            return curs.rowcount


class IdempotentContracts(ContractsApplication):
    """The contracts application of the HTTP API: commands can carry an idempotency key."""

    name = "contracts"
    """Restated: the library names a subclass after itself, which would mean other tables."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        topic = {"APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC}
        super().__init__({**(env or {}), **topic})

    @property
    def keys(self) -> IdempotentRecorder:
        recorder = self.recorder
        if not isinstance(recorder, IdempotentRecorder):  # pragma: no cover - set in __init__
            raise TypeError("IdempotentContracts needs its own recorder")
        return recorder

    def _save(
        self,
        contract: Contract,
        save: Mapping[str, Any] = {},
        refusal: RecordedRefusalError | None = None,
        others: tuple[Contract, ...] = (),
    ) -> CommandResult:
        record: IdempotencyRecord | None = save.get(SAVE_OPTION)
        if record is not None:
            stamped = replace(record, contract_id=contract.id, version=contract.version)
            if refusal is not None:  # a refusal recorded as events (L-22) is answered 409
                stamped = replace(stamped, status=REFUSED)
            save = {**save, SAVE_OPTION: stamped}
        return super()._save(contract, save, refusal, others)
