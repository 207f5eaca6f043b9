"""Ends by law, early termination, death and dissolution against the Lessor (L-18..L-25)."""

from __future__ import annotations

from datetime import date

from domain.contract.billing_events import (
    CreditNoteIssued,
    InstalmentInvoiced,
    KmSettlementInvoiced,
    MissingItemsCharged,
    ReturnDamageCharged,
)
from domain.contract.incidents import ReportOdometer, ReportTheft
from domain.contract.incidents_events import KmCapReached
from domain.contract.lessor_grounds import RecordLessorGround
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.contract.settlement_events import (
    VehicleReturned,
)
from domain.contract.termination import (
    DissolveAgainstLessor,
    RecordDeath,
    TerminateOnDeath,
)
from domain.contract.termination_events import (
    ContractDissolvedAgainstLessor,
    ContractEndedByLaw,
    ContractTermExpired,
    ContractTerminatedOnDeath,
    CustomerDeathRecorded,
)
from domain.errors import RuleViolationError
from domain.money import Money
from domain.values import ContractStatus, EndKind, FuelType
from tests.contract_cases import (
    DATE_OF_DEATH,
    DEATH_LETTER,
    HEIRS_RETURN,
    KM_CAP_READING_DAY,
    KM_CAP_RETURN_DUE,
    LESSOR_DISSOLUTION,
    ONE_DAY,
    POLICY,
    REF_CONTRACTUAL_END,
    REF_RETURN_DUE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    instalment,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_daily, run_days


class TestEndsByLaw:
    def test_L_18_term_expiry_ends_by_law_with_return_due_and_last_credit(self) -> None:
        contract = running_ref_contract(REF_CONTRACTUAL_END)
        assert contract.end_kind is None

        run_days(contract, REF_CONTRACTUAL_END + ONE_DAY, REF_CONTRACTUAL_END + ONE_DAY)
        events = collected(contract)

        assert names(events) == ["ContractTermExpired", "ContractEndedByLaw", "CreditNoteIssued"]
        assert_rules(only(events, ContractTermExpired), "D-30", "T-18.1-i")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "K-03", "T-18.1-i", "L-18")
        assert end.end_kind == EndKind.TERM_EXPIRED.value
        assert end.effective_end_date == REF_CONTRACTUAL_END
        assert end.return_due_date == REF_RETURN_DUE
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        # M-04: March 2028 kept for 1-11 March (230.65) of the 650.00 invoiced in advance.
        credit = only(events, CreditNoteIssued)
        assert_rules(credit, "M-04")
        assert credit.amount == eur("419.35")
        assert credit.relates_to == instalment(contract, date(2028, 3, 1))

    def test_L_18_no_invoice_after_the_end(self) -> None:
        contract = expired_ref_contract()

        run_days(contract, date(2028, 3, 13), date(2028, 4, 2))

        assert of_type(collected(contract), InstalmentInvoiced) == []

    def test_L_19_km_cap_reading_ends_by_law_on_the_reading_date(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
        reported = collected(contract)
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)
        events = collected(contract)

        assert names(reported)[0] == "OdometerReported"
        # June had not been billed yet: it is billed up to the end (M-04, A-16).
        assert names(events) == ["KmCapReached", "ContractEndedByLaw", "InstalmentInvoiced"]
        assert only(events, InstalmentInvoiced).amount == eur("21.67")
        reached = only(events, KmCapReached)
        assert_rules(reached, "M-12", "T-18.1-ii")
        assert (reached.reading, reached.km_cap) == (140_250, 140_000)
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-ii", "L-19")
        assert end.end_kind == EndKind.KM_CAP.value
        assert end.effective_end_date == KM_CAP_READING_DAY
        assert end.return_due_date == KM_CAP_RETURN_DUE
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN

    def test_A_15_the_cap_is_on_the_odometer_and_ends_on_the_first_reading_at_it(self) -> None:
        # A-15 on M-12's BEV (cap 140,000): (a) the Vehicle's odometer counts, so a reading of
        # exactly 140,000 ends the contract though only 139,988 km were driven under it (the
        # handover read 12); (b) by law, with no decision of the Lessor; (c) from the reading's
        # date, 2027-06-01, even when the daily run comes two days later.
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
        execute(contract, ReportOdometer(odometer=140_000), ctx(KM_CAP_READING_DAY))
        assert contract.driven_km(140_000) == 139_988
        contract.collect_events()

        run_daily(contract, ctx(KM_CAP_READING_DAY + 2 * ONE_DAY), POLICY)

        end = only(collected(contract), ContractEndedByLaw)
        assert_rules(end, "L-19", "A-15")
        assert (end.end_kind, end.effective_end_date) == (EndKind.KM_CAP.value, KM_CAP_READING_DAY)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN

    def test_L_19_reading_below_the_cap_does_not_end(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=139_999), ctx(KM_CAP_READING_DAY))
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)

        assert of_type(collected(contract), ContractEndedByLaw) == []
        assert contract.status is ContractStatus.ACTIVE

    def test_L_19_reading_below_the_last_reading_is_refused(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
        execute(contract, ReportOdometer(odometer=100_000), ctx(date(2027, 5, 1)))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, ReportOdometer(odometer=99_999), ctx(KM_CAP_READING_DAY)),
            RuleViolationError,
            "M-11",
        )

    def test_M_04_km_cap_on_the_first_of_a_month_bills_that_day(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)

        # billingEndDate = 2027-06-01: June stands for 1 of 30 days, 650 x 1/30 = 21.67.
        june = [
            r
            for r in contract.receivables.values()
            if r.category == "INSTALMENT" and r.period_start == date(2027, 6, 1)
        ]
        assert len(june) == 1
        credited = [
            r.amount for r in contract.receivables.values() if r.relates_to == june[0].receivable_id
        ]
        assert june[0].amount - sum(credited, Money.zero()) == eur("21.67")

    def test_K_05_unrecovered_theft_after_term_expiry_supersedes_the_end(self) -> None:
        theft_on = date(2028, 3, 1)  # recovery window runs to 2028-03-31
        contract = running_ref_contract(theft_on)
        execute(contract, ReportTheft(theft_on=theft_on), ctx(theft_on))
        contract.collect_events()

        run_days(contract, theft_on + ONE_DAY, date(2028, 4, 1))

        assert contract.end_kind is EndKind.THEFT
        assert contract.effective_end_date == theft_on
        assert contract.status is ContractStatus.IN_SETTLEMENT


