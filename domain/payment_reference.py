"""The Belgian structured communication of a document (`+++ddd/dddd/ddddd+++`).

Ten digits and a two-digit check (the ten digits modulo 97, 97 for a remainder of 0), as
Belgian banks validate it. The ten digits say which document a payment is for: the kind
(1 invoice, 2 debit note, 3 credit note), the year's last two digits and the document's
seven-digit sequence number within its kind and year, so a payment that quotes it can be
matched to the document without reading free text.
"""

from __future__ import annotations

import re

KINDS = {"INV": 1, "DN": 2, "CN": 3}
PREFIXES = {code: prefix for prefix, code in KINDS.items()}
MAX_SEQUENCE = 9_999_999
DOCUMENT_NUMBER = re.compile(r"^(INV|DN|CN)-([0-9]{4})-([0-9]{1,7})$")
COMMUNICATION = re.compile(r"^\+\+\+([0-9]{3})/([0-9]{4})/([0-9]{5})\+\+\+$")


def check_digits(base: int) -> int:
    """The modulo-97 check of the ten-digit base (97 where the remainder is 0)."""
    return base % 97 or 97


def structured_communication(document_number: str) -> str:
    """`INV-2024-000123` -> `+++124/0000/12381+++` (ValueError for another number)."""
    match = DOCUMENT_NUMBER.match(document_number)
    if match is None:
        raise ValueError(f"{document_number!r} is not a document number")
    prefix, year, sequence = match.group(1), int(match.group(2)), int(match.group(3))
    base = KINDS[prefix] * 10**9 + (year % 100) * 10**7 + sequence
    digits = f"{base:010d}{check_digits(base):02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def document_of(communication: str, century: int) -> str | None:
    """The document number a communication stands for (None if it is not one of ours or its
    check fails); `century` is the issuing year's century, e.g. 2000."""
    match = COMMUNICATION.match(communication.strip())
    if match is None:
        return None
    digits = "".join(match.groups())
    base, check = int(digits[:10]), int(digits[10:])
    kind, year, sequence = base // 10**9, (base // 10**7) % 100, base % 10**7
    if check != check_digits(base) or kind not in PREFIXES or sequence == 0:
        return None
    return f"{PREFIXES[kind]}-{century + year}-{sequence:06d}"
