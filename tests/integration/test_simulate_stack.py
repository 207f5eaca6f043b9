"""`lease simulate --stack` gives byte for byte the in-process answer (issue 4, section 4).

Each pinned scenario of tests/scenarios runs through the session's PostgreSQL and broker:
steps through ContractsApplication, payments and odometer readings as messages on their
topics, the relay, the termination consumer (Article 18), the scheduler (deadlines and
billing) and the projections. The output must equal the pinned file, which the
in-process run also produces (tests/scenarios/test_scenarios.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest

from infra.kafka import list_topics
from infra.settings import Settings
from infra.simulate.on_stack import simulate_on_stack
from infra.simulate.scenario import load_scenario
from tests.fault_lab import wait_until
from tests.scenarios.test_scenarios import SCENARIOS, render

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_stack_output_equals_in_process_output(
    path: Path, pg_info: PostgresInfo, bootstrap_servers: str
) -> None:
    expected = path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8")
    out = simulate_on_stack(load_scenario(path), Settings(), pg_info, bootstrap_servers)
    assert render(out) == expected


def test_a_run_leaves_no_connection_schema_or_topic_behind(
    pg_info: PostgresInfo, bootstrap_servers: str
) -> None:
    """The run closes its application's, workers' and views' pools when it ends (not when
    the garbage collector finds them: a server's connections are few), drops its schema and
    deletes its topics and consumer groups."""

    def left() -> tuple[int, list[str]]:
        with psycopg.connect(pg_info.dsn) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
                " AND datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            schemas = conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sim\\_%' ORDER BY 1"
            ).fetchall()
        return int(row[0]) if row else 0, [name for (name,) in schemas]

    connections, schemas = left()
    topics = set(list_topics(bootstrap_servers))
    simulate_on_stack(load_scenario(SCENARIOS[0]), Settings(), pg_info, bootstrap_servers)
    assert set(list_topics(bootstrap_servers)) <= topics

    def gone() -> bool:
        now_connections, now_schemas = left()
        return now_connections <= connections and now_schemas == schemas

    wait_until(
        gone,
        lambda: f"after the run {left()}, before it {connections, schemas} (connections, schemas)",
        timeout=10,
    )
