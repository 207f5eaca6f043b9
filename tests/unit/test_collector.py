"""infra/collector.py: each full collection's survivors set aside, and what that relies on."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.collector import survivors_set_aside
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.factories import REF_START, part_paid_in


class Node:
    """A tracked object that can be put in a cycle and watched through a weak reference."""

    def __init__(self) -> None:
        self.other: Node | None = None


def examined(obj: object) -> bool:
    """Whether the collector still examines `obj` (a frozen object is in no generation)."""
    return any(o is obj for o in gc.get_objects())


@contextmanager
def no_automatic_collections() -> Iterator[None]:
    """Only the test's own `gc.collect()` calls run (none triggered by allocations)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def test_a_full_collection_sets_its_survivors_aside_and_a_young_one_does_not() -> None:
    with no_automatic_collections(), survivors_set_aside() as freezer:
        survivor = Node()
        gc.collect(0)
        assert examined(survivor)
        gc.collect()
        assert not examined(survivor)
        assert freezer.full_collections == 1
        newer = Node()
        gc.collect(1)
        assert examined(newer)


def test_what_the_process_holds_on_entry_is_set_aside_at_once() -> None:
    with no_automatic_collections():
        held = Node()
        with survivors_set_aside() as freezer:
            assert not examined(held)
            assert freezer.full_collections == 0


def test_leaving_hands_the_survivors_back_and_removes_the_callback() -> None:
    with no_automatic_collections():
        with survivors_set_aside() as freezer:
            survivor = Node()
            gc.collect()
            assert gc.get_freeze_count() > 0
        assert examined(survivor)
        assert gc.get_freeze_count() == 0
        assert freezer not in gc.callbacks


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_garbage_cycle_set_aside_is_freed_ten_minutes_on() -> None:
    clock = Clock()
    with no_automatic_collections(), survivors_set_aside(clock=clock) as freezer:
        a, b = Node(), Node()
        a.other, b.other = b, a
        watched = weakref.ref(a)
        gc.collect()  # the cycle is alive: set aside
        del a, b
        clock.now += 599
        gc.collect()  # examines only what is newer: the cycle waits
        assert watched() is not None
        assert freezer.examined_all == 0
        clock.now += 1
        gc.collect()  # 600 s on: examines everything
        assert watched() is None
        assert (freezer.full_collections, freezer.examined_all) == (3, 1)
        clock.now += 599
        gc.collect()  # the next examination of all is 600 s after that one
        assert freezer.examined_all == 1


def test_a_set_aside_contract_the_cache_drops_is_freed_without_a_collection() -> None:
    """What setting survivors aside relies on: a cached contract (its ledger of documents and
    amounts, billed for four months and part paid) holds no reference cycle, so reference
    counting frees it when the cache lets it go, frozen or not."""
    app = ContractsApplication(env={**IN_MEMORY_ENV, "AGGREGATE_CACHE_MAXSIZE": "10"})
    number = part_paid_in(app, REF_START + timedelta(days=120))
    contract_id = Contract.create_id(number)
    assert app.repository.cache is not None
    with no_automatic_collections(), survivors_set_aside():
        for copy in ("cached by its commands", "reloaded from its snapshot and events"):
            cached: weakref.ref[Contract] = weakref.ref(
                app.repository.get(contract_id, deepcopy_from_cache=False)
            )
            gc.collect()
            assert cached() is not None, copy
            app.repository.cache.get(contract_id, evict=True)
            assert cached() is None, copy
