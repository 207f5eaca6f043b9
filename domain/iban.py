"""P-17: the IBAN of the SEPA mandate, checked as ISO 13616 defines it (pure, no I/O).

An IBAN is a two-letter country code, two check digits and the national account number
(BBAN, letters and digits), 34 characters at most. It is valid when the number formed by
moving the first four characters to the end, with each letter read as 10..35 (A = 10), leaves
remainder 1 when divided by 97. Spaces (the printed form) are ignored and letters read as
capitals. The lengths of the SEPA countries this Lessor's customers bank in are checked too
(the IBAN registry of ISO 13616); other countries only by structure and check digits.
"""

from __future__ import annotations

import re

IBAN_LENGTHS = {"BE": 16, "NL": 18, "LU": 20, "FR": 27, "DE": 22}
"""ISO 13616 registry lengths of the neighbouring SEPA countries."""
_STRUCTURE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")


def electronic_form(iban: str) -> str:
    """The IBAN without spaces, in capitals ("BE68 5390 0754 7034" -> "BE68539007547034")."""
    return "".join(iban.split()).upper()


def mod97(iban: str) -> int:
    """ISO 7064 MOD 97-10 of the rearranged IBAN (1 for a valid one)."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97


def iban_problem(iban: str) -> str | None:
    """Why `iban` is not a valid IBAN, or None when it is (P-17, ISO 13616)."""
    text = electronic_form(iban)
    if not _STRUCTURE.fullmatch(text):
        return "must be a country code, two check digits and up to 30 letters or digits"
    expected = IBAN_LENGTHS.get(text[:2])
    if expected is not None and len(text) != expected:
        return f"a {text[:2]} IBAN has {expected} characters, not {len(text)}"
    if mod97(text) != 1:
        return "fails the ISO 13616 check digits (mod 97)"
    return None
