"""Suspension and dissolution against the Customer, and the M-21 indemnity (L-10..L-13)."""

from __future__ import annotations

from datetime import date

from domain.contract import Contract
from domain.contract.billing_events import (
    CreditNoteIssued,
    DebitNoteIssued,
    DissolutionIndemnityInvoiced,
    InstalmentInvoiced,
)
from domain.contract.dissolution import (
    Dissolve,
    EstimateMarketValue,
    LiftSuspension,
    RecordVehicleSale,
    Suspend,
)
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    ContractSuspended,
    ContractSuspensionLifted,
    DissolutionGroundRecorded,
    DissolutionIndemnityCorrected,
    VehicleSold,
)
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.values import ContractStatus, EndKind, GroundStatus
from tests.contract_cases import (
    COLLECTION_DEADLINE,
    DISSOLUTION_DATE,
    INDEMNITY_DUE,
    LATER_SALE,
    ONE_DAY,
    READY_NOTICE,
    SALE_WITHIN_WINDOW,
    TOTAL_LOSS_DECLARED_ON,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    ready_contract,
    record_trust_ground,
    running_ref_contract,
)
from tests.factories import ctx, run_days


class TestSuspensionAndDissolution:
    def test_L_10_dissolve_without_an_open_ground_is_refused_L_41(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, Dissolve(), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "L-41",
        )
        assert contract.dissolution is None

    def test_L_10_dissolve_on_a_recorded_ground(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        recorded = only(collected(contract), DissolutionGroundRecorded)

        execute(contract, Dissolve(), ctx(DISSOLUTION_DATE))
        events = collected(contract)

        assert_rules(recorded, "K-02", "T-18.3-xiv")
        assert names(events) == [
            "ContractDissolvedAgainstCustomer",
            "CreditNoteIssued",
            "DissolutionIndemnityInvoiced",
        ]
        dissolved = only(events, ContractDissolvedAgainstCustomer)
        assert_rules(dissolved, "L-10", "L-41", "T-18.3-xiv")
        assert dissolved.ground_ids == [recorded.ground_id]
        assert dissolved.return_due_date == date(2025, 11, 21)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_CUSTOMER
        assert contract.grounds[recorded.ground_id].status is GroundStatus.EXERCISED
        # M-04: November is kept for 1-20 Nov (433.33 of 650.00).
        assert only(events, CreditNoteIssued).amount == eur("216.67")

    def test_L_10_dissolve_before_delivery_goes_to_settlement(self) -> None:
        # T-18.3-i before delivery: m = 0, a = 45,000, b = 4,500, EMV 43,000 -> 6,500.
        contract = ready_contract()
        run_days(contract, READY_NOTICE, COLLECTION_DEADLINE + ONE_DAY)
        execute(contract, EstimateMarketValue(amount=eur("43000.00")), ctx(date(2024, 3, 18)))
        contract.collect_events()

        execute(contract, Dissolve(grounds=("18.3(i)",)), ctx(date(2024, 3, 18)))
        events = collected(contract)

        assert names(events) == ["ContractDissolvedAgainstCustomer", "DissolutionIndemnityInvoiced"]
        assert only(events, ContractDissolvedAgainstCustomer).return_due_date is None
        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert only(events, DissolutionIndemnityInvoiced).amount == eur("6500.00")

    def test_L_11_suspend_on_an_open_ground(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        contract.collect_events()

        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))

        assert contract.status is ContractStatus.SUSPENDED
        assert_rules(only(collected(contract), ContractSuspended), "L-11", "T-18.3-S")

    def test_L_11_suspend_without_a_ground_is_refused(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, Suspend(), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "T-18.3-S",
        )

    def test_L_11_suspended_contract_is_still_billed(self) -> None:
        # instalments stay due during a suspension.
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))
        contract.collect_events()

        run_days(contract, DISSOLUTION_DATE + ONE_DAY, date(2025, 12, 1))

        invoice = only(collected(contract), InstalmentInvoiced)
        assert invoice.billing_period_start == date(2025, 12, 1)

    def test_L_12_lift_suspension(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))
        contract.collect_events()

        execute(contract, LiftSuspension(), ctx(date(2025, 11, 25)))

        assert contract.status is ContractStatus.ACTIVE
        assert_rules(only(collected(contract), ContractSuspensionLifted), "L-12")

    def test_L_12_lift_when_not_suspended_is_refused(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, LiftSuspension(), ctx(DISSOLUTION_DATE)),
            InvalidTransitionError,
            "L-12",
        )

    def test_L_13_dissolve_a_suspended_contract(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, TOTAL_LOSS_DECLARED_ON)
        execute(contract, Suspend(), ctx(TOTAL_LOSS_DECLARED_ON))
        contract.collect_events()

        execute(contract, Dissolve(), ctx(DISSOLUTION_DATE))

        assert_rules(only(collected(contract), ContractDissolvedAgainstCustomer), "L-10")
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_CUSTOMER


