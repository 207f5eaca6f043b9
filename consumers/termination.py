"""The termination consumer: Article 18 (RULES 6) applied to contract events and deadlines.

A thin adapter (K-01..K-06): after every contract event (`lease.contract-events.v1`, its
own included) and every `DeadlineReached` (`lease.deadlines.v1`), it applies
`ApplyArticle18` (pure rules in `domain/`: ends by law T-18.1-i..iv and T-4.4,
expired timers, ground detection and clearing, K-05 supersession, the Lessor's policy) to
that contract on the business date of its clock, with the message's tracking in the same
transaction as the events it causes.

- The rules are state-based: evaluating a contract twice on the same date records nothing
  the second time, so a redelivered or republished message is harmless (K-06).
- A contract's events arrive in order (key = contract id). An event whose sequence the
  consumer has already seen evaluated on today's date is skipped without a write: the
  evaluation that saw it covered it (unless that evaluation recorded events: then its own
  events are evaluated in turn, until an evaluation records nothing). A skipped offset is
  not tracked, so after a restart it is evaluated again, which records nothing.
  What was seen is kept for the current business date only and for at most `SEEN_LIMIT`
  contracts (the least recently evaluated go first): a forgotten contract is evaluated
  again, which records nothing, so the bound costs a read, never a missed rule.
- Causation ids are deterministic (K-06): `event:<event id>` or `deadline:<deadline id>`.
- K-01: an 18.3(ii) arrears ground counts for every contract of the Customer (A-37); the
  consumer shares it through the exposure view's list of the Customer's contracts.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated
from uuid import UUID  # noqa: TC003 - pydantic reads the annotations at run time

from pydantic import BaseModel, ConfigDict, Field

from consumers.wire import DeadlineId, SchemaVersion, read
from domain.contract import Contract, Ctx, grounds
from domain.contract.daily import ApplyArticle18
from domain.contract.grounds import NoteCustomerGrounds
from domain.errors import ContractError
from infra.inputs.types import BusinessDate, Identifier, Strict

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts
    from domain.policy import LessorPolicy
    from infra.clock import Clock

logger = logging.getLogger(__name__)

ACTOR = "SYSTEM:termination"
SHARING_EVENTS = frozenset(
    {"DissolutionGroundDetected", "DissolutionGroundCleared", "ContractConcluded"}
)
"""Contract events after which K-01 shares arrears grounds between a Customer's contracts."""
SEEN_LIMIT = 10_000
"""Contracts whose last evaluation the consumer remembers (the skip map's bound)."""


class DeadlineReached(Strict):
    """A timer of RULES section 5 fell due (the scheduler sends one per deadline id, DESIGN 5)."""

    schema_version: SchemaVersion
    deadline_id: DeadlineId
    """`{contract_id}:{rule_id}:{opening key}` as the deadlines view keys it."""
    contract_id: UUID
    rule_id: Identifier
    """The deadline's rule, e.g. D-08, D-10, D-15."""
    due_on: BusinessDate
    reached_on: BusinessDate
    """The business date of the scheduler run that found it due."""


class EventSeen(BaseModel):
    """What the consumer needs of a contract event envelope (the service's own outbound
    contract: the other envelope fields are ignored, as every reader of it should)."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    event_id: Identifier
    event_type: Identifier
    contract_id: UUID
    sequence: Annotated[int, Field(ge=1)]


def parse_event(value: bytes | None) -> EventSeen:
    """The envelope fields the rules engine keys on; InvalidMessageError names the field."""
    return read(EventSeen, value)


def parse_deadline(value: bytes | None) -> DeadlineReached:
    """A `DeadlineReached` v1 (docs/schemas); InvalidMessageError names the field."""
    return read(DeadlineReached, value)


class SeenVersions:
    """The last version evaluated without effect, per contract, on one business date.

    Bounded: a new date forgets the previous one's entries, and past `limit` contracts the
    least recently noted is dropped. Not thread-safe on its own (the consumer locks it).
    """

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self.limit = limit
        self.on: date | None = None
        self._versions: OrderedDict[UUID, int] = OrderedDict()

    def __len__(self) -> int:
        return len(self._versions)

    def covers(self, contract_id: UUID, sequence: int, on: date) -> bool:
        """Whether an evaluation on `on` saw the contract at `sequence` or later."""
        if on != self.on:
            return False
        version = self._versions.get(contract_id)
        return version is not None and sequence <= version

    def note(self, contract_id: UUID, version: int, on: date) -> None:
        """An evaluation on `on` at `version` recorded nothing."""
        if on != self.on:
            self._versions.clear()
            self.on = on
        self._versions[contract_id] = version
        self._versions.move_to_end(contract_id)
        while len(self._versions) > self.limit:
            self._versions.popitem(last=False)

    def forget(self, contract_id: UUID) -> None:
        """The contract's last evaluation recorded events: its own events come back."""
        self._versions.pop(contract_id, None)


