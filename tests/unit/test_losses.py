"""M-18: a theft or total loss settles against the Remaining Capital once the insurer paid
(Art. 7.8(ii), 11.1; RULES 9.4 InsurerPayoutReceived -> TotalLossSettlementComputed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued, TotalLossShortfallCharged
from domain.contract.cover import NotifyInsuranceLapse, ProvideReplacementInsurance
from domain.contract.incidents import DeclareTotalLoss, ReportTheft
from domain.contract.incidents_events import (
    AdvanceRefundDetermined,
    InsurerPayoutReceived,
    TotalLossSettlementComputed,
)
from domain.contract.losses import RecordInsurerPayout
from domain.contract.registry import execute
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.money_rules import remaining_capital
from domain.values import ContractStatus
from tests.contract_cases import (
    ONE_DAY,
    THEFT_DATE,
    THEFT_RECOVERY_DEADLINE,
    TOTAL_LOSS_DECLARED_ON,
    TOTAL_LOSS_EVENT,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import REF_START, ctx, loaded_from_older_snapshot, run_days

PAID_ON = date(2025, 12, 1)
"""The insurer's payout reaches the Lessor after the end (any later business date)."""
NO_GAP: dict[str, Any] = {"gap_included": False}
"""The M-18 examples without the GAP credit (M-20, tests/unit/test_gap.py)."""
NO_PROTECTION: dict[str, Any] = {"protection_included": False, "flat_damage_fee": None, **NO_GAP}


def totally_lost(**overrides: Any) -> Contract:
    """REF declared a total loss on 2025-11-10 for the accident of 2025-11-05 (M-18 example)."""
    contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON, **overrides)
    execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    assert contract.status is ContractStatus.IN_SETTLEMENT
    contract.collect_events()
    return contract


def stolen(**overrides: Any) -> Contract:
    """REF stolen on 2025-09-20, not recovered by 2025-10-20: ended by law from the theft."""
    contract = running_ref_contract(THEFT_DATE, **overrides)
    execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
    run_days(contract, THEFT_DATE + ONE_DAY, PAID_ON)
    assert contract.status is ContractStatus.IN_SETTLEMENT
    contract.collect_events()
    return contract


def after_protection_letter(sent_on: date, insured_on: date | None = None) -> Contract:
    """REF running on `sent_on`, when the Lessor's registered letter ends Protection two
    weeks later (D-18, A-27); the Customer insures himself on `insured_on` if given."""
    contract = running_ref_contract(sent_on)
    lapse = NotifyInsuranceLapse(
        policy_type="PROTECTION_ENDED", lapse_type="CANCELLATION", notified_by="LESSOR"
    )
    execute(contract, lapse, ctx(sent_on))
    if insured_on is not None:
        execute(contract, ProvideReplacementInsurance(provided_by="CUSTOMER"), ctx(insured_on))
    return contract


def declare_total_loss(contract: Contract, from_day: date) -> None:
    """Run the days from `from_day` to the M-18 example's total loss, declare it, and run on
    to the insurer's payout."""
    run_days(contract, from_day, TOTAL_LOSS_DECLARED_ON)
    execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    contract.collect_events()


def pay_out(contract: Contract, amount: str, on: date = PAID_ON) -> None:
    execute(contract, RecordInsurerPayout(amount=eur(amount), insurer="INS-1"), ctx(on))


