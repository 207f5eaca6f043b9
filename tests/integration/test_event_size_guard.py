"""No event is stored that the relay cannot publish (issue 9, finding 1), on PostgreSQL.

Both recorders the service writes events through refuse, before anything is written, an
event whose Kafka message would exceed the limit: the application's one-trip recorder
(commands from the CLI, the API, the scheduler) and the process recorder of the consumers'
tracked saves. The contract is unchanged and takes the next command normally.
"""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.persistence import Tracking

from consumers.base import tracking_name
from consumers.tracking import TrackedContracts
from domain.application import ContractsApplication
from domain.contract import Ctx
from domain.contract.billing import ReceivePayment
from domain.money import Money
from infra.recorder import EventTooLargeError
from tests.factories import ref_terms

pytestmark = pytest.mark.integration

ON = date(2024, 2, 5)
HUGE = Ctx(on=ON, actor="SYSTEM:bank", causation_id="payment:" + "X" * 1_100_000)
"""A causation id no boundary lets through, standing for anything that would inflate an event."""
FINE = Ctx(on=ON, actor="SYSTEM:bank", causation_id="payment:BANK-2")


def concluded(app: ContractsApplication) -> str:
    terms = ref_terms()
    app.conclude(terms, FINE.at(date(2024, 2, 1)))
    return terms.contract_number


def test_a_command_whose_event_is_too_large_is_refused_and_stores_nothing(
    app: ContractsApplication,
) -> None:
    number = concluded(app)
    before = app.recorder.max_notification_id()

    with pytest.raises(EventTooLargeError, match=r"PaymentReceived v2 of contract .* bytes"):
        app.execute(number, ReceivePayment(Money.of("10.00"), "BANK-1"), HUGE)

    assert app.recorder.max_notification_id() == before
    assert app.execute(number, ReceivePayment(Money.of("10.00"), "BANK-2"), FINE).version == 2


def test_a_tracked_save_whose_event_is_too_large_stores_neither_event_nor_position(
    tracked_app: TrackedContracts,
) -> None:
    number = concluded(tracked_app)
    tracking = Tracking(tracking_name("lease.payments.v1", 0), 4)

    with pytest.raises(EventTooLargeError):
        tracked_app.execute_tracked(number, ReceivePayment(Money.of("1.00"), "B-1"), HUGE, tracking)

    assert tracked_app.max_tracking_id(tracking.application_name) is None
    assert tracked_app.get(number).version == 1
