"""Theft, total loss, damage under Protection, reporting duties (L-14..L-17, M-15, D-01..D-06)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest
from eventsourcing.domain import Snapshot

from domain.contract import Contract
from domain.contract.billing_events import (
    CreditNoteIssued,
    FlatDamageFeeCharged,
)
from domain.contract.cover import NotifyInsuranceLapse
from domain.contract.cover_events import InsuranceLapseNotified
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import Suspend
from domain.contract.incidents import (
    DeclareTotalLoss,
    RecoverVehicle,
    ReportIncident,
    ReportOdometer,
    ReportTheft,
)
from domain.contract.incidents_events import (
    AdvanceRefundDetermined,
    IncidentReported,
    OdometerReadingRequested,
    ProtectionClaimDecided,
    ReportingDutyBreached,
    StolenVehicleRecovered,
    TheftRecoveryDeadlineExpired,
    ThirdPartyClaimReported,
    TotalLossDeclared,
    VehicleTheftReported,
)
from domain.contract.registry import execute
from domain.contract.reporting import (
    ReportFuelCardLost,
    ReportInsuranceChange,
    ReportThirdPartyClaim,
    RequestOdometerReading,
)
from domain.contract.settlement import ReturnVehicle
from domain.contract.settlement_events import ReturnInspectionCompleted
from domain.contract.termination_events import ContractEndedByLaw, DissolutionGroundDetected
from domain.errors import InvalidTransitionError, RuleViolationError, TermsError
from domain.money import Money
from domain.terms import ContractTerms
from domain.values import ContractStatus, EndKind
from tests.contract_cases import (
    INCIDENT_ON,
    INCIDENT_REPORTED_LATE,
    INCIDENT_REPORTED_ON,
    ONE_DAY,
    POLICY,
    REF_CONTRACTUAL_END,
    REF_RETURN_DUE,
    THEFT_DATE,
    THEFT_RECOVERY_DEADLINE,
    TOTAL_LOSS_DECLARED_ON,
    TOTAL_LOSS_EVENT,
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
from tests.factories import REF_START, active_ref_contract, ctx, ref_terms_dict, run_days

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.contract.command import Command

GLASS = Money.of("900.00")


class TestTheftAndTotalLoss:
    def test_L_14_theft_report_starts_the_recovery_window(self) -> None:
        contract = running_ref_contract(THEFT_DATE)

        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))

        assert contract.status is ContractStatus.THEFT_PENDING
        reported = only(collected(contract), VehicleTheftReported)
        assert_rules(reported, "L-14", "D-15")
        assert contract.theft is not None
        assert contract.theft.recovery_deadline == THEFT_RECOVERY_DEADLINE

    def test_L_14_theft_is_still_billed_and_not_ended_within_the_window(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        contract.collect_events()

        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)

        assert names(collected(contract)) == ["InstalmentInvoiced"]  # October, Art. 5.6
        assert contract.status is ContractStatus.THEFT_PENDING

    def test_L_15_recovery_within_the_window_restores_the_state(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, date(2025, 10, 10))
        contract.collect_events()

        execute(contract, RecoverVehicle(recovered_on=date(2025, 10, 9)), ctx(date(2025, 10, 10)))

        recovered = only(collected(contract), StolenVehicleRecovered)
        assert_rules(recovered, "L-15", "D-15")
        assert recovered.occurred_on == date(2025, 10, 9)
        assert contract.status is ContractStatus.ACTIVE
        assert contract.theft is None
        run_days(contract, date(2025, 10, 11), date(2025, 10, 31))
        assert of_type(collected(contract), ContractEndedByLaw) == []

    def test_L_15_recovery_after_the_window_is_refused(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        contract.collect_events()
        late = THEFT_RECOVERY_DEADLINE + ONE_DAY

        assert_refused(
            contract,
            lambda: execute(contract, RecoverVehicle(recovered_on=late), ctx(late)),
            RuleViolationError,
            "L-15",
        )

    def test_L_16_theft_not_recovered_ends_by_law_from_the_theft_date(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        contract.collect_events()

        run_days(contract, THEFT_RECOVERY_DEADLINE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        events = collected(contract)

        assert names(events) == [
            "TheftRecoveryDeadlineExpired",
            "ContractEndedByLaw",
            "CreditNoteIssued",
            "CreditNoteIssued",
            "AdvanceRefundDetermined",
            "CreditNoteIssued",
            "AncillaryServiceStopped",  # Protection (T-18.10)
            "CreditsSetOff",  # the unpaid instalments are settled from the credits (M-09)
        ]
        assert_rules(only(events, TheftRecoveryDeadlineExpired), "T-18.1-iii", "D-15")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-iii", "L-16")
        assert end.end_kind == EndKind.THEFT.value
        assert end.effective_end_date == THEFT_DATE
        assert end.return_due_date is None
        assert contract.status is ContractStatus.IN_SETTLEMENT
        # September kept for 1-20 Sep (433.33), October credited in full.
        credit_notes = of_type(events, CreditNoteIssued)
        assert [(c.relates_to, c.amount, c.reason) for c in credit_notes] == [
            (instalment(contract, date(2025, 9, 1)), eur("216.67"), "RETROACTIVE_END"),
            (instalment(contract, date(2025, 10, 1)), eur("650.00"), "RETROACTIVE_END"),
            (None, eur("1875.00"), "ADVANCE_REFUND"),
        ]
        for credit in credit_notes[:2]:
            assert_rules(credit, "M-04", "A-23")
        # M-19: 3,000 x (48 - 18) / 48.
        refund = only(events, AdvanceRefundDetermined)
        assert_rules(refund, "M-19")
        assert refund.amount == eur("1875.00")
        assert refund.elapsed_months == 18

    def test_P_46_the_theft_wait_runs_30_days_and_no_longer(self) -> None:
        # P-46 with D-15's example: theft Sat 2025-09-20, insurer 30 days -> 2025-10-20.
        # Not recovered through the 30th day, the contract still waits (and could still be
        # recovered); the day after it ends by law from the theft date. Longer is refused.
        assert (THEFT_RECOVERY_DEADLINE - THEFT_DATE).days == 30
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))

        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        assert contract.status is ContractStatus.THEFT_PENDING
        contract.collect_events()
        run_days(contract, THEFT_RECOVERY_DEADLINE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)

        end = only(collected(contract), ContractEndedByLaw)
        assert (end.end_kind, end.effective_end_date) == (EndKind.THEFT.value, THEFT_DATE)
        with pytest.raises(TermsError) as longer:
            ContractTerms.from_dict(ref_terms_dict(insurer_theft_recovery_days=31))
        assert (longer.value.field, longer.value.rule_id) == ("insurer_theft_recovery_days", "P-26")

    def test_L_17_total_loss_ends_by_law_from_the_event_date(self) -> None:
        contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON)

        execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
        declared = only(collected(contract), TotalLossDeclared)
        run_days(contract, date(2025, 11, 11), date(2025, 11, 11))
        events = collected(contract)

        assert_rules(declared, "L-17", "T-18.1-iv")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-iv", "L-17")
        assert end.end_kind == EndKind.TOTAL_LOSS.value
        assert end.effective_end_date == TOTAL_LOSS_EVENT
        assert contract.status is ContractStatus.IN_SETTLEMENT
        [credit] = [e for e in of_type(events, CreditNoteIssued) if e.reason == "RETROACTIVE_END"]
        assert credit.amount == eur("541.67")  # Nov kept 1-5 Nov
        assert only(events, AdvanceRefundDetermined).amount == eur("1812.50")  # 3,000 x 29/48

    def test_L_17_total_loss_date_before_the_start_is_refused(self) -> None:
        contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON)

        assert_refused(
            contract,
            lambda: execute(
                contract, DeclareTotalLoss(event_on=date(2024, 3, 1)), ctx(TOTAL_LOSS_DECLARED_ON)
            ),
            RuleViolationError,
            "L-17",
        )


class TestReportingDuties:
    """D-03, D-04, D-06, D-24 (and D-18): late is a breach, and a breach a ground (18.3(viii))."""

    def breaches(self, contract: Contract) -> list[ReportingDutyBreached]:
        return of_type(collected(contract), ReportingDutyBreached)

    def test_D_06_the_odometer_request_is_due_in_5_working_days(self) -> None:
        # RULES D-06: request Wed 2025-04-30 -> Fri 2 (1 May a holiday), Mon 5 .. Thu 8 May.
        contract = running_ref_contract(date(2025, 4, 30))
        execute(contract, RequestOdometerReading(), ctx(date(2025, 4, 30)))
        request = only(collected(contract), OdometerReadingRequested)

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 8)), policy=POLICY))
        on_the_last_day = collected(contract)
        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 9)), policy=POLICY))
        after = collected(contract)

        assert request.due_by == date(2025, 5, 8)
        assert on_the_last_day == []
        assert names(after) == ["ReportingDutyBreached", "DissolutionGroundDetected"]
        breach = only(after, ReportingDutyBreached)
        assert_rules(breach, "D-06", "T-18.3-viii")
        assert (breach.subject_id, breach.occurred_on) == (request.request_id, date(2025, 5, 9))
        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 12)), policy=POLICY))
        assert collected(contract) == []  # breached once, not every day

    def test_D_06_a_reading_in_time_answers_the_request(self) -> None:
        contract = running_ref_contract(date(2025, 4, 30))
        execute(contract, RequestOdometerReading(), ctx(date(2025, 4, 30)))
        execute(contract, ReportOdometer(odometer=20_000), ctx(date(2025, 5, 7)))
        contract.collect_events()

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 9)), policy=POLICY))

        assert collected(contract) == []

    def test_D_24_an_insurance_change_is_due_in_3_working_days(self) -> None:
        # RULES D-24: change Fri 2025-07-18, Mon 21 Jul a holiday -> due Thu 2025-07-24.
        in_time = running_ref_contract(date(2025, 7, 24))
        late = running_ref_contract(date(2025, 7, 25))

        execute(
            in_time,
            ReportInsuranceChange(change_type="COVERAGE", changed_on=date(2025, 7, 18)),
            ctx(date(2025, 7, 24)),
        )
        execute(
            late,
            ReportInsuranceChange(change_type="COVERAGE", changed_on=date(2025, 7, 18)),
            ctx(date(2025, 7, 25)),
        )

        assert self.breaches(in_time) == []
        breach = only(self.breaches(late), ReportingDutyBreached)
        assert (breach.duty, breach.due_by) == ("D-24", date(2025, 7, 24))

    def test_D_03_a_seizure_reported_two_days_later_is_late(self) -> None:
        contract = running_ref_contract(date(2025, 6, 12))

        execute(
            contract,
            ReportThirdPartyClaim(kind="SEIZURE", happened_on=date(2025, 6, 10)),
            ctx(date(2025, 6, 12)),
        )

        breach = only(self.breaches(contract), ReportingDutyBreached)
        assert_rules(breach, "D-03", "T-18.3-viii")

    @pytest.mark.parametrize(
        ("kind", "reported_on", "late"),
        [("SEIZURE", date(2025, 6, 11), False), ("CLAIM", date(2025, 6, 12), True)],
    )
    def test_T_18_3_v_a_seizure_or_claim_reported_is_the_ground_18_3_v(
        self, kind: str, reported_on: date, late: bool
    ) -> None:
        # T-18.3-v: the Vehicle seized on 2025-06-10 (or claimed by the landlord), reported
        # the next day: the ground 18.3(v) stands on the report, and the Lessor may suspend
        # on it. Reported two days later, the ground stands and the 24 h check (D-03) is
        # breached as well.
        contract = running_ref_contract(reported_on)

        execute(
            contract,
            ReportThirdPartyClaim(kind=kind, happened_on=date(2025, 6, 10)),
            ctx(reported_on, actor="CUSTOMER"),
        )
        events = collected(contract)

        report = only(events, ThirdPartyClaimReported)
        assert_rules(report, "D-03", "T-18.3-v")
        ground = only(events, DissolutionGroundDetected)
        assert_rules(ground, "K-02", "T-18.3-v")
        assert (ground.ground, ground.evidence) == ("18.3(v)", [report.report_id])
        assert len(of_type(events, ReportingDutyBreached)) == int(late)
        execute(contract, Suspend(grounds=("18.3(v)",)), ctx(reported_on))
        assert contract.status is ContractStatus.SUSPENDED

    @pytest.mark.parametrize(
        ("duty", "report"),
        [
            ("D-01", lambda on: ReportIncident(kind="GLASS", incident_on=on, repair_cost=GLASS)),
            ("D-03", lambda on: ReportThirdPartyClaim(kind="CLAIM", happened_on=on)),
            ("D-04", lambda on: ReportFuelCardLost(happened_on=on)),
        ],
    )
    def test_A_36_a_24_hour_duty_runs_from_the_event(
        self, duty: str, report: Callable[[date], Command]
    ) -> None:
        # A-36 with D-01's example: an event on Sat 2025-05-10 is to be reported by Sun
        # 2025-05-11, whenever the report is made: in time on Sunday, late on Monday, and the
        # breach counts from the event's date, not from the day of the report.
        contract = running_ref_contract(INCIDENT_REPORTED_ON)
        execute(contract, report(INCIDENT_ON), ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"))
        assert self.breaches(contract) == []
        run_days(contract, INCIDENT_REPORTED_LATE, INCIDENT_REPORTED_LATE)
        contract.collect_events()

        execute(contract, report(INCIDENT_ON), ctx(INCIDENT_REPORTED_LATE, actor="CUSTOMER"))

        breach = only(self.breaches(contract), ReportingDutyBreached)
        assert (breach.duty, breach.happened_on, breach.due_by) == (
            duty,
            INCIDENT_ON,
            INCIDENT_REPORTED_ON,
        )

    def test_D_04_a_lost_fuel_card_reported_the_next_day_is_in_time(self) -> None:
        contract = running_ref_contract(date(2025, 6, 11))

        execute(contract, ReportFuelCardLost(happened_on=date(2025, 6, 10)), ctx(date(2025, 6, 11)))

        assert names(collected(contract)) == ["FuelCardLostOrStolen"]

    def test_D_18_protection_ended_own_insurance_due_in_two_weeks(self) -> None:
        # RULES D-18: letter Mon 2025-06-02 -> own insurance due by Mon 2025-06-16.
        contract = running_ref_contract(date(2025, 6, 2))
        execute(
            contract,
            NotifyInsuranceLapse(
                policy_type="PROTECTION_ENDED", lapse_type="CANCELLATION", notified_by="LESSOR"
            ),
            ctx(date(2025, 6, 2)),
        )
        notified = only(collected(contract), InsuranceLapseNotified)

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 6, 17)), policy=POLICY))

        assert_rules(notified, "L-31", "D-18")
        assert notified.replacement_deadline == date(2025, 6, 16)
        ground = only(collected(contract), DissolutionGroundDetected)
        assert ground.ground == "18.3(x)"


class TestDamage:
    def test_M_15_collision_charges_the_flat_fee(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="COLLISION", incident_on=INCIDENT_ON, repair_cost=eur("1800.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        events = collected(contract)

        assert names(events) == [
            "IncidentReported",
            "ProtectionClaimDecided",
            "FlatDamageFeeCharged",
        ]
        decided = only(events, ProtectionClaimDecided)
        assert_rules(decided, "M-15")
        assert (decided.customer_share, decided.waived_amount) == (eur("500.00"), eur("1300.00"))
        fee = only(events, FlatDamageFeeCharged)
        assert_rules(fee, "M-15")
        assert fee.amount == eur("500.00")
        assert contract.receivables[fee.receivable_id].category == "FLAT_DAMAGE_FEE"

    def test_M_15_glass_breakage_is_exempt(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        events = collected(contract)

        assert names(events) == ["IncidentReported", "ProtectionClaimDecided"]
        decided = only(events, ProtectionClaimDecided)
        assert (decided.customer_share, decided.waived_amount) == (Money.zero(), eur("900.00"))

    def test_D_01_T_18_3_viii_a_report_two_days_late_breaches_the_duty_and_is_a_ground(
        self,
    ) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_LATE)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_LATE, actor="CUSTOMER"),
        )
        reported = collected(contract)
        execute(contract, ApplyArticle18(), replace(ctx(INCIDENT_REPORTED_LATE), policy=POLICY))
        rules = collected(contract)

        breach = only(reported, ReportingDutyBreached)
        assert_rules(breach, "D-01", "T-18.3-viii")
        assert (breach.duty, breach.happened_on, breach.due_by) == (
            "D-01",
            INCIDENT_ON,
            date(2025, 5, 11),
        )
        ground = only(rules, DissolutionGroundDetected)
        assert_rules(ground, "K-02", "T-18.3-viii")
        assert (ground.ground, ground.evidence) == ("18.3(viii)", [breach.breach_id])

    def test_D_01_a_snapshot_from_before_the_reporting_checks_loads_without_breaches(
        self,
    ) -> None:
        snapshot = Snapshot.take(running_ref_contract(INCIDENT_REPORTED_ON))
        state = {
            k: v
            for k, v in snapshot.state.items()
            if k not in ("class_version", "reporting_breaches")
        }
        v1 = Snapshot(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            timestamp=snapshot.timestamp,
            topic=snapshot.topic,
            state=state,
        )

        restored = v1.mutate(None)

        assert isinstance(restored, Contract)
        assert restored.reporting_breaches == []

    def test_D_01_a_report_the_next_day_is_in_time(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        execute(contract, ApplyArticle18(), replace(ctx(INCIDENT_REPORTED_ON), policy=POLICY))

        assert of_type(collected(contract), ReportingDutyBreached) == []
        assert of_type(collected(contract), DissolutionGroundDetected) == []

    def test_D_02_a_theft_reported_after_24_hours_breaches_the_duty(self) -> None:
        theft_on, reported_on = date(2025, 9, 20), date(2025, 9, 23)
        contract = running_ref_contract(reported_on)

        execute(contract, ReportTheft(theft_on=theft_on), ctx(reported_on, actor="CUSTOMER"))

        breach = only(collected(contract), ReportingDutyBreached)
        assert_rules(breach, "D-02", "T-18.3-viii")
        assert (breach.duty, breach.happened_on, breach.due_by) == (
            "D-02",
            theft_on,
            date(2025, 9, 21),
        )

    def test_M_15_incident_before_the_start_is_refused_L_43(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReportIncident(
                    kind="COLLISION", incident_on=date(2024, 3, 1), repair_cost=eur("1800.00")
                ),
                ctx(INCIDENT_REPORTED_ON),
            ),
            RuleViolationError,
            "L-43",
        )

    def test_D_32_the_customer_carries_the_risk_from_the_start_until_the_return_report(
        self,
    ) -> None:
        # D-32 on REF: from the Start Date 2024-03-12 (the day before is refused), through
        # the end on 2028-03-11 while the Vehicle is still out, until the Return Report
        # signed on Mon 2028-03-13; a damage after that is no longer the Customer's.
        started = active_ref_contract()
        execute(started, _collision(REF_START), ctx(REF_START))
        assert only(collected(started), IncidentReported).incident_on == REF_START
        assert_refused(
            started,
            lambda: execute(started, _collision(REF_START - ONE_DAY), ctx(REF_START)),
            RuleViolationError,
            "L-43",
        )
        ended = expired_ref_contract()
        after_end = REF_CONTRACTUAL_END + ONE_DAY
        execute(ended, _collision(after_end), ctx(after_end))
        assert only(collected(ended), IncidentReported).incident_on == after_end

        execute(ended, ReturnVehicle(odometer=80_012), ctx(REF_RETURN_DUE))

        assert_rules(only(collected(ended), ReturnInspectionCompleted), "D-32")
        assert_refused(
            ended,
            lambda: execute(ended, _collision(REF_RETURN_DUE), ctx(REF_RETURN_DUE)),
            InvalidTransitionError,
            "L-43",
        )


def _collision(on: date) -> ReportIncident:
    return ReportIncident(kind="COLLISION", incident_on=on, repair_cost=eur("1800.00"))
