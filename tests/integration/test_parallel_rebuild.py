"""A rebuild split over processes on PostgreSQL: the same rows, and failures kept to views.

The views are split by `projections.engine.parallel.partition`: this process rebuilds the first
part, a worker process each other part (projections/engine/parallel.py).
"""

from __future__ import annotations

import multiprocessing
import re
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresFactory
from psycopg import sql

from infra.bootstrap import rebuild
from projections.engine.parallel import RebuildWorkerError, partition
from projections.registry import VIEW_MODULES
from tests.integration.test_projection_runner import (
    KilledError,
    all_rows,
    head,
    positions,
    store_scenarios,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from domain.application import ContractsApplication
    from infra.settings import PostgresInfo
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

HERE, WORKER = partition(VIEW_MODULES, 2)
"""The views this process rebuilds, and those its one worker process rebuilds."""


def refuse_new_rows(dsn: str, schema: str, views: Sequence[str]) -> None:
    """A CHECK that every new row of these views' tables fails (their present rows stay)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            view = table.split("_", 1)[0]
            if view in views and not table.endswith("_tracking"):
                conn.execute(
                    sql.SQL(
                        "ALTER TABLE {}.{} ADD CONSTRAINT refuse CHECK (false) NOT VALID"
                    ).format(sql.Identifier(schema), sql.Identifier(table))
                )


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
        alone = groups(app, rebuild_env, rebuild_workers=1)
        store_scenarios(app, "arrears-formal-notice")
        split.catch_up()
        alone.catch_up()
        store_scenarios(app, "total-loss", "theft-not-recovered")

        # When one is rebuilt over two processes, the other in this process
        assert rebuild(split) == rebuild(alone) == head(app)

        # Then the rows and positions are the same, each part having read the whole log
        assert split.parallel is not None
        reports = split.parallel.reports
        assert [(r.names, r.worker, r.read) for r in reports] == [
            (tuple(HERE), False, head(app)),
            (tuple(WORKER), True, head(app)),
        ]
        assert all_rows(split) == all_rows(alone)
        assert positions(split) == positions(alone) == dict.fromkeys(VIEW_MODULES, head(app))

        # And both go on batch by batch from there alike (the worker's views are read again)
        store_scenarios(app, "termination-on-death")
        assert split.catch_up() == alone.catch_up() > 0
        assert all_rows(split) == all_rows(alone)
        assert positions(split) == dict.fromkeys(VIEW_MODULES, head(app))

    def test_a_failing_worker_fails_the_rebuild_in_one_line_and_keeps_its_views(
        self,
        app: ContractsApplication,
        pg_info: PostgresInfo,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given views caught up, more events since, and the worker's views refusing new rows
        store_scenarios(app, "theft-not-recovered")
        group = groups(app, pg_env, rebuild_workers=2)
        group.catch_up()
        before, position = all_rows(group), head(app)
        store_scenarios(app, "total-loss")
        refuse_new_rows(pg_info.dsn, pg_env[PostgresFactory.POSTGRES_SCHEMA], WORKER)

        # When the views are rebuilt
        with pytest.raises(RebuildWorkerError) as failed:
            rebuild(group)

        # Then the error names the worker's views and the reason, in one line
        assert re.fullmatch(
            f"rebuild of {', '.join(WORKER)} failed in its worker process: IntegrityError:"
            ' new row for relation "[a-z_]+" violates check constraint "refuse"',
            str(failed.value),
        )

        # And the worker's views kept their rows and position; this process's were replaced
        after, kept = all_rows(group), [t for t in before if t.split(".")[0] in WORKER]
        assert {t: after[t] for t in kept} == {t: before[t] for t in kept}
        assert positions(groups(app, pg_env)) == {
            **dict.fromkeys(VIEW_MODULES, head(app)),
            **dict.fromkeys(WORKER, position),
        }

    def test_a_failure_in_this_process_stops_the_worker(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Given a view this process rebuilds that dies when it would be replaced
        store_scenarios(app, "total-loss")
        group = groups(app, pg_env, rebuild_workers=2)
        view = next(p.view for p in group.projections if p.name == HERE[0])

        def killed(*_args: Any) -> None:
            raise KilledError

        monkeypatch.setattr(view, "replace", killed)

        # When the views are rebuilt, the error is this process's, and no worker is left
        with pytest.raises(KilledError):
            rebuild(group)
        assert multiprocessing.active_children() == []
        assert positions(groups(app, pg_env))[HERE[0]] == 0
