"""A row view's identity map: read in bulk when warmed, else a contract's rows per miss."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from eventsourcing.persistence import Tracking

from domain.application import ContractsApplication
from projections.engine import rows
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.rows import Table
from projections.engine.runner import ProjectionGroup

if TYPE_CHECKING:
    from projections.engine.rows import Batch, Row

ITEMS = Table("items", ("contract_id", "item_id"), (("contract_id", "text"), ("item_id", "text")))
HEADS = Table("heads", ("contract_id",), (("contract_id", "text"), ("name", "text")))


class CountingView(InMemoryRowView):
    """An in-memory view that counts its reads from storage."""

    tables: ClassVar[tuple[Table, ...]] = (ITEMS, HEADS)

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, Any]] = []

    def _load(self, table: Table, key: tuple[Any, ...]) -> Row | None:
        self.reads.append((table.name, key))
        return super()._load(table, key)

    def _load_group(self, table: Table, first: Any) -> list[Row]:
        self.reads.append((table.name, first))
        return super()._load_group(table, first)

    def _load_all(self, table: Table, limit: int) -> list[Row]:
        self.reads.append((table.name, "*"))
        return super()._load_all(table, limit)


def stored_view() -> CountingView:
    """A view holding two contracts' items and heads, its identity map then dropped."""
    view = CountingView()
    batch = view.begin()
    for contract, items in (("c1", ("a", "b")), ("c2", ("a",))):
        batch.put("heads", {"contract_id": contract, "name": contract.upper()})
        for item in items:
            batch.put("items", {"contract_id": contract, "item_id": item})
    view.commit(batch, Tracking("app", 1))
    view.forget()
    return view


class TestColdIdentityMap:
    def test_a_miss_reads_every_row_of_its_contract_once(self) -> None:
        view = stored_view()

        assert view.committed("items", ("c1", "a")) == {"contract_id": "c1", "item_id": "a"}
        assert view.committed("items", ("c1", "b")) == {"contract_id": "c1", "item_id": "b"}
        assert view.committed("items", ("c1", "z")) is None  # known absent: no query
        assert view.committed("items", ("c2", "a")) == {"contract_id": "c2", "item_id": "a"}

        assert view.reads == [("items", "c1"), ("items", "c2")]

    def test_a_one_column_key_is_read_by_itself_and_a_miss_remembered(self) -> None:
        view = stored_view()

        assert view.committed("heads", ("c1",)) == {"contract_id": "c1", "name": "C1"}
        assert view.committed("heads", ("c9",)) is None
        assert view.committed("heads", ("c9",)) is None

        assert view.reads == [("heads", ("c1",)), ("heads", ("c9",))]

    def test_rows_committed_after_a_group_read_are_seen_and_forget_reads_again(self) -> None:
        view = stored_view()
        assert view.committed("items", ("c1", "c")) is None
        batch = view.begin()
        batch.put("items", {"contract_id": "c1", "item_id": "c"})
        batch.delete("items", "c1", "a")
        view.commit(batch, Tracking("app", 2))

        assert view.committed("items", ("c1", "c")) == {"contract_id": "c1", "item_id": "c"}
        assert view.committed("items", ("c1", "a")) is None
        view.forget()
        assert view.committed("items", ("c1", "b")) == {"contract_id": "c1", "item_id": "b"}

        assert view.reads == [("items", "c1"), ("items", "c1")]


class TestWarm:
    def test_warming_reads_each_table_once_then_nothing_is_read_again(self) -> None:
        view = stored_view()

        view.warm()
        view.warm()  # complete already: nothing to read

        assert view.committed("items", ("c2", "a")) == {"contract_id": "c2", "item_id": "a"}
        assert view.committed("items", ("c3", "a")) is None
        assert view.committed("heads", ("c9",)) is None
        assert view.reads == [("items", "*"), ("heads", "*")]

    def test_views_too_big_to_hold_stay_cold(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(rows, "CACHE_LIMIT", 2)
        view = stored_view()

        view.warm()

        assert view.reads == [("items", "*")]
        assert view.committed("items", ("c1", "a")) == {"contract_id": "c1", "item_id": "a"}
        assert view.reads == [("items", "*"), ("items", "c1")]


class MeetingView(CountingView):
    """Reads its first table only once the other view is reading too (or fails in 10 s)."""

    def __init__(self, meeting: threading.Barrier) -> None:
        super().__init__()
        self.meeting = meeting

    def _load_all(self, table: Table, limit: int) -> list[Row]:
        if table.name == "items":
            self.meeting.wait()
        return super()._load_all(table, limit)


class Unchanging(BatchProjection[CountingView]):
    name = "unchanging"

    def apply(self, event: Any, batch: Batch) -> None:
        """Nothing: only the views' identity maps matter here."""


class TestGroupWarm:
    def test_the_views_are_warmed_side_by_side_each_once(self) -> None:
        meeting = threading.Barrier(2, timeout=10)  # one at a time would break it
        views = [MeetingView(meeting), MeetingView(meeting)]
        for view in views:
            batch = view.begin()
            batch.put("heads", {"contract_id": "c1", "name": "C1"})
            view.commit(batch, Tracking("app", 1))
            view.forget()
        group = ProjectionGroup(
            ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
            [Unchanging(view) for view in views],
        )

        group.warm()

        for view in views:
            assert view.reads == [("items", "*"), ("heads", "*")]
            assert view.committed("heads", ("c1",)) == {"contract_id": "c1", "name": "C1"}
