"""Contract tests of the customer views: portal (PT-15), deadlines (RULES 5), exposure (K-01).

Each class is abstract: a backend subclasses it with `make_app()` and `make_view()` (in memory
in tests/unit, PostgreSQL in tests/integration), so both implementations pass the same tests.
Contracts are driven through ContractsApplication with real events and projected with
ProjectionGroup, as the service does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from domain.contract.amendments import NotifyTermsAmendment, ObjectToTermsAmendment
from domain.contract.claim_windows import ContestProtectionDecision
from domain.contract.cover import (
    NotifyInsuranceLapse,
    ProvideReplacementInsurance,
    RecordGuaranteeLapsed,
)
from domain.contract.dissolution import Dissolve
from domain.contract.formation import (
    HandOverVehicle,
    LiftHandoverSuspension,
    SubmitInsuranceProof,
    SuspendHandover,
)
from domain.contract.grounds import RecordGround
from domain.contract.guarantees import ApplyGuarantee, ApplyGuaranteeToContract, ProvideGuarantee
from domain.contract.incidents import RecoverVehicle, ReportIncident, ReportOdometer, ReportTheft
from domain.contract.km_cap_end import EndOnKmCap
from domain.contract.lessor_grounds import RecordLessorRemedy, SendLessorDefaultNotice
from domain.contract.repairs import RecordRepairCompleted
from domain.contract.replacement import (
    ProvideReplacementVehicle,
    ReportImmobilisation,
    ReturnReplacementVehicle,
)
from domain.contract.settlement import ReturnVehicle
from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import FuelType, KmCapEndMode
from projections.views import deadlines, exposure, portal
from projections.views.deadlines import DeadlinesView
from projections.views.exposure import ExposureView
from projections.views.portal import PortalView
from tests.billing_stories import LOSS_PAID_ON, loss_story
from tests.customer_stories import (
    NOTICE_ON,
    POLICY,
    active_contract,
    contract_id,
    in_arrears_after_notice,
    live_paying,
    live_unpaid,
    on_day,
    pay_all,
    ready_contract,
    rich_story,
)
from tests.factories import REF_START, ctx, run_daily_app
from tests.projection_contracts import RowViewContract

if TYPE_CHECKING:
    from domain.application import ContractsApplication
    from projections.engine.rows import Row, RowView

OVERVIEW_DAY = date(2025, 9, 20)
CLAIM_WINDOWS = ("D-21", "D-19", "D-22")
"""RULES 0.6: elapsedMonths(2025-09-20) = 18 for REF."""
TERM_EXPIRY_RUN = date(2028, 3, 12)
"""The first daily run after REF's contractual end (Sat 2028-03-11)."""


DECIDES = LessorPolicy(km_cap_end_mode=KmCapEndMode.LESSOR_DECISION)


class CustomerViewContract(RowViewContract):
    """A customer view, populated with the rich story (arrears, theft, expiry, late return)."""

    def populate(self, app: ContractsApplication) -> None:
        rich_story(app)

    def projected(self, app: ContractsApplication) -> RowView:
        view = self.make_view()
        self.project(app, view)
        return view


