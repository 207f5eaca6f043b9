"""The km cap for every fuel type (A-15(d), P-31) and the date of the end it causes (A-15(c))."""

from __future__ import annotations

from datetime import date

import pytest

from domain.contract import Contract
from domain.contract.base_events import ContractConcluded
from domain.contract.formation_events import KmCapDefaulted
from domain.contract.incidents import ReportOdometer
from domain.contract.incidents_events import KmCapReached
from domain.contract.registry import execute
from domain.contract.termination_events import ContractEndedByLaw
from domain.errors import TermsError
from domain.terms import ContractTerms
from domain.values import ContractStatus, EndKind, FuelType
from infra.inputs.terms import ContractTermsInput
from tests.contract_cases import (
    KM_CAP_READING_DAY,
    KM_CAP_RETURN_DUE,
    ONE_DAY,
    POLICY,
    assert_rules,
    collected,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, loaded_from_older_snapshot, ref_terms, ref_terms_dict, run_daily

CONCLUDED_ON = date(2024, 2, 20)


def terms_of(**overrides: object) -> ContractTerms:
    return ContractTerms.from_dict(ref_terms_dict(**overrides))


def refused(**overrides: object) -> TermsError:
    with pytest.raises(TermsError) as error:
        terms_of(**overrides)
    return error.value


@pytest.mark.parametrize("fuel", ["MILD_HYBRID", "FULL_HYBRID"])
def test_A_15_a_hybrid_not_charged_from_the_grid_has_its_combustion_fuels_cap(fuel: str) -> None:
    terms = terms_of(fuel_type=fuel)

    contract = Contract.conclude(terms, ctx(CONCLUDED_ON))

    assert (terms.km_cap, terms.km_cap_defaulted) == (200_000, False)
    assert names(collected(contract)) == ["ContractConcluded"]


@pytest.mark.parametrize("fuel", ["HYDROGEN", "LPG", "CNG"])
def test_A_15_another_type_without_an_agreed_cap_gets_200000_and_a_warning(fuel: str) -> None:
    contract = Contract.conclude(terms_of(fuel_type=fuel), ctx(CONCLUDED_ON))
    events = collected(contract)

    # Formed, not refused: the cap is assumed and the assumption is on the record.
    assert names(events) == ["ContractConcluded", "KmCapDefaulted"]
    warning = only(events, KmCapDefaulted)
    assert_rules(warning, "A-15", "P-31")
    assert (warning.fuel_type, warning.km_cap) == (fuel, 200_000)
    assert warning.occurred_on == CONCLUDED_ON
    assert contract.status is ContractStatus.CONCLUDED


def test_A_15_an_agreed_cap_is_the_cap_of_another_type_and_no_warning() -> None:
    terms = terms_of(fuel_type="LPG", agreed_km_cap=250_000)

    contract = Contract.conclude(terms, ctx(CONCLUDED_ON))

    assert terms.km_cap == 250_000
    assert of_type(collected(contract), KmCapDefaulted) == []
    assert ContractTerms.from_flat(terms.to_dict()) == terms


def test_P_31_an_agreed_cap_may_lower_a_listed_cap_but_not_raise_it() -> None:
    assert terms_of(fuel_type="DIESEL", agreed_km_cap=150_000).km_cap == 150_000
    assert terms_of(fuel_type="DIESEL").km_cap == 200_000

    error = refused(fuel_type="BEV", annual_km=10_000, agreed_km_cap=150_000)

    assert (error.rule_id, error.field) == ("P-31", "agreed_km_cap")
    assert "150000 km is above the BEV km cap of 140000" in error.message


def test_P_31_a_hybrids_agreed_cap_is_bounded_by_its_combustion_fuels() -> None:
    error = refused(fuel_type="MILD_HYBRID", agreed_km_cap=200_001)

    assert (error.rule_id, error.field) == ("P-31", "agreed_km_cap")


@pytest.mark.parametrize("cap", [0, -1])
def test_P_31_an_agreed_cap_is_positive(cap: int) -> None:
    assert refused(fuel_type="HYDROGEN", agreed_km_cap=cap).rule_id == "P-31"


def test_P_50_the_contract_km_are_checked_against_the_agreed_cap() -> None:
    # REF: 20,000 km/y x 48 months = 80,000 km, above a cap agreed at 60,000.
    error = refused(fuel_type="CNG", agreed_km_cap=60_000)

    assert (error.rule_id, error.field) == ("P-50", "annual_km")
    assert "80000 km exceeds the agreed km cap of 60000" in error.message


def test_A_15_the_input_model_takes_the_new_types_and_the_agreed_cap() -> None:
    data = ref_terms_dict(fuel_type="FULL_HYBRID", agreed_km_cap=180_000)

    terms = ContractTermsInput.model_validate(data).to_terms()

    assert (terms.fuel_type, terms.agreed_km_cap, terms.km_cap) == (
        FuelType.FULL_HYBRID,
        180_000,
        180_000,
    )


def test_L_19_the_agreed_cap_ends_the_contract_on_the_reading_date() -> None:
    contract = running_ref_contract(
        KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.HYDROGEN, agreed_km_cap=140_000
    )

    execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
    run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)
    events = collected(contract)

    reached = only(events, KmCapReached)
    assert (reached.reading, reached.km_cap) == (140_250, 140_000)
    end = only(events, ContractEndedByLaw)
    assert_rules(end, "L-19", "A-15")
    assert (end.end_kind, end.effective_end_date, end.return_due_date) == (
        EndKind.KM_CAP.value,
        KM_CAP_READING_DAY,
        KM_CAP_RETURN_DUE,
    )


