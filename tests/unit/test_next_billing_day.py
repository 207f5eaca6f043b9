"""The scheduler's next-due date (issue 14): `next_billing_day` is exact.

The scheduler used to ask every open contract to bill every day; it now asks a contract only
once `next_billing_day` is on or before the business date. Over random contracts (every
instalment frequency, terms of one to four years, with and without Fuel Management, start
dates anywhere in a month) and random lives (payments, odometer readings, early terminations,
refunds, the end of the fuel service, returns and closings, and the daily rules carrying the
contract past its term), the old run is played (`Bill` every day on every contract not
closed) and on every day it is checked that `Bill` recorded something exactly when the new
run would have asked: the two runs record the same events.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.contract.billing import PayRefund, ReceivePayment
from domain.contract.daily import ApplyArticle18, Bill, next_billing_day
from domain.contract.fuel import StopFuelManagement
from domain.contract.incidents import ReportOdometer
from domain.contract.registry import execute
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.contract.termination import RequestEarlyTermination
from domain.errors import ContractError
from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import ContractStatus, Frequency
from tests.factories import ctx, handed_over_ref_contract

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.contract.command import Command

POLICY = LessorPolicy()
ONE_DAY = timedelta(days=1)
FUEL: dict[str, Any] = {
    "fuel_management": True,
    "fuel_avg_monthly_km": 1500,
    "fuel_din_consumption_per_100km": Decimal("5.0"),
    "fuel_price_per_unit": Decimal("1.85"),
    "fuel_card_cost": Money.of("2.00"),
    "fuel_management_fee": Money.of("2.50"),
}

Step = tuple[str, int]
WIND_DOWN: list[Step] = [
    ("run", 1_500),  # past any term: an end by law, its credits and their set-off
    ("return", 0),
    ("run", 20),
    ("pay_all", 0),
    ("run", 40),
    ("pay_all", 0),
    ("run", 1),
    ("refund", 0),
    ("close", 0),
    ("run", 40),
]
"""After the random life: the end, the return, the settlement and the closing."""

terms = st.fixed_dictionaries(
    {
        "instalment_frequency": st.sampled_from(list(Frequency)),
        "term_months": st.sampled_from([12, 24, 36, 48]),
        "payment_term_days": st.sampled_from([0, 14]),
    }
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("run"), st.integers(min_value=1, max_value=120)),
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=400_000)),
        st.tuples(st.just("odometer"), st.integers(min_value=0, max_value=60_000)),
        st.tuples(
            st.sampled_from(["terminate", "refund", "stop_fuel", "return", "close", "pay_all"]),
            st.just(0),
        ),
    ),
    min_size=1,
    max_size=25,
)


@dataclass
class Life:
    contract: Contract
    today: date
    asked: int = 0
    """Days the new run asks the contract to bill (next_billing_day <= today)."""
    days: int = 0
    """Days the old run asks it (every day it is not closed)."""


def command_of(life: Life, kind: str, value: int) -> Command:
    contract = life.contract
    if kind == "pay":
        return ReceivePayment(amount=Money(Decimal(value).scaleb(-2)))
    if kind == "odometer":
        return ReportOdometer(odometer=(contract.last_odometer or 0) + value)
    if kind == "pay_all":
        return ReceivePayment(amount=contract.open_debits())
    if kind == "refund":
        return PayRefund(amount=contract.open_credits())
    if kind == "return":
        return ReturnVehicle(odometer=(contract.last_odometer or 0) + 100)
    others: dict[str, Command] = {
        "terminate": RequestEarlyTermination(),
        "stop_fuel": StopFuelManagement(),
        "close": CloseContract(),
    }
    return others[kind]


def bill_day(life: Life) -> None:
    """One business day: the rules, then the old billing, checked against the new one."""
    contract, day = life.contract, life.today
    execute(contract, ApplyArticle18(), replace(ctx(day, "SYSTEM:termination"), policy=POLICY))
    if contract.status is ContractStatus.CLOSED:  # neither run asks a closed contract
        assert next_billing_day(contract) is None
        return
    due = next_billing_day(contract)
    asked = due is not None and due <= day
    before = contract.version
    execute(contract, Bill(), ctx(day, "SYSTEM:scheduler"))
    recorded = contract.version > before
    assert recorded == asked, (day, due, contract.status, contract.version)
    life.days += 1
    life.asked += asked
    contract.collect_events()


def play(life: Life, step: Step) -> None:
    kind, value = step
    if kind == "run":
        for _ in range(value):
            life.today += ONE_DAY
            bill_day(life)
        return
    with contextlib.suppress(ContractError):  # refused: nothing recorded, life goes on
        execute(life.contract, command_of(life, kind, value), ctx(life.today, "CUSTOMER"))


@settings(max_examples=30, deadline=None)
@given(
    terms=terms,
    fuel=st.booleans(),
    start_offset=st.integers(min_value=0, max_value=364),
    steps=steps,
    tail=st.integers(min_value=0, max_value=1_500),
)
def test_the_new_run_asks_exactly_on_the_days_the_old_one_records_something(
    terms: dict[str, Any], fuel: bool, start_offset: int, steps: list[Step], tail: int
) -> None:
    start = date(2024, 1, 1) + timedelta(days=start_offset)
    contract = handed_over_ref_contract(start, **terms, **(FUEL if fuel else {}))
    life = Life(contract, start - ONE_DAY)
    for step in [("run", 1), *steps, ("run", tail), *WIND_DOWN]:
        play(life, step)
    assert life.asked <= life.days


def test_a_running_contract_is_asked_once_a_period_not_every_day() -> None:
    start = date(2024, 3, 12)
    contract = handed_over_ref_contract(start, instalment_frequency=Frequency.QUARTERLY)
    life = Life(contract, start - ONE_DAY)
    play(life, ("run", 366))
    # Quarters begun from 2024-03-12 to 2025-03-12: Jan (billed at the start), Apr, Jul,
    # Oct, Jan; the set-off of the advance payment against the first invoice the same day.
    assert (life.days, life.asked) == (366, 5)
    assert next_billing_day(life.contract) == date(2025, 4, 1)


def test_a_settled_and_closed_contract_is_never_due() -> None:
    start = date(2024, 3, 12)
    life = Life(handed_over_ref_contract(start, term_months=12), start - ONE_DAY)
    for step in [("run", 366), *WIND_DOWN]:
        play(life, step)
    assert life.contract.status is ContractStatus.CLOSED
    assert next_billing_day(life.contract) is None
