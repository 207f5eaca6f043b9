"""Contract data of the Special Conditions: P-03 documents, P-06 supplier, P-17 SEPA mandate.

RULES.md gives no worked example for these; the IBAN is the ISO 13616 example of a Belgian
account (BE68 5390 0754 7034).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import TermsError
from domain.iban import electronic_form, iban_problem, mod97
from domain.terms import ContractTerms
from infra.inputs.terms import ContractTermsInput
from tests.factories import ref_terms, ref_terms_dict

BELGIAN_IBAN = "BE68 5390 0754 7034"


class TestDocumentsAndSupplier:
    def test_P_03_the_signed_documents_and_signature_instant_are_terms(self) -> None:
        data = ref_terms_dict(
            special_conditions_id="SC-2024-0108",
            quote_id="Q-2024-0099",
            signed_at="2024-02-20T10:15:00+01:00",
        )
        terms = ContractTerms.from_dict(data)
        assert (terms.special_conditions_id, terms.quote_id) == ("SC-2024-0108", "Q-2024-0099")
        assert terms.signed_at == "2024-02-20T10:15:00+01:00"
        assert ContractTerms.from_flat(terms.to_dict()) == terms

    def test_P_03_a_signature_without_its_utc_offset_is_refused(self) -> None:
        with pytest.raises(TermsError) as refused:
            ContractTerms.from_dict(ref_terms_dict(signed_at="2024-02-20T10:15:00"))
        assert (refused.value.field, refused.value.rule_id) == ("signed_at", "P-03")

    def test_P_06_the_supplier_is_a_term(self) -> None:
        terms = ContractTerms.from_dict(ref_terms_dict(supplier_id="DEALER-042"))
        assert terms.supplier_id == "DEALER-042"

    def test_P_03_P_06_P_17_terms_stored_before_them_still_load(self) -> None:
        stored = ref_terms().to_dict()
        for name in ("special_conditions_id", "quote_id", "signed_at", "supplier_id"):
            del stored[name]
        del stored["sepa_mandate_id"]
        terms = ContractTerms.from_flat(stored)
        assert (terms.supplier_id, terms.sepa_mandate_id) == (None, None)


class TestSepaMandate:
    def test_P_17_a_valid_iban_is_accepted_and_kept_out_of_the_terms(self) -> None:
        data = ref_terms_dict(sepa_mandate_id="MANDATE-0108", iban=BELGIAN_IBAN)
        terms = ContractTermsInput.model_validate(data).to_terms()
        assert terms.sepa_mandate_id == "MANDATE-0108"
        assert "BE68" not in json.dumps(terms.to_dict())  # personal data, A-40

    def test_P_17_an_iban_with_a_wrong_check_digit_is_refused(self) -> None:
        data = ref_terms_dict(sepa_mandate_id="MANDATE-0108", iban="BE68 5390 0754 7035")
        with pytest.raises(ValidationError, match="P-17"):
            ContractTermsInput.model_validate(data)

    def test_P_17_the_iso_13616_check(self) -> None:
        assert iban_problem(BELGIAN_IBAN) is None
        assert iban_problem("be68539007547034") is None  # electronic form, any case
        assert iban_problem("NL91 ABNA 0417 1643 00") is None
        assert iban_problem("BE68 5390 0754 70") == "a BE IBAN has 16 characters, not 14"
        assert iban_problem("68BE 5390 0754 7034") is not None
        assert mod97(electronic_form(BELGIAN_IBAN)) == 1


@given(
    position=st.integers(min_value=4, max_value=15),
    change=st.integers(min_value=1, max_value=9),
)
def test_P_17_mod_97_catches_every_single_digit_error(position: int, change: int) -> None:
    iban = electronic_form(BELGIAN_IBAN)
    digit = (int(iban[position]) + change) % 10
    wrong = iban[:position] + str(digit) + iban[position + 1 :]
    assert iban_problem(wrong) is not None
