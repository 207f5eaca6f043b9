"""The base of every Contract event, and the event that creates a contract (RULES 9.0, 9.1)."""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.values import ContractStatus  # noqa: TC001 - event annotations are read at run time

if TYPE_CHECKING:
    from collections.abc import Callable
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


E = TypeVar("E")
MAKERS: dict[type[Any], Callable[..., Any]] = {}
"""Each event class's maker, made the first time `Contract.emit` triggers one."""


def event_maker(cls: type[E]) -> Callable[..., E]:
    """What calling the event class does, at a twentieth of the cost: the same parameters
    (keyword-only ones after a `*`), defaults and TypeErrors, the fields set in declaration
    order (the order the stored JSON keeps), then `__post_init__`. A frozen dataclass's
    `__init__` sets each field through `object.__setattr__`: 4 µs for an invoice's
    eighteen fields. The maker writes the instance's dict at once (0.2 µs) and is made once
    per class from its fields, as `dataclasses` makes `__init__`."""
    try:
        return MAKERS[cls]
    except KeyError:
        MAKERS[cls] = make = _maker_for(cls)
        return make


def _maker_for(cls: type[E]) -> Callable[..., E]:
    # The maker's own names start with `_m_`, which no field's may.
    namespace: dict[str, Any] = {
        "_m_cls": cls,
        "_m_new": object.__new__,
        "_m_put": object.__setattr__,
        "_m_factory": object(),  # a sentinel no caller passes
    }
    positional: list[str] = []
    keyword_only: list[str] = []
    made: list[str] = []
    items: list[str] = []
    for index, f in enumerate(fields(cast("Any", cls))):
        if not f.init or f.name.startswith("_m_"):  # refused rather than made wrong
            raise TypeError(f"{cls.__name__}.{f.name}: no maker for this field")
        parameter = f.name
        if f.default is not MISSING:
            namespace[f"_m_default_{index}"] = f.default
            parameter = f"{f.name}=_m_default_{index}"
        elif f.default_factory is not MISSING:
            namespace[f"_m_factory_{index}"] = f.default_factory
            parameter = f"{f.name}=_m_factory"
            made.append(
                f"    if {f.name} is _m_factory:\n        {f.name} = _m_factory_{index}()\n"
            )
        (keyword_only if f.kw_only else positional).append(parameter)
        items.append(f"{f.name!r}: {f.name}")
    parameters = ", ".join(positional + (["*", *keyword_only] if keyword_only else []))
    post_init = "    _m_event.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    source = (
        f"def make({parameters}):\n{''.join(made)}"
        f"    _m_event = _m_new(_m_cls)\n"
        f"    _m_put(_m_event, '__dict__', {{{', '.join(items)}}})\n"
        f"{post_init}    return _m_event\n"
    )
    exec(source, namespace)  # noqa: S102 - made of the dataclass's own field names
    make: Callable[..., E] = namespace["make"]
    make.__qualname__ = f"{cls.__qualname__}.make"
    return make
