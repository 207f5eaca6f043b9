"""Fuel Management (Art. 16): P-29 / P-44 / M-25 provision, D-27 statements, M-26 quarterly
settlement, M-27 replacement card and O-16 card return, with the RULES.md worked examples."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, cast

import pytest
from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.billing import ReceivePayment
from domain.contract.billing_events import CreditNoteIssued
from domain.contract.command import Command
from domain.contract.cover_events import AncillaryServiceStopped
from domain.contract.fuel import (
    AdjustFuelProvision,
    RecordFuelStatement,
    SettleFuelQuarter,
    StopFuelManagement,
)
from domain.contract.fuel_card import BlockFuelCard, IssueFuelCard, ReplaceFuelCard, ReturnFuelCard
from domain.contract.fuel_events import (
    FuelCardBlocked,
    FuelCardReplaced,
    FuelCardReplacementCharged,
    FuelProvisionAdjusted,
    FuelProvisionInvoiced,
    FuelQuarterSettled,
    FuelSettlementInvoiced,
)
from domain.contract.incidents import DeclareTotalLoss
from domain.contract.registry import execute
from domain.contract.reporting import ReportFuelCardLost
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.contract.settlement_events import ContractClosed
from domain.contract.state import FuelAccount
from domain.errors import RuleViolationError, TermsError
from domain.fuel_money import (
    FuelInputs,
    worked_fuel_credit,
    worked_fuel_provision,
    worked_fuel_settlement,
)
from domain.money import Money
from domain.terms import ContractTerms
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
from tests.factories import ctx, loaded_from_older_snapshot, ref_terms_dict, run_days

FUEL: dict[str, Any] = {
    "fuel_management": True,
    "fuel_avg_monthly_km": 1500,
    "fuel_din_consumption_per_100km": Decimal("5.0"),
    "fuel_price_per_unit": Decimal("1.85"),
    "fuel_card_cost": Money.of("2.00"),
    "fuel_management_fee": Money.of("2.50"),
}
"""The M-25 example: 1,500 km a month, DIN 5.0 l/100 km, EUR 1.85/l, card and fee 4.50."""
EXAMPLE = FuelInputs(1500, Decimal("5.0"), Decimal("1.85"), eur("2.00"), eur("2.50"))
Q2 = date(2024, 4, 1)
AFTER_Q2 = date(2024, 7, 1)
STATEMENTS = (("2024-04-01", "2024-04-30", "141.30"), ("2024-05-01", "2024-05-31", "146.10"))
LAST = ("2024-06-01", "2024-06-30", "142.80")  # 430.20 of fuel in the quarter


def _none(_: str) -> None:
    return None


def _fuel_contract(until: date = AFTER_Q2, **overrides: Any) -> Contract:
    return running_ref_contract(until, **{**FUEL, **overrides})


def _record_q2(contract: Contract) -> None:
    for start, end, fuel in (*STATEMENTS, LAST):
        statement = RecordFuelStatement(
            period_start=date.fromisoformat(start),
            period_end=date.fromisoformat(end),
            transactions=6,
            total=eur(fuel),
            card_and_management=eur("4.50"),
        )
        execute(contract, statement, ctx(AFTER_Q2))


class TestProvision:
    def test_P_44_M_25_the_provision_is_157_13_a_month(self) -> None:
        worked = worked_fuel_provision(EXAMPLE)

        assert worked.amount == eur("157.13")
        assert worked.applied.endswith(
            "round2(15 x 5.500 x 1.85) + 2.00 + 2.50 = 152.63 + 4.50 = 157.13"
        )
        assert dict(worked.inputs)["markup"] == "1.10"

    def test_P_29_fuel_provision_terms_are_parsed_and_checked(self) -> None:
        section = {
            "avg_monthly_km": 1500,
            "din_consumption_per_100km": "5.0",
            "fuel_price_per_unit": "1.85",
            "fuel_card_cost": "2.00",
            "management_fee": "2.50",
        }
        terms = ContractTerms.from_dict(ref_terms_dict(fuel_provision=section))

        assert terms.fuel_inputs == EXAMPLE
        assert ContractTerms.from_flat(terms.to_dict()) == terms
        with pytest.raises(TermsError) as refused:
            ContractTerms.from_dict(
                ref_terms_dict(fuel_provision={**section, "din_consumption_per_100km": "0"})
            )
        assert refused.value.rule_id == "P-29"

    def test_M_25_D_27_the_billing_run_invoices_each_month_from_the_start(self) -> None:
        contract = _fuel_contract(date(2024, 5, 1))

        months = sorted(contract.fuel.provisions)
        assert months == ["2024-03-01", "2024-04-01", "2024-05-01"]
        assert set(contract.fuel.provisions.values()) == {eur("157.13")}

    def test_M_25_the_provision_document_has_its_line_working_and_articles(self) -> None:
        contract = _fuel_contract(date(2024, 3, 31))
        execute(contract, ReceivePayment(amount=eur("0.01")), ctx(date(2024, 3, 31)))
        collected(contract)
        run_days(contract, date(2024, 4, 1), date(2024, 4, 1))
        event = only(collected(contract), FuelProvisionInvoiced)

        assert_rules(event, "M-25", "P-44", "D-27")
        assert event.workings[0]["amount"] == "157.13"
        assert lines_of(event, _none)[0]["amount"] == "157.13"
        assert {"rule_id": "M-25", "article": "Art. 16.3"} in articles(event.rule_ids)

    def test_M_25_an_adjustment_applies_to_the_months_not_yet_invoiced(self) -> None:
        contract = _fuel_contract(date(2024, 4, 15))
        adjust = AdjustFuelProvision(
            avg_monthly_km=1500,
            din_consumption_per_100km=Decimal("5.0"),
            fuel_price_per_unit=Decimal("1.95"),
            fuel_card_cost=eur("2.00"),
            management_fee=eur("2.50"),
        )
        execute(contract, adjust, ctx(date(2024, 4, 15)))
        assert only(collected(contract), FuelProvisionAdjusted).amount == eur("165.38")
        run_days(contract, date(2024, 4, 16), date(2024, 5, 1))

        assert contract.fuel.provisions["2024-04-01"] == eur("157.13")
        assert contract.fuel.provisions["2024-05-01"] == eur("165.38")  # 160.88 + 4.50

    def test_M_25_no_provision_without_fuel_management(self) -> None:
        contract = running_ref_contract(date(2024, 5, 1))
        assert contract.fuel.provisions == {}
        assert_refused(
            contract,
            lambda: execute(contract, IssueFuelCard(card_id="FC-1"), ctx(date(2024, 5, 1))),
            RuleViolationError,
            "O-16",
        )


class TestSettlement:
    def test_M_26_D_27_the_quarter_is_credited_27_69(self) -> None:
        contract = _fuel_contract()
        _record_q2(contract)
        collected(contract)

        execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(AFTER_Q2))
        events = collected(contract)

        settled = only(events, FuelQuarterSettled)
        assert (settled.provisions, settled.actual_costs) == (eur("471.39"), eur("443.70"))
        assert settled.difference == eur("-27.69")
        credit = only(events, CreditNoteIssued)
        assert (credit.amount, credit.reason) == (eur("27.69"), "FUEL_SETTLEMENT")
        assert credit.workings[0]["applied"] == "471.39 - (430.20 + 13.50) = 27.69"
        assert_rules(credit, "M-26")

    def test_M_26_costs_above_the_provisions_are_invoiced(self) -> None:
        contract = _fuel_contract()
        _record_q2(contract)
        extra = RecordFuelStatement(
            period_start=date(2024, 6, 15), period_end=date(2024, 6, 30), total=eur("100.00")
        )
        execute(contract, extra, ctx(AFTER_Q2))
        collected(contract)

        execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(AFTER_Q2))
        debit = only(collected(contract), FuelSettlementInvoiced)

        assert debit.amount == eur("72.31")  # 543.70 - 471.39
        assert lines_of(debit, _none)[0]["amount"] == "72.31"

    def test_D_27_a_quarter_is_settled_only_after_its_last_day(self) -> None:
        contract = _fuel_contract(date(2024, 6, 30))
        assert_refused(
            contract,
            lambda: execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(date(2024, 6, 30))),
            RuleViolationError,
            "D-27",
        )

    def test_M_26_a_quarter_is_settled_once_and_closes_its_statements(self) -> None:
        contract = _fuel_contract()
        _record_q2(contract)
        execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(AFTER_Q2))
        late = RecordFuelStatement(period_start=date(2024, 6, 20), period_end=date(2024, 6, 21))
        commands: tuple[Command, ...] = (SettleFuelQuarter(quarter_start=Q2), late)
        for command in commands:
            assert_refused(
                contract,
                partial(execute, contract, command, ctx(AFTER_Q2)),
                RuleViolationError,
                "M-26",
            )

    def test_D_27_a_statement_covers_at_most_one_quarter(self) -> None:
        contract = _fuel_contract()
        wide = RecordFuelStatement(period_start=date(2024, 3, 1), period_end=date(2024, 4, 30))
        assert_refused(
            contract, lambda: execute(contract, wide, ctx(AFTER_Q2)), RuleViolationError, "D-27"
        )

    @given(
        fuel=st.integers(0, 200_000).map(lambda c: Money(Decimal(c) / 100)),
        fees=st.integers(0, 5_000).map(lambda c: Money(Decimal(c) / 100)),
        provisions=st.integers(0, 200_000).map(lambda c: Money(Decimal(c) / 100)),
    )
    def test_M_26_provisions_plus_the_settlement_are_the_actual_costs(
        self, fuel: Money, fees: Money, provisions: Money
    ) -> None:
        difference = worked_fuel_settlement(fuel, fees, provisions).amount
        credit = worked_fuel_credit(fuel, fees, provisions).amount

        assert provisions + difference == fuel + fees
        assert credit == -difference

    @given(st.integers(1, 10_000), st.integers(1, 300), st.integers(1, 5_000))
    def test_M_25_the_provision_grows_with_the_km_and_never_undercuts_the_fees(
        self, km: int, tenths: int, price_cents: int
    ) -> None:
        inputs = FuelInputs(
            km, Decimal(tenths) / 10, Decimal(price_cents) / 1000, eur("2"), eur("2.5")
        )
        more = FuelInputs(
            km + 1,
            *(inputs.din_consumption_per_100km, inputs.fuel_price_per_unit),
            eur("2"),
            eur("2.5"),
        )
        provision = worked_fuel_provision(inputs).amount
        assert provision >= eur("4.50")
        assert worked_fuel_provision(more).amount >= provision


class TestCard:
    def test_M_27_a_card_replacing_a_lost_one_is_charged(self) -> None:
        on = date(2024, 5, 6)
        contract = _fuel_contract(on)
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(on))
        execute(contract, ReportFuelCardLost(happened_on=on), ctx(on))
        assert contract.fuel.card_status == "LOST"

        execute(contract, ReplaceFuelCard(card_id="FC-2", cost=eur("15.00")), ctx(on))
        events = collected(contract)

        assert only(events, FuelCardReplaced).replaces == "FC-1"
        charged = only(events, FuelCardReplacementCharged)
        assert charged.amount == eur("15.00")
        assert lines_of(charged, _none)[0]["card_id"] == "FC-2"
        assert contract.fuel.card_status == "ACTIVE"

    def test_M_27_a_card_replaced_for_another_reason_costs_nothing(self) -> None:
        on = date(2024, 5, 6)
        contract = _fuel_contract(on)
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(on))
        execute(contract, ReplaceFuelCard(card_id="FC-2", cost=eur("15.00")), ctx(on))

        events = collected(contract)
        assert of_type(events, FuelCardReplacementCharged) == []
        assert only(events, FuelCardReplaced).cost == eur("0.00")

    def test_O_16_stopping_fuel_management_ends_the_provisions_and_the_card_goes_back(
        self,
    ) -> None:
        on = date(2024, 5, 6)
        contract = _fuel_contract(on)
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(on))
        execute(contract, StopFuelManagement(), ctx(on))
        stopped = only(collected(contract), AncillaryServiceStopped)
        assert (stopped.service, stopped.ground) == ("FUEL_MANAGEMENT", "16.5")

        run_days(contract, on, date(2024, 7, 1))
        assert max(contract.fuel.provisions) == "2024-05-01"
        execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(AFTER_Q2))
        execute(contract, ReturnFuelCard(), ctx(AFTER_Q2))
        assert contract.fuel.card_status == "RETURNED"

    def test_O_16_a_contract_with_its_card_out_does_not_close(self) -> None:
        end = date(2024, 6, 12)  # a 3-month REF ends on Tue 2024-06-11
        contract = _fuel_contract(date(2024, 3, 12), term_months=3)
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(date(2024, 3, 12)))
        run_days(contract, date(2024, 3, 13), end)
        execute(contract, ReturnVehicle(odometer=4_000), ctx(end))
        execute(contract, SettleFuelQuarter(quarter_start=Q2), ctx(end))
        run_days(contract, end, end)
        for _ in range(2):  # the instalments, provisions and km, then their late interest
            execute(contract, ReceivePayment(amount=contract.open_debits()), ctx(end))
            run_days(contract, end, end)
        collected(contract)
        assert contract.open_debits().is_zero
        assert contract.open_credits().is_zero

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(end)),
            RuleViolationError,
            "O-16",
        )
        execute(contract, BlockFuelCard(reason="contract ended"), ctx(end))
        assert only(collected(contract), FuelCardBlocked).card_id == "FC-1"
        execute(contract, CloseContract(), ctx(end))
        assert of_type(collected(contract), ContractClosed)

    def test_O_16_an_early_end_stops_fuel_management_and_blocks_the_card(self) -> None:
        on = date(2024, 5, 20)
        contract = _fuel_contract(date(2024, 5, 6))
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(date(2024, 5, 6)))
        execute(contract, DeclareTotalLoss(event_on=date(2024, 5, 10)), ctx(on))
        run_days(contract, on, date(2024, 6, 2))
        events = collected(contract)

        stopped = of_type(events, AncillaryServiceStopped)
        assert ("FUEL_MANAGEMENT", "18.10") in {(e.service, e.ground) for e in stopped}
        assert_rules(only(events, FuelCardBlocked), "T-18.10", "O-16")
        assert max(contract.fuel.provisions) == "2024-05-01"  # none after the end


class TestSnapshots:
    def test_O_16_M_25_fuel_state_survives_a_snapshot_and_a_v13_snapshot_loads(self) -> None:
        contract = _fuel_contract(date(2024, 5, 1))
        execute(contract, IssueFuelCard(card_id="FC-1"), ctx(date(2024, 5, 1)))
        collected(contract)
        mapper = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
        snapshot = Snapshot.take(contract)

        stored = mapper.to_stored_event(snapshot)
        restored = cast("Snapshot", mapper.to_domain_event(stored)).mutate(None)
        loaded = loaded_from_older_snapshot(contract, 13, "fuel")

        assert isinstance(restored, Contract)
        assert restored.fuel == contract.fuel
        assert loaded.fuel == FuelAccount()
