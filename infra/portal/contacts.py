"""Customer contacts (P-30): postal address, e-mail, mobile number, language. Personal data,
never in an event: kept by customer number in `portal_customer_contacts`, the latest
notified contact replacing the previous one (Art. 20 E), erased at retention end.

`CustomerContact.parse` validates a contact as a boundary receives it (the keys are the
dataclass's field names) and raises `ContactError` naming the field at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from psycopg import sql

from infra.portal.tables import aware, create, table

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from eventsourcing.postgres import PostgresDatastore

Language = Literal["nl", "fr", "en"]
LANGUAGES: tuple[str, ...] = ("nl", "fr", "en")
MAX_ADDRESS = 300
MAX_EMAIL = 254
MAX_MOBILE_INPUT = 32
"""A mobile number as typed, spaces included."""
MAX_CUSTOMER_NUMBER = 64
MOBILE = re.compile(r"\+[0-9]{8,15}")
"""E.164: a plus and 8 to 15 digits (spaces are stripped first)."""
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.][^@\s]*")
"""One @, no spaces, a dot inside the domain."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FIELDS = ("postal_address", "email", "mobile_number", "language")


class ContactError(ValueError):
    """A contact field is missing or malformed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class CustomerContact:
    """Where the Customer is reached (P-30)."""

    postal_address: str
    email: str
    mobile_number: str
    """E.164, without spaces: +32470123456."""
    language: Language

    @classmethod
    def parse(cls, raw: Mapping[str, object]) -> CustomerContact:
        """A contact from its fields; ContactError names the first field at fault (unknown
        fields are refused too)."""
        for key in raw:
            if key not in FIELDS:
                raise ContactError(str(key)[:64], "is not a contact field")
        return cls(
            postal_address=_address(_text(raw, "postal_address", MAX_ADDRESS)),
            email=_email(_text(raw, "email", MAX_EMAIL)),
            mobile_number=_mobile(_text(raw, "mobile_number", MAX_MOBILE_INPUT)),
            language=_language(_text(raw, "language", 2)),
        )


def _text(raw: Mapping[str, object], field: str, limit: int) -> str:
    value = raw.get(field)
    if not isinstance(value, str):
        raise ContactError(field, "is required (a string)")
    value = value.strip()
    if not value:
        raise ContactError(field, "is required")
    if len(value) > limit:
        raise ContactError(field, f"has at most {limit} characters")
    if CONTROL.search(value):
        raise ContactError(field, "has control characters")
    return value


def _address(value: str) -> str:
    if CONTROL.search(value):
        raise ContactError("postal_address", "has control characters")
    return value


def _email(value: str) -> str:
    if EMAIL.fullmatch(value) is None:
        raise ContactError("email", "must be an e-mail address (name@domain.tld)")
    return value


def _mobile(value: str) -> str:
    number = value.replace(" ", "")
    if MOBILE.fullmatch(number) is None:
        raise ContactError("mobile_number", "must be + and 8 to 15 digits (E.164)")
    return number


def _language(value: str) -> Language:
    if value not in LANGUAGES:
        raise ContactError("language", f"must be one of {', '.join(LANGUAGES)}")
    return cast("Language", value)


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
