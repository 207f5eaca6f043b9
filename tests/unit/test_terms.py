"""Contract parameters (RULES 2.1) and their validation at conclusion (P-49..P-53)."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from domain.contract import Contract
from domain.errors import RuleViolationError, TermsError
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import ContractTerms
from domain.values import ContractStatus, Frequency
from tests.factories import ctx, ref_terms_dict


def refused(**overrides: Any) -> TermsError:
    with pytest.raises(TermsError) as error:
        ContractTerms.from_dict(ref_terms_dict(**overrides))
    return error.value


def test_ref_terms_parse_with_defaults() -> None:
    data = ref_terms_dict()
    del data["payment_term_days"], data["insurer_theft_recovery_days"]
    terms = ContractTerms.from_dict(data)
    assert terms.payment_term_days == 0
    assert terms.insurer_theft_recovery_days == 30
    assert terms.contract_km == Decimal(80_000)
    assert terms.general_terms_version == "19-2/HP"


def test_terms_round_trip_through_their_stored_form() -> None:
    terms = ContractTerms.from_dict(ref_terms_dict())
    assert ContractTerms.from_flat(terms.to_dict()) == terms


def test_terms_with_every_amount_set_store_plain_json_and_read_back() -> None:
    optional = [
        "shortfall_km_price",
        "shortfall_refund_cap",
        "flat_damage_fee",
        "gap_insured_value",
    ]
    amount = Money.of("12.34")
    terms = replace(
        ContractTerms.from_dict(ref_terms_dict()),
        shortfall_km_price=amount,
        shortfall_refund_cap=amount,
        flat_damage_fee=amount,
        gap_insured_value=amount,
        fuel_price_per_unit=Decimal("1.859"),
        instalment_components=(("TYRES", Money.of("12.50")),),
    )

    flat = terms.to_dict()

    assert [f.name for f in fields(ContractTerms) if "Money |" in str(f.type)] == optional
    assert json.loads(json.dumps(flat)) == flat  # decimal strings and enum values only
    assert [flat[name] for name in optional] == ["12.34"] * 4
    assert (flat["fuel_price_per_unit"], flat["fuel_type"]) == ("1.859", "DIESEL")
    assert flat["instalment_components"] == {"TYRES": "12.50"}
    assert ContractTerms.from_flat(flat) == terms


@pytest.mark.parametrize("field", ["term_months", "annual_km", "instalment_amount", "fuel_type"])
def test_P_49_required_parameters(field: str) -> None:
    error = refused(**{field: None})
    assert (error.rule_id, error.field) == ("P-49", field)


def test_P_50_bev_contract_km_above_cap() -> None:
    error = refused(fuel_type="BEV", annual_km=40_000)
    assert (error.rule_id, error.field) == ("P-50", "annual_km")
    assert "160000 km exceeds the BEV km cap of 140000" in error.message


def test_P_51_protection_needs_a_flat_fee() -> None:
    error = refused(protection={"included": True})
    assert (error.rule_id, error.field) == ("P-51", "protection.flat_damage_fee")


def test_P_51_gap_needs_the_insured_value() -> None:
    error = refused(gap={"included": True})
    assert error.rule_id == "P-51"


def test_P_19_insured_value_from_price_tax_and_costs() -> None:
    gap = {
        "included": True,
        "purchase_price_ex_vat": "38000.00",
        "registration_tax": "3000.00",
        "registration_costs": "1000.00",
    }
    terms = ContractTerms.from_dict(ref_terms_dict(gap=gap))
    assert terms.gap_insured_value == Money.of("42000.00")


def test_P_52_lessor_insurance_needs_protection() -> None:
    error = refused(insurance_mode="LESSOR_MTPL_WITH_PROTECTION", protection={"included": False})
    assert (error.rule_id, error.field) == ("P-52", "insurance_mode")


def test_P_20_registered_in_the_lessors_name_unless_agreed_otherwise() -> None:
    # P-20 (Art. 6.2): the Lessor when the terms say nothing, the Customer when the Special
    # Conditions say so (kept as agreed); nothing else, so no registration abroad (P-53).
    assert ContractTerms.from_dict(ref_terms_dict()).registered_in_name_of == "LESSOR"
    customer = ContractTerms.from_dict(ref_terms_dict(registered_in_name_of="CUSTOMER"))
    assert ContractTerms.from_flat(customer.to_dict()).registered_in_name_of == "CUSTOMER"
    error = refused(registered_in_name_of="LESSOR_LUXEMBOURG")
    assert (error.rule_id, error.field) == ("P-53", "registered_in_name_of")


def test_P_53_never_registered_abroad() -> None:
    error = refused(registered_in_name_of="FOREIGN_ENTITY")
    assert (error.rule_id, error.field) == ("P-53", "registered_in_name_of")


def test_P_26_insurer_recovery_days_capped_at_30() -> None:
    error = refused(insurer_theft_recovery_days=45)
    assert error.rule_id == "P-26"


def test_P_14_a_25_month_term_billed_quarterly_is_concluded() -> None:
    """P-08 allows any whole number of months and P-14 only sets how often instalments are
    invoiced in advance (Art. 5.1): 25 months is 8 quarters and one month, and is concluded."""
    terms = ContractTerms.from_dict(
        ref_terms_dict(
            term_months=25, instalment_frequency="QUARTERLY", instalment_amount="1950.00"
        )
    )
    contract = Contract.conclude(terms, ctx(date(2024, 2, 1)))
    assert contract.status is ContractStatus.CONCLUDED
    assert (contract.terms.term_months, contract.terms.instalment_frequency) == (
        25,
        Frequency.QUARTERLY,
    )


@pytest.mark.parametrize("frequency", ["QUARTERLY", "SEMI_ANNUAL", "ANNUAL"])
@pytest.mark.parametrize("term", [1, 13, 40, 71])
def test_P_08_P_14_any_whole_number_of_months_with_any_frequency(frequency: str, term: int) -> None:
    terms = ContractTerms.from_dict(
        ref_terms_dict(term_months=term, instalment_frequency=frequency)
    )
    assert terms.term_months == term


def test_P_08_term_below_one_month_is_still_refused() -> None:
    error = refused(instalment_frequency="QUARTERLY", term_months=0)
    assert (error.rule_id, error.field) == ("P-08", "term_months")


def test_bad_values_name_the_field() -> None:
    assert refused(instalment_amount=650.0).field == "instalment_amount"  # never a float
    assert refused(term_months="48").field == "term_months"
    assert refused(fuel_type="STEAM").message.startswith("fuel_type: must be one of PETROL")


def test_P_42_fee_rate_above_half_is_refused() -> None:
    with pytest.raises(RuleViolationError) as error:
        LessorPolicy(early_termination_fee_rate=Decimal("0.60"))
    assert error.value.rule_id == "P-42"


def test_K_08_no_automatic_action_on_collective_debt_settlement() -> None:
    with pytest.raises(RuleViolationError) as error:
        LessorPolicy(auto_dissolve_grounds=("18.3(iv)",))
    assert error.value.rule_id == "K-08"


def test_P_13_instalment_components_parse_and_round_trip() -> None:
    data = ref_terms_dict(instalment_components={"MAINTENANCE_REPAIR": "45.00", "TYRES": "12.50"})

    terms = ContractTerms.from_dict(data)

    assert terms.service_components == {
        "MAINTENANCE_REPAIR": Money(Decimal("45.00")),
        "TYRES": Money(Decimal("12.50")),
    }
    assert ContractTerms.from_flat(terms.to_dict()) == terms
    assert terms.to_dict()["instalment_components"] == {
        "MAINTENANCE_REPAIR": "45.00",
        "TYRES": "12.50",
    }


def test_P_13_an_unknown_service_is_refused_by_name() -> None:
    error = refused(instalment_components={"CAR_WASH": "5.00"})

    assert (error.field, error.rule_id) == ("instalment_components.CAR_WASH", "P-13")


def test_P_13_the_services_must_leave_a_lease_part() -> None:
    error = refused(instalment_components={"MAINTENANCE_REPAIR": "650.00"})

    assert (error.field, error.rule_id) == ("instalment_components", "P-13")


def test_P_13_terms_stored_before_the_field_still_load() -> None:
    flat = ContractTerms.from_dict(ref_terms_dict()).to_dict()
    del flat["instalment_components"]

    assert ContractTerms.from_flat(flat).instalment_components == ()


PARAMETER_REFUSALS = [
    ("P-01", {"contract_number": 2024}, "contract_number"),
    ("P-10", {"excess_km_price": "-0.10"}, "excess_km_price"),
    ("P-11", {"shortfall_km_price": "ten cents"}, "shortfall_km_price"),
    ("P-12", {"instalment_amount": "0.00"}, "instalment_amount"),
    ("P-18", {"invested_capital": "-1.00"}, "invested_capital"),
    ("P-23", {"advance_payment": "-0.01"}, "advance_payment"),
    (
        "P-24",
        {"protection": {"included": "yes", "flat_damage_fee": "500.00"}},
        "protection.included",
    ),
    ("P-25", {"insurance_mode": "BOTH"}, "insurance_mode"),
    ("P-27", {"gap": {"included": "no"}}, "gap.included"),
]


@pytest.mark.parametrize(
    ("rule_id", "overrides", "field"), PARAMETER_REFUSALS, ids=[r[0] for r in PARAMETER_REFUSALS]
)
def test_each_parameter_refuses_a_malformed_value_naming_its_rule(
    rule_id: str, overrides: dict[str, Any], field: str
) -> None:
    error = refused(**overrides)
    assert (error.rule_id, error.field) == (rule_id, field)


def test_P_10_P_12_P_18_P_23_P_24_P_27_REF_reads_as_its_special_conditions() -> None:
    terms = ContractTerms.from_dict(ref_terms_dict())
    assert terms.excess_km_price == Money(Decimal("0.10"))  # P-10: EUR 0.10 per km over
    assert terms.shortfall_km_price is None  # P-11: no credit under the contract km
    assert terms.instalment_amount == Money(Decimal("650.00"))  # P-12
    assert terms.invested_capital == Money(Decimal("45000.00"))  # P-18
    assert terms.advance_payment == Money(Decimal("3000.00"))  # P-23
    assert terms.protection_included  # P-24, with its flat fee per damage
    assert terms.flat_damage_fee == Money(Decimal("500.00"))
    assert terms.gap_included  # P-27
