"""Secure messages (PT-15, PT-16): their text, kept outside the event payloads.

The event store keeps `SecureMessageSent` with the text's SHA-256 (PT-17); the text itself,
which is personal data, lives in `portal_messages` and can be erased at retention end
without rewriting history (the row keeps its hash).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

MAX_MESSAGE = 4000
"""Characters of one message (an input bound; a longer letter goes by e-mail or post)."""


def content_hash(text: str) -> str:
    """The SHA-256 hex of a message's text (PT-17)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredMessage:
    """One message of a thread."""

    thread_id: str
    direction: str
    contract_number: str | None
    text: str | None
    """None once erased."""
    content_hash: str
    sent_at: datetime


class SecureMessages:
    """The texts of the portal's secure messages, by customer and thread."""

    def __init__(self, datastore: PostgresDatastore, table_name: str = "portal_messages") -> None:
        self.datastore = datastore
        name = table(datastore, table_name)
        index = sql.Identifier(f"{table_name}_customer_idx")
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY,"
                " customer_number text NOT NULL, thread_id text NOT NULL,"
                " direction text NOT NULL, contract_number text, text text,"
                " content_hash text NOT NULL, sent_at timestamptz NOT NULL)"
            ).format(name),
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (customer_number, id)").format(
                index, name
            ),
        )
        self._insert = sql.SQL(
            "INSERT INTO {} (customer_number, thread_id, direction, contract_number, text,"
            " content_hash, sent_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        ).format(name)
        self._select = sql.SQL(
            "SELECT thread_id, direction, contract_number, text, content_hash, sent_at FROM {}"
            " WHERE customer_number = %s ORDER BY id"
        ).format(name)
        self._erase = sql.SQL("UPDATE {} SET text = NULL WHERE customer_number = %s").format(name)

    def add(
        self,
        customer_number: str,
        thread_id: str,
        direction: str,
        text: str,
        now: datetime,
        contract_number: str | None = None,
    ) -> str:
        """Keep a message's text; returns its content hash."""
        if not 0 < len(text) <= MAX_MESSAGE:
            raise ValueError(f"text: must have 1 to {MAX_MESSAGE} characters")
        digest = content_hash(text)
        row = (customer_number, thread_id, direction, contract_number, text, digest, aware(now))
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._insert, row)
        return digest

    def of(self, customer_number: str) -> list[StoredMessage]:
        """The customer's messages, oldest first."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (customer_number,))
            return [StoredMessage(**row) for row in curs.fetchall()]

    def threads(self, customer_number: str) -> dict[str, list[StoredMessage]]:
        """The customer's messages by thread, threads in the order they began."""
        found: dict[str, list[StoredMessage]] = {}
        for message in self.of(customer_number):
            found.setdefault(message.thread_id, []).append(message)
        return found

    def erase(self, customer_number: str) -> None:
        """Wipe the customer's texts (retention end); the hashes stay."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._erase, (customer_number,))
