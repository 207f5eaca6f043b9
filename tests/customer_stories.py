"""Contract stories for the customer-facing views, stored through ContractsApplication.

Every event is saved (the views need the whole history), so REF is walked through the
application: concluded 2024-02-01, ordered 2024-02-10, ready notice Fri 2024-03-01, proof of
insurance 2024-03-04, handover Tue 2024-03-12 at odometer 12 (RULES 0.6).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.contract import Contract
from domain.contract.billing import ReceivePayment, SendFormalNotice
from domain.contract.command import Command
from domain.contract.formation import (
    HandOverVehicle,
    NotifyVehicleReady,
    OrderVehicle,
    SubmitInsuranceProof,
)
from domain.contract.incidents import RecoverVehicle, ReportOdometer, ReportTheft
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.money import Money
from domain.policy import LessorPolicy
from tests.factories import (
    REF_HANDOVER_ODOMETER,
    REF_START,
    ctx,
    ref_terms,
    run_daily,
    run_days,
)

if TYPE_CHECKING:
    from uuid import UUID

    from domain.application import ContractsApplication

CONCLUDED_ON = date(2024, 2, 1)
ORDERED_ON = date(2024, 2, 10)
READY_ON = date(2024, 3, 1)
PROOF_ON = date(2024, 3, 4)
NOTICE_ON = date(2024, 5, 6)
"""A Monday: March, April and May 2024 are unpaid and overdue."""
POLICY = LessorPolicy()
FEE_RATE = Decimal("0.50")


def contract_id(number: str) -> UUID:
    return Contract.create_id(number)


def ready_contract(app: ContractsApplication, **overrides: Any) -> str:
    """REF concluded, ordered and notified ready on Fri 2024-03-01 (versions 1..3)."""
    terms = ref_terms(**overrides)
    app.conclude(terms, ctx(CONCLUDED_ON))
    app.execute(terms.contract_number, OrderVehicle(), ctx(ORDERED_ON))
    app.execute(terms.contract_number, NotifyVehicleReady(), ctx(READY_ON))
    return terms.contract_number


def active_contract(app: ContractsApplication, **overrides: Any) -> str:
    """REF handed over on 2024-03-12 at odometer 12 (versions 1..5)."""
    number = ready_contract(app, **overrides)
    app.execute(number, SubmitInsuranceProof(), ctx(PROOF_ON))
    app.execute(number, HandOverVehicle(odometer=REF_HANDOVER_ODOMETER), ctx(REF_START))
    return number


def _live(contract: Contract, first: date, last: date) -> None:
    day = first
    while day <= last:
        run_daily(contract, ctx(day, actor="SYSTEM:scheduler"), POLICY)
        owed = contract.open_debits()
        if owed.is_positive:
            execute(contract, ReceivePayment(amount=owed), ctx(day, actor="CUSTOMER"))
        day += timedelta(days=1)


def live_paying(app: ContractsApplication, number: str, first: date, last: date) -> None:
    """Daily runs from `first` to `last`; the Customer pays everything the day it is due."""
    app.decide(number, lambda c: _live(c, first, last))


def live_unpaid(app: ContractsApplication, number: str, first: date, last: date) -> None:
    """Daily runs from `first` to `last` without any payment."""
    app.decide(number, lambda c: run_days(c, first, last, POLICY))


def on_day(app: ContractsApplication, number: str, day: date, command: Command) -> None:
    """One contract command on business date `day` (e.g. ReportTheft(theft_on=...))."""
    app.execute(number, command, ctx(day))


def pay_all(app: ContractsApplication, number: str, day: date) -> None:
    """The Customer pays everything open, then the day's run (grounds clear, K-02)."""

    def pay(c: Contract) -> None:
        execute(c, ReceivePayment(amount=c.open_debits()), ctx(day, actor="CUSTOMER"))
        run_daily(c, ctx(day, actor="SYSTEM:scheduler"), POLICY)

    app.decide(number, pay)


def in_arrears_after_notice(app: ContractsApplication, number: str, until: date) -> None:
    """No payment; a registered arrears notice on NOTICE_ON; daily runs until `until`."""
    live_unpaid(app, number, REF_START, NOTICE_ON)
    app.execute(number, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_ON))
    live_unpaid(app, number, NOTICE_ON + timedelta(days=1), until)


def rich_story(app: ContractsApplication) -> str:
    """Arrears, notice, part payment, ground, odometer, theft and recovery, expiry, late return."""
    number = active_contract(app)
    live_unpaid(app, number, REF_START, NOTICE_ON)
    app.execute(number, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_ON))
    app.execute(number, ReceivePayment(amount=Money.of("100.00")), ctx(date(2024, 5, 10)))
    live_unpaid(app, number, date(2024, 5, 7), date(2024, 5, 20))
    pay_all(app, number, date(2024, 5, 21))
    live_paying(app, number, date(2024, 5, 22), date(2024, 8, 31))
    on_day(app, number, date(2024, 8, 31), ReportOdometer(odometer=9_012))
    on_day(app, number, date(2024, 9, 2), ReportTheft(theft_on=date(2024, 9, 1)))
    on_day(app, number, date(2024, 9, 10), RecoverVehicle(recovered_on=date(2024, 9, 10)))
    live_unpaid(app, number, date(2028, 3, 1), date(2028, 3, 1))
    live_unpaid(app, number, date(2028, 3, 12), date(2028, 3, 12))
    app.execute(
        number, ReturnVehicle(odometer=80_512, damages=(), missing_items=()), ctx(date(2028, 3, 15))
    )
    return number
