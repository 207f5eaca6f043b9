"""The projection runner on PostgreSQL: live equals rebuilt, resuming after a kill, lag, lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.bootstrap import (
    ProjectionsBusyError,
    projections_lock,
    rebuild,
)
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from projections.engine import warming
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.engine.rows import Row
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LIVE_SCENARIOS = (
    "arrears-formal-notice",
    "theft-not-recovered",
    "total-loss",
    "dissolution-sale-within-window",
    "termination-on-death",
)
"""Generated scenarios lived through PostgreSQL while the runner follows (about 270 events)."""
WAIT_TIMEOUT = 30.0


class KilledError(RuntimeError):
    """Stands for the process dying in the middle of a view's transaction."""


def store_scenarios(app: ContractsApplication, *names: str) -> None:
    """Live each scenario in memory, then store its events in `app` in one transaction."""
    for name in names:
        scenario = load_scenario(SCENARIOS / f"{name}.json")
        rehearsal = ContractsApplication(env=IN_MEMORY_ENV)
        simulate(scenario, app=rehearsal)
        app.save(*rehearsal.events.get(Contract.create_id(scenario.terms.contract_number)))


def all_rows(group: ProjectionGroup) -> dict[str, list[Row]]:
    """Every table of every view, its rows in key order."""
    out = {}
    for projection in group.projections:
        view = projection.view
        for table in view.tables:
            rows = view.select(table.name)
            out[f"{projection.name}.{table.name}"] = sorted(rows, key=table.key_of)
    return out


def positions(group: ProjectionGroup) -> dict[str, int]:
    return {s.name: s.position for s in group.status()}


def head(app: ContractsApplication) -> int:
    return app.recorder.max_notification_id() or 0


