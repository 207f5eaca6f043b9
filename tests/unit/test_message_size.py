"""No event can be stored that the relay cannot publish (issue 9, finding 1), without I/O.

- The largest event a command can produce (tests/largest_events.py: every command-set text
  at its bound in the widest-escaping character, lists at their bounds, the domain's lists
  at 1,000 items) of every event type fits in one Kafka message.
- `ensure_publishable`, which both PostgreSQL recorders call before they write, refuses an
  event whose message would not fit, naming it, and measures exactly whenever the cheap
  bound it starts from could be exceeded.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from infra.kafka import MAX_MESSAGE_BYTES, message_bytes
from infra.recorder import (
    ENVELOPE_GROWTH,
    ENVELOPE_OVERHEAD,
    MAX_POSITION,
    EventTooLargeError,
    ensure_publishable,
)
from infra.schemas.envelope import EVENT_TYPES, stored_message
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.largest_events import WIDEST, largest_event

if TYPE_CHECKING:
    from eventsourcing.persistence import StoredEvent

    from domain.contract.base_events import ContractEvent

MAPPER = ContractsApplication(env=IN_MEMORY_ENV).mapper


def stored(event: ContractEvent) -> StoredEvent:
    return MAPPER.to_stored_event(event)


def size_of(event: ContractEvent) -> int:
    found = stored_message(stored(event), MAX_POSITION, MAPPER)
    assert found is not None
    return message_bytes(*found)


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_the_largest_event_a_command_can_produce_fits_in_a_kafka_message(name: str) -> None:
    event = largest_event(name)

    assert size_of(event) <= MAX_MESSAGE_BYTES
    ensure_publishable([stored(event)])  # and the stores take it


def test_the_largest_of_them_all_is_still_a_fifth_under_the_limit() -> None:
    largest = max(size_of(largest_event(name)) for name in EVENT_TYPES)
    assert 500_000 < largest < 0.8 * MAX_MESSAGE_BYTES  # CreditsSetOff: about 800 KB


@pytest.mark.parametrize("name", ["PaymentReceived", "DissolutionGroundRecorded"])
def test_the_cheap_bound_never_underestimates_a_message(name: str) -> None:
    event = largest_event(name)
    state = stored(event).state

    assert size_of(event) <= ENVELOPE_GROWTH * len(state) + ENVELOPE_OVERHEAD


def test_an_event_too_large_to_publish_is_refused_naming_it() -> None:
    event = largest_event("PaymentReceived")
    object.__setattr__(event, "__dict__", {**vars(event), "causation_id": WIDEST * 100_000})
    too_large = stored(event)
    assert size_of(event) > MAX_MESSAGE_BYTES

    with pytest.raises(EventTooLargeError, match=r"PaymentReceived v2 of contract .* would be"):
        ensure_publishable([stored(largest_event("VehicleOrdered")), too_large])


def test_an_event_the_stored_path_cannot_read_is_bounded_by_its_size() -> None:
    unknown = replace(stored(largest_event("VehicleOrdered")), topic="elsewhere:Thing")
    ensure_publishable([unknown])
    huge = replace(unknown, state=b"{" + b" " * MAX_MESSAGE_BYTES + b"}")
    with pytest.raises(EventTooLargeError):
        ensure_publishable([huge])
