"""Billing, payments and dunning (M-02..M-09, D-10), and service arrears (T-18.2-ii)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from typing import Any

from eventsourcing.domain import Snapshot

from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.billing import InvoicePeriod, ReceivePayment, SendFormalNotice
from domain.contract.billing_events import (
    CollectionIndemnityCharged,
    FormalNoticeCureDeadlineExpired,
    FormalNoticeSent,
    InstalmentInvoiced,
    LateInterestAccrued,
    PaymentReceived,
    RegisteredLetterFeeCharged,
)
from domain.contract.cover_events import AncillaryServiceStopped
from domain.contract.registry import execute
from domain.contract.services import StopAncillaryService
from domain.contract.termination_events import DissolutionGroundDetected
from domain.errors import RuleViolationError
from domain.money import Money
from domain.values import Bucket, ContractStatus
from tests.contract_cases import (
    COLLECTION_COSTS_DAY,
    JANUARY_START,
    M06_DUE,
    M06_PAID,
    M09_LATE_PAYMENT,
    M09_START,
    NOTICE_DISPATCH,
    NOTICE_LAST_DAY,
    ONE_DAY,
    POLICY,
    SERVICE_GROUND_DAY,
    SERVICE_NOTICE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    instalment,
    names,
    of_type,
    only,
    pay_everything,
    running_ref_contract,
)
from tests.factories import REF_START, active_ref_contract, ctx, run_daily, run_days


class TestBilling:
    def test_M_02_second_invoice_for_the_same_period_is_refused(self) -> None:
        contract = running_ref_contract(REF_START)

        assert_refused(
            contract,
            lambda: execute(contract, InvoicePeriod(period_start=date(2024, 3, 1)), ctx(REF_START)),
            RuleViolationError,
            "M-02",
        )
        assert contract.invoiced_periods == [date(2024, 3, 1)]

    def test_M_02_invoice_for_a_period_not_yet_begun_is_refused_L_37(self) -> None:
        contract = running_ref_contract(REF_START)

        assert_refused(
            contract,
            lambda: execute(contract, InvoicePeriod(period_start=date(2024, 4, 1)), ctx(REF_START)),
            RuleViolationError,
            "L-37",
        )

    def test_M_03_first_invoice_is_pro_rata(self) -> None:
        contract = active_ref_contract()

        run_daily(contract, ctx(REF_START), POLICY)

        invoice = only(collected(contract), InstalmentInvoiced)
        assert_rules(invoice, "M-03")
        assert invoice.amount == eur("419.35")
        assert (invoice.period_start, invoice.period_end) == (REF_START, date(2024, 3, 31))
        assert (invoice.days_covered, invoice.days_in_period) == (20, 31)
        assert invoice.pro_rata is True

    def test_M_02_following_invoices_are_full_and_in_advance(self) -> None:
        contract = running_ref_contract(date(2024, 3, 31))

        run_daily(contract, ctx(date(2024, 4, 1)), POLICY)

        invoice = only(collected(contract), InstalmentInvoiced)
        assert_rules(invoice, "M-02")
        assert invoice.amount == eur("650.00")
        assert invoice.due_date == date(2024, 4, 1)  # P-16: payable on receipt

    def test_M_06_interest_debit_note_when_an_instalment_is_paid_late(self) -> None:
        # January invoice issued 2025-01-01, due 2025-01-05 (4 days' term), paid 2025-03-21.
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=4)
        run_days(contract, start, M06_PAID)
        contract.collect_events()
        january = instalment(contract, start)
        assert contract.receivables[january].due_on == M06_DUE

        execute(contract, ReceivePayment(amount=eur("650.00")), ctx(M06_PAID, actor="CUSTOMER"))
        events = collected(contract)

        assert names(events) == ["PaymentReceived", "LateInterestAccrued"]
        payment = only(events, PaymentReceived)
        assert [line["receivable_id"] for line in payment.allocations] == [january]
        interest = only(events, LateInterestAccrued)
        assert_rules(interest, "M-06")
        assert interest.amount == eur("3.21")  # 650 x 2.4% x 75/365
        assert interest.lines == [
            {"receivable_id": january, "principal": eur("650.00"), "amount": eur("3.21")}
        ]
        note = contract.receivables[interest.receivable_id]
        assert (note.category, note.bucket, note.open) == (
            "INTEREST",
            Bucket.INTEREST_5_2,
            eur("3.21"),
        )

    def test_M_06_payment_on_the_due_date_carries_no_interest(self) -> None:
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=4)
        run_days(contract, start, M06_DUE)
        contract.collect_events()

        execute(contract, ReceivePayment(amount=eur("650.00")), ctx(M06_DUE, actor="CUSTOMER"))

        assert names(collected(contract)) == ["PaymentReceived"]

    def test_M_07_D_10_collection_indemnity_after_a_registered_notice(self) -> None:
        # January (650.00, due 2025-01-15) unpaid; notice Mon 2025-02-10, last day Tue 02-18.
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=14)
        run_days(contract, start, NOTICE_DISPATCH)
        contract.collect_events()
        january = instalment(contract, start)

        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        notice = only(collected(contract), FormalNoticeSent)
        run_days(contract, NOTICE_DISPATCH + ONE_DAY, NOTICE_LAST_DAY)
        within = collected(contract)
        run_days(contract, COLLECTION_COSTS_DAY, COLLECTION_COSTS_DAY)
        expired = collected(contract)

        assert_rules(notice, "D-10")
        assert notice.receivable_ids == [january]
        assert notice.cure_deadline == NOTICE_LAST_DAY
        assert within == []
        assert names(expired) == [
            "FormalNoticeCureDeadlineExpired",
            "CollectionIndemnityCharged",
            "RegisteredLetterFeeCharged",
        ]
        assert only(expired, FormalNoticeCureDeadlineExpired).unpaid_receivable_ids == [january]
        indemnity = only(expired, CollectionIndemnityCharged)
        assert_rules(indemnity, "M-07")
        assert indemnity.amount == eur("53.75")
        assert indemnity.for_receivable_id == january
        assert indemnity.occurred_on == COLLECTION_COSTS_DAY
        fee = only(expired, RegisteredLetterFeeCharged)
        assert_rules(fee, "M-07")
        assert fee.amount == eur("30.00")
        assert fee.occurred_on == COLLECTION_COSTS_DAY

    def test_D_10_payment_within_the_cure_period_avoids_the_indemnity(self) -> None:
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=14)
        run_days(contract, start, NOTICE_DISPATCH)
        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        execute(
            contract, ReceivePayment(amount=eur("650.00")), ctx(NOTICE_LAST_DAY, actor="CUSTOMER")
        )
        contract.collect_events()

        run_days(contract, COLLECTION_COSTS_DAY, COLLECTION_COSTS_DAY)
        events = collected(contract)

        assert names(events) == ["FormalNoticeCureDeadlineExpired"]
        assert only(events, FormalNoticeCureDeadlineExpired).unpaid_receivable_ids == []

    def test_D_10_notice_without_overdue_instalments_is_refused(self) -> None:
        contract = running_ref_contract(date(2024, 4, 10))
        pay_everything(contract, date(2024, 4, 1))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(date(2024, 4, 10))
            ),
            RuleViolationError,
            "D-10",
        )

    def test_M_07_A_10_a_snapshot_from_before_v7_knows_which_invoices_carry_the_indemnity(
        self,
    ) -> None:
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=14)
        run_days(contract, start, NOTICE_DISPATCH)
        execute(contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_DISPATCH))
        run_days(contract, NOTICE_DISPATCH + ONE_DAY, COLLECTION_COSTS_DAY)
        january = instalment(contract, start)
        snapshot = Snapshot.take(contract)
        state = dict(snapshot.state, class_version=6)
        state["receivables"] = {
            k: dataclasses.replace(r, indemnity_charged=False)
            for k, r in state["receivables"].items()
        }
        v6 = Snapshot(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            timestamp=snapshot.timestamp,
            topic=snapshot.topic,
            state=state,
        )

        restored = v6.mutate(None)

        assert isinstance(restored, Contract)
        assert contract.receivables[january].indemnity_charged is True
        charged = [k for k, r in restored.receivables.items() if r.indemnity_charged]
        assert charged == [january]

    def test_M_09_payment_is_allocated_indemnities_interest_then_oldest_instalments(self) -> None:
        # Open items shaped like the M-09 example: indemnity 53.75 + file costs 30.00,
        # interest, January instalment 650.00, February instalment 650.00.
        contract = active_ref_contract(M09_START, payment_term_days=14)
        run_days(contract, M09_START, M09_LATE_PAYMENT)
        execute(
            contract, ReceivePayment(amount=eur("650.00")), ctx(M09_LATE_PAYMENT, actor="CUSTOMER")
        )
        run_days(contract, date(2025, 1, 21), NOTICE_DISPATCH)
        execute(contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_DISPATCH))
        run_days(contract, NOTICE_DISPATCH + ONE_DAY, COLLECTION_COSTS_DAY)
        history = collected(contract)
        interest = only(history, LateInterestAccrued)  # December paid 36 days late
        indemnity = only(history, CollectionIndemnityCharged)
        file_costs = only(history, RegisteredLetterFeeCharged)
        january = instalment(contract, JANUARY_START)
        february = instalment(contract, date(2025, 2, 1))
        assert interest.amount == eur("1.54")

        execute(
            contract,
            ReceivePayment(amount=eur("800.00")),
            ctx(COLLECTION_COSTS_DAY, actor="CUSTOMER"),
        )
        payment = of_type(collected(contract), PaymentReceived)[0]

        assert [(line["receivable_id"], line["amount"]) for line in payment.allocations] == [
            (indemnity.receivable_id, eur("53.75")),
            (file_costs.receivable_id, eur("30.00")),
            (interest.receivable_id, eur("1.54")),
            (january, eur("650.00")),
            (february, eur("64.71")),
        ]
        assert [line["bucket"] for line in payment.allocations] == [
            "INDEMNITY_5_3",
            "INDEMNITY_5_3",
            "INTEREST_5_2",
            "INSTALMENT",
            "INSTALMENT",
        ]
        assert payment.unallocated == Money.zero()
        assert contract.receivables[february].open == eur("585.29")


class TestServiceArrears:
    """T-18.2-ii (A-13): the service part of the instalments unpaid after a registered notice."""

    def service_contract(self, **overrides: Any) -> Contract:
        """January to March 2025 invoiced, nothing paid, a registered SERVICE_ARREARS notice
        on 2025-03-10 covering January and February, run to the day the cure period ends."""
        contract = active_ref_contract(JANUARY_START, payment_term_days=14, **overrides)
        run_days(contract, JANUARY_START, SERVICE_NOTICE)
        execute(
            contract, SendFormalNotice(kind="SERVICE_ARREARS", registered=True), ctx(SERVICE_NOTICE)
        )
        contract.collect_events()
        return contract

    def test_T_18_2_ii_two_unpaid_instalments_with_a_service_part_are_a_ground(self) -> None:
        contract = self.service_contract(
            instalment_components=(("MAINTENANCE_REPAIR", eur("45.00")),)
        )

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY)
        ground = only(service_grounds(collected(contract)), DissolutionGroundDetected)
        execute(
            contract, StopAncillaryService(service="MAINTENANCE_REPAIR"), ctx(SERVICE_GROUND_DAY)
        )
        stopped = only(collected(contract), AncillaryServiceStopped)

        assert_rules(ground, "K-02", "T-18.2-ii", "A-13")
        assert ground.ground == "18.2(ii)"
        # 18.2(ii) is not a ground for dissolution; the open 18.3(ii) one is the two months
        # of arrears the same registered notice covers.
        assert [g.ground for g in contract.open_grounds()] == ["18.3(ii)"]
        assert (stopped.service, stopped.ground) == ("MAINTENANCE_REPAIR", "18.2(ii)")
        assert contract.status is ContractStatus.ACTIVE

    def test_M_07_A_07_a_service_arrears_notice_over_unpaid_instalments_charges_the_indemnity(
        self,
    ) -> None:
        # RULES M-07 example 1 on each covered invoice: 650.00 unpaid -> 53.75; one registered
        # letter -> 30.00 (A-09, once per letter). A-07/L-34: the registered notice serves
        # Art. 5.3 as well as 18.2(ii)/18.3(ii); D-10: dispatch Mon 03-10, last day Tue 03-18.
        contract = self.service_contract(
            instalment_components=(("MAINTENANCE_REPAIR", eur("45.00")),)
        )
        january = instalment(contract, JANUARY_START)
        february = instalment(contract, date(2025, 2, 1))

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY - ONE_DAY)
        within = collected(contract)
        run_days(contract, SERVICE_GROUND_DAY, SERVICE_GROUND_DAY)
        expired = collected(contract)

        assert within == []
        indemnities = of_type(expired, CollectionIndemnityCharged)
        assert [(i.for_receivable_id, i.amount) for i in indemnities] == [
            (january, eur("53.75")),
            (february, eur("53.75")),
        ]
        assert all(i.occurred_on == SERVICE_GROUND_DAY for i in indemnities)
        fee = only(expired, RegisteredLetterFeeCharged)
        assert_rules(fee, "M-07")
        assert fee.amount == eur("30.00")
        grounds = {g.ground: g for g in of_type(expired, DissolutionGroundDetected)}
        assert sorted(grounds) == ["18.2(ii)", "18.3(ii)"]
        assert_rules(grounds["18.3(ii)"], "K-02", "T-18.3-ii", "D-12", "A-12")
        assert [g.ground for g in contract.open_grounds()] == ["18.3(ii)"]

    def test_M_07_A_07_an_unregistered_service_arrears_notice_charges_nothing(self) -> None:
        # only the registered letter serves Art. 5.3 as well as Art. 18.
        contract = active_ref_contract(JANUARY_START, payment_term_days=14)
        run_days(contract, JANUARY_START, SERVICE_NOTICE)
        execute(
            contract,
            SendFormalNotice(kind="SERVICE_ARREARS", registered=False),
            ctx(SERVICE_NOTICE),
        )
        contract.collect_events()

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY)

        assert names(collected(contract)) == ["FormalNoticeCureDeadlineExpired"]

    def test_M_07_A_10_two_notices_over_the_same_invoices_charge_the_indemnity_once(
        self,
    ) -> None:
        # the indemnity is computed once per invoice; A-09/M-07: EUR 30 per registered
        # letter whose 8 days lapsed unpaid (two letters -> 2 x 30.00).
        contract = self.service_contract()
        january = instalment(contract, JANUARY_START)
        february = instalment(contract, date(2025, 2, 1))
        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(SERVICE_NOTICE + ONE_DAY),
        )
        second = only(collected(contract), FormalNoticeSent)

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY + ONE_DAY)
        events = collected(contract)

        assert second.receivable_ids == [january, february]
        indemnities = of_type(events, CollectionIndemnityCharged)
        assert [(i.for_receivable_id, i.amount) for i in indemnities] == [
            (january, eur("53.75")),
            (february, eur("53.75")),
        ]
        fees = of_type(events, RegisteredLetterFeeCharged)
        assert [(f.notice_id, f.amount) for f in fees] == [
            ("N001", eur("30.00")),
            (second.notice_id, eur("30.00")),
        ]
        assert [f.occurred_on for f in fees] == [SERVICE_GROUND_DAY, SERVICE_GROUND_DAY + ONE_DAY]

    def test_T_18_2_ii_without_a_service_part_there_is_no_ground(self) -> None:
        contract = self.service_contract()

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY)

        assert service_grounds(collected(contract)) == []

    def test_T_18_2_ii_a_service_cannot_be_stopped_without_the_ground(self) -> None:
        contract = running_ref_contract(
            SERVICE_NOTICE, instalment_components=(("TYRES", eur("12.00")),)
        )

        assert_refused(
            contract,
            lambda: execute(contract, StopAncillaryService(service="TYRES"), ctx(SERVICE_NOTICE)),
            RuleViolationError,
            "T-18.2-ii",
        )


def service_grounds(events: Sequence[ContractEvent]) -> list[DissolutionGroundDetected]:
    """The 18.2(ii) grounds among `events` (a service notice may also found 18.3(ii), A-07)."""
    return [g for g in of_type(events, DissolutionGroundDetected) if g.ground == "18.2(ii)"]
