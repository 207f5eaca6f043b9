"""Tyres and winter tyres (Art. 13): O-13, D-26, M-37 and A-32's reading."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.contract import Contract
from domain.contract.registry import execute
from domain.contract.tyres import DemountWinterTyres, MountWinterTyres, ReplaceTyres
from domain.contract.tyres_events import (
    TyreCostCharged,
    TyresReplaced,
    WinterTyresDemounted,
    WinterTyresMounted,
)
from domain.errors import RuleViolationError
from domain.service_money import winter_season
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

MOUNT = date(2025, 11, 3)
"""D-26's season 2025-11-01 -> 2026-03-31."""
DEMOUNT = date(2026, 3, 30)
SERVICES = (("TYRES", eur("18.00")),)


def _contract(until: date = MOUNT) -> Contract:
    return running_ref_contract(until, instalment_components=SERVICES)


def _none(_: str) -> None:
    return None


def test_D_26_the_season_runs_from_1_november_to_31_march() -> None:
    assert winter_season(date(2025, 11, 1)) == "2025/2026"
    assert winter_season(date(2026, 3, 31)) == "2025/2026"
    assert winter_season(date(2025, 10, 31)) is None
    assert winter_season(date(2026, 4, 1)) is None


@given(st.dates(date(2020, 1, 1), date(2040, 12, 31)))
def test_D_26_a_date_in_a_season_lies_between_its_1_november_and_31_march(day: date) -> None:
    season = winter_season(day)
    if season is None:
        assert 4 <= day.month <= 10
        return
    first = int(season[:4])
    assert date(first, 11, 1) <= day <= date(first + 1, 3, 31)


class TestWinterTyres:
    def test_A_32_D_26_one_mount_and_one_demount_a_season_are_the_lessors(self) -> None:
        contract = _contract()
        execute(contract, MountWinterTyres(mounted_on=MOUNT), ctx(MOUNT))
        execute(contract, DemountWinterTyres(demounted_on=DEMOUNT), ctx(DEMOUNT))
        events = collected(contract)
        mounted, demounted = only(events, WinterTyresMounted), only(events, WinterTyresDemounted)
        assert (mounted.season, mounted.chargeable) == ("2025/2026", False)
        assert (demounted.season, demounted.chargeable) == ("2025/2026", False)
        assert_rules(mounted, "D-26", "A-32")
        assert not of_type(events, TyreCostCharged)

    def test_A_32_a_second_mount_in_the_season_is_charged_at_the_fittings_cost(self) -> None:
        contract = _contract()
        execute(contract, MountWinterTyres(mounted_on=MOUNT), ctx(MOUNT))
        again = MountWinterTyres(mounted_on=MOUNT, fitting_cost=eur("45.00"))
        execute(contract, again, ctx(MOUNT))
        charge = only(collected(contract), TyreCostCharged)
        assert (charge.amount, charge.cost_type, charge.season) == (
            eur("45.00"),
            "EXTRA_MOUNT",
            "2025/2026",
        )
        assert {"rule_id": "A-32", "article": "Art. 13.1"} in articles(charge.rule_ids)
        [row] = lines_of(charge, _none)
        assert row["amount"] == "45.00"

    def test_D_26_a_mount_outside_the_season_is_refused(self) -> None:
        contract = _contract(date(2025, 10, 15))
        october = MountWinterTyres(mounted_on=date(2025, 10, 15))
        refused = lambda: execute(contract, october, ctx(date(2025, 10, 15)))  # noqa: E731
        assert_refused(contract, refused, RuleViolationError, "D-26")

    def test_M_37_a_winter_kit_charges_the_rims_only(self) -> None:
        contract = _contract()
        kit = MountWinterTyres(mounted_on=MOUNT, winter_kit=True, rims_cost=eur("620.00"))
        execute(contract, kit, ctx(MOUNT))
        charge = only(collected(contract), TyreCostCharged)
        assert (charge.amount, charge.cost_type) == (eur("620.00"), "WINTER_KIT_RIMS")
        assert_rules(charge, "M-37")
        assert charge.workings[0]["applied"] == "passed on at cost: 620.00"


class TestTyres:
    def test_O_13_worn_tyres_replaced_within_limits_cost_the_customer_nothing(self) -> None:
        contract = _contract()
        replace = ReplaceTyres(
            approval_number="AP-778", reason="WEAR", tyre_count=2, cost=eur("380.00")
        )
        execute(contract, replace, ctx(MOUNT))
        events = collected(contract)
        assert only(events, TyresReplaced).approval_number == "AP-778"
        assert not of_type(events, TyreCostCharged)

    def test_O_13_beyond_the_limits_the_cost_is_passed_on(self) -> None:
        contract = _contract()
        replace = ReplaceTyres(
            approval_number="AP-779",
            reason="DAMAGE",
            tyre_count=1,
            within_limits=False,
            cost=eur("190.00"),
        )
        execute(contract, replace, ctx(MOUNT))
        charge = only(collected(contract), TyreCostCharged)
        assert (charge.amount, charge.cost_type) == (eur("190.00"), "BEYOND_LIMITS")
        assert_rules(charge, "O-13")

    def test_O_13_an_approval_number_is_needed_and_the_service_included(self) -> None:
        contract = _contract()
        blank = ReplaceTyres(approval_number=" ", reason="WEAR", tyre_count=4)
        refused = lambda: execute(contract, blank, ctx(MOUNT))  # noqa: E731
        assert_refused(contract, refused, RuleViolationError, "O-13")
        without = running_ref_contract(MOUNT)
        other = ReplaceTyres(approval_number="AP-1", reason="WEAR", tyre_count=4)
        refused = lambda: execute(without, other, ctx(MOUNT))  # noqa: E731
        assert_refused(without, refused, RuleViolationError, "O-13")


@given(st.lists(st.integers(0, 150), min_size=1, max_size=4))
def test_A_32_only_the_first_mount_of_a_season_is_free(offsets: list[int]) -> None:
    contract = _contract(date(2025, 11, 1))
    days = sorted(date(2025, 11, 1) + timedelta(days=o) for o in offsets)
    for day in days:
        execute(contract, MountWinterTyres(mounted_on=day, fitting_cost=eur("40.00")), ctx(day))
    events = collected(contract)
    mounts = of_type(events, WinterTyresMounted)
    assert [m.chargeable for m in mounts] == [False] + [True] * (len(days) - 1)
    charges = of_type(events, TyreCostCharged)
    assert sum((c.amount for c in charges), eur("0.00")) == eur("40.00") * (len(days) - 1)
