"""The contract every row view keeps (STYLE 6), whatever its tables: exactly once, rebuildable.

A view's contract test subclasses `RowViewContract`, names its `spec`, and fills the
`make_app()`, `make_view()` and `populate(app)` hooks; its in-memory and PostgreSQL test
classes then only say how to make the application and the view.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from projections.engine.runner import BATCH_SIZE, ProjectionGroup

if TYPE_CHECKING:
    from domain.application import ContractsApplication
    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import Row, RowView

FIRST_BATCH = 40
"""Events in the batch applied twice by the exactly-once test."""


def rows_of(view: RowView) -> dict[str, list[Row]]:
    """Every row of every table of the view, in key order."""
    return {
        t.name: sorted(view.select(t.name), key=lambda r: tuple(str(r[k]) for k in t.key))
        for t in view.tables
    }


class RowViewContract(ABC):
    """What every view guarantees: batches apply exactly once, and rebuilds are deterministic."""

    spec: ClassVar[ViewSpec]

    @abstractmethod
    def make_app(self) -> ContractsApplication:
        """An empty contracts application."""

    @abstractmethod
    def make_view(self) -> RowView:
        """An empty view of `spec`."""

    @abstractmethod
    def populate(self, app: ContractsApplication) -> None:
        """Store a history (more than FIRST_BATCH events) that exercises the view."""

    def project(
        self, app: ContractsApplication, view: RowView, batch_size: int = BATCH_SIZE
    ) -> None:
        """Apply the whole log to the view (from where it stands)."""
        ProjectionGroup(app, [self.spec.projection(view)], batch_size=batch_size).catch_up()

    def test_same_tracking_twice_raises_integrity_error_and_changes_nothing(self) -> None:
        app, view = self.make_app(), self.make_view()
        self.populate(app)
        projection = self.spec.projection(view)
        notifications = app.recorder.select_notifications(1, FIRST_BATCH)
        events = [app.mapper.to_domain_event(n) for n in notifications]
        tracking = Tracking(app.name, notifications[-1].id)
        projection.process_batch(events, tracking)
        before = rows_of(view)
        with pytest.raises(IntegrityError):
            projection.process_batch(events, tracking)
        assert rows_of(view) == before
        assert view.max_tracking_id(app.name) == tracking.notification_id

    def test_batches_of_1_and_of_1000_give_the_same_rows(self) -> None:
        app, view = self.make_app(), self.make_view()
        self.populate(app)
        self.project(app, view, batch_size=1)
        one_by_one = rows_of(view)
        view.clear()
        self.project(app, view, batch_size=1000)
        assert rows_of(view) == one_by_one

    def test_rebuild_from_zero_gives_the_same_rows(self) -> None:
        app, view = self.make_app(), self.make_view()
        self.populate(app)
        group = ProjectionGroup(app, [self.spec.projection(view)])
        group.catch_up()
        built = rows_of(view)
        assert [s.lag_events for s in group.status()] == [0]
        view.clear()
        group.reload_positions()
        group.catch_up()
        assert rows_of(view) == built

    def test_a_rebuild_replaces_the_rows_with_those_of_batches_of_1(self) -> None:
        app, view = self.make_app(), self.make_view()
        self.populate(app)
        group = ProjectionGroup(app, [self.spec.projection(view)], batch_size=1)
        group.catch_up()
        one_by_one = rows_of(view)
        head = app.recorder.max_notification_id()

        # A rebuild over the view as it stands (no clear): read in batches of 7, in memory,
        # then the rows and the tracking replaced in one transaction
        group.batch_size = 7
        assert group.rebuild() == head

        assert rows_of(view) == one_by_one
        assert view.max_tracking_id(app.name) == head
        assert [s.lag_events for s in group.status()] == [0]

    def test_views_at_position_0_catch_up_as_a_rebuild(self) -> None:
        app, view = self.make_app(), self.make_view()
        self.populate(app)
        self.project(app, view)
        built = rows_of(view)
        view.clear()

        fresh = ProjectionGroup(app, [self.spec.projection(view)], batch_size=7)
        assert fresh.catch_up(fresh_from_empty=True) == app.recorder.max_notification_id()

        assert rows_of(view) == built
