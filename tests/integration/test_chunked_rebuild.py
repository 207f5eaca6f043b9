"""A rebuild in chunks of contracts on PostgreSQL: the same rows at any chunk size, bounded chunks,
and no staging table left behind (projections/engine/chunked.py)."""

from __future__ import annotations

from itertools import zip_longest
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.postgres import PostgresFactory
from psycopg.sql import SQL, Identifier

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.bootstrap import rebuild
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from projections.engine.chunk_work import Plan
from projections.engine.chunked import ChunkRebuilder, Target
from projections.engine.table_sql import STAGING_SUFFIX
from projections.registry import VIEW_MODULES
from tests.integration.test_projection_runner import (
    LIVE_SCENARIOS,
    KilledError,
    all_rows,
    head,
    positions,
    store_scenarios,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from infra.settings import PostgresInfo
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ONE_GO = 10**9
"""Events per chunk: the whole log is one chunk."""


def store_interleaved(app: ContractsApplication, *names: str, step: int = 4) -> None:
    """Live each scenario in memory, then store their events `step` at a time, contract after
    contract in turn: the log interleaves the contracts, as a real book's does."""
    histories = []
    for name in names:
        events = lived(name)
        histories.append([events[i : i + step] for i in range(0, len(events), step)])
    for turn in zip_longest(*histories):
        for events in turn:
            if events:
                app.save(*events)


def lived(name: str) -> list[Any]:
    """The events of a scenario's contract, lived in memory."""
    scenario = load_scenario(SCENARIOS / f"{name}.json")
    rehearsal = ContractsApplication(env=IN_MEMORY_ENV)
    simulate(scenario, app=rehearsal)
    return list(rehearsal.events.get(Contract.create_id(scenario.terms.contract_number)))


def staging_tables(info: PostgresInfo, schema: str) -> list[str]:
    with psycopg.connect(info.dsn) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_name LIKE %s",
            (schema, "%\\_\\_rebuild"),
        ).fetchall()
    return [r[0] for r in rows]


def staged_rows(info: PostgresInfo, target: Target) -> int:
    """The rows in the staging tables of a view's own tables."""
    count = SQL("SELECT count(*) FROM {0}.{1}")
    rows = 0
    with psycopg.connect(info.dsn) as conn:
        for schema, name in (target.sql[t.name].where for t in target.view.tables):
            staging = count.format(Identifier(schema), Identifier(name + STAGING_SUFFIX))
            rows += conn.execute(staging).fetchall()[0][0]
    return rows


