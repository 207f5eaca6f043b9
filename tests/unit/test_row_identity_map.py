"""A row view's identity map: read in bulk when warmed, else a contract's rows per miss."""

from __future__ import annotations

import gc
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

import pytest
from eventsourcing.persistence import Tracking

from domain.application import ContractsApplication
from domain.contract import Ctx
from infra.bootstrap import catch_up
from projections.engine import rows, warming
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.rows import Table
from projections.engine.runner import ProjectionGroup
from projections.engine.warming import warm_in_steps
from tests.factories import ref_terms

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

    def _load_page(self, table: Table, after: tuple[Any, ...] | None, limit: int) -> list[Row]:
        self.reads.append((table.name, ("page after", after)))
        return super()._load_page(table, after, limit)


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


def page(table: str, after: tuple[Any, ...] | None) -> tuple[str, Any]:
    return (table, ("page after", after))


class TestWarm:
    def test_warming_reads_each_table_a_page_at_a_time_then_nothing_is_read_again(self) -> None:
        view = stored_view()

        pages = sum(1 for _ in warm_in_steps(view, page_rows=2))  # a yield after each full page
        list(warm_in_steps(view, page_rows=2))  # complete already: nothing to read

        assert pages == 2
        assert view.committed("items", ("c2", "a")) == {"contract_id": "c2", "item_id": "a"}
        assert view.committed("items", ("c3", "a")) is None
        assert view.committed("heads", ("c9",)) is None
        assert view.reads == [
            page("items", None),
            page("items", ("c1", "b")),
            page("heads", None),
            page("heads", ("c2",)),
        ]

    def test_rows_a_batch_commits_between_two_pages_are_kept(self) -> None:
        view = stored_view()
        steps = warm_in_steps(view, page_rows=1)
        next(steps)  # the first page: c1's item a
        batch = view.begin()
        batch.put("items", {"contract_id": "c0", "item_id": "z"})  # before the page read
        batch.put("items", {"contract_id": "c1", "item_id": "c"})  # in a page still to read
        batch.delete("items", "c2", "a")  # in a page still to read
        view.commit(batch, Tracking("app", 2))

        list(steps)

        assert view.committed("items", ("c0", "z")) == {"contract_id": "c0", "item_id": "z"}
        assert view.committed("items", ("c1", "c")) == {"contract_id": "c1", "item_id": "c"}
        assert view.committed("items", ("c2", "a")) is None
        assert all(kind == "page after" for _, (kind, _) in view.reads)

    def test_a_map_forgotten_while_warming_stays_cold(self) -> None:
        view = stored_view()
        steps = warm_in_steps(view, page_rows=1)
        next(steps)

        view.forget()  # a resync, or rows dropped at the cache limit
        list(steps)

        assert view.reads == [page("items", None), page("items", ("c1", "a"))]
        assert view.committed("heads", ("c1",)) == {"contract_id": "c1", "name": "C1"}
        assert view.reads[-1] == ("heads", ("c1",))

    def test_views_too_big_to_hold_stay_cold(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(rows, "CACHE_LIMIT", 2)
        view = stored_view()

        list(warm_in_steps(view))

        assert view.reads == [page("items", None)]
        assert view.committed("items", ("c1", "a")) == {"contract_id": "c1", "item_id": "a"}
        assert view.reads == [page("items", None), ("items", "c1")]


class Heads(BatchProjection[CountingView]):
    """A head row per contract an event names."""

    name = "heads"

    def apply(self, event: Any, batch: Batch) -> None:
        contract_id = str(event.originator_id)
        if batch.get("heads", contract_id) is None:  # a read on a cold map
            batch.put("heads", {"contract_id": contract_id, "name": "seen"})


def concluded(app: ContractsApplication, count: int) -> None:
    for number in range(count):
        terms = ref_terms()
        app.conclude(terms, Ctx(date(2024, 1, 2), "CUSTOMER", f"conclude-{number}"))


class TestGroupWarming:
    def test_the_views_are_warmed_a_page_each_in_turn(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(warming, "PAGE_ROWS", 1)
        views = [stored_view(), stored_view()]
        group = ProjectionGroup(
            ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
            [Heads(view) for view in views],
        )

        steps: list[int] = []
        group.start_warming(after_step=lambda: steps.append(len(steps)))
        group.start_warming()  # already warming: once each
        assert group.warm_step()
        assert group.warm_step()
        assert [v.reads for v in views] == [[page("items", None)]] * 2
        group.finish_warming()

        assert not group.warm_step()
        assert len(steps) == 12  # after each step: six a view (an empty page ends a table)
        for view in views:
            assert len(view.reads) == 7  # a page per row, and an empty one ending each table
            assert view.committed("heads", ("c3",)) is None
            assert len(view.reads) == 7

    def test_a_live_batch_is_applied_before_the_warming_ends(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(warming, "PAGE_ROWS", 1)
        app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        view = stored_view()
        group = ProjectionGroup(app, [Heads(view)])
        group.start_warming()
        concluded(app, 1)

        assert group.catch_up() == 1

        assert group.status()[0].position == 1
        [(_, contract_id)] = [key for key in view.reads if key[0] == "heads"]
        assert view.reads == [("heads", contract_id), page("items", None)]  # a page after it
        group.finish_warming()
        heads, read = view.select("heads"), len(view.reads)
        assert len(heads) == 3
        assert all(view.committed("heads", (head["contract_id"],)) == head for head in heads)
        assert len(view.reads) == read  # the new head too, from the map

    def test_a_backlog_waits_for_the_whole_warming(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(warming, "PAGE_ROWS", 1)
        app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
        view = stored_view()
        group = ProjectionGroup(app, [Heads(view)], batch_size=2)
        group.start_warming()
        concluded(app, 3)  # more than a batch

        assert group.catch_up() == 3

        assert not group.warm_step()
        assert all(kind == "page after" for _, (kind, _) in view.reads)  # no read in a batch


def test_the_worker_freezes_each_page_it_warms() -> None:
    group = ProjectionGroup(
        ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}),
        [Heads(stored_view())],
    )

    catch_up(group)

    assert group._after_warm_step is gc.freeze
