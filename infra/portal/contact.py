"""A customer contact (P-30): postal address, e-mail, mobile number, language.

`CustomerContact.parse` validates a contact as a boundary receives it (the keys are the
dataclass's field names) and raises `ContactError` naming the field at fault. Where it is
kept is infra/portal/contacts.py; this module needs no database, so the boundaries that
only check a contact (the API's and the scenario files' contract terms) load none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from collections.abc import Mapping

Language = Literal["nl", "fr", "en"]
LANGUAGES: tuple[str, ...] = ("nl", "fr", "en")
MAX_ADDRESS = 300
MAX_EMAIL = 254
MAX_MOBILE_INPUT = 32
"""A mobile number as typed, spaces included."""
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