class TestChunkedRebuild:
    def test_a_rebuild_in_tiny_chunks_equals_one_in_one_go_and_the_views_followed_live(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given contracts whose events interleave in the log, and views that followed it
        store_interleaved(app, *LIVE_SCENARIOS)
        live = groups(app, rebuild_env)
        live.catch_up()
        tiny = groups(app, pg_env, rebuild_workers=1)
        tiny.chunk_events = 1

        # When the views are rebuilt a contract at a time, then again in one chunk
        assert rebuild(tiny) == head(app)
        rows_in_tiny_chunks = all_rows(tiny)
        tiny.chunk_events = ONE_GO
        assert rebuild(tiny) == head(app)

        # Then both have the rows of the views that followed the log, at the same position
        assert rows_in_tiny_chunks == all_rows(tiny) == all_rows(live)
        assert positions(tiny) == positions(live) == dict.fromkeys(VIEW_MODULES, head(app))
        # (documents are numbered in log order across contracts, not chunk by chunk)
        documents = sorted(all_rows(tiny)["invoices.documents"], key=lambda d: d["seq"])
        assert len({d["contract_id"] for d in documents[:8]}) > 1

    def test_a_chunk_holds_at_most_its_size_plus_one_contract(
        self, app: ContractsApplication, pg_env: dict[str, str], groups: Callable[..., Any]
    ) -> None:
        store_interleaved(app, *LIVE_SCENARIOS)
        part = ChunkRebuilder(groups(app, pg_env))
        size = 60

        plan = part.plan(size)

        assert plan.head == head(app)
        read = [part.read_chunk(chunk, plan.head) for chunk in plan.chunks]
        assert sorted(n.id for chunk in read for n in chunk) == list(range(1, head(app) + 1))
        for events in read:
            last = events[-1].originator_id
            others = [n for n in events if n.originator_id != last]
            assert len(others) < size
            assert [n.id for n in events] == sorted(n.id for n in events)  # log order

    def test_no_staging_table_is_left_after_a_rebuild_or_a_failed_one(
        self,
        app: ContractsApplication,
        pg_info: PostgresInfo,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store_interleaved(app, "total-loss", "arrears-formal-notice")
        group = groups(app, pg_env, rebuild_workers=1)
        schema = pg_env[PostgresFactory.POSTGRES_SCHEMA]
        assert rebuild(group) == head(app)
        assert staging_tables(pg_info, schema) == []

        history = next(p.view for p in group.projections if p.name == "history")

        def killed(*_args: Any) -> None:
            raise KilledError

        monkeypatch.setattr(history, "replace_with", killed)
        with pytest.raises(KilledError):
            rebuild(group)
        assert staging_tables(pg_info, schema) == []

    def test_events_stored_during_a_rebuild_are_left_to_the_runner(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        # Given a rebuild during which more events of its contracts (and of a new one) are
        # stored, once it has planned its chunks
        first, second = lived("arrears-formal-notice"), lived("total-loss")
        app.save(*first[:-6])
        app.save(*second[:-6])
        started_at = head(app)
        planned = ChunkRebuilder.plan

        def plan_then_store(part: ChunkRebuilder, events_per_chunk: int) -> Plan:
            found = planned(part, events_per_chunk)
            app.save(*first[-6:])
            app.save(*second[-6:])
            store_scenarios(app, "theft-not-recovered")
            return found

        monkeypatch.setattr(ChunkRebuilder, "plan", plan_then_store)
        group = groups(app, pg_env, rebuild_workers=1)
        group.chunk_events = 40

        # When it runs, it rebuilds the log up to where it started, and no further
        assert rebuild(group) == started_at
        assert positions(group) == dict.fromkeys(VIEW_MODULES, started_at)

        # Then the runner applies the rest once, as views that followed the log all along
        assert group.catch_up() == head(app) - started_at
        followed = groups(app, rebuild_env)
        followed.catch_up()
        assert all_rows(group) == all_rows(followed)

    def test_a_chunk_is_applied_to_the_views_without_numbering_before_it_waits_for_it(
        self,
        app: ContractsApplication,
        pg_info: PostgresInfo,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given the numbering facts extracted but the numbers not decided yet (as a worker
        # finds them when it takes a chunk while the main process decides)
        store_interleaved(app, *LIVE_SCENARIOS)
        part = ChunkRebuilder(groups(app, pg_env, rebuild_workers=1))
        plan = part.plan(ONE_GO)
        part.create_staging()
        for span in plan.ranges:
            part.extract(span)
        ordered = [t for t in part.targets if t.projection.ordered is not None]
        others = [t for t in part.targets if t.projection.ordered is None]
        assert ordered
        assert others
        when_waiting: dict[str, int] = {}

        def until_decided() -> None:
            when_waiting.update({t.projection.name: staged_rows(pg_info, t) for t in part.targets})
            part.decide_in_order()  # what the main process does meanwhile

        # When it rebuilds the chunk
        try:
            assert part.rebuild_chunk(plan.chunks[0], plan.head, until_decided) == head(app)

            # Then every other view's rows were staged before it waited, the numbered ones after
            assert all(when_waiting[t.projection.name] > 0 for t in others)
            assert all(when_waiting[t.projection.name] == 0 for t in ordered)
            assert all(staged_rows(pg_info, t) > 0 for t in ordered)
        finally:
            part.drop_staging()