class TestTotalLossSettlement:
    def test_M_18_a_total_loss_charges_the_shortfall_against_the_remaining_capital(self) -> None:
        # RULES M-18: accident 2025-11-05 (m = 19) -> RC 45,000 x 0.81 = 36,450; without
        # Protection the insurer pays 33,000 -> EUR 3,450.00 charged.
        contract = totally_lost(**NO_PROTECTION)

        pay_out(contract, "33000.00")
        events = collected(contract)

        assert names(events) == [
            "InsurerPayoutReceived",
            "TotalLossSettlementComputed",
            "TotalLossShortfallCharged",
        ]
        received = only(events, InsurerPayoutReceived)
        assert (received.amount, received.insurer) == (eur("33000.00"), "INS-1")
        settled = only(events, TotalLossSettlementComputed)
        assert_rules(settled, "M-18", "T-18.1-iv")
        assert settled.incident_id == received.incident_id == "I001"
        assert settled.remaining_capital == eur("36450.00")
        assert settled.insurer_payout == eur("33000.00")
        assert settled.protection_waived == eur("0")
        assert settled.shortfall == eur("3450.00")
        assert settled.surplus_to_customer == eur("0")
        note = only(events, TotalLossShortfallCharged)
        assert_rules(note, "M-18", "T-18.1-iv")
        assert (note.amount, note.due_date) == (eur("3450.00"), PAID_ON)
        item = contract.receivables[note.receivable_id]
        assert (item.category, item.open, item.rule_ids) == (
            "TOTAL_LOSS_SHORTFALL",
            eur("3450.00"),
            ["M-18", "T-18.1-iv"],
        )

    def test_M_18_the_insurer_surplus_above_the_remaining_capital_is_the_customers(self) -> None:
        # RULES M-18: the insurer pays the Lessor 38,000 -> EUR 1,550.00 to the Customer.
        contract = totally_lost(**NO_GAP)

        pay_out(contract, "38000.00")
        events = collected(contract)

        settled = only(events, TotalLossSettlementComputed)
        assert (settled.shortfall, settled.surplus_to_customer) == (eur("0"), eur("1550.00"))
        assert settled.protection_waived == eur("0")
        assert of_type(events, TotalLossShortfallCharged) == []
        credit = only(events, CreditNoteIssued)
        assert_rules(credit, "M-18")
        assert (credit.amount, credit.reason, credit.relates_to) == (
            eur("1550.00"),
            "INSURER_SURPLUS",
            None,
        )

    def test_M_18_Protection_waives_the_shortfall_and_nothing_is_charged(self) -> None:
        # Art. 10.1/7.8(ii): under Protection the Lessor waives its recourse for what the
        # insurer does not pay: 36,450 - 33,000 = 3,450 waived, 0.00 charged.
        contract = totally_lost(**NO_GAP)
        open_before = contract.open_debits()

        pay_out(contract, "33000.00")
        events = collected(contract)

        settled = only(events, TotalLossSettlementComputed)
        assert settled.protection_waived == eur("3450.00")
        assert (settled.shortfall, settled.surplus_to_customer) == (eur("0"), eur("0"))
        assert names(events) == ["InsurerPayoutReceived", "TotalLossSettlementComputed"]
        assert contract.open_debits() == open_before

    def test_M_18_Protection_ended_before_the_loss_does_not_waive_D_18(self) -> None:
        # Protection terminated by the Lessor's letter of Mon 2025-06-02: cover ends 06-16
        # (D-18, A-27), the Customer insured himself; the loss of 2025-11-05 is not waived.
        contract = after_protection_letter(date(2025, 6, 2), insured_on=date(2025, 6, 9))
        assert contract.protection_ends_on == date(2025, 6, 16)
        declare_total_loss(contract, date(2025, 6, 3))

        pay_out(contract, "33000.00")

        settled = only(collected(contract), TotalLossSettlementComputed)
        assert settled.protection_waived == eur("0")
        assert settled.shortfall == eur("3450.00")

    def test_M_19_no_advance_refund_when_Protection_ended_before_the_loss(self) -> None:
        # Art. 10.8: the advance is refunded only where the Lessor waives its recourse; after
        # the Protection letter of 2025-06-02 (cover ended 06-16) the theft of 09-20 is not.
        contract = after_protection_letter(date(2025, 6, 2), insured_on=date(2025, 6, 9))
        run_days(contract, date(2025, 6, 3), THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        contract.collect_events()

        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        events = collected(contract)

        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert of_type(events, AdvanceRefundDetermined) == []
        assert [c.reason for c in of_type(events, CreditNoteIssued)] == ["RETROACTIVE_END"] * 2

    def test_M_18_a_loss_within_the_two_weeks_after_the_letter_is_still_waived(self) -> None:
        contract = after_protection_letter(date(2025, 10, 27))  # cover until 2025-11-10
        declare_total_loss(contract, date(2025, 10, 28))

        pay_out(contract, "33000.00")

        settled = only(collected(contract), TotalLossSettlementComputed)
        assert (settled.protection_waived, settled.shortfall) == (eur("3450.00"), eur("0"))

    def test_M_18_theft_settles_on_the_remaining_capital_at_the_theft_date(self) -> None:
        # Theft 2025-09-20 (m = 18, D-15): RC = 45,000 x 0.82 = 36,900; without Protection the
        # insurer pays 35,000 -> 1,900.00 charged (T-18.1-iii).
        contract = stolen(**NO_PROTECTION)
        assert remaining_capital(eur("45000.00"), REF_START, THEFT_DATE) == eur("36900.00")

        pay_out(contract, "35000.00")
        events = collected(contract)

        settled = only(events, TotalLossSettlementComputed)
        assert_rules(settled, "M-18", "T-18.1-iii")
        assert settled.incident_id == contract.loss_incident_id is not None
        assert settled.remaining_capital == eur("36900.00")
        assert settled.shortfall == eur("1900.00")
        assert only(events, TotalLossShortfallCharged).amount == eur("1900.00")

    def test_M_18_theft_under_Protection_with_no_insurer_payment_is_waived(self) -> None:
        contract = stolen()

        pay_out(contract, "0.00")

        settled = only(collected(contract), TotalLossSettlementComputed)
        assert settled.protection_waived == eur("36900.00")
        assert (settled.shortfall, settled.surplus_to_customer) == (eur("0"), eur("0"))

    def test_M_18_the_loss_is_settled_once(self) -> None:
        contract = totally_lost()
        pay_out(contract, "33000.00")
        contract.collect_events()

        assert_refused(
            contract,
            lambda: pay_out(contract, "1000.00", PAID_ON + ONE_DAY),
            RuleViolationError,
            "M-18",
        )

    def test_M_18_no_settlement_before_the_end_by_law(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        contract.collect_events()

        assert_refused(
            contract,
            lambda: pay_out(contract, "35000.00", THEFT_RECOVERY_DEADLINE),
            InvalidTransitionError,
            "M-18",
        )

    def test_M_18_a_snapshot_from_before_v8_loads_with_nothing_settled(self) -> None:
        fields = ("loss_incident_id", "protection_ends_on", "loss_settled")
        loaded = loaded_from_older_snapshot(totally_lost(), 7, *fields)

        assert (loaded.loss_incident_id, loaded.protection_ends_on) == (None, None)
        assert loaded.loss_settled is False
