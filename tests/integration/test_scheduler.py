"""The scheduler (DESIGN 5) on PostgreSQL and the session's broker.

Due deadlines of the `deadlines` view go out as one `DeadlineReached` per deadline id,
never twice; billing asks the contracts to invoice the periods begun, and a second run on
the same date records nothing.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

import pytest

from consumers.termination import parse_deadline
from domain.application import ContractsApplication
from domain.contract.billing import ReceivePayment, SendFormalNotice
from domain.contract.registry import execute
from domain.money import Money
from infra import workers
from infra.clock import SettableClock
from infra.settings import Settings
from projections.registry import all_specs, build_group
from tests.factories import ctx, handed_over_ref_contract, run_days
from tests.topic_reader import read_topic

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from domain.contract import Ctx
    from domain.decisions import CommandResult
    from infra.scheduler import Scheduler
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

JANUARY_START = date(2025, 1, 1)
NOTICE_DISPATCH = date(2025, 2, 10)  # D-10 / D-12: last day Tue 2025-02-18
DAY_AFTER = date(2025, 2, 19)
MARCH = date(2025, 3, 1)
APRIL = date(2025, 4, 1)


class Setup:
    """A contract in arrears with a registered notice, its views, and a scheduler."""

    def __init__(self, env: dict[str, str], bootstrap: str) -> None:
        self.app = ContractsApplication(env=env)
        contract = handed_over_ref_contract(JANUARY_START, payment_term_days=14)
        run_days(contract, JANUARY_START, NOTICE_DISPATCH)
        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        self.app.save(contract)
        self.number = contract.number
        self.group: ProjectionGroup = build_group(self.app, all_specs(["deadlines", "portal"]), env)
        self.group.catch_up()
        self.topic = f"test.deadlines.{secrets.token_hex(4)}"
        settings = Settings().with_topics({"deadlines": self.topic}, topic_partitions=1)
        self.wiring = workers.Wiring(settings, env, bootstrap, SettableClock(DAY_AFTER))
        self.scheduler: Scheduler = workers.scheduler(self.wiring, self.app)

    def close(self) -> None:
        self.wiring.close()
        self.app.close()


@pytest.fixture
def setup(pg_env: dict[str, str], bootstrap_servers: str) -> Iterator[Setup]:
    built = Setup(pg_env, bootstrap_servers)
    yield built
    built.close()


def test_D_12_due_deadlines_are_sent_once_per_deadline_id(setup: Setup) -> None:
    pending = setup.scheduler.deadlines.pending(before=DAY_AFTER)
    assert {row["rule_id"] for row in pending} >= {"D-10"}

    first = setup.scheduler.publish_due(DAY_AFTER)
    again = setup.scheduler.publish_due(DAY_AFTER)

    assert sorted(m.deadline_id for m in first) == sorted(r["deadline_id"] for r in pending)
    assert again == []
    records = read_topic(setup.wiring.bootstrap, setup.topic)
    messages = [parse_deadline(r.value) for r in records]
    assert messages == first
    assert all(m.reached_on == DAY_AFTER and cast("date", m.due_on) < DAY_AFTER for m in messages)
    # Keyed by the contract id as text, like the contract events (issue 9, finding 5).
    assert all(r.key == str(m.contract_id).encode() for r, m in zip(records, messages, strict=True))


def test_a_deadline_not_yet_due_is_not_sent(setup: Setup) -> None:
    assert setup.scheduler.publish_due(NOTICE_DISPATCH) == []


def test_M_02_billing_invoices_the_periods_begun_and_only_once(setup: Setup) -> None:
    before = setup.app.get(setup.number).version

    nothing_due = setup.scheduler.bill(DAY_AFTER)
    march = setup.scheduler.bill(MARCH)
    march_again = setup.scheduler.bill(MARCH)

    assert (nothing_due, march, march_again) == (0, 1, 0)
    added = list(setup.app.events.get(setup.app.get(setup.number).id, gt=before))
    assert [type(e).__name__ for e in added] == ["InstalmentInvoiced"]
    assert setup.scheduler.billed_on == MARCH


def asked_on(scheduler: Scheduler, day: date) -> list[UUID]:
    """The contracts the run of `day` asks, in order (the run itself, with a spy)."""
    asked: list[UUID] = []
    bill_one = scheduler.bill_one

    def spy(contract_id: UUID, ctx: Ctx) -> tuple[CommandResult, date | None]:
        asked.append(contract_id)
        return bill_one(contract_id, ctx)

    scheduler.bill_one = spy  # type: ignore[method-assign]
    try:
        scheduler.bill(day)
    finally:
        del scheduler.bill_one
    return asked


def test_the_daily_run_asks_only_the_contracts_with_something_due(setup: Setup) -> None:
    # A second contract, fully paid up to March: nothing due until April's period begins.
    other = handed_over_ref_contract(JANUARY_START, payment_term_days=14)
    run_days(other, JANUARY_START, MARCH)
    execute(other, ReceivePayment(amount=other.open_debits()), ctx(MARCH, "CUSTOMER"))
    setup.app.save(other)
    arrears = setup.app.get(setup.number).id

    first = asked_on(setup.scheduler, MARCH)  # new to the index: both are asked once
    next_day = asked_on(setup.scheduler, MARCH + timedelta(days=1))
    after_payment = pay_and_ask(setup, arrears, MARCH + timedelta(days=2))
    april = asked_on(setup.scheduler, APRIL)

    assert sorted(first) == sorted([arrears, other.id])
    assert (next_day, after_payment) == ([], [arrears])
    assert sorted(april) == sorted([arrears, other.id])
    assert setup.scheduler.billing_due.next_due(other.id) == date(2025, 5, 1)


def pay_and_ask(setup: Setup, contract_id: UUID, day: date) -> list[UUID]:
    """A payment the Customer makes (any new event), then the run of `day`."""
    setup.app.execute(setup.number, ReceivePayment(amount=Money.of("10.00")), ctx(day, "CUSTOMER"))
    assert setup.app.get(setup.number).id == contract_id
    return asked_on(setup.scheduler, day)


def test_the_index_survives_a_restart_of_the_scheduler(
    setup: Setup,
) -> None:
    setup.scheduler.bill(MARCH)
    again = workers.scheduler(setup.wiring, setup.app)  # as after a restart
    arrears = setup.app.get(setup.number).id

    assert asked_on(again, MARCH) == []
    assert again.billing_due.next_due(arrears) == APRIL
