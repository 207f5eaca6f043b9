"""Property tests for the money rules (M-01, M-03/M-04, M-09, M-22) and the calendar (0.5)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    add_months,
    add_working_days,
    elapsed_months,
    is_working_day,
    months_covered,
    next_working_day,
    roll_forward,
)
from domain.end_money import early_termination_fee
from domain.money import Money, parsed, round2, total
from domain.money_rules import (
    EARLY_TERMINATION_FEE_RATE_MAX,
    OpenItem,
    PaymentAllocation,
    allocate_payment,
    pro_rata_instalment,
    remaining_capital,
)
from domain.values import Bucket

if TYPE_CHECKING:
    from collections.abc import Callable

CENT = Decimal("0.01")

amounts = st.decimals(
    min_value=Decimal("0.01"),
    max_value=Decimal("100000.00"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
open_amounts = st.decimals(
    min_value=Decimal("0.00"),
    max_value=Decimal("5000.00"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def open_item_lists(draw: st.DrawFn) -> list[OpenItem]:
    """M-09 open items with unique ids and issue order, some already settled (open 0)."""
    count = draw(st.integers(min_value=0, max_value=12))
    return [
        OpenItem(
            item_id=f"item-{seq}",
            bucket=draw(st.sampled_from(Bucket)),
            due_on=draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))),
            open=Money(draw(open_amounts)),
            seq=seq,
        )
        for seq in range(count)
    ]


def _paid_by_item(result: PaymentAllocation) -> dict[str, Money]:
    paid: dict[str, Money] = {}
    for allocation in result.allocations:
        paid[allocation.item_id] = paid.get(allocation.item_id, Money.zero()) + allocation.amount
    return paid


def _order_key(item: OpenItem) -> tuple[int, date, int]:
    return item.bucket.rank, item.due_on, item.seq


# --- M-09 allocation -----------------------------------------------------------------------------


@given(payment=amounts, items=open_item_lists())
def test_M_09_allocation_conserves_money(payment: Decimal, items: list[OpenItem]) -> None:
    result = allocate_payment(Money(payment), items)
    allocated = total([a.amount for a in result.allocations])
    assert allocated + result.unallocated == Money(payment)
    assert not result.unallocated.amount < 0


@given(payment=amounts, items=open_item_lists(), target=st.integers(min_value=0, max_value=12))
def test_M_09_never_allocates_more_than_open(
    payment: Decimal, items: list[OpenItem], target: int
) -> None:
    result = allocate_payment(Money(payment), items, targeted_item_id=f"item-{target}")
    by_id = {item.item_id: item for item in items}
    for item_id, paid in _paid_by_item(result).items():
        assert paid.is_positive
        assert paid <= by_id[item_id].open
    if result.unallocated.is_positive:
        assert all(paid == by_id[i].open for i, paid in _paid_by_item(result).items())
        assert set(_paid_by_item(result)) == {i.item_id for i in items if i.open.is_positive}


@given(payment=amounts, items=open_item_lists())
def test_M_09_allocation_follows_bucket_then_oldest_due_order(
    payment: Decimal, items: list[OpenItem]
) -> None:
    paid = _paid_by_item(allocate_payment(Money(payment), items))
    still_open = {i.item_id for i in items if paid.get(i.item_id, Money.zero()) < i.open}
    for receiver in (i for i in items if i.item_id in paid):
        earlier = (i for i in items if _order_key(i) < _order_key(receiver))
        assert all(i.item_id not in still_open for i in earlier)


# --- M-01 Remaining Capital ----------------------------------------------------------------------


@given(invested=amounts, start=days, first=days, gap=st.integers(min_value=0, max_value=4000))
def test_M_01_remaining_capital_never_negative_never_rising(
    invested: Decimal, start: date, first: date, gap: int
) -> None:
    earlier = remaining_capital(Money(invested), start, first)
    later = remaining_capital(Money(invested), start, first + timedelta(days=gap))
    assert not later.amount < 0
    assert later <= earlier <= Money(invested)


# --- M-22 Early Termination Fee ------------------------------------------------------------------


@given(
    instalment=amounts,
    term=st.integers(min_value=12, max_value=72),
    covered=st.decimals(min_value=0, max_value=80, places=4, allow_nan=False, allow_infinity=False),
    rate=st.decimals(min_value=0, max_value=Decimal("0.50"), places=3),
)
def test_M_22_base_fee_never_above_half_the_remaining_instalments(
    instalment: Decimal, term: int, covered: Decimal, rate: Decimal
) -> None:
    fee = early_termination_fee(
        Money(instalment), term, covered, rate, 0, 10_000, Money(CENT), Money.zero(), Money.zero()
    )
    cap = round2(EARLY_TERMINATION_FEE_RATE_MAX * fee.remaining_instalments.amount)
    assert fee.base_fee.amount <= cap
    assert fee.remaining_months >= 0
    assert fee.amount == fee.base_fee


# --- M-03 / M-04 pro rata ------------------------------------------------------------------------


@st.composite
def period_splits(draw: st.DrawFn) -> tuple[int, int]:
    period_days = draw(st.integers(min_value=1, max_value=366))
    return period_days, draw(st.integers(min_value=0, max_value=period_days))


@given(instalment=amounts, split=period_splits())
def test_M_03_M_04_pro_rata_parts_sum_to_instalment_within_a_cent(
    instalment: Decimal, split: tuple[int, int]
) -> None:
    period_days, first_part_days = split
    first = pro_rata_instalment(Money(instalment), first_part_days, period_days)
    second = pro_rata_instalment(Money(instalment), period_days - first_part_days, period_days)
    assert abs((first + second).amount - instalment) <= CENT


# --- RULES 0.5 calendar --------------------------------------------------------------------------


@given(start=days, k=st.integers(min_value=0, max_value=600))
def test_0_5_elapsed_months_counts_add_months_anniversaries(start: date, k: int) -> None:
    anniversary = add_months(start, k)
    assert elapsed_months(start, anniversary) == k
    assert months_covered(start, anniversary - timedelta(days=1)) == Decimal(k)
    if k >= 1:
        assert elapsed_months(start, anniversary - timedelta(days=1)) == k - 1


@given(day=days, n=st.integers(min_value=0, max_value=15))
def test_0_5_working_day_functions_return_working_days(day: date, n: int) -> None:
    following = next_working_day(day)
    assert is_working_day(following)
    assert following > day
    rolled = roll_forward(day)
    assert is_working_day(rolled)
    assert rolled >= day
    assert rolled in {day, following}
    shifted = add_working_days(day, n)
    if n == 0:
        assert shifted == day
    else:
        assert is_working_day(shifted)
        assert (shifted - day).days >= n


any_places = st.decimals(
    min_value=Decimal(-100000), max_value=Decimal(100000), allow_nan=False, allow_infinity=False
)


@given(st.lists(any_places, max_size=30))
def test_0_5_sums_are_the_exact_decimals_of_checked_money(amounts: list[Decimal]) -> None:
    """`total`, `+`, `-`, unary `-` and `rounded` build their results without the checks of
    `Money(...)`: each must be the Money those checks give for the same Decimal, digit for
    digit (the stored form writes the exponent: 1.5 and 1.50 are different bytes)."""
    items = [Money(a) for a in amounts]
    expected = Decimal(0)
    for amount in amounts:
        expected = expected + amount
    summed = total(items)
    assert repr(summed) == repr(Money(expected))
    assert type(summed) is Money
    for x, y in itertools.pairwise(items):
        assert repr(x + y) == repr(Money(x.amount + y.amount))
        assert repr(x - y) == repr(Money(x.amount - y.amount))
    for x in items:
        assert repr(-x) == repr(Money(-x.amount))
        assert repr(x.rounded()) == repr(Money(round2(x.amount)))


@pytest.mark.parametrize("wrong", [1, Decimal(1), 1.0])
@pytest.mark.parametrize(
    "combine",
    [lambda m, w: m + w, lambda m, w: m - w, lambda m, w: total([m, w])],
    ids=["add", "subtract", "total"],
)
def test_0_5_money_refuses_what_is_not_money(
    wrong: object, combine: Callable[[Money, object], Money]
) -> None:
    with pytest.raises(TypeError, match=type(wrong).__name__):
        combine(Money(Decimal(1)), wrong)


@given(any_places)
def test_0_5_a_stored_amount_reads_back_digit_for_digit(amount: Decimal) -> None:
    text = format(amount, "f")
    assert repr(parsed(text)) == repr(Money(Decimal(text)))


@pytest.mark.parametrize("text", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_0_5_a_stored_amount_must_be_finite(text: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        parsed(text)
