"""Invariants of the Contract aggregate (RULES 3.6) over random command sequences on REF.

Each example hands REF over on 2024-03-12 and applies a random sequence of valid commands:
payments of whole-cent amounts, odometer readings and daily runs over random spans (which may
carry the contract past the km cap or the end of its term). After every step the money and
the RULES 3.6 invariants must hold; at the end the stored events replay to the same state.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.calendar import month_index
from domain.contract.billing import ReceivePayment
from domain.contract.incidents import ReportOdometer
from domain.contract.registry import execute
from domain.money import Money, total
from domain.money_rules import remaining_capital
from domain.policy import LessorPolicy
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_daily

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.contract.state import Receivable
    from domain.values import ContractStatus

POLICY = LessorPolicy()
ONE_DAY = timedelta(days=1)
MAX_PAYMENT_CENTS = 300_000
MAX_KM_BETWEEN_READINGS = 12_000
KM_JUMP = (50_000, 110_000)
"""A reading far ahead (e.g. after a long gap) that may pass the DIESEL cap of 200,000 km."""
MONTH = 31
MAX_DAYS_PER_RUN = 400

Step = tuple[str, int]

payments = st.tuples(st.just("pay"), st.integers(min_value=1, max_value=MAX_PAYMENT_CENTS))
readings = st.tuples(
    st.just("odometer"), st.integers(min_value=0, max_value=MAX_KM_BETWEEN_READINGS)
)
jumps = st.tuples(st.just("odometer"), st.integers(min_value=KM_JUMP[0], max_value=KM_JUMP[1]))
runs = st.tuples(
    st.just("run"),
    st.integers(min_value=1, max_value=MONTH)
    | st.integers(min_value=MONTH + 1, max_value=MAX_DAYS_PER_RUN),
)
steps = st.lists(
    st.one_of(payments, readings, runs, payments, runs, jumps), min_size=3, max_size=30
)
"""Up to 30 steps: long runs carry REF past its term (2028-03-11) or the 200,000 km cap."""
tails = st.integers(min_value=0, max_value=1_600)
"""Days the scheduler runs after the last step, so that many examples reach an end by law."""


@dataclass
class Seen:
    """The live aggregate's state after one step, to compare with a replay at that version."""

    version: int
    status: ContractStatus
    receivables: dict[str, Receivable]
    credit_balance: Money


@dataclass
class Run:
    """One example: the live contract, the business date reached, what was paid and seen."""

    contract: Contract
    today: date
    paid: Money
    seen: list[Seen]


def apply_step(run: Run, step: Step) -> None:
    """Apply one generated command to the live contract (every one of them is valid)."""
    kind, value = step
    contract = run.contract
    if kind == "pay":
        amount = Money(Decimal(value).scaleb(-2))
        execute(contract, ReceivePayment(amount=amount), ctx(run.today, actor="CUSTOMER"))
        run.paid = run.paid + amount
    elif kind == "odometer":
        reading = (contract.last_odometer or 0) + value
        execute(contract, ReportOdometer(odometer=reading), ctx(run.today, actor="CUSTOMER"))
    else:
        for _ in range(value):
            run.today += ONE_DAY
            run_daily(contract, ctx(run.today, actor="SYSTEM:scheduler"), POLICY)


def settled(items: list[Receivable]) -> Money:
    return total([item.amount - item.open for item in items])


def assert_invariants(run: Run, capital_before: Money) -> Money:
    """Money conservation, receivable bounds, L-37 and L-38; returns today's Remaining Capital."""
    contract = run.contract
    debits = [r for r in contract.receivables.values() if not r.is_credit]
    credits_ = [r for r in contract.receivables.values() if r.is_credit]
    # M-09: every cent paid either settled a debit (net of credits used) or waits as a balance.
    assert run.paid == settled(debits) - settled(credits_) + contract.credit_balance
    assert contract.credit_balance >= Money.zero()
    for item in contract.receivables.values():
        assert Money.zero() <= item.open <= item.amount, item
    # The index the ledger's queries use: every document with something open, in issue order.
    open_ = [(k, r) for k, r in contract.receivables.items() if not r.open.is_zero]
    assert list(contract.open_documents().items()) == open_
    months = {month_index(p) for p in contract.invoiced_periods if p.day == 1}
    assert contract.invoiced_months() == months
    start = contract.start_date
    assert start is not None
    assert_billed_within_the_contract(contract, start)
    capital = remaining_capital(contract.terms.invested_capital, start, run.today)
    assert Money.zero() <= capital <= capital_before  # L-38
    return capital


def assert_billed_within_the_contract(contract: Contract, start: date) -> None:
    """L-37: no instalment for a day before the Start Date, nor (net of credits) after the end."""
    end = contract.effective_end_date
    for item in contract.receivables.values():
        if item.category != "INSTALMENT":
            continue
        assert item.period_start is not None
        assert item.period_start >= start, item
        if end is not None and item.period_start > end:
            credited = [
                r.amount
                for r in contract.receivables.values()
                if r.relates_to == item.receivable_id
            ]
            assert total(credited) == item.amount, item


def assert_replays(contract: Contract, seen: list[Seen]) -> None:
    """Save to POPO persistence, then the stored events give the live state at every version."""
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.save(contract)
    replayed = app.get(contract.number)
    assert replayed.version == contract.version
    assert replayed.status == contract.status
    assert replayed.receivables == contract.receivables
    assert replayed == contract
    assert list(replayed.open_documents().items()) == list(contract.open_documents().items())
    assert replayed.invoiced_months() == contract.invoiced_months()
    for state in seen:
        past = app.get(contract.number, version=state.version)
        assert (past.version, past.status) == (state.version, state.status)
        assert past.receivables == state.receivables
        assert past.credit_balance == state.credit_balance


def played_run(steps: list[Step], tail: int, *, check: bool) -> Run:
    """Hand REF over, run the steps and the tail; with `check`, assert invariants per step."""
    contract = handed_over_ref_contract()
    run_daily(contract, ctx(REF_START, actor="SYSTEM:scheduler"), POLICY)
    run = Run(contract, REF_START, Money.zero(), [])
    capital = contract.terms.invested_capital
    for step in [*steps, ("run", tail)]:
        apply_step(run, step)
        if check:
            capital = assert_invariants(run, capital)
        run.seen.append(
            Seen(
                contract.version,
                contract.status,
                copy.deepcopy(contract.receivables),
                contract.credit_balance,
            )
        )
    return run


@settings(max_examples=50, deadline=None)
@given(steps=steps, tail=tails)
def test_M_09_L_37_L_38_invariants_hold_after_every_step(steps: list[Step], tail: int) -> None:
    # Money conserved, open amounts within [0, amount], no instalment before the Start Date,
    # Remaining Capital never rising: asserted after every command and every daily run span.
    played_run(steps, tail, check=True)


@settings(max_examples=50, deadline=None)
@given(steps=steps, tail=tails)
def test_stored_events_replay_to_the_live_state_at_every_version(
    steps: list[Step], tail: int
) -> None:
    run = played_run(steps, tail, check=False)

    assert_replays(run.contract, run.seen)