def dissolved_ref_contract(*, returned: bool = True) -> Contract:
    """REF dissolved on 2025-11-20 on a recorded 18.3(xiv) ground, EMV 30,000 estimated.

    With `returned`, the Vehicle is handed in on Fri 2025-11-21 (the D-25 due date).
    """
    contract = running_ref_contract(DISSOLUTION_DATE)
    record_trust_ground(contract, date(2025, 11, 18))
    execute(contract, EstimateMarketValue(amount=eur("30000.00")), ctx(DISSOLUTION_DATE))
    execute(
        contract,
        Dissolve(grounds=("18.3(xiv)",), written_notification_on=DISSOLUTION_DATE),
        ctx(DISSOLUTION_DATE),
    )
    if returned:
        execute(
            contract,
            ReturnVehicle(odometer=40_012, damages=(), missing_items=()),
            ctx(RETURNED_AFTER_DISSOLUTION),
        )
    return contract


RETURNED_AFTER_DISSOLUTION = date(2025, 11, 21)


class TestDissolutionIndemnity:
    def test_M_21_vehicle_with_the_customer_deducts_nothing(self) -> None:
        contract = dissolved_ref_contract(returned=False)

        indemnity = only(collected(contract), DissolutionIndemnityInvoiced)

        assert_rules(indemnity, "M-21", "T-18.5", "D-13")
        assert indemnity.remaining_capital == eur("36000.00")  # m = 20
        assert indemnity.reinvestment == eur("3600.00")
        assert indemnity.market_value_deducted == eur("0")
        assert indemnity.amount == eur("39600.00")  # RULES M-21: never recovered -> 39,600
        assert indemnity.due_date == INDEMNITY_DUE
        assert contract.receivables[indemnity.receivable_id].category == "DISSOLUTION_INDEMNITY"

    def test_M_21_dissolution_indemnity_once_the_vehicle_is_back(self) -> None:
        contract = dissolved_ref_contract()
        events = collected(contract)

        invoiced = only(events, DissolutionIndemnityInvoiced)
        corrected = only(events, DissolutionIndemnityCorrected)
        assert corrected.basis == "VEHICLE_RECOVERED"
        assert (corrected.previous_amount, corrected.new_amount) == (
            eur("39600.00"),
            eur("9600.00"),
        )
        assert corrected.market_value_deducted == eur("30000.00")
        [credit] = [
            e for e in of_type(events, CreditNoteIssued) if e.reason == "INDEMNITY_CORRECTION"
        ]
        assert credit.amount == eur("30000.00")
        assert credit.relates_to == invoiced.receivable_id
        assert contract.dissolution is not None
        assert contract.dissolution.amount == eur("9600.00")

    def test_M_21_sale_within_15_days_credits_the_difference(self) -> None:
        contract = dissolved_ref_contract()
        invoiced = only(collected(contract), DissolutionIndemnityInvoiced)

        execute(
            contract,
            RecordVehicleSale(
                sold_on=SALE_WITHIN_WINDOW,
                gross_price=eur("31000.00"),
                net_proceeds=eur("31000.00"),
            ),
            ctx(SALE_WITHIN_WINDOW),
        )
        events = collected(contract)

        assert names(events)[:3] == [
            "VehicleSold",
            "DissolutionIndemnityCorrected",
            "CreditNoteIssued",
        ]
        assert only(events, VehicleSold).within_window is True
        corrected = only(events, DissolutionIndemnityCorrected)
        assert_rules(corrected, "M-21", "D-14")
        assert corrected.basis == "SALE_WITHIN_15_DAYS"
        assert (corrected.previous_amount, corrected.new_amount) == (
            eur("9600.00"),
            eur("8600.00"),
        )
        credit = only(events, CreditNoteIssued)
        assert credit.amount == eur("1000.00")
        assert credit.reason == "INDEMNITY_CORRECTION"
        assert credit.relates_to == invoiced.receivable_id

    def test_M_21_later_sale_debits_the_difference(self) -> None:
        contract = dissolved_ref_contract()
        contract.collect_events()

        execute(
            contract,
            RecordVehicleSale(
                sold_on=LATER_SALE, gross_price=eur("28500.00"), net_proceeds=eur("28000.00")
            ),
            ctx(LATER_SALE),
        )
        events = collected(contract)

        assert names(events)[:3] == [
            "VehicleSold",
            "DissolutionIndemnityCorrected",
            "DebitNoteIssued",
        ]
        assert only(events, VehicleSold).within_window is False
        corrected = only(events, DissolutionIndemnityCorrected)
        assert corrected.basis == "LATER_SALE"
        assert corrected.new_amount == eur("11600.00")
        debit = only(events, DebitNoteIssued)
        assert_rules(debit, "M-21")
        assert debit.amount == eur("2000.00")
        assert debit.debit_category == "DISSOLUTION_INDEMNITY"

    def test_M_21_second_sale_is_refused(self) -> None:
        contract = dissolved_ref_contract()
        execute(
            contract,
            RecordVehicleSale(
                sold_on=LATER_SALE, gross_price=eur("28500.00"), net_proceeds=eur("28000.00")
            ),
            ctx(LATER_SALE),
        )
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract,
                RecordVehicleSale(
                    sold_on=LATER_SALE, gross_price=eur("29000.00"), net_proceeds=eur("29000.00")
                ),
                ctx(LATER_SALE),
            ),
            RuleViolationError,
            "M-21",
        )
