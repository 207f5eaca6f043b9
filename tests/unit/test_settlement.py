"""Return, settlement and closure (L-26..L-28, M-22..M-24)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.contract.billing import PayRefund
from domain.contract.billing_events import KmSettlementInvoiced, LateReturnCompensationCharged
from domain.contract.incidents import ReportTheft
from domain.contract.losses import RecordInsurerPayout
from domain.contract.registry import execute
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.contract.settlement_events import (
    ContractClosed,
    FinalSettlementStarted,
    ReturnInspectionCompleted,
    VehicleReturned,
)
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.values import ContractStatus
from tests.contract_cases import (
    LESSOR_DISSOLUTION,
    ONE_DAY,
    REF_LATE_RETURN,
    REF_RETURN_DUE,
    THEFT_DATE,
    THEFT_RECOVERY_DEADLINE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    names,
    only,
    pay_everything,
    running_ref_contract,
)
from tests.factories import ctx, run_days


class TestReturnAndSettlement:
    def test_L_26_return_after_term_expiry_charges_M_23_and_M_11(self) -> None:
        contract = expired_ref_contract()
        run_days(contract, date(2028, 3, 13), REF_LATE_RETURN)
        contract.collect_events()

        execute(
            contract,
            ReturnVehicle(odometer=88_012, damages=(), missing_items=()),
            ctx(REF_LATE_RETURN),
        )
        events = collected(contract)

        assert names(events) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "LateReturnCompensationCharged",
            "KmSettlementInvoiced",
            "FinalSettlementStarted",
        ]
        assert_rules(only(events, VehicleReturned), "L-26")
        assert_rules(only(events, ReturnInspectionCompleted), "L-26", "M-24")
        late = only(events, LateReturnCompensationCharged)
        assert_rules(late, "M-23", "D-25")
        assert late.return_due_date == REF_RETURN_DUE
        assert late.late_days == 4
        assert (late.pro_rata_part, late.flat_part) == (eur("83.87"), eur("200.00"))
        assert late.amount == eur("283.87")
        km = only(events, KmSettlementInvoiced)
        assert_rules(km, "M-11")
        assert (km.expected_km, km.actual_km, km.deviation_km) == (
            Decimal(80_000),
            88_000,
            Decimal(8_000),
        )
        assert km.amount == eur("800.00")
        assert contract.returned_on == REF_LATE_RETURN

    def test_L_26_return_on_the_due_date_has_no_late_charge(self) -> None:
        contract = expired_ref_contract()

        execute(
            contract,
            ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
            ctx(REF_RETURN_DUE),
        )

        assert names(collected(contract)) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "FinalSettlementStarted",
        ]

    def test_L_26_return_of_a_running_contract_is_refused(self) -> None:
        contract = running_ref_contract(LESSOR_DISSOLUTION)

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=30_000, damages=(), missing_items=()),
                ctx(LESSOR_DISSOLUTION),
            ),
            InvalidTransitionError,
            "L-26",
        )

    def test_L_27_final_settlement_starts_after_the_return(self) -> None:
        contract = expired_ref_contract()

        execute(
            contract,
            ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
            ctx(REF_RETURN_DUE),
        )
        events = collected(contract)

        assert isinstance(events[-1], FinalSettlementStarted)
        assert_rules(events[-1], "L-27")
        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
                ctx(REF_RETURN_DUE),
            ),
            InvalidTransitionError,
            "L-26",
        )

    def test_L_28_close_is_refused_while_a_balance_is_open_then_accepted_when_paid(self) -> None:
        contract = expired_ref_contract()
        execute(
            contract,
            ReturnVehicle(odometer=88_012, damages=(), missing_items=()),
            ctx(REF_LATE_RETURN),
        )
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(REF_LATE_RETURN)),
            RuleViolationError,
            "L-28",
        )
        pay_everything(contract, REF_LATE_RETURN)
        contract.collect_events()
        execute(contract, CloseContract(), ctx(REF_LATE_RETURN))

        closed = only(collected(contract), ContractClosed)
        assert_rules(closed, "L-28", "D-33")
        assert closed.retention_until == date(2038, 3, 17)
        assert contract.status is ContractStatus.CLOSED

    def test_L_28_close_is_refused_while_the_M_19_advance_refund_is_owed(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        pay_everything(contract, THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        contract.collect_events()
        assert contract.status is ContractStatus.IN_SETTLEMENT
        # Sept credit 216.67 + refund 1,875.00 (October's credit cleared October itself).
        assert contract.open_credits() == eur("2091.67")

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY)),
            RuleViolationError,
            "L-28",
        )
        execute(contract, PayRefund(amount=eur("2091.67")), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        # M-18: the insurer pays 35,000.00; Protection waives the rest of RC 36,900.00.
        payout = RecordInsurerPayout(amount=eur("35000.00"), insurer="INS-1")
        execute(contract, payout, ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        # M-20: REF has GAP: 42,000 - (waived 1,900 + refund 1,875) = 38,225.00 is owed too.
        gap = PayRefund(amount=eur("38225.00"), reason="GAP")
        execute(contract, gap, ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        execute(contract, CloseContract(), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        assert contract.status.value == "CLOSED"  # narrowed above, read it afresh

    def test_L_28_close_is_refused_while_the_M_18_loss_awaits_the_insurer(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        pay_everything(contract, THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        on = THEFT_RECOVERY_DEADLINE + ONE_DAY
        execute(contract, PayRefund(amount=contract.open_credits()), ctx(on))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(on)),
            RuleViolationError,
            "L-28",
        )

    def test_L_28_close_before_settlement_is_refused(self) -> None:
        contract = expired_ref_contract()

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(REF_RETURN_DUE)),
            InvalidTransitionError,
            "L-28",
        )
