"""Early termination by the Customer (L-20..L-23, T-18.6/T-18.7, D-28): the request, its
acceptance from month 13, its recorded rejection (L-22) and the fee at the return (M-22)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.contract.billing_events import (
    CreditNoteIssued,
    EarlyTerminationFeeInvoiced,
    InstalmentInvoiced,
)
from domain.contract.dissolution import Suspend
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.contract.termination import RequestEarlyTermination
from domain.contract.termination_events import (
    ContractTerminatedEarlyByCustomer,
    DissolutionGroundDetected,
    EarlyTerminationAccepted,
    EarlyTerminationRejected,
    EarlyTerminationRequested,
)
from domain.errors import InvalidTransitionError, RecordedRefusalError, RuleViolationError
from domain.policy import LessorPolicy
from domain.values import ContractStatus, EndKind
from projections.views.history import describe
from projections.views.portal_text import sentence
from tests.contract_cases import (
    EARLY_RETURN,
    LOCK_LAST_DAY,
    MONTH_13_FIRST_DAY,
    ONE_DAY,
    REF_CONTRACTUAL_END,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    names,
    of_type,
    only,
    record_trust_ground,
    running_ref_contract,
)
from tests.factories import ctx, run_days


class TestEarlyTermination:
    def test_L_22_D_28_request_on_2025_03_11_is_rejected_with_earliest_date_2025_03_12(
        self,
    ) -> None:
        # D-28 REF: start 2024-03-12; 2025-03-11 rejected, allowed from 2025-03-12.
        contract = running_ref_contract(LOCK_LAST_DAY)

        refusal = execute(contract, RequestEarlyTermination(), ctx(LOCK_LAST_DAY, actor="CUSTOMER"))
        events = collected(contract)

        assert names(events) == ["EarlyTerminationRequested", "EarlyTerminationRejected"]
        assert_rules(only(events, EarlyTerminationRequested), "L-20")
        rejected = only(events, EarlyTerminationRejected)
        assert_rules(rejected, "L-22", "T-18.6", "D-28")
        assert rejected.occurred_on == date(2025, 3, 11)
        assert rejected.actor == "CUSTOMER"
        assert rejected.reason == "WITHIN_FIRST_12_MONTHS"
        assert rejected.earliest_date == date(2025, 3, 12)
        assert rejected.open_grounds == []
        assert isinstance(refusal, RecordedRefusalError)
        assert refusal.rule_id == "T-18.6"
        assert refusal.message == "within first 12 months (allowed from 2025-03-12)"
        assert rejected.refusal() is not None
        assert str(rejected.refusal()) == str(refusal)
        assert contract.status is ContractStatus.ACTIVE

    def test_L_22_the_rejection_is_in_the_timelines(self) -> None:
        contract = running_ref_contract(LOCK_LAST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(LOCK_LAST_DAY, actor="CUSTOMER"))
        rejected = only(collected(contract), EarlyTerminationRejected)

        assert sentence(rejected) == (
            "Your request to end the contract early was refused on 11 March 2025: it can be "
            "ended early from 12 March 2025 (Art. 18.6)."
        )
        assert describe(rejected) == "Early termination rejected (L-22, T-18.6, D-28)"

    def test_L_21_request_from_month_13_is_accepted(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)

        refusal = execute(
            contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER")
        )
        events = collected(contract)

        assert names(events) == ["EarlyTerminationRequested", "EarlyTerminationAccepted"]
        assert_rules(only(events, EarlyTerminationRequested), "L-20")
        assert_rules(only(events, EarlyTerminationAccepted), "L-21", "T-18.7", "L-40")
        assert refusal is None
        assert contract.status is ContractStatus.EARLY_TERMINATION_PENDING

    def test_P_41_the_customer_may_terminate_from_the_first_day_of_month_13(self) -> None:
        # P-41 on REF (start 2024-03-12, D-28's example): refused on 2025-03-11, the last day
        # of month 12, naming Art. 18.6; the same request is accepted the next day.
        contract = running_ref_contract(LOCK_LAST_DAY)

        refusal = execute(contract, RequestEarlyTermination(), ctx(LOCK_LAST_DAY, actor="CUSTOMER"))
        assert refusal is not None
        assert (refusal.rule_id, refusal.message) == (
            "T-18.6",
            "within first 12 months (allowed from 2025-03-12)",
        )
        status_after_refusal = contract.status

        run_days(contract, MONTH_13_FIRST_DAY, MONTH_13_FIRST_DAY)
        contract.collect_events()
        accepted = execute(
            contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER")
        )

        assert accepted is None
        assert names(collected(contract)) == [
            "EarlyTerminationRequested",
            "EarlyTerminationAccepted",
        ]
        assert (status_after_refusal, contract.status) == (
            ContractStatus.ACTIVE,
            ContractStatus.EARLY_TERMINATION_PENDING,
        )

    def test_A_20_a_valid_month_13_notice_is_not_the_withdrawal_ground_18_3_xi(self) -> None:
        # a request from month 13 with no ground open follows Art. 18.7; it is not the
        # wish to stop of Art. 18.3(xi), so no ground is detected while the notice runs.
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))

        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, date(2025, 4, 1))

        assert of_type(collected(contract), DissolutionGroundDetected) == []
        assert contract.open_grounds() == []
        assert contract.status is ContractStatus.EARLY_TERMINATION_PENDING

    def test_L_22_request_with_an_open_ground_is_rejected_T_18_7(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        record_trust_ground(contract, date(2025, 3, 1))
        contract.collect_events()

        refusal = execute(
            contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER")
        )
        events = collected(contract)

        assert names(events) == ["EarlyTerminationRequested", "EarlyTerminationRejected"]
        rejected = only(events, EarlyTerminationRejected)
        assert_rules(rejected, "L-22", "T-18.7")
        assert rejected.reason == "DISSOLUTION_GROUND_OPEN"
        assert rejected.earliest_date is None
        assert rejected.open_grounds == ["18.3(xiv)"]
        assert refusal is not None
        assert (refusal.rule_id, refusal.message) == (
            "T-18.7",
            "dissolution ground open: 18.3(xiv)",
        )
        assert contract.status is ContractStatus.ACTIVE

    def test_L_22_request_while_suspended_is_rejected_ground_open_T_18_7(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        record_trust_ground(contract, date(2025, 3, 1))
        execute(contract, Suspend(), ctx(MONTH_13_FIRST_DAY))
        contract.collect_events()

        refusal = execute(
            contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER")
        )

        rejected = only(collected(contract), EarlyTerminationRejected)
        assert rejected.reason == "DISSOLUTION_GROUND_OPEN"
        assert refusal is not None
        assert refusal.rule_id == "T-18.7"
        assert contract.status is ContractStatus.SUSPENDED

    def test_L_20_request_in_another_state_is_refused_and_records_nothing(self) -> None:
        contract = expired_ref_contract()

        assert_refused(
            contract,
            lambda: execute(
                contract, RequestEarlyTermination(), ctx(REF_CONTRACTUAL_END, actor="CUSTOMER")
            ),
            InvalidTransitionError,
            "L-20",
        )

    def test_L_21_pending_early_termination_is_still_billed(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        contract.collect_events()

        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, date(2025, 4, 1))

        assert only(collected(contract), InstalmentInvoiced).amount == eur("650.00")

    def test_L_23_return_after_early_termination_charges_the_M_22_fee(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, EARLY_RETURN)
        contract.collect_events()

        execute(
            contract,
            ReturnVehicle(
                odometer=56_012,
                damages=(("rear bumper beyond RENTA", eur("750.00")),),
                missing_items=(("spare key", eur("300.00")),),
            ),
            ctx(EARLY_RETURN),
        )
        events = collected(contract)

        assert names(events) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "ContractTerminatedEarlyByCustomer",
            "CreditNoteIssued",
            "EarlyTerminationFeeInvoiced",
            "FinalSettlementStarted",
        ]
        ended = only(events, ContractTerminatedEarlyByCustomer)
        assert_rules(ended, "L-23", "T-18.7")
        assert ended.effective_end_date == EARLY_RETURN
        # M-04: September 2026 kept for 1-11 Sep (238.33).
        assert only(events, CreditNoteIssued).amount == eur("411.67")
        fee = only(events, EarlyTerminationFeeInvoiced)
        assert_rules(fee, "M-22", "T-18.7")
        assert fee.remaining_months == 18
        assert fee.base_fee == eur("5850.00")
        assert fee.excess_km == 6_000
        assert fee.excess_km_charge == eur("600.00")
        assert (fee.damage_charge, fee.missing_items_charge) == (eur("750.00"), eur("300.00"))
        assert fee.amount == eur("7500.00")
        assert contract.end_kind is EndKind.EARLY_TERMINATION
        assert contract.status is ContractStatus.IN_SETTLEMENT

    def test_L_23_fee_rate_above_50_percent_is_refused_without_changes(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=30_012, damages=(), missing_items=()),
                replace(
                    ctx(date(2025, 4, 1)),
                    policy=LessorPolicy(early_termination_fee_rate=Decimal("0.60")),
                ),
            ),
            RuleViolationError,
            "P-42",
        )
