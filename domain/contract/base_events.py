"""The base of every Contract event, and the event that creates a contract (RULES 9.0, 9.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.values import ContractStatus  # noqa: TC001 - event annotations are read at run time

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.contract.ledger import OpenChange
    from domain.contract.standing import Standing
    from domain.errors import RecordedRefusalError
    from domain.terms import ContractTerms

TOPIC_PREFIX = "domain.events:"
"""Stored and published event topics are `domain.events:<EventName>`: fixed names, kept when
the classes moved into their areas, because stored events and Kafka subscribers (the `topic`
header) resolve them. A class may move between modules; its topic never changes."""


class ContractEvent(Aggregate.Event):
    """Envelope fields every contract event carries (DESIGN 4, RULES 9.0)."""

    occurred_on: date
    actor: str
    rule_ids: list[str]
    causation_id: str
    TOPIC: ClassVar[str]
    MOVES_TO: ClassVar[ContractStatus | None] = None
    """The status the event moves the contract to, for events that only do that."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TOPIC = TOPIC_PREFIX + cls.__qualname__
        register_topic(cls.TOPIC, cls)

    def apply(self, aggregate: Any) -> None:
        """Assign the event's facts, and move the contract's standing as `standing` says."""
        cls = type(self)
        if cls.MOVES_TO is None and cls.standing is ContractEvent.standing:
            self.apply_to(aggregate)  # most events leave the standing as it is
            return
        before = aggregate.standing()
        after = self.standing(before)
        self.apply_to(aggregate)
        if after != before:
            aggregate.stand(after)

    def standing(self, s: Standing) -> Standing:
        """Where the contract stands after this event (RULES 3.1), from where it stood.

        The one statement of the status machine's moves: the aggregate and the read models
        both apply it."""
        return s if self.MOVES_TO is None else s.moved_to(self.MOVES_TO)

    def refusal(self) -> RecordedRefusalError | None:
        """The refusal this event records (a `…Rejected` event, RULES 3.2), else None: what
        the caller is told, the first time and when an idempotent request is replayed."""
        return None

    def open_change(self) -> OpenChange | None:
        """What the event takes off the ledger's open amounts (None: nothing)."""
        return None

    def apply_to(self, c: Contract) -> None:
        """Assign the event's facts to the contract (no rules, no clock)."""


class ContractConcluded(Aggregate.Created, ContractEvent):
    """L-01: the contract is formed with its Special Conditions (P-01..P-30)."""

    terms: ContractTerms

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)  # the standing starts here: CONCLUDED

    def apply_to(self, c: Contract) -> None:
        c.initialise(self.terms, self.occurred_on)