def test_A_15_two_readings_at_the_cap_before_the_daily_run_end_on_the_first() -> None:
    # M-12's BEV (cap 140,000): 140,000 read on 2027-06-01, 140,300 on 2027-06-02, and the
    # daily run only on 2027-06-03. The end is dated by the first reading at the cap.
    contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(contract, ReportOdometer(odometer=140_000), ctx(KM_CAP_READING_DAY))
    execute(contract, ReportOdometer(odometer=140_300), ctx(KM_CAP_READING_DAY + ONE_DAY))
    contract.collect_events()

    run_daily(contract, ctx(KM_CAP_READING_DAY + 2 * ONE_DAY), POLICY)
    events = collected(contract)

    reached = only(events, KmCapReached)
    assert (reached.reading, reached.occurred_on) == (140_000, KM_CAP_READING_DAY)
    end = only(events, ContractEndedByLaw)
    assert_rules(end, "T-18.1-ii", "A-15")
    assert end.effective_end_date == KM_CAP_READING_DAY
    assert end.return_due_date == KM_CAP_RETURN_DUE


def test_A_15_a_v17_snapshot_takes_its_last_reading_at_the_cap_as_the_first() -> None:
    at_cap = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(at_cap, ReportOdometer(odometer=140_100), ctx(KM_CAP_READING_DAY))
    below = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(below, ReportOdometer(odometer=139_999), ctx(KM_CAP_READING_DAY))
    ended = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
    execute(ended, ReportOdometer(odometer=140_100), ctx(KM_CAP_READING_DAY))
    run_daily(ended, ctx(KM_CAP_READING_DAY), POLICY)
    fields = ("km_cap_reading", "km_cap_reading_on", "km_cap_noted")

    loaded_at_cap = loaded_from_older_snapshot(at_cap, 17, *fields)
    loaded_below = loaded_from_older_snapshot(below, 17, *fields)
    loaded_ended = loaded_from_older_snapshot(ended, 17, *fields)

    assert (loaded_at_cap.km_cap_reading, loaded_at_cap.km_cap_reading_on) == (
        140_100,
        KM_CAP_READING_DAY,
    )
    assert (loaded_below.km_cap_reading, loaded_below.km_cap_reading_on) == (None, None)
    # KmCapReached was only ever recorded with the end it caused (A-15(b) came in v18).
    assert (loaded_at_cap.km_cap_noted, loaded_ended.km_cap_noted) == (False, True)


def test_A_15_the_warning_is_not_given_for_a_listed_type() -> None:
    contract = Contract.conclude(ref_terms(fuel_type=FuelType.PHEV), ctx(CONCLUDED_ON))

    assert names(collected(contract)) == [ContractConcluded.__name__]
