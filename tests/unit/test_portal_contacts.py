"""The customer contact parser (P-30): clear refusals naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from infra.portal.contact import ContactError, CustomerContact

GOOD: dict[str, Any] = {
    "postal_address": "Meir 1, 2000 Antwerpen",
    "email": "anna@example.be",
    "mobile_number": "+32 470 12 34 56",
    "language": "nl",
}


def test_a_good_contact_is_parsed_and_the_mobile_number_loses_its_spaces() -> None:
    assert CustomerContact.parse(GOOD) == CustomerContact(
        "Meir 1, 2000 Antwerpen", "anna@example.be", "+32470123456", "nl"
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("postal_address", ""),
        ("postal_address", "   "),
        ("postal_address", "x" * 301),
        ("postal_address", "Meir\x001"),
        ("postal_address", 7),
        ("email", "anna.example.be"),
        ("email", "anna@@example.be"),
        ("email", "anna@example"),
        ("email", "an na@example.be"),
        ("email", "anna@example."),
        ("email", "a@" + "b" * 250 + ".be"),
        ("mobile_number", "0470123456"),
        ("mobile_number", "+3247"),
        ("mobile_number", "+3247012345678901"),
        ("mobile_number", "+32-470-123456"),
        ("mobile_number", "+32470l23456"),
        ("mobile_number", "+" + "1" * 40),
        ("language", "de"),
        ("language", "NL"),
        ("language", None),
    ],
)
def test_a_bad_field_is_named(field: str, value: Any) -> None:
    with pytest.raises(ContactError) as refused:
        CustomerContact.parse({**GOOD, field: value})
    assert refused.value.field == field
    assert str(refused.value).startswith(f"{field}: ")


@pytest.mark.parametrize("field", list(GOOD))
def test_a_missing_field_is_named(field: str) -> None:
    with pytest.raises(ContactError, match=rf"^{field}: is required"):
        CustomerContact.parse({k: v for k, v in GOOD.items() if k != field})


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ContactError, match=r"^mobile: is not a contact field"):
        CustomerContact.parse({**GOOD, "mobile": "+32470123456"})


def test_edges_that_are_accepted() -> None:
    assert CustomerContact.parse({**GOOD, "mobile_number": "+12345678"}).mobile_number
    assert CustomerContact.parse({**GOOD, "mobile_number": "+123456789012345"}).mobile_number
    assert CustomerContact.parse({**GOOD, "language": " fr "}).language == "fr"
    assert CustomerContact.parse({**GOOD, "postal_address": "Meir 1\n2000 Antwerpen"})
