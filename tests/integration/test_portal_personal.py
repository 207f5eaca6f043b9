"""Personal data outside the event payloads (A-40), usernames, customer contacts (P-30)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from psycopg import sql

from infra.portal.contact import CustomerContact
from infra.portal.contacts import CustomerContacts
from infra.portal.personal import PersonalData, UsernameTakenError

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONTACT = CustomerContact("Meir 1, 2000 Antwerpen", "anna@example.be", "+32470123456", "nl")


@pytest.fixture
def personal(portal_datastore: PostgresDatastore) -> PersonalData:
    return PersonalData(portal_datastore)


def test_a_value_is_kept_behind_a_reference_and_erased_keeping_the_row(
    personal: PersonalData, portal_datastore: PostgresDatastore
) -> None:
    ref = personal.put("FIRST_NAME", "Anna", T0)
    other = personal.put("LAST_NAME", "Peeters", T0)
    assert uuid.UUID(ref).version == 4
    assert personal.get(ref) == "Anna"
    personal.erase(ref)
    assert personal.get(ref) is None
    assert personal.get(other) == "Peeters"
    name = sql.Identifier(portal_datastore.schema, "portal_personal_data")
    with portal_datastore.transaction(commit=False) as curs:
        curs.execute(sql.SQL("SELECT value, erased_at FROM {} WHERE ref = %s").format(name), (ref,))
        row = curs.fetchone()
    assert row is not None
    assert row["value"] is None
    assert row["erased_at"] is not None


def test_unknown_and_malformed_references_find_nothing(personal: PersonalData) -> None:
    assert personal.get(str(uuid.uuid4())) is None
    assert personal.get("not-a-ref") is None
    assert personal.get("x" * 10_000) is None
    personal.erase("not-a-ref")
    with pytest.raises(ValueError, match="value"):
        personal.put("NOTE", "x" * 2000, T0)


def test_a_username_is_normalised_unique_and_released(personal: PersonalData) -> None:
    anna, bert = uuid.uuid4(), uuid.uuid4()
    personal.claim_username(" Anna@Example.BE ", anna)
    personal.claim_username("anna@example.be", anna)  # again, the same account: no change
    assert personal.account_of_username("ANNA@example.be") == anna
    with pytest.raises(UsernameTakenError):
        personal.claim_username("anna@example.be ", bert)
    personal.release_username(anna)
    assert personal.account_of_username("anna@example.be") is None
    personal.claim_username("anna@example.be", bert)
    assert personal.account_of_username("anna@example.be") == bert
    assert personal.account_of_username("") is None
    assert personal.account_of_username("a" * 1000) is None


def test_the_latest_contact_wins_and_is_erased(portal_datastore: PostgresDatastore) -> None:
    contacts = CustomerContacts(portal_datastore)
    assert contacts.get("C-1") is None
    contacts.put("C-1", CONTACT, T0)
    moved = CustomerContact("Rue Neuve 2, 1000 Bruxelles", "anna@example.be", "+32470999999", "fr")
    contacts.put("C-1", moved, T0)
    contacts.put("C-2", CONTACT, T0)
    assert contacts.get("C-1") == moved
    contacts.erase("C-1")
    assert contacts.get("C-1") is None
    assert contacts.get("C-2") == CONTACT
    assert contacts.get("C" * 1000) is None
