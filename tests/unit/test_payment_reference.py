"""The structured communication on documents (+++ddd/dddd/ddddd+++, modulo 97)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.payment_reference import check_digits, document_of, structured_communication


def test_an_invoice_number_gives_a_valid_communication() -> None:
    communication = structured_communication("INV-2024-000123")
    assert communication == "+++124/0000/12341+++"
    digits = communication.strip("+").replace("/", "")
    assert int(digits[:10]) % 97 == int(digits[10:])


def test_a_base_divisible_by_97_checks_as_97() -> None:
    assert check_digits(97 * 12345) == 97


def test_a_mistyped_communication_matches_nothing() -> None:
    assert structured_communication("DN-2025-000042") == "+++225/0000/04270+++"
    assert document_of("+++225/0000/04270+++", 2000) == "DN-2025-000042"
    assert document_of("+++225/0000/04370+++", 2000) is None  # one digit mistyped
    assert document_of("+++000/0000/00097+++", 2000) is None
    assert document_of("a payment for my car", 2000) is None


@given(
    st.sampled_from(["INV", "DN", "CN"]),
    st.integers(min_value=2000, max_value=2099),
    st.integers(min_value=1, max_value=999_999),
)
def test_every_document_number_round_trips(prefix: str, year: int, sequence: int) -> None:
    number = f"{prefix}-{year}-{sequence:06d}"
    assert document_of(structured_communication(number), 2000) == number
