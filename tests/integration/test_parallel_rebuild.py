"""A rebuild shared among processes on PostgreSQL: the same rows, and failures replace nothing.

This process and its worker processes take the chunks of contracts of a chunked rebuild
from a shared counter (projections/engine/parallel.py, projections/engine/chunked.py).
"""

from __future__ import annotations

import multiprocessing
import re
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.postgres import PostgresFactory

from infra.bootstrap import rebuild
from projections.engine.parallel import RebuildWorkerError
from projections.registry import VIEW_MODULES
from tests.integration.test_projection_runner import (
    KilledError,
    all_rows,
    head,
    positions,
    store_scenarios,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.application import ContractsApplication
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

TINY_CHUNKS = 20
"""Events per chunk: every contract of a scenario is a chunk or two of its own."""


class TestParallelRebuild:
    def test_a_rebuild_over_two_processes_equals_one_in_this_process_and_goes_on_live(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given two sets of views caught up (their identity maps filled), more events since
        split = groups(app, pg_env, rebuild_workers=2)
        split.chunk_events = TINY_CHUNKS
        alone = groups(app, rebuild_env, rebuild_workers=1)
        store_scenarios(app, "arrears-formal-notice")
        split.catch_up()
        alone.catch_up()
        store_scenarios(app, "total-loss", "theft-not-recovered")

        # When one is rebuilt in small chunks over two processes, the other in this process
        assert rebuild(split) == rebuild(alone) == head(app)

        # Then the rows and positions are the same, each event read by one process only
        assert split.parallel is not None
        reports = split.parallel.reports
        assert [r.worker for r in reports] == [False, True]
        assert sum(r.read for r in reports) == head(app)
        assert sum(r.chunks for r in reports) == 3  # one per contract: it is never split
        assert all_rows(split) == all_rows(alone)
        assert positions(split) == positions(alone) == dict.fromkeys(VIEW_MODULES, head(app))

        # And both go on batch by batch from there alike (the views are read again)
        store_scenarios(app, "termination-on-death")
        assert split.catch_up() == alone.catch_up() > 0
        assert all_rows(split) == all_rows(alone)
        assert positions(split) == dict.fromkeys(VIEW_MODULES, head(app))

    def test_a_failing_worker_fails_the_rebuild_in_one_line_and_replaces_no_view(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given views caught up, more events since, and a worker that cannot open the views
        store_scenarios(app, "theft-not-recovered")
        group = groups(app, pg_env, rebuild_workers=2)
        group.catch_up()
        before, position = all_rows(group), head(app)
        store_scenarios(app, "total-loss")
        assert group.parallel is not None
        group.parallel.view_env[PostgresFactory.POSTGRES_SCHEMA] = "no_such_schema"

        # When the views are rebuilt
        with pytest.raises(RebuildWorkerError) as failed:
            rebuild(group)

        # Then the error says why, in one line
        assert re.fullmatch(
            "rebuild failed in its worker process: ProgrammingError:"
            ' schema "no_such_schema" does not exist',
            str(failed.value),
        )

        # And every view kept its rows and position
        assert all_rows(group) == before
        assert positions(groups(app, pg_env)) == dict.fromkeys(VIEW_MODULES, position)

    def test_a_failure_in_this_process_stops_the_worker(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Given views that die here when they would be replaced (the worker may replace some)
        store_scenarios(app, "total-loss")
        group = groups(app, pg_env, rebuild_workers=2)

        def killed(*_args: Any) -> None:
            raise KilledError

        for projection in group.projections:
            monkeypatch.setattr(projection.view, "replace_with", killed)

        # When the views are rebuilt, the error is this process's, and no worker is left
        with pytest.raises(KilledError):
            rebuild(group)
        assert multiprocessing.active_children() == []
        # the view this process took first kept its position (none yet)
        assert 0 in positions(groups(app, pg_env)).values()