class PortalViewContract(CustomerViewContract):
    """`portal`: the customer's contract overview (PT-15, RULES 9.10)."""

    spec = portal.SPEC

    def portal(self, app: ContractsApplication) -> PortalView:
        view = self.projected(app)
        assert isinstance(view, PortalView)
        return view

    def ref_in_september_2025(self, app: ContractsApplication) -> str:
        """REF paid up to August 2025; September unpaid; 30,012 km read on 2025-09-15."""
        number = active_contract(app)
        live_paying(app, number, REF_START, date(2025, 8, 31))
        live_unpaid(app, number, date(2025, 9, 1), date(2025, 9, 15))
        on_day(app, number, date(2025, 9, 15), ReportOdometer(odometer=30_012))
        live_unpaid(app, number, date(2025, 9, 16), OVERVIEW_DAY)
        return number

    def test_PT_15_overview_of_REF_on_2025_09_20(self) -> None:
        app = self.make_app()
        number = self.ref_in_september_2025(app)
        view = self.portal(app)
        overview = view.overview(contract_id(number), OVERVIEW_DAY)
        assert overview["contract_number"] == number
        assert overview["status"] == "ACTIVE"
        assert overview["start_date"] == REF_START
        assert overview["contractual_end_date"] == date(2028, 3, 11)
        assert (overview["term_months"], overview["annual_km"]) == (48, 20_000)
        assert (overview["fuel_type"], overview["frequency"]) == ("DIESEL", "MONTHLY")
        assert overview["invested_capital"] == Decimal("45000.00")
        assert overview["instalment"] == Decimal("650.00")
        assert overview["odometer_at_handover"] == 12
        # M-01: 45,000 x (1 - 1% x 18)
        assert overview["remaining_capital"] == Decimal("36900.00")
        assert overview["next_instalment"] == {
            "period_start": date(2025, 10, 1),
            "amount": Decimal("650.00"),
        }

    def test_PT_15_km_allowance_to_date_against_reported_km_and_cap_headroom(self) -> None:
        app = self.make_app()
        number = self.ref_in_september_2025(app)
        view = self.portal(app)
        km = view.overview(contract_id(number), OVERVIEW_DAY)["km"]
        # M-11: monthsCovered(2025-09-20) = 18 + 9/30 = 18.3 -> 20,000 / 12 x 18.3
        assert km["allowance_to_date"] == 30_500
        assert km["driven"] == 30_000
        assert km["over_allowance"] == -500
        assert (km["last_odometer"], km["last_reported_on"]) == (30_012, date(2025, 9, 15))
        assert (km["km_cap"], km["cap_headroom"]) == (200_000, 169_988)

    @pytest.mark.parametrize(
        ("fuel", "agreed", "cap"),
        [
            (FuelType.PETROL, None, 200_000),
            (FuelType.HYDROGEN, 140_000, 140_000),  # A-15(d): agreed for a type without one
            (FuelType.DIESEL, 150_000, 150_000),  # agreed below the type's cap
        ],
    )
    def test_A_15_the_portal_shows_the_contracts_own_km_cap(
        self, fuel: FuelType, agreed: int | None, cap: int
    ) -> None:
        app = self.make_app()
        number = active_contract(app, fuel_type=fuel, agreed_km_cap=agreed)
        on_day(app, number, date(2024, 4, 2), ReportOdometer(odometer=5_012))
        km = self.portal(app).overview(contract_id(number), date(2024, 4, 2))["km"]
        assert (km["km_cap"], km["cap_headroom"]) == (cap, cap - 5_012)

    def test_A_15_what_waits_on_the_lessor_is_listed_until_it_is_settled(self) -> None:
        # A hydrogen car concluded without an agreed cap (KmCapDefaulted, 200,000 km assumed)
        # and a BEV read at 140,250 km (cap 140,000) on 2024-04-02 under LESSOR_DECISION wait
        # on the Lessor; under BY_LAW the same reading ends the contract: nothing waits.
        app = self.make_app()
        hydrogen = active_contract(app, contract_number="H2-1", fuel_type=FuelType.HYDROGEN)
        decided, by_law = (
            active_contract(app, contract_number=n, fuel_type=FuelType.BEV)
            for n in ("BEV-1", "BEV-2")
        )
        for number, policy in ((decided, DECIDES), (by_law, POLICY)):
            on_day(app, number, date(2024, 4, 2), ReportOdometer(odometer=140_250))
            run_daily_app(app, number, ctx(date(2024, 4, 3)), policy)
        view = self.portal(app)

        def tasks(number: str) -> list[tuple[str, str, str]]:
            found = view.overview(contract_id(number), date(2024, 4, 3))["lessor_tasks"]
            return [(t["rule_id"], t["reason"], t["since"]) for t in found]

        def waiting() -> list[str]:
            return [
                r["contract_number"] for r in view.contracts_page(None, 9, awaiting_lessor=True)
            ]

        assert tasks(hydrogen) == [("A-15", "KM_CAP_DEFAULTED", "2024-02-01")]
        assert tasks(decided) == [("A-15", "KM_CAP_REACHED", "2024-04-02")]
        assert tasks(by_law) == []
        assert waiting() == ["BEV-1", "H2-1"]

        app.execute(decided, EndOnKmCap(), replace(ctx(date(2024, 4, 4)), policy=DECIDES))
        view = self.portal(app)
        assert tasks(decided) == []
        assert waiting() == ["H2-1"]

    def test_PT_15_open_items_documents_and_timeline(self) -> None:
        app = self.make_app()
        number = self.ref_in_september_2025(app)
        overview = self.portal(app).overview(contract_id(number), OVERVIEW_DAY)
        [september] = overview["open_items"]
        assert (september["category"], september["open"]) == ("INSTALMENT", Decimal("650.00"))
        assert (september["due_on"], september["overdue"]) == (date(2025, 9, 1), True)
        assert overview["open_total"] == overview["overdue_total"] == Decimal("650.00")
        types = [d["type"] for d in overview["documents"]]
        assert types[0] == "SPECIAL_CONDITIONS"
        assert types.count("INVOICE") == 19  # March 2024 (pro rata) .. September 2025
        texts = [t["text"] for t in overview["timeline"]]
        assert f"Your lease contract {number} was concluded on 1 February 2024." in texts
        assert (
            "Your car is ready: please collect it by 15 March 2024 and send proof of "
            "insurance by 2 April 2024."
        ) in texts
        assert "Your car was handed over on 12 March 2024." in texts
        assert "Invoice of EUR 419.35 for March 2024 issued." in texts
        assert "Payment of EUR 419.35 received on 12 March 2024." in texts
        assert "Invoice of EUR 650.00 for April 2024 issued." in texts
        assert "Odometer reading of 30,012 km recorded on 15 September 2025." in texts

    def test_M_18_the_loss_settlement_and_its_debit_note_are_on_the_timeline(self) -> None:
        app = self.make_app()
        contract = loss_story(app)
        overview = self.portal(app).overview(contract.id, LOSS_PAID_ON)
        texts = [t["text"] for t in overview["timeline"]]
        assert (
            "The loss of your car was settled: remaining capital EUR 36,450.00, paid by the"
            " insurer EUR 33,000.00 (Art. 7.8, 11.1)."
        ) in texts
        assert "Debit note of EUR 3,450.00 issued: total loss shortfall." in texts
        shortfall = [i for i in overview["open_items"] if i["category"] == "TOTAL_LOSS_SHORTFALL"]
        assert [i["open"] for i in shortfall] == [Decimal("3450.00")]

    def test_PT_15_customer_sees_only_their_own_contracts(self) -> None:
        app = self.make_app()
        first = active_contract(app, customer_number="K-ONE")
        second = active_contract(app, customer_number="K-ONE")
        other = active_contract(app, customer_number="K-TWO")
        view = self.portal(app)
        assert [c["contract_number"] for c in view.contracts_of("K-ONE")] == sorted([first, second])
        assert [c["contract_number"] for c in view.contracts_of("K-TWO")] == [other]
        assert view.overview(contract_id(other), OVERVIEW_DAY, customer_number="K-TWO")
        with pytest.raises(KeyError):
            view.overview(contract_id(other), OVERVIEW_DAY, customer_number="K-ONE")

    def test_M_04_end_credit_nets_against_its_invoice_and_capital_stops_at_the_end(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        live_unpaid(app, number, date(2028, 3, 1), date(2028, 3, 1))  # March billed in full
        live_unpaid(app, number, TERM_EXPIRY_RUN, TERM_EXPIRY_RUN)
        overview = self.portal(app).overview(contract_id(number), date(2028, 4, 1))
        assert (overview["status"], overview["end_kind"]) == (
            "ENDED_AWAITING_RETURN",
            "TERM_EXPIRED",
        )
        assert overview["return_due_date"] == date(2028, 3, 13)
        assert overview["next_instalment"] is None
        assert overview["remaining_capital"] == Decimal("23850.00")  # elapsedMonths 47
        assert overview["km"]["allowance_to_date"] == 80_000
        march = [i for i in overview["open_items"] if i["category"] == "INSTALMENT"][-1]
        assert march["open"] == Decimal("230.65")  # 650.00 - credit 419.35 (20/31 days)
        assert overview["credit_owed"] == 0

    def test_M_09_open_amounts_agree_with_the_aggregate(self) -> None:
        app = self.make_app()
        number = rich_story(app)
        overview = self.portal(app).overview(contract_id(number), date(2028, 4, 1))
        contract = app.get(number)
        expected = {
            r.receivable_id: r.open.amount
            for r in contract.receivables.values()
            if not r.is_credit and r.open.is_positive
        }
        assert {i["receivable_id"]: i["open"] for i in overview["open_items"]} == expected
        assert overview["credit_owed"] == contract.open_credits().amount


class DeadlinesViewContract(CustomerViewContract):
    """`deadlines`: the timers of RULES section 5, opened and closed by contract events."""

    spec = deadlines.SPEC

    def rows(self, app: ContractsApplication, number: str) -> dict[str, Row]:
        """The contract's deadlines by rule id (the latest of each rule)."""
        view = self.projected(app)
        assert isinstance(view, DeadlinesView)
        return {r["rule_id"]: r for r in view.of_contract(contract_id(number))}

    def test_D_08_D_09_opened_by_the_ready_notice(self) -> None:
        app = self.make_app()
        number = ready_contract(app)
        view = self.projected(app)
        assert isinstance(view, DeadlinesView)
        cid = contract_id(number)
        rows = {r["rule_id"]: r for r in view.of_contract(cid)}
        assert rows["D-08"]["due_on"] == date(2024, 3, 15)
        assert rows["D-09"]["due_on"] == date(2024, 4, 2)  # 2024-04-01 is Easter Monday
        assert rows["D-08"]["deadline_id"] == f"{cid}:D-08:3"
        assert {r["opened_by"] for r in rows.values()} == {f"{cid}:3"}
        assert {r["status"] for r in rows.values()} == {"OPEN"}
        assert [r["rule_id"] for r in view.pending()] == ["D-08", "D-09"]
        assert [r["rule_id"] for r in view.pending(before=date(2024, 3, 16))] == ["D-08"]
        assert view.pending(before=date(2024, 3, 15)) == []

    def test_D_08_met_by_the_handover_and_D_09_by_the_accepted_proof(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        rows, cid = self.rows(app, number), contract_id(number)
        assert (rows["D-09"]["status"], rows["D-09"]["closed_by"]) == ("MET", f"{cid}:4")
        assert rows["D-09"]["closed_on"] == date(2024, 3, 4)
        assert (rows["D-08"]["status"], rows["D-08"]["closed_by"]) == ("MET", f"{cid}:5")
        assert rows["D-08"]["closed_on"] == REF_START
        assert (rows["D-30"]["status"], rows["D-30"]["due_on"]) == ("OPEN", date(2028, 3, 11))

    def test_D_08_D_09_paused_by_a_handover_suspension_and_reopened_with_the_time_left(
        self,
    ) -> None:
        app = self.make_app()
        number = ready_contract(app)
        on_day(app, number, date(2024, 3, 5), SuspendHandover(ground="GUARANTEE_MISSING"))
        on_day(app, number, date(2024, 3, 10), LiftHandoverSuspension())
        view = self.projected(app)
        assert isinstance(view, DeadlinesView)
        rows = view.of_contract(contract_id(number))
        assert [(r["rule_id"], r["status"]) for r in rows] == [
            ("D-08", "MOOT"),
            ("D-09", "MOOT"),
            ("D-08", "OPEN"),
            ("D-09", "OPEN"),
        ]
        # L-06: 5 days paused; 2024-04-07 is a Sunday, rolled forward
        assert [r["due_on"] for r in rows[2:]] == [date(2024, 3, 20), date(2024, 4, 8)]
        assert [r["due_on"] for r in view.pending()] == [date(2024, 3, 20), date(2024, 4, 8)]

    def test_D_08_expires_without_a_handover(self) -> None:
        app = self.make_app()
        number = ready_contract(app)
        live_unpaid(app, number, date(2024, 3, 16), date(2024, 3, 16))
        d08 = self.rows(app, number)["D-08"]
        assert (d08["status"], d08["closed_on"]) == ("EXPIRED", date(2024, 3, 16))

    def test_D_05_rented_storage_landlord_told_at_the_latest_at_handover(self) -> None:
        app = self.make_app()
        told, untold = ready_contract(app), ready_contract(app, contract_number="LL-2")
        for number, informed in ((told, True), (untold, False)):
            on_day(app, number, date(2024, 3, 4), SubmitInsuranceProof())
            hand_over = HandOverVehicle(
                odometer=12, rented_storage=True, landlord_informed=informed
            )
            on_day(app, number, REF_START, hand_over)
        met, missed = self.rows(app, told)["D-05"], self.rows(app, untold)["D-05"]
        assert (met["due_on"], met["status"], met["closed_on"]) == (REF_START, "MET", REF_START)
        assert (missed["status"], missed["closed_on"]) == ("EXPIRED", REF_START)

    def test_D_05_no_deadline_without_rented_storage(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        assert "D-05" not in self.rows(app, number)

    def test_D_10_opened_by_a_registered_notice_and_expired(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        in_arrears_after_notice(app, number, date(2024, 5, 15))
        d10 = self.rows(app, number)["D-10"]
        assert d10["deadline_id"] == f"{contract_id(number)}:D-10:N001"
        assert (d10["due_on"], d10["rule_ids"]) == (date(2024, 5, 14), ["D-10", "D-12"])
        assert d10["opened_on"] == NOTICE_ON
        assert (d10["status"], d10["closed_on"]) == ("EXPIRED", date(2024, 5, 15))
        assert d10["pending"] == ["R0001", "R0002", "R0003"]

    def test_D_10_met_when_the_receivables_on_notice_are_paid(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        in_arrears_after_notice(app, number, NOTICE_ON)
        pay_all(app, number, date(2024, 5, 10))
        live_unpaid(app, number, date(2024, 5, 11), date(2024, 5, 16))
        d10 = self.rows(app, number)["D-10"]
        assert (d10["status"], d10["closed_on"], d10["pending"]) == ("MET", date(2024, 5, 10), [])

    def test_D_11_the_lessor_pays_within_8_days_of_the_customers_reminder(self) -> None:
        # RULES D-12 example dates: reminder dispatched Mon 2025-02-10 -> last day Tue 02-18
        # (the Lessor's deadline is not rolled, A-05); the remedy on 02-14 meets it.
        app = self.make_app()
        number = active_contract(app)
        reminder = SendLessorDefaultNotice(ground="18.8(i)", amount=Money.of("1875.00"))
        on_day(app, number, date(2025, 2, 10), reminder)
        d11 = self.rows(app, number)["D-11"]
        assert d11["deadline_id"] == f"{contract_id(number)}:D-11:LN001"
        assert (d11["due_on"], d11["rule_ids"], d11["subject"]) == (
            date(2025, 2, 18),
            ["D-11", "D-12"],
            "LN001",
        )
        on_day(app, number, date(2025, 2, 14), RecordLessorRemedy(notice_id="LN001"))
        d11 = self.rows(app, number)["D-11"]
        assert (d11["status"], d11["closed_on"]) == ("MET", date(2025, 2, 14))

    def test_D_11_expires_the_day_after_the_8_days_without_payment(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        on_day(app, number, date(2024, 4, 2), SendLessorDefaultNotice(ground="18.8(iv)"))
        reminder = SendLessorDefaultNotice(
            ground="18.8(i)", registered=False, amount=Money.of("100.00")
        )
        on_day(app, number, date(2024, 4, 2), reminder)
        live_unpaid(app, number, date(2024, 4, 3), date(2024, 4, 12))
        rows = self.rows(app, number)
        assert (rows["D-11"]["status"], rows["D-11"]["closed_on"]) == ("EXPIRED", date(2024, 4, 11))
        assert rows["D-11"]["rule_ids"] == ["D-11", "D-12"]
        assert (rows["D-12"]["subject"], rows["D-12"]["status"]) == ("LN001", "EXPIRED")

    def test_D_29_the_objection_window_of_an_amendment_of_the_general_terms(self) -> None:
        # RULES D-29: notified 2025-05-15 -> may take effect from 2025-06-15 (last day to
        # object 06-14); without objection it applies, and the window closes EXPIRED.
        app = self.make_app()
        applied, objected = active_contract(app), active_contract(app, contract_number="AM-2")
        for number in (applied, objected):
            notice = NotifyTermsAmendment("19-3/HP", date(2025, 6, 15))
            on_day(app, number, date(2025, 5, 15), notice)
        d29 = self.rows(app, applied)["D-29"]
        assert (d29["due_on"], d29["subject"], d29["status"]) == (
            date(2025, 6, 14),
            "19-3/HP",
            "OPEN",
        )
        on_day(app, objected, date(2025, 6, 1), ObjectToTermsAmendment())
        live_unpaid(app, applied, date(2025, 6, 15), date(2025, 6, 15))
        met, expired = self.rows(app, objected)["D-29"], self.rows(app, applied)["D-29"]
        assert (met["status"], met["closed_on"]) == ("MET", date(2025, 6, 1))
        assert (expired["status"], expired["closed_on"]) == ("EXPIRED", date(2025, 6, 15))

    def test_D_07_a_reported_damage_is_repaired_within_five_working_days(self) -> None:
        # RULES D-07: reported Mon 2025-06-02 -> due Tue 2025-06-10 (Whit Monday skipped).
        app = self.make_app()
        number = active_contract(app)
        cost = Money.of("800.00")
        on_day(app, number, date(2025, 6, 2), ReportIncident("COLLISION", date(2025, 6, 2), cost))
        d07 = self.rows(app, number)["D-07"]
        assert (d07["due_on"], d07["subject"], d07["status"]) == (date(2025, 6, 10), "I001", "OPEN")
        on_day(app, number, date(2025, 6, 11), RecordRepairCompleted(incident_id="I001"))
        d07 = self.rows(app, number)["D-07"]
        assert (d07["status"], d07["closed_on"]) == ("EXPIRED", date(2025, 6, 11))

    def test_D_07_a_repair_not_done_by_its_due_date_expires_by_its_timer(self) -> None:
        # RULES D-07: reported Mon 2025-06-02 -> due Tue 2025-06-10; missed on Wed 06-11.
        app = self.make_app()
        number = active_contract(app)
        cost = Money.of("800.00")
        on_day(app, number, date(2025, 6, 2), ReportIncident("COLLISION", date(2025, 6, 2), cost))
        live_unpaid(app, number, date(2025, 6, 10), date(2025, 6, 10))
        assert self.rows(app, number)["D-07"]["status"] == "OPEN"
        live_unpaid(app, number, date(2025, 6, 11), date(2025, 6, 11))
        d07 = self.rows(app, number)["D-07"]
        assert (d07["status"], d07["closed_on"]) == ("EXPIRED", date(2025, 6, 11))

    def test_D_19_D_21_D_22_the_windows_of_a_protection_claim_decision(self) -> None:
        # RULES D-19: decided 2025-06-10 -> letter by 07-10; D-21: contest within 7 days;
        # D-22: documents within 6 months of the accident (here the same day).
        app = self.make_app()
        number = active_contract(app)
        cost = Money.of("1800.00")
        on_day(app, number, date(2025, 6, 10), ReportIncident("COLLISION", date(2025, 6, 10), cost))
        rows = self.rows(app, number)
        due = {rule: (rows[rule]["due_on"], rows[rule]["subject"]) for rule in CLAIM_WINDOWS}
        assert due == {
            "D-21": (date(2025, 6, 17), "I001"),
            "D-19": (date(2025, 7, 10), "I001"),
            "D-22": (date(2025, 12, 10), "I001"),
        }
        contest = ContestProtectionDecision("I001", date(2025, 6, 12), "the fee is wrong")
        on_day(app, number, date(2025, 6, 12), contest)
        live_unpaid(app, number, date(2025, 7, 11), date(2025, 7, 11))
        rows = self.rows(app, number)
        closed = {rule: (rows[rule]["status"], rows[rule]["closed_on"]) for rule in CLAIM_WINDOWS}
        assert closed == {
            "D-21": ("MET", date(2025, 6, 12)),
            "D-19": ("EXPIRED", date(2025, 7, 11)),
            "D-22": ("OPEN", None),
        }

    def test_D_21_a_letter_in_time_recorded_after_the_decision_became_final_reads_met(
        self,
    ) -> None:
        app = self.make_app()
        number = active_contract(app)
        cost = Money.of("1800.00")
        on_day(app, number, date(2025, 6, 10), ReportIncident("COLLISION", date(2025, 6, 10), cost))
        live_unpaid(app, number, date(2025, 6, 18), date(2025, 6, 18))
        assert self.rows(app, number)["D-21"]["status"] == "EXPIRED"  # the timer, on 06-18
        contest = ContestProtectionDecision("I001", date(2025, 6, 17), "posted on the 17th")
        on_day(app, number, date(2025, 6, 20), contest)
        d21 = self.rows(app, number)["D-21"]
        assert (d21["status"], d21["closed_on"]) == ("MET", date(2025, 6, 20))

    def test_D_15_theft_recovery_window_met_by_the_recovery(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        on_day(app, number, OVERVIEW_DAY, ReportTheft(theft_on=OVERVIEW_DAY))
        assert self.rows(app, number)["D-15"]["due_on"] == date(2025, 10, 20)
        on_day(app, number, date(2025, 10, 1), RecoverVehicle(recovered_on=date(2025, 10, 1)))
        d15 = self.rows(app, number)["D-15"]
        assert (d15["status"], d15["subject"]) == ("MET", "I001")

    def test_D_17_replacement_insurance_due_two_weeks_after_the_lapse_notice(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        lapse_args = ("MTPL", "SUSPENSION", "INSURER")
        on_day(app, number, date(2025, 6, 3), NotifyInsuranceLapse(*lapse_args))
        d17 = self.rows(app, number)["D-17"]
        assert (d17["due_on"], d17["status"], d17["subject"]) == (date(2025, 6, 17), "OPEN", "L001")
        on_day(app, number, date(2025, 6, 10), ProvideReplacementInsurance(provided_by="CUSTOMER"))
        d17 = self.rows(app, number)["D-17"]
        assert (d17["status"], d17["closed_on"]) == ("MET", date(2025, 6, 10))

    def test_D_39_replacement_due_back_at_the_theft_cap_then_at_the_recovery(self) -> None:
        app = self.make_app()
        services = (("REPLACEMENT_VEHICLE", Money(Decimal("25.00"))),)
        number = active_contract(app, instalment_components=services)
        on_day(app, number, OVERVIEW_DAY, ReportTheft(theft_on=OVERVIEW_DAY))
        report = ReportImmobilisation("THEFT", OVERVIEW_DAY, OVERVIEW_DAY, 10)
        on_day(app, number, OVERVIEW_DAY, report)
        given = date(2025, 9, 21)
        rate = Money(Decimal("80.00"))
        on_day(app, number, given, ProvideReplacementVehicle("V001", given, rate, "Diegem", "HF"))
        d39 = self.rows(app, number)["D-39"]
        assert (d39["due_on"], d39["subject"], d39["status"]) == (
            date(2025, 10, 20),
            "RV001",
            "OPEN",
        )
        on_day(app, number, date(2025, 10, 1), RecoverVehicle(recovered_on=date(2025, 10, 1)))
        assert self.rows(app, number)["D-39"]["due_on"] == date(2025, 10, 1)
        back = ReturnReplacementVehicle("RV001", date(2025, 10, 3), 700)
        on_day(app, number, date(2025, 10, 3), back)
        d39 = self.rows(app, number)["D-39"]
        assert (d39["status"], d39["closed_on"]) == ("EXPIRED", date(2025, 10, 3))

    def test_D_15_expired_theft_ends_the_contract_without_a_return(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        on_day(app, number, OVERVIEW_DAY, ReportTheft(theft_on=OVERVIEW_DAY))
        live_unpaid(app, number, date(2025, 10, 21), date(2025, 10, 21))
        rows = self.rows(app, number)
        assert (rows["D-15"]["status"], rows["D-15"]["closed_on"]) == (
            "EXPIRED",
            date(2025, 10, 21),
        )
        assert rows["D-30"]["status"] == "MOOT"
        assert "D-25" not in rows

    def test_D_25_after_term_expiry_is_met_by_the_return(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        live_unpaid(app, number, TERM_EXPIRY_RUN, TERM_EXPIRY_RUN)
        rows = self.rows(app, number)
        assert (rows["D-30"]["status"], rows["D-30"]["closed_on"]) == ("MET", date(2028, 3, 11))
        assert (rows["D-25"]["status"], rows["D-25"]["due_on"]) == ("OPEN", date(2028, 3, 13))
        app.execute(
            number,
            ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
            ctx(date(2028, 3, 13)),
        )
        d25 = self.rows(app, number)["D-25"]
        assert (d25["status"], d25["closed_on"]) == ("MET", date(2028, 3, 13))

    def test_D_13_D_14_opened_by_a_dissolution_and_D_13_met_by_payment(self) -> None:
        app = self.make_app()
        number = active_contract(app)
        dissolved_on = date(2025, 11, 20)
        on_day(
            app, number, dissolved_on, RecordGround(ground="18.3(xiv)", rationale="trust shaken")
        )
        on_day(app, number, dissolved_on, Dissolve(grounds=("18.3(xiv)",)))
        rows = self.rows(app, number)
        assert (rows["D-13"]["due_on"], rows["D-13"]["status"]) == (date(2025, 12, 5), "OPEN")
        assert (rows["D-14"]["due_on"], rows["D-14"]["status"]) == (date(2025, 12, 5), "OPEN")
        assert (rows["D-25"]["due_on"], rows["D-30"]["status"]) == (date(2025, 11, 21), "MOOT")
        pay_all(app, number, date(2025, 12, 1))
        assert self.rows(app, number)["D-13"]["status"] == "MET"


class ExposureViewContract(CustomerViewContract):
    """`exposure`: all of a customer's contracts together (K-01)."""

    spec = exposure.SPEC

    def exposure(self, app: ContractsApplication) -> ExposureView:
        view = self.projected(app)
        assert isinstance(view, ExposureView)
        return view

    def two_contracts(self, app: ContractsApplication) -> tuple[str, str]:
        """K-ONE pays contract one; contract two is in arrears after a registered notice."""
        paid = active_contract(app, customer_number="K-ONE")
        live_paying(app, paid, REF_START, date(2024, 5, 20))
        late = active_contract(app, customer_number="K-ONE")
        in_arrears_after_notice(app, late, date(2024, 5, 20))
        return paid, late

    def test_K_01_customer_with_two_contracts_one_in_arrears_with_ground_18_3_ii(self) -> None:
        app = self.make_app()
        paid, late = self.two_contracts(app)
        active_contract(app, customer_number="K-TWO")
        on = date(2024, 5, 20)
        result = self.exposure(app).customer("K-ONE", on)
        rows = {r["contract_number"]: r for r in result["contracts"]}
        assert set(rows) == {paid, late}
        assert (rows[paid]["open_amount"], rows[paid]["open_grounds"]) == (0, [])
        aggregate = app.get(late)
        assert rows[late]["open_amount"] == aggregate.open_debits().amount
        assert rows[late]["overdue_amount"] == aggregate.overdue(on).amount
        assert rows[late]["arrears_amount"] == Decimal("1719.35")  # 419.35 + 2 x 650.00
        assert (rows[late]["arrears_invoices"], rows[late]["arrears_months"]) == (
            3,
            Decimal("2.65"),
        )
        assert rows[late]["open_grounds"] == ["18.3(ii)"]
        assert rows[late]["grounds"][0]["source"] == "DETECTED"
        assert result["open_amount"] == rows[late]["open_amount"]
        assert result["contracts_in_arrears"] == 1
        assert result["open_grounds"] == [(late, "18.3(ii)")]

    def test_K_01_ground_cleared_when_the_arrears_are_paid(self) -> None:
        app = self.make_app()
        _, late = self.two_contracts(app)
        pay_all(app, late, date(2024, 5, 21))
        rows = self.exposure(app).customer("K-ONE", date(2024, 5, 21))["contracts"]
        [ground] = next(r for r in rows if r["contract_number"] == late)["grounds"]
        assert (ground["status"], ground["closed_on"]) == ("CLEARED", date(2024, 5, 21))
        assert all(r["open_grounds"] == [] for r in rows)

    def test_K_01_ground_exercised_by_the_dissolution(self) -> None:
        app = self.make_app()
        _, late = self.two_contracts(app)
        on_day(app, late, date(2024, 5, 21), Dissolve(grounds=("18.3(ii)",)))
        rows = self.exposure(app).customer("K-ONE", date(2024, 5, 21))["contracts"]
        row = next(r for r in rows if r["contract_number"] == late)
        assert (row["status"], row["end_kind"]) == (
            "ENDED_AWAITING_RETURN",
            "DISSOLVED_AGAINST_CUSTOMER",
        )
        assert [g["status"] for g in row["grounds"]] == ["EXERCISED"]
        assert row["open_grounds"] == []

    def test_K_01_the_customer_s_guarantees_with_what_was_applied_and_what_is_left(self) -> None:
        app = self.make_app()
        _, late = self.two_contracts(app)
        deposit = ProvideGuarantee(
            guarantee_id="G-1", guarantee_type="CASH_DEPOSIT", amount=Money.of("2000.00")
        )
        on_day(app, late, date(2024, 5, 20), deposit)
        on_day(app, late, date(2024, 5, 21), Dissolve(grounds=("18.3(ii)",)))
        on_day(app, late, date(2024, 5, 21), ApplyGuarantee(guarantee_id="G-1"))
        result = self.exposure(app).customer("K-ONE", date(2024, 5, 21))
        [held] = result["guarantees"]
        applied = Decimal("2000.00")  # the dissolution indemnity alone exceeds the deposit
        assert (held["contract_number"], held["guarantee_type"]) == (late, "CASH_DEPOSIT")
        assert (held["amount"], held["applied"], held["available"]) == (
            Decimal("2000.00"),
            applied,
            Decimal("0.00"),
        )
        assert result["guarantees_available"] == Decimal("0.00")
        rows = {r["contract_number"]: r for r in result["contracts"]}
        assert rows[late]["open_amount"] == app.get(late).open_debits().amount

    def test_K_01_a_reduced_guarantee_shows_its_remaining_amount(self) -> None:
        app = self.make_app()
        paid, _ = self.two_contracts(app)
        deposit = ProvideGuarantee(
            guarantee_id="G-2", guarantee_type="PERSONAL_SURETY", amount=Money.of("5000.00")
        )
        on_day(app, paid, date(2024, 5, 20), deposit)
        lapse = RecordGuaranteeLapsed(
            guarantee_id="G-2", reason="REDUCED", remaining=Money.of("1200.00")
        )
        on_day(app, paid, date(2024, 5, 21), lapse)
        [held] = self.exposure(app).customer("K-ONE", date(2024, 5, 21))["guarantees"]
        assert (held["amount"], held["available"]) == (Decimal("1200.00"), Decimal("1200.00"))

    def test_M_10_a_guarantee_under_one_contract_settles_another_of_the_customer(self) -> None:
        app = self.make_app()
        paid, late = self.two_contracts(app)
        deposit = ProvideGuarantee(
            guarantee_id="G-1", guarantee_type="CASH_DEPOSIT", amount=Money.of("2000.00")
        )
        on_day(app, paid, date(2024, 5, 20), deposit)
        on_day(app, late, date(2024, 5, 21), Dissolve(grounds=("18.3(ii)",)))
        late_open = app.get(late).open_debits()
        across = ApplyGuaranteeToContract(guarantee_id="G-1", contract_number=late)

        result = app.execute(paid, across, ctx(date(2024, 5, 21)))

        assert [type(e).__name__ for e in result.recorded] == ["GuaranteeAppliedToContract"]
        assert app.get(late).open_debits() == late_open - Money.of("2000.00")
        assert app.get(paid).guarantees["G-1"].available == Money.zero()
        found = self.exposure(app).customer("K-ONE", date(2024, 5, 21))
        [held] = found["guarantees"]
        assert (held["contract_number"], held["applied"], held["available"]) == (
            paid,
            Decimal("2000.00"),
            Decimal("0.00"),
        )
        rows = {r["contract_number"]: r for r in found["contracts"]}
        assert rows[late]["open_amount"] == app.get(late).open_debits().amount
        assert rows[paid]["open_amount"] == 0

    def test_M_10_the_other_contracts_that_keep_a_guarantee_from_release(self) -> None:
        app = self.make_app()
        paid, late = self.two_contracts(app)
        other_customer = active_contract(app, customer_number="K-TWO")
        view = self.exposure(app)
        assert view.obligations_elsewhere(paid) == [late]  # late: running and in arrears
        assert view.obligations_elsewhere(late) == [paid]  # paid: running, instalments to come
        assert view.obligations_elsewhere(other_customer) == []
        assert view.obligations_elsewhere("PL-UNKNOWN") == []
