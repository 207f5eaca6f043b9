"""Projections of the contracts' event log: eventsourcing `Projection`s applied in batches."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from eventsourcing.projection import Projection

from projections.engine.rows import RowView

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from eventsourcing.persistence import Tracking

    from projections.engine.rows import Batch, Row, Table

TView = TypeVar("TView", bound=RowView)


@dataclass(frozen=True)
class OrderedPart:
    """What a view decides by the order of events ACROSS contracts (a document's number).

    A chunked rebuild (projections/engine/chunked.py) applies each contract's events apart
    from the others', so it first takes the `facts` that decide the order from the `events`
    (these classes and their subclasses) of the whole log, by `extract` (no state: any
    process, any part of the log, in any order), then hands them to `decide` one by one in
    log order with a batch that also holds `decided` (a table of its own, keyed by contract
    id first): `decide` writes the final rows of the view's `tables` and what it decided for
    each contract into `decided`. The projection's `apply` then finds a chunk's `decided`
    rows in its batch (`Batch.holds`) and uses them instead of deciding again; its rows of
    `tables` from the chunks are not kept.
    """

    events: tuple[type[Any], ...]
    facts: Table
    """Its first column is `position` (bigint): the event's place in the log."""
    extract: Callable[[Any], Row | None]
    decide: Callable[[Row, Batch], None]
    tables: tuple[str, ...]
    decided: Table


class BatchProjection(Projection[TView]):
    """A read model: `apply` turns one event into row changes; a batch commits once.

    `process_event` keeps the library's one-event interface (the library's ProjectionRunner
    works too); `ProjectionGroup` calls `process_batch` with many events and the tracking
    record of the last one, which is written with the rows in one transaction.
    """

    ordered: ClassVar[OrderedPart | None] = None
    """What of the view depends on the order of events across contracts (None: nothing)."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.process_batch([domain_event], tracking)

    def process_batch(self, events: Sequence[Any], tracking: Tracking) -> None:
        batch = self.view.begin()
        self.apply_all(events, batch)
        self.view.commit(batch, tracking)

    def apply_all(self, events: Sequence[Any], batch: Batch) -> None:
        """Change the batch's rows for each event in order (nothing is written)."""
        apply = self.apply
        for event in events:
            apply(event, batch)

    @abstractmethod
    def apply(self, event: Any, batch: Batch) -> None:
        """Change the view's rows for one event (no I/O besides reading the view)."""
