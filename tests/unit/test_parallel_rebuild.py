"""How a rebuild splits the views over processes, and a worker that dies without a word."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from projections.engine.parallel import (
    REBUILD_COST,
    WORKER_START,
    RebuildWorkerError,
    collect,
    partition,
)
from projections.registry import VIEW_MODULES


class TestPartition:
    @pytest.mark.parametrize("parts", [1, 2, 3, 6, 12])
    def test_every_view_is_in_exactly_one_part_in_registry_order(self, parts: int) -> None:
        split = partition(VIEW_MODULES, parts)

        assert len(split) == min(parts, len(VIEW_MODULES))
        assert sorted(n for part in split for n in part) == sorted(VIEW_MODULES)
        for part in split:
            assert part
            assert part == [n for n in VIEW_MODULES if n in part]

    def test_two_parts_are_balanced_by_cost_the_workers_one_lighter(self) -> None:
        here, worker = partition(VIEW_MODULES, 2)

        mean = sum(REBUILD_COST.values()) / len(REBUILD_COST)  # a view not measured yet
        cost_here = sum(REBUILD_COST.get(n, mean) for n in here)
        cost_worker = WORKER_START + sum(REBUILD_COST.get(n, mean) for n in worker)
        heaviest = max(REBUILD_COST.values())
        assert abs(cost_here - cost_worker) < heaviest / 2
        assert "invoices" in here  # the heaviest view starts without a worker's start-up

    def test_one_view_or_one_worker_is_one_part(self) -> None:
        assert partition(["history"], 2) == [["history"]]
        assert partition(VIEW_MODULES, 1) == [list(VIEW_MODULES)]
        assert partition(VIEW_MODULES, 0) == [list(VIEW_MODULES)]

    def test_a_view_without_a_measured_cost_counts_as_the_mean(self) -> None:
        split = partition(["invoices", "newview", "ledger"], 2)

        assert sorted(n for part in split for n in part) == ["invoices", "ledger", "newview"]


class TestCollect:
    def test_a_worker_that_dies_without_reporting_fails_the_rebuild_in_one_line(self) -> None:
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=os._exit, args=(3,))
        process.start()
        sender.close()

        with pytest.raises(RebuildWorkerError) as failed:
            collect(process, receiver, ("portal", "history"))

        assert str(failed.value) == (
            "rebuild of portal, history: its worker process died (exit code 3)"
        )
        receiver.close()