class TestRebuildEqualsLive:
    def test_views_rebuilt_from_zero_equal_the_views_projected_live(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given the runner following the log live in small batches while contracts are lived
        live = groups(app, pg_env, batch_size=7)
        stop, failed = threading.Event(), threading.Event()

        def follow() -> None:
            try:
                live.run(stop, idle_wait=0.2)
            except BaseException:
                failed.set()  # interrupts the waits below
                raise

        runner = threading.Thread(target=follow, name="live-projections")
        runner.start()
        try:
            for name in LIVE_SCENARIOS:
                simulate(load_scenario(SCENARIOS / f"{name}.json"), app=app)
            for projection in live.projections:
                projection.view.wait(app.name, head(app), WAIT_TIMEOUT, interrupt=failed)
        finally:
            stop.set()
            runner.join(WAIT_TIMEOUT)
        assert not runner.is_alive()

        # When a second set of views is rebuilt from zero (in memory, replaced at the end)
        rebuilt = groups(app, rebuild_env)
        read = rebuild(rebuilt)

        # Then every table holds the same rows, and both sets are at the log's head
        assert read == head(app) > 250
        assert [p.name for p in live.projections] == list(VIEW_MODULES)
        live_rows, rebuilt_rows = all_rows(live), all_rows(rebuilt)
        assert all(live_rows[t] for t in ("invoices.documents", "history.events", "ledger.items"))
        assert live_rows == rebuilt_rows
        assert positions(live) == positions(rebuilt) == dict.fromkeys(VIEW_MODULES, head(app))


class TestResume:
    def test_a_runner_killed_mid_transaction_resumes_where_its_last_transaction_ended(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store_scenarios(app, "theft-not-recovered", "total-loss")
        ids = [n.id for n in app.recorder.select_notifications(1, 1000)]
        first = groups(app, pg_env, batch_size=10)
        history = next(p.view for p in first.projections if p.name == "history")
        calls = 0
        tracking_statement = history._tracking_statement

        def dies_in_third_batch(*args: Any) -> Any:
            # The third batch's rows of the views before history are ready; the process
            # dies at history's tracking record, inside the batch's transaction.
            nonlocal calls
            calls += 1
            if calls == 3:
                raise KilledError
            return tracking_statement(*args)

        monkeypatch.setattr(history, "_tracking_statement", dies_in_third_batch)

        # When the runner dies in the third batch's transaction
        with pytest.raises(KilledError):
            first.catch_up()

        # Then each view kept exactly its committed transactions: the views commit a
        # batch together, so every one of them stopped after the second
        second = ids[19]
        resumed = groups(app, pg_env, batch_size=10)
        assert positions(resumed) == dict.fromkeys(VIEW_MODULES, second)
        timeline = next(p.view for p in resumed.projections if p.name == "history")
        assert len(timeline.select("events")) == 20  # nothing of the rolled-back batch

        # And a fresh runner resumes from there and ends equal to a clean rebuild
        assert resumed.catch_up() == len(ids) - 20
        clean = groups(app, rebuild_env)
        clean.catch_up()
        assert all_rows(resumed) == all_rows(clean)
        assert positions(resumed) == positions(clean) == dict.fromkeys(VIEW_MODULES, ids[-1])


class TestRebuild:
    def test_a_rebuild_killed_before_a_view_is_replaced_leaves_that_view_as_it_was(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Given views caught up, and more events stored since (rebuilt in this process: a
        # parallel rebuild's worker processes are tests/integration/test_parallel_rebuild.py)
        store_scenarios(app, "theft-not-recovered")
        group = groups(app, pg_env, batch_size=10, rebuild_workers=1)
        group.catch_up()
        before, position = all_rows(group), head(app)
        store_scenarios(app, "total-loss")
        history = next(p.view for p in group.projections if p.name == "history")

        def killed(*_args: Any) -> Any:
            raise KilledError

        # When a rebuild dies in history's replacing transaction (after TRUNCATE and COPY)
        monkeypatch.setattr(history, "_tracking_statement", killed)
        with pytest.raises(KilledError):
            rebuild(group)
        monkeypatch.undo()

        # Then the views replaced before it hold the whole log; history and the view after
        # it kept their rows and position
        reopened = groups(app, pg_env)
        after = all_rows(reopened)
        kept = [t for t in after if t.startswith(("history.", "exposure."))]
        assert kept
        assert {t: after[t] for t in kept} == {t: before[t] for t in kept}
        assert positions(reopened) == {
            **dict.fromkeys(VIEW_MODULES, head(app)),
            "history": position,
            "exposure": position,
        }

        # And the next rebuild finishes, equal to views caught up batch by batch
        assert rebuild(reopened) == head(app)
        clean = groups(app, rebuild_env)
        clean.catch_up()
        assert all_rows(reopened) == all_rows(clean)
        assert positions(reopened) == positions(clean) == dict.fromkeys(VIEW_MODULES, head(app))

    def test_a_rebuild_of_an_empty_log_empties_the_views(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        group = groups(app, pg_env)

        assert rebuild(group) == 0

        assert all(not rows for rows in all_rows(group).values())
        assert positions(group) == dict.fromkeys(VIEW_MODULES, 0)


class TestStatusAndRebuild:
    def test_status_gives_each_views_lag_in_events_and_seconds(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        store_scenarios(app, "arrears-formal-notice")
        group = groups(app, pg_env)
        group.catch_up()
        caught_up = head(app)
        assert {(s.position, s.head, s.lag_events, s.lag_seconds) for s in group.status()} == {
            (caught_up, caught_up, 0, 0.0)
        }

        store_scenarios(app, "total-loss")
        behind = head(app) - caught_up
        statuses = group.status()

        assert behind > 0
        assert [s.name for s in statuses] == list(VIEW_MODULES)
        for s in statuses:
            assert (s.position, s.head, s.lag_events) == (caught_up, head(app), behind)
            assert 0.0 < s.lag_seconds < 600.0
        group.catch_up()
        assert {s.lag_events for s in group.status()} == {0}

    def test_a_view_rebuilt_twice_still_opens_at_its_position(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Each rebuild is a process of its own (`lease projections rebuild`), so the views
        # are opened again (their tables created if missing) after every clear.
        store_scenarios(app, "arrears-formal-notice")
        for _ in range(3):
            group = groups(app, pg_env, names=["history"])
            for projection in group.projections:
                projection.view.clear()
            group.reload_positions()
            assert group.catch_up() == head(app)
        assert positions(groups(app, pg_env, names=["history"])) == {"history": head(app)}

    def test_one_runner_or_rebuild_at_a_time(self, app: ContractsApplication) -> None:
        with projections_lock(app), pytest.raises(ProjectionsBusyError), projections_lock(app):
            pass
        with projections_lock(app):  # released on exit
            pass


class TestWarming:
    def test_a_runner_on_views_it_did_not_build_warms_them_between_live_batches(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store_scenarios(app, "theft-not-recovered", "total-loss")
        groups(app, pg_env).catch_up()  # the views, built by another runner
        monkeypatch.setattr(warming, "PAGE_ROWS", 5)
        runner = groups(app, pg_env)
        runner.start_warming()
        assert runner.warm_step()

        # When events arrive while it is warming
        store_scenarios(app, "arrears-formal-notice")
        runner.catch_up()

        # Then it applied them before the warming ended (a page per batch)
        assert positions(runner) == dict.fromkeys(VIEW_MODULES, head(app))
        assert runner.warm_step()
        runner.finish_warming()

        # And its views equal views built from zero, and each identity map holds exactly
        # their rows, read in key order by pages (keys of one and of two columns)
        clean = groups(app, rebuild_env)
        clean.catch_up()
        assert all_rows(runner) == all_rows(clean)
        for mine, theirs in zip(runner.projections, clean.projections, strict=True):
            view = mine.view
            for table in (t for t in view.tables if t.cached):
                rows = {table.key_of(row): row for row in theirs.view.select(table.name)}
                assert view._committed[table.name] == rows, table.name
            assert view._complete

    def test_an_idle_runner_warms_its_views_to_the_end(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store_scenarios(app, "theft-not-recovered")
        groups(app, pg_env).catch_up()
        monkeypatch.setattr(warming, "PAGE_ROWS", 2)
        runner = groups(app, pg_env)
        runner.start_warming()
        stop = threading.Event()
        thread = threading.Thread(target=runner.run, args=(stop,), kwargs={"idle_wait": 1.0})

        # When it follows a log nobody writes to (no NOTIFY comes)
        thread.start()
        try:
            deadline = time.monotonic() + WAIT_TIMEOUT
            while runner._warming and time.monotonic() < deadline:
                stop.wait(0.01)
        finally:
            stop.set()
            thread.join(WAIT_TIMEOUT)

        # Then it read every page all the same, without waiting for news in between (a wait
        # of a second a page would take minutes)
        assert not runner._warming
        assert (
            sum(len(p.view.select(t.name)) for p in runner.projections for t in p.view.tables) > 100
        )
        assert all(p.view._complete for p in runner.projections)