@dataclass
class Termination:
    """The consumer's handlers, with the clock and the Lessor's policy they apply."""

    clock: Clock
    policy: LessorPolicy
    siblings: Callable[[str], list[str]] | None = None
    """K-01: a customer number's contract numbers (the exposure view); None: not shared."""
    _seen: SeenVersions = field(default_factory=SeenVersions)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on_contract_event(self, record: KafkaRecord, app: TrackedContracts) -> None:
        """Evaluate the contract after one of its events (K-02: after every relevant event)."""
        seen = parse_event(record.value)
        today = self.clock.today()
        # Before the tracked evaluation: a crash in between repeats it, which is harmless.
        self._share_customer_grounds(app, seen, today)
        with self._lock:
            covered = self._seen.covers(seen.contract_id, seen.sequence, today)
        if covered:
            return
        self._evaluate(record, app, seen.contract_id, today, f"event:{seen.event_id}")

    def on_deadline(self, record: KafkaRecord, app: TrackedContracts) -> None:
        """Evaluate the contract when one of its timers fell due (K-02: after timer events)."""
        reached = parse_deadline(record.value)
        today = self.clock.today()
        self._evaluate(record, app, reached.contract_id, today, f"deadline:{reached.deadline_id}")

    def _evaluate(
        self, record: KafkaRecord, app: TrackedContracts, contract_id: UUID, on: date, cause: str
    ) -> None:
        """Apply the rules (on the stored state: see ContractsApplication._decide)."""
        ctx = Ctx(on=on, actor=ACTOR, causation_id=cause, policy=self.policy)
        result = app.execute_tracked_id(contract_id, ApplyArticle18(), ctx, record.tracking)
        with self._lock:
            if result.position is None:
                self._seen.note(contract_id, result.version, on)
            else:  # its own new events come back and are evaluated: until nothing changes
                self._seen.forget(contract_id)
        if result.position is not None:
            logger.info("%s: Article 18 rules recorded events up to v%d", cause, result.version)

    def _share_customer_grounds(self, app: TrackedContracts, seen: EventSeen, on: date) -> None:
        """K-01, A-37: an 18.3(ii) ground counts for every contract of the Customer.

        A contract whose arrears ground opened or cleared passes it to the Customer's other
        contracts; a newly concluded contract takes those the others hold.
        """
        if self.siblings is None or seen.event_type not in SHARING_EVENTS:
            return
        contract: Contract = app.repository.get(seen.contract_id)
        others = [n for n in self.siblings(contract.customer_number) if n != contract.number]
        ctx = Ctx(on=on, actor=ACTOR, causation_id=f"event:{seen.event_id}:K-01")
        if seen.event_type == "ContractConcluded":
            held: dict[str, bool] = {}
            for number in others:
                held.update(grounds.local_arrears_grounds(app.get(number)))
            targets, shared = [contract.number], held
        else:
            targets, shared = others, grounds.local_arrears_grounds(contract)
        if not shared:
            return
        for number in targets:
            try:
                app.execute(number, NoteCustomerGrounds(shared), ctx)
            except ContractError as err:
                logger.warning("K-01: ground not shared with %s: %s", number, err)
