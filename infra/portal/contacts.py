"""Customer contacts (P-30, infra/portal/contact.py). Personal data, never in an event: kept
by customer number in `portal_customer_contacts`, the latest notified contact replacing the
previous one (Art. 20 E), erased at retention end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from psycopg import sql

from infra.portal.contact import FIELDS, CustomerContact
from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

MAX_CUSTOMER_NUMBER = 64


class CustomerContacts:
    """The latest contact of each customer, by customer number."""

    def __init__(
        self, datastore: PostgresDatastore, table_name: str = "portal_customer_contacts"
    ) -> None:
        self.datastore = datastore
        name = table(datastore, table_name)
        create(
            datastore,
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (customer_number text PRIMARY KEY,"
                " postal_address text NOT NULL, email text NOT NULL, mobile_number text NOT NULL,"
                " language text NOT NULL, updated_at timestamptz NOT NULL)"
            ).format(name),
        )
        self._upsert = sql.SQL(
            "INSERT INTO {} VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (customer_number) DO"
            " UPDATE SET postal_address = EXCLUDED.postal_address, email = EXCLUDED.email,"
            " mobile_number = EXCLUDED.mobile_number, language = EXCLUDED.language,"
            " updated_at = EXCLUDED.updated_at"
        ).format(name)
        self._select = sql.SQL(
            "SELECT postal_address, email, mobile_number, language FROM {}"
            " WHERE customer_number = %s"
        ).format(name)
        self._delete = sql.SQL("DELETE FROM {} WHERE customer_number = %s").format(name)

    def put(self, customer_number: str, contact: CustomerContact, now: datetime) -> None:
        """Keep `contact` as the customer's (the latest notified contact wins)."""
        _customer(customer_number)
        row = (customer_number, *(getattr(contact, f) for f in FIELDS), aware(now))
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._upsert, row)

    def get(self, customer_number: str) -> CustomerContact | None:
        """The customer's contact, None when none is kept (or it was erased)."""
        if len(customer_number) > MAX_CUSTOMER_NUMBER:
            return None
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._select, (customer_number,))
            row = curs.fetchone()
        return None if row is None else CustomerContact(**row)

    def erase(self, customer_number: str) -> None:
        """Forget the customer's contact (retention end)."""
        if len(customer_number) > MAX_CUSTOMER_NUMBER:
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self._delete, (customer_number,))


def _customer(customer_number: str) -> None:
    if not 0 < len(customer_number) <= MAX_CUSTOMER_NUMBER:
        raise ValueError(f"a customer number has 1 to {MAX_CUSTOMER_NUMBER} characters")
