"""Projections of the contracts' event log: eventsourcing `Projection`s applied in batches."""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any, TypeVar

from eventsourcing.projection import Projection

from projections.engine.rows import RowView

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eventsourcing.persistence import Tracking

    from projections.engine.rows import Batch

TView = TypeVar("TView", bound=RowView)


class BatchProjection(Projection[TView]):
    """A read model: `apply` turns one event into row changes; a batch commits once.

    `process_event` keeps the library's one-event interface (the library's ProjectionRunner
    works too); `ProjectionGroup` calls `process_batch` with many events and the tracking
    record of the last one, which is written with the rows in one transaction.
    """

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
