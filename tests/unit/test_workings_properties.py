"""Properties of the recorded workings: the formula as applied gives the amount charged.

The numbers an explanation shows are evaluated here independently (plain Decimal arithmetic
on the `applied` text) and compared with the amount the contract charged, so a working can
never disagree with its charge.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.contract.billing import ReceivePayment
from domain.contract.billing_events import LateInterestAccrued
from domain.contract.registry import execute
from domain.end_money import late_return_compensation, worked_late_return_compensation
from domain.money import Money, round2
from domain.money_rules import (
    collection_indemnity,
    late_interest,
    pro_rata_instalment,
    worked_collection_indemnity,
    worked_late_interest,
    worked_pro_rata_instalment,
)
from tests.contract_cases import collected, of_type, running_ref_contract
from tests.factories import ctx

CENTS = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Money(Decimal(c) / 100))


def evaluate(applied: str) -> tuple[Decimal, str]:
    """The value of an applied formula's left side (sums of products and quotients, with
    percentages), rounded to cents, and the result it states."""
    expression, _, stated = applied.rpartition(" = ")
    value = Decimal(0)
    for term in expression.split(" + "):
        tokens = term.split(" ")
        product = _number(tokens[0])
        for operator, operand in zip(tokens[1::2], tokens[2::2], strict=True):
            product = product * _number(operand) if operator == "x" else product / _number(operand)
        value += product
    return round2(value), stated


def _number(token: str) -> Decimal:
    return Decimal(token[:-1]) / 100 if token.endswith("%") else Decimal(token)


@given(CENTS, st.integers(1, 31).flatmap(lambda d: st.tuples(st.integers(0, d), st.just(d))))
def test_M_04_pro_rata_working_gives_the_invoiced_amount(
    instalment: Money, days: tuple[int, int]
) -> None:
    worked = worked_pro_rata_instalment(instalment, *days)
    charged = pro_rata_instalment(instalment, *days)
    value, stated = evaluate(worked.applied)
    assert value == charged.amount
    assert stated == str(charged) == str(worked.amount)


@given(CENTS, st.integers(-5, 800))
def test_M_06_interest_working_gives_the_interest_charged(principal: Money, days: int) -> None:
    due = date(2025, 1, 5)
    worked = worked_late_interest(principal, due, due + timedelta(days=days))
    charged = late_interest(principal, due, due + timedelta(days=days))
    value, stated = evaluate(worked.applied)
    assert stated == str(charged)
    assert value == charged.amount or not charged.is_positive


@given(CENTS)
def test_M_07_collection_working_gives_the_indemnity_charged(unpaid: Money) -> None:
    value, stated = evaluate(worked_collection_indemnity(unpaid).applied)
    assert value == collection_indemnity(unpaid).amount
    assert stated == str(collection_indemnity(unpaid))


@given(CENTS, st.integers(1, 31), st.integers(0, 90))
def test_M_23_late_return_workings_give_the_compensation(
    instalment: Money, period_days: int, late: int
) -> None:
    pro_rata, flat = worked_late_return_compensation(instalment, period_days, late)
    expected = late_return_compensation(instalment, period_days, late)
    assert [evaluate(pro_rata.applied)[0], evaluate(flat.applied)[0]] == [
        expected[0].amount,
        expected[1].amount,
    ]
    assert pro_rata.amount + flat.amount == expected[2]


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.integers(min_value=10_000, max_value=200_000))
def test_M_06_recorded_interest_workings_equal_the_charge(days_late: int, cents: int) -> None:
    """On the contract: a payment `days_late` days after the first full instalment fell due
    (the first invoice, due on 2024-03-12, is later still): the interest document records one
    working per line, each evaluates to its line's amount, and together they make its amount."""
    paid_on = date(2024, 4, 1) + timedelta(days=days_late)
    contract = running_ref_contract(paid_on)
    execute(contract, ReceivePayment(amount=Money(Decimal(cents) / 100)), ctx(paid_on))
    notes = of_type(collected(contract), LateInterestAccrued)
    assert notes
    for note in notes:
        assert len(note.workings) == len(note.lines)
        for working, line in zip(note.workings, note.lines, strict=True):
            assert evaluate(working["applied"]) == (line["amount"].amount, str(line["amount"]))
        assert sum(Decimal(w["amount"]) for w in note.workings) == note.amount.amount