class TestDeathAndLessorDissolution:
    def test_L_24_termination_on_death_and_return_M_33(self) -> None:
        contract = running_ref_contract(DEATH_LETTER)

        execute(contract, RecordDeath(died_on=DATE_OF_DEATH), ctx(DEATH_LETTER))
        execute(contract, TerminateOnDeath(by="LESSOR"), ctx(DEATH_LETTER))
        terminated = collected(contract)
        run_days(contract, DEATH_LETTER + ONE_DAY, HEIRS_RETURN)
        contract.collect_events()
        execute(
            contract,
            ReturnVehicle(odometer=35_012, damages=(), missing_items=()),
            ctx(HEIRS_RETURN, actor="HEIR"),
        )
        returned = collected(contract)

        assert names(terminated) == ["CustomerDeathRecorded", "ContractTerminatedOnDeath"]
        assert_rules(only(terminated, CustomerDeathRecorded), "L-24", "T-18.9")
        ended = only(terminated, ContractTerminatedOnDeath)
        assert_rules(ended, "L-24", "T-18.9", "M-33")
        assert ended.end_kind == EndKind.DEATH.value
        assert ended.terminated_by == "LESSOR"
        # M-33: no termination costs, no late return; February stands for 1-20 Feb (464.29).
        assert names(returned) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "CreditNoteIssued",
            "FinalSettlementStarted",
        ]
        assert only(returned, VehicleReturned).returned_by == "HEIR"
        credit = only(returned, CreditNoteIssued)
        assert_rules(credit, "M-04", "M-33")
        assert credit.amount == eur("185.71")
        assert credit.relates_to == instalment(contract, date(2026, 2, 1))
        assert contract.status is ContractStatus.IN_SETTLEMENT

    def test_A_28_after_a_death_km_and_damage_are_settled_with_no_termination_cost(
        self,
    ) -> None:
        # A-28 on M-33's example (letter 2026-02-03, the heirs return on 2026-02-20): only the
        # termination costs are waived. 45,000 km driven against 20,000 / 12 x 23.3214 months
        # (2024-03-12 .. 2026-02-20, 9 of February's 28 days) = 38,869.05 expected: 6,130.95 km
        # x 0.10 = 613.10; the damage and the missing key are charged as at any return.
        contract = running_ref_contract(DEATH_LETTER)
        execute(contract, RecordDeath(died_on=DATE_OF_DEATH), ctx(DEATH_LETTER))
        execute(contract, TerminateOnDeath(by="HEIRS"), ctx(DEATH_LETTER))
        run_days(contract, DEATH_LETTER + ONE_DAY, HEIRS_RETURN)
        contract.collect_events()

        execute(
            contract,
            ReturnVehicle(
                odometer=45_012,
                damages=(("rear bumper beyond RENTA", eur("750.00")),),
                missing_items=(("spare key", eur("300.00")),),
            ),
            ctx(HEIRS_RETURN, actor="HEIR"),
        )
        events = collected(contract)

        assert names(events) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "CreditNoteIssued",
            "KmSettlementInvoiced",
            "ReturnDamageCharged",
            "MissingItemsCharged",
            "FinalSettlementStarted",
        ]
        km = only(events, KmSettlementInvoiced)
        assert (km.actual_km, km.amount) == (45_000, eur("613.10"))
        damage = only(events, ReturnDamageCharged)
        assert_rules(damage, "M-24", "A-28")
        assert damage.amount == eur("750.00")
        assert only(events, MissingItemsCharged).amount == eur("300.00")

        # L-37 exception: instalments stay due after the termination until the Vehicle is back.
        contract = running_ref_contract(DEATH_LETTER)
        execute(contract, RecordDeath(died_on=DATE_OF_DEATH), ctx(DEATH_LETTER))
        execute(contract, TerminateOnDeath(by="HEIRS"), ctx(DEATH_LETTER))
        contract.collect_events()

        run_days(contract, DEATH_LETTER + ONE_DAY, date(2026, 3, 1))

        invoice = only(collected(contract), InstalmentInvoiced)
        assert invoice.billing_period_start == date(2026, 3, 1)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN

    def test_L_24_termination_without_a_recorded_death_is_refused(self) -> None:
        contract = running_ref_contract(DEATH_LETTER)

        assert_refused(
            contract,
            lambda: execute(contract, TerminateOnDeath(by="LESSOR"), ctx(DEATH_LETTER)),
            RuleViolationError,
            "T-18.9",
        )

    def test_L_25_dissolution_against_the_lessor(self) -> None:
        dissolved_on = LESSOR_DISSOLUTION
        contract = running_ref_contract(dissolved_on)
        insolvency = RecordLessorGround("18.8(ii)", ("bankruptcy judgment",))
        execute(contract, insolvency, ctx(dissolved_on))
        contract.collect_events()

        execute(
            contract, DissolveAgainstLessor(ground="18.8(ii)"), ctx(dissolved_on, actor="CUSTOMER")
        )
        events = collected(contract)

        assert names(events) == ["ContractDissolvedAgainstLessor", "CreditNoteIssued"]
        dissolved = only(events, ContractDissolvedAgainstLessor)
        assert_rules(dissolved, "L-25", "T-18.8-ii")
        assert dissolved.effective_end_date == dissolved_on
        assert only(events, CreditNoteIssued).amount == eur("433.33")  # June kept 1-10 Jun
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_LESSOR

    def test_L_25_dissolution_on_a_customer_ground_is_refused(self) -> None:
        contract = running_ref_contract(LESSOR_DISSOLUTION)

        assert_refused(
            contract,
            lambda: execute(
                contract, DissolveAgainstLessor(ground="18.3(ii)"), ctx(LESSOR_DISSOLUTION)
            ),
            RuleViolationError,
            "L-25",
        )
