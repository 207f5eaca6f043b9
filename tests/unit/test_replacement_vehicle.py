"""The replacement vehicle (Art. 15): L-36 with D-16, D-39, M-28 and O-15."""

from __future__ import annotations

from datetime import date, timedelta
from typing import cast

from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.incidents import RecoverVehicle, ReportTheft
from domain.contract.registry import execute
from domain.contract.replacement import (
    ProvideReplacementVehicle,
    ReportImmobilisation,
    ResolveImmobilisation,
    ReturnReplacementVehicle,
)
from domain.contract.replacement_events import (
    ImmobilisationResolved,
    LessorFullyInformedOfImmobilisation,
    ReplacementVehicleCharged,
    ReplacementVehicleReturned,
)
from domain.errors import RuleViolationError
from domain.service_money import entitled_from, overrun_days, worked_overrun
from projections.views.document_lines import articles, lines_of
from tests.contract_cases import (
    assert_refused,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx

THEFT = date(2025, 9, 20)
"""D-16's example: theft 2025-09-20, the Lessor fully informed that day at 10:00."""
FROM = date(2025, 9, 21)
CAP = date(2025, 10, 20)
RATE = eur("80.00")
SERVICES = (("REPLACEMENT_VEHICLE", eur("25.00")),)


def _contract(**overrides: object) -> Contract:
    return running_ref_contract(THEFT, instalment_components=SERVICES, **overrides)


def _theft_replacement(contract: Contract) -> str:
    """The D-16 example up to a replacement provided on its first day."""
    execute(contract, ReportTheft(theft_on=THEFT), ctx(THEFT))
    report = ReportImmobilisation(cause="THEFT", since=THEFT, informed_on=THEFT, informed_hour=10)
    execute(contract, report, ctx(THEFT))
    provide = ProvideReplacementVehicle(
        immobilisation_id="V001",
        provided_on=FROM,
        short_term_day_rate=RATE,
        address="Lessor branch, Bessenveldstraat 19, Diegem",
        handover_form_ref="HF-1",
    )
    execute(contract, provide, ctx(FROM))
    contract.collect_events()
    return "RV001"


def _none(_: str) -> None:
    return None


class TestEntitlement:
    def test_D_16_theft_informed_at_10_entitles_from_the_next_day_to_30_days_after(self) -> None:
        contract = _contract()
        execute(contract, ReportTheft(theft_on=THEFT), ctx(THEFT))
        report = ReportImmobilisation(
            cause="THEFT", since=THEFT, informed_on=THEFT, informed_hour=10
        )
        execute(contract, report, ctx(THEFT))
        informed = only(collected(contract), LessorFullyInformedOfImmobilisation)
        assert (informed.entitled_from, informed.entitled_until_cap) == (FROM, CAP)
        assert informed.informed_hour == 10
        assert_rules(informed, "D-16", "L-36")

    def test_D_16_with_the_mobility_card_its_three_calendar_days_come_first(self) -> None:
        assert entitled_from(THEFT, THEFT, mobility_card=False) == FROM
        assert entitled_from(THEFT, THEFT, mobility_card=True) == date(2025, 9, 23)
        assert entitled_from(THEFT, date(2025, 9, 25), mobility_card=True) == date(2025, 9, 26)

    def test_L_36_only_with_the_replacement_vehicle_in_the_instalment(self) -> None:
        contract = running_ref_contract(THEFT)
        report = ReportImmobilisation(cause="MECHANICAL", since=THEFT, informed_on=THEFT)
        assert_refused(
            contract, lambda: execute(contract, report, ctx(THEFT)), RuleViolationError, "L-36"
        )

    def test_D_16_one_immobilisation_per_theft_and_one_replacement_per_immobilisation(
        self,
    ) -> None:
        contract = _contract()
        _theft_replacement(contract)
        again = ReportImmobilisation(cause="THEFT", since=THEFT, informed_on=FROM)
        refused = lambda: execute(contract, again, ctx(FROM))  # noqa: E731
        assert_refused(contract, refused, RuleViolationError, "D-16")
        second = ProvideReplacementVehicle(
            immobilisation_id="V001",
            provided_on=FROM,
            short_term_day_rate=RATE,
            address="Diegem",
            handover_form_ref="HF-3",
        )
        refused = lambda: execute(contract, second, ctx(FROM))  # noqa: E731
        assert_refused(contract, refused, RuleViolationError, "L-36")

    def test_L_36_not_provided_before_the_entitlement_starts(self) -> None:
        contract = _contract()
        report = ReportImmobilisation(cause="MECHANICAL", since=THEFT, informed_on=THEFT)
        execute(contract, report, ctx(THEFT))
        early = ProvideReplacementVehicle(
            immobilisation_id="V001",
            provided_on=THEFT,
            short_term_day_rate=RATE,
            address="Diegem",
            handover_form_ref="HF-1",
        )
        refused = lambda: execute(contract, early, ctx(THEFT))  # noqa: E731
        assert_refused(contract, refused, RuleViolationError, "D-16")


class TestReturn:
    def test_M_28_D_39_kept_three_days_past_the_30_day_cap_charges_three_rental_days(
        self,
    ) -> None:
        contract = _contract()
        replacement = _theft_replacement(contract)
        back = ReturnReplacementVehicle(
            replacement_id=replacement, returned_on=date(2025, 10, 23), km=2150
        )
        execute(contract, back, ctx(date(2025, 10, 23)))
        events = collected(contract)
        returned = only(events, ReplacementVehicleReturned)
        assert (returned.entitled_until, returned.overrun_days) == (CAP, 3)
        charge = only(events, ReplacementVehicleCharged)
        assert charge.amount == eur("240.00")  # 3 x 80.00
        assert charge.workings[0]["applied"] == "3 x 80.00 = 240.00"
        assert_rules(charge, "M-28", "D-39")
        [row] = lines_of(charge, _none)
        assert row["amount"] == "240.00"
        assert {"rule_id": "M-28", "article": "Art. 15.2, 15.3"} in articles(charge.rule_ids)

    def test_O_15_km_in_the_replacement_count_as_the_vehicles_own(self) -> None:
        contract = _contract()
        replacement = _theft_replacement(contract)
        back = ReturnReplacementVehicle(
            replacement_id=replacement,
            returned_on=date(2025, 10, 1),
            km=900,
            at_provision_address=False,
        )
        execute(contract, back, ctx(date(2025, 10, 1)))
        returned = only(collected(contract), ReplacementVehicleReturned)
        assert returned.overrun_days == 0
        assert not returned.at_provision_address
        assert contract.replacement_km == 900
        assert contract.driven_km(10_012) == 10_900
        assert not of_type(collected(contract), ReplacementVehicleCharged)

    def test_D_16_the_recovery_ends_the_entitlement_and_damage_is_charged(self) -> None:
        contract = _contract()
        replacement = _theft_replacement(contract)
        execute(contract, RecoverVehicle(recovered_on=date(2025, 10, 2)), ctx(date(2025, 10, 2)))
        resolved = only(collected(contract), ImmobilisationResolved)
        assert resolved.resolved_on == date(2025, 10, 2)
        assert (resolved.replacement_id, resolved.return_by) == ("RV001", date(2025, 10, 2))
        assert_rules(resolved, "D-16", "D-39")
        back = ReturnReplacementVehicle(
            replacement_id=replacement,
            returned_on=date(2025, 10, 4),
            km=1200,
            damage_cost=eur("310.00"),
        )
        execute(contract, back, ctx(date(2025, 10, 4)))
        charge = only(collected(contract), ReplacementVehicleCharged)
        assert charge.amount == eur("470.00")  # 2 x 80.00 + 310.00
        assert [w["rule_id"] for w in charge.workings] == ["M-28", "M-28"]
        assert len(lines_of(charge, _none)) == 2

    def test_D_16_a_mechanical_immobilisation_ends_when_resolved(self) -> None:
        contract = _contract()
        report = ReportImmobilisation(
            cause="MECHANICAL", since=THEFT, informed_on=THEFT, informed_hour=16
        )
        execute(contract, report, ctx(THEFT))
        provide = ProvideReplacementVehicle(
            immobilisation_id="V001",
            provided_on=FROM,
            short_term_day_rate=RATE,
            address="Diegem",
            handover_form_ref="HF-2",
        )
        execute(contract, provide, ctx(FROM))
        resolve = ResolveImmobilisation(immobilisation_id="V001", resolved_on=date(2025, 9, 26))
        execute(contract, resolve, ctx(date(2025, 9, 26)))
        back = ReturnReplacementVehicle(
            replacement_id="RV001", returned_on=date(2025, 9, 27), km=300
        )
        execute(contract, back, ctx(date(2025, 9, 27)))
        assert only(collected(contract), ReplacementVehicleCharged).amount == eur("80.00")


class TestSnapshots:
    def test_L_36_replacement_state_survives_a_snapshot_round_trip(self) -> None:
        contract = _contract()
        _theft_replacement(contract)
        mapper = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
        stored = mapper.to_stored_event(Snapshot.take(contract))
        restored = cast("Snapshot", mapper.to_domain_event(stored)).mutate(None)
        assert isinstance(restored, Contract)
        assert restored.immobilisations == contract.immobilisations
        assert restored.replacements == contract.replacements

    def test_L_36_a_v12_snapshot_upcasts_with_no_replacement(self) -> None:
        state: dict[str, object] = {}
        Contract.upcast_v12_v13(state)
        assert state == {
            "immobilisations": {},
            "replacements": {},
            "replacement_km": 0,
            "winter_seasons": {},
        }


@given(
    st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_M_28_overrun_is_never_negative_and_grows_by_one_rate_a_day(
    until: date, kept: int, rate_cents: int
) -> None:
    returned_on = until + timedelta(days=kept)
    assert overrun_days(until, returned_on) == kept
    assert overrun_days(returned_on, until) == 0
    rate = eur(f"{rate_cents}.50")
    assert worked_overrun(kept, rate).amount == (rate * kept).rounded()
