"""The termination consumer's skip map (issue 14): bounded, and skipping stays correct.

A fake tracked application counts the Article 18 evaluations; the consumer must evaluate a
contract whenever it cannot prove an evaluation of the same date already saw the event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID, uuid4

from consumers.base import KafkaRecord
from consumers.termination import SeenVersions, Termination
from domain.policy import LessorPolicy
from infra.clock import SettableClock

if TYPE_CHECKING:
    from eventsourcing.persistence import Tracking

    from consumers.tracking import TrackedContracts
    from domain.contract import Ctx
    from domain.contract.command import Command

DAY = date(2025, 3, 3)


@dataclass
class Outcome:
    version: int
    position: int | None = None


@dataclass
class CountingApp:
    """Evaluations asked, per contract; each records nothing at the contract's version."""

    versions: dict[UUID, int] = field(default_factory=dict)
    asked: list[UUID] = field(default_factory=list)

    def execute_tracked_id(
        self, contract_id: UUID, command: Command, ctx: Ctx, tracking: Tracking
    ) -> Outcome:
        self.asked.append(contract_id)
        return Outcome(self.versions.get(contract_id, 1))


def event(contract_id: UUID, sequence: int) -> KafkaRecord:
    value: dict[str, Any] = {
        "event_id": f"{contract_id}:{sequence}",
        "event_type": "OdometerReported",
        "contract_id": str(contract_id),
        "sequence": sequence,
    }
    return KafkaRecord("lease.contract-events.v1", 0, sequence, None, json.dumps(value).encode())


def consumer(limit: int, clock: SettableClock) -> Termination:
    return Termination(clock, LessorPolicy(), _seen=SeenVersions(limit))


def test_the_skip_map_stays_bounded_over_many_contracts() -> None:
    seen = SeenVersions(limit=100)
    ids = [uuid4() for _ in range(1_000)]
    for contract_id in ids:
        seen.note(contract_id, 3, DAY)
    assert len(seen) == 100
    assert all(seen.covers(i, 3, DAY) for i in ids[-100:])
    assert not any(seen.covers(i, 3, DAY) for i in ids[:-100])


def test_a_new_business_date_forgets_the_previous_one() -> None:
    seen = SeenVersions(limit=100)
    first, second = uuid4(), uuid4()
    seen.note(first, 3, DAY)
    seen.note(second, 3, DAY + timedelta(days=1))
    assert len(seen) == 1
    assert not seen.covers(first, 3, DAY + timedelta(days=1))
    assert seen.covers(second, 3, DAY + timedelta(days=1))


def test_an_event_seen_on_the_same_date_is_skipped_and_a_later_one_is_not() -> None:
    clock = SettableClock(DAY)
    app = CountingApp()
    rules = consumer(limit=10, clock=clock)
    tracked = cast("TrackedContracts", app)
    contract_id = uuid4()
    app.versions[contract_id] = 4

    for sequence in (3, 4, 3):  # 4 is covered by the evaluation at v4, 3 as well
        rules.on_contract_event(event(contract_id, sequence), tracked)
    assert app.asked == [contract_id]

    app.versions[contract_id] = 5
    rules.on_contract_event(event(contract_id, 5), tracked)
    assert app.asked == [contract_id, contract_id]


def test_a_contract_dropped_from_the_bound_or_seen_yesterday_is_evaluated_again() -> None:
    clock = SettableClock(DAY)
    app = CountingApp()
    rules = consumer(limit=2, clock=clock)
    tracked = cast("TrackedContracts", app)
    first, *others = [uuid4() for _ in range(3)]

    rules.on_contract_event(event(first, 1), tracked)
    for contract_id in others:
        rules.on_contract_event(event(contract_id, 1), tracked)
    rules.on_contract_event(event(first, 1), tracked)  # pushed out by the two others
    assert app.asked == [first, *others, first]

    clock.set(DAY + timedelta(days=1))
    rules.on_contract_event(event(first, 1), tracked)  # a new date: the rules may differ
    assert app.asked == [first, *others, first, first]
    assert len(rules._seen) == 1
