"""M-20 (Art. 11.7) with P-45 and A-24: the GAP payout on a theft or total loss, worked out
when the loss is settled against the insurer's payout (M-18) and credited to the Customer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued
from domain.contract.incidents import ReportTheft
from domain.contract.incidents_events import GapPayoutDetermined, TotalLossSettlementComputed
from domain.contract.losses import RecordInsurerPayout
from domain.contract.registry import execute
from domain.gap_money import gap_base, gap_payout
from domain.money import Money
from domain.values import ContractStatus
from tests.contract_cases import assert_rules, collected, eur, of_type, only, running_ref_contract
from tests.factories import ctx, run_days
from tests.unit.test_losses import NO_PROTECTION, PAID_ON, totally_lost

INSURED = eur("42000.00")


def test_M_20_example_1_full_insured_value_up_to_month_24() -> None:
    # RULES M-20 example 1: theft 2025-01-20 (m = 10, n = 11); waived 35,000; advance refund
    # 3,000 x 38/48 = 2,375 -> 42,000 - 37,375 = EUR 4,625.00.
    gap = gap_payout(INSURED, 10, eur("35000.00"), eur("2375.00"))
    assert gap is not None
    assert (gap.month_number, gap.base, gap.payout) == (11, INSURED, eur("4625.00"))
    assert gap.working.amount == gap.payout
    assert gap.working.applied == "max(0, 42000.00 - (35000.00 + 2375.00)) = 4625.00"


def test_M_20_example_2_one_percent_less_per_elapsed_month_from_month_25() -> None:
    # RULES M-20 example 2: 2026-09-20 (m = 30, n = 31): base 42,000 x 0.70 = 29,400; waived
    # 25,000; refund 3,000 x 18/48 = 1,125 -> EUR 3,275.00.
    gap = gap_payout(INSURED, 30, eur("25000.00"), eur("1125.00"))
    assert gap is not None
    assert (gap.month_number, gap.base, gap.payout) == (31, eur("29400.00"), eur("3275.00"))


def test_P_45_full_value_to_month_24_then_depreciation_and_none_after_month_60() -> None:
    assert gap_base(INSURED, 23) == INSURED  # month 24
    assert gap_base(INSURED, 24) == eur("31920.00")  # month 25: all 24 elapsed months
    assert gap_base(INSURED, 59) == eur("17220.00")  # month 60
    assert gap_base(INSURED, 60) is None  # month 61: no GAP (A-24(c))
    assert gap_payout(INSURED, 60, Money.zero(), Money.zero()) is None


cents = st.decimals(min_value=0, max_value=100000, places=2).map(Money)


@given(insured=cents, elapsed=st.integers(0, 59), waived=cents, refund=cents)
def test_A_24_the_payout_is_never_negative_nor_above_the_base(
    insured: Money, elapsed: int, waived: Money, refund: Money
) -> None:
    gap = gap_payout(insured, elapsed, waived, refund)
    assert gap is not None
    assert Money.zero() <= gap.payout <= gap.base
    assert gap.payout == max(Money.zero(), gap.base - waived - refund)
    assert gap.payout.amount == gap.payout.amount.quantize(Decimal("0.01"))


def _stolen_on(theft_on: date) -> Contract:
    contract = running_ref_contract(theft_on)
    execute(contract, ReportTheft(theft_on=theft_on), ctx(theft_on))
    run_days(contract, theft_on + timedelta(days=1), theft_on + timedelta(days=45))
    assert contract.status is ContractStatus.IN_SETTLEMENT
    contract.collect_events()
    return contract


def test_M_20_theft_under_Protection_credits_the_GAP_payout_example_1() -> None:
    # REF stolen 2025-01-20 (m = 10): RC 45,000 x 0.90 = 40,500; the insurer pays 5,500, so
    # Protection waives 35,000; the advance refund was 2,375 -> GAP EUR 4,625.00.
    contract = _stolen_on(date(2025, 1, 20))
    execute(contract, RecordInsurerPayout(amount=eur("5500.00"), insurer="INS-1"), ctx(PAID_ON))
    events = collected(contract)

    assert only(events, TotalLossSettlementComputed).protection_waived == eur("35000.00")
    gap = only(events, GapPayoutDetermined)
    assert_rules(gap, "M-20", "P-45", "A-24")
    assert (gap.contract_month_number, gap.base) == (11, INSURED)
    assert (gap.waived_amount, gap.advance_refund) == (eur("35000.00"), eur("2375.00"))
    assert gap.payout == eur("4625.00")
    credit = only(events, CreditNoteIssued)
    assert (credit.reason, credit.amount, credit.relates_to) == ("GAP", eur("4625.00"), None)
    assert [w["amount"] for w in credit.workings] == ["4625.00"]
    assert contract.receivables[credit.receivable_id].category == "GAP"


def test_A_24_without_Protection_the_insurers_payout_stands_in_for_the_waiver() -> None:
    # Total loss 2025-11-05 (m = 19, n = 20) without Protection: the insurer pays 33,000
    # (3,450 shortfall charged, M-18); no advance refund -> GAP 42,000 - 33,000 = 9,000.00.
    contract = totally_lost(**{**NO_PROTECTION, "gap_included": True})
    execute(contract, RecordInsurerPayout(amount=eur("33000.00"), insurer="INS-1"), ctx(PAID_ON))
    events = collected(contract)

    gap = only(events, GapPayoutDetermined)
    assert (gap.waived_amount, gap.advance_refund, gap.payout) == (
        eur("33000.00"),
        eur("0.00"),
        eur("9000.00"),
    )
    assert [c.amount for c in of_type(events, CreditNoteIssued) if c.reason == "GAP"] == [
        eur("9000.00")
    ]


def test_M_20_no_GAP_credit_without_GAP_in_the_terms() -> None:
    contract = totally_lost(gap_included=False)
    execute(contract, RecordInsurerPayout(amount=eur("33000.00"), insurer="INS-1"), ctx(PAID_ON))
    assert of_type(collected(contract), GapPayoutDetermined) == []
