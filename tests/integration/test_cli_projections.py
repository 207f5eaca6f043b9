"""`lease projections status|rebuild` and `lease run projections`, run as a user runs them."""

from __future__ import annotations

import re
import signal
import subprocess
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from domain.application import ContractsApplication
from infra.bootstrap import (
    build_projection_group,
    close_projection_group,
    ensure_demo_contract,
    projections_lock,
)
from projections.registry import VIEW_MODULES
from tests.integration.test_cli import (
    DEMO_LAST_DAY,
    DEMO_NUMBER,
    READY_TIMEOUT,
    RUN_TIMEOUT,
    cli_env,
    failure_line,
    lease,
    lease_command,
    read_until,
)
from tests.integration.test_projection_runner import store_scenarios

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

ALL_VIEWS = ", ".join(VIEW_MODULES)
WAIT_TIMEOUT = 30.0


@pytest.fixture
def contracts(fresh_database: PostgresInfo) -> Iterator[ContractsApplication]:
    """The contracts application on that database, holding the demo contract."""
    app = ContractsApplication(env=fresh_database.eventsourcing_env(pool_size=2))
    ensure_demo_contract(app)
    yield app
    app.close()


def refuse_new_rows(dsn: str, schema: str, view: str) -> None:
    """A CHECK that every new row of the view's tables fails (their present rows stay)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            if table.startswith(f"{view}_") and not table.endswith("_tracking"):
                conn.execute(
                    sql.SQL(
                        "ALTER TABLE {}.{} ADD CONSTRAINT refuse CHECK (false) NOT VALID"
                    ).format(sql.Identifier(schema), sql.Identifier(table))
                )


def head(app: ContractsApplication) -> int:
    return app.recorder.max_notification_id() or 0


def status_rows(stdout: str) -> dict[str, tuple[int, int, int, float]]:
    """`view position head lag-events lag-seconds` rows of `lease projections status`."""
    rows = {}
    for line in stdout.splitlines():
        found = re.fullmatch(r"\s*(\w+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+\.\d)\s*", line)
        if found:
            name, position, log_head, lag, seconds = found.groups()
            rows[name] = (int(position), int(log_head), int(lag), float(seconds))
    return rows


class TestStatusAndRebuild:
    def test_status_shows_the_lag_and_a_rebuild_catches_every_view_up(
        self, tmp_path: Path, fresh_database: PostgresInfo, contracts: ContractsApplication
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)
        n = head(contracts)

        before = lease("projections", "status", cwd=tmp_path, env=env)
        assert (before.returncode, before.stderr) == (0, ""), before.stderr
        rows = status_rows(before.stdout)
        assert list(rows) == list(VIEW_MODULES), before.stdout
        for position, log_head, lag, seconds in rows.values():
            assert (position, log_head, lag) == (0, n, n)
            assert seconds > 0.0

        rebuilt = lease("projections", "rebuild", "--all", cwd=tmp_path, env=env)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert re.search(
            rf"^Rebuilt {ALL_VIEWS}: {n:,} events in \d+\.\d s \([\d,]+ events/s\)\.$",
            rebuilt.stdout,
            re.MULTILINE,
        ), rebuilt.stdout

        after = lease("projections", "status", cwd=tmp_path, env=env)
        assert after.returncode == 0, after.stderr
        assert status_rows(after.stdout) == dict.fromkeys(VIEW_MODULES, (n, n, 0, 0.0))

    def test_rebuilding_one_view_leaves_the_others_and_can_be_repeated(
        self, tmp_path: Path, fresh_database: PostgresInfo, contracts: ContractsApplication
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)
        n = head(contracts)

        for _ in range(2):  # each run opens the views again after the last one cleared them
            result = lease("projections", "rebuild", "history", cwd=tmp_path, env=env)
            assert result.returncode == 0, result.stderr
            assert f"Rebuilt history: {n} events in " in result.stdout

        status = lease("projections", "status", cwd=tmp_path, env=env)
        assert status.returncode == 0, status.stderr
        rows = status_rows(status.stdout)
        assert rows["history"] == (n, n, 0, 0.0)
        assert {rows[v][0] for v in VIEW_MODULES if v != "history"} == {0}

    def test_a_rebuild_is_refused_while_a_runner_holds_the_views(
        self, tmp_path: Path, fresh_database: PostgresInfo, contracts: ContractsApplication
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)

        with projections_lock(contracts):
            result = lease("projections", "rebuild", "--all", cwd=tmp_path, env=env)

        assert failure_line(result) == (
            "lease projections rebuild: another projection runner or rebuild is running on"
            " this event store (`lease dev` or `lease run projections`); stop it first"
        )

    def test_a_rebuild_that_fails_says_why_in_one_line_and_keeps_the_views_not_replaced(
        self, tmp_path: Path, fresh_database: PostgresInfo, contracts: ContractsApplication
    ) -> None:
        failing, n = "history", head(contracts)
        env = fresh_database.eventsourcing_env(pool_size=1)
        close_projection_group(build_projection_group(contracts, env))  # creates the tables
        refuse_new_rows(fresh_database.dsn, "public", failing)

        result = lease(
            "projections",
            "rebuild",
            "--all",
            cwd=tmp_path,
            env=cli_env(LEASE_DATABASE_URL=fresh_database.dsn),
        )

        # (stderr also has the progress bar's last state before the error line)
        assert (result.returncode, result.stdout) == (1, "")
        # (this process or a worker process replaced history: either says so)
        assert re.fullmatch(
            "lease projections rebuild: (rebuild failed in its worker process: IntegrityError: )?"
            'new row for relation "history_[a-z_]+" violates check constraint "refuse"',
            result.stderr.splitlines()[-1],
        ), result.stderr
        # the views are replaced one by one: history kept its rows and position, the others
        # have theirs or the whole log's
        group = build_projection_group(contracts, env)
        try:
            positions = {s.name: s.position for s in group.status()}
        finally:
            close_projection_group(group)
        assert positions[failing] == 0
        assert set(positions.values()) <= {0, n}

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((), "name the views to rebuild, or give --all (not both)"),
            (("history", "--all"), "name the views to rebuild, or give --all (not both)"),
            (("history", "nosuch"), f"unknown view 'nosuch'; views are {ALL_VIEWS}"),
        ],
        ids=["no-view", "views-and-all", "unknown-view"],
    )
    def test_usage_errors_exit_2_with_one_line(
        self, tmp_path: Path, args: tuple[str, ...], message: str
    ) -> None:
        result = lease("projections", "rebuild", *args, cwd=tmp_path)

        assert (result.returncode, result.stdout) == (2, "")
        assert result.stderr == f"lease projections rebuild: {message}\n"

    def test_without_an_event_store_status_says_to_start_dev(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "lease"

        result = lease("projections", "status", "--data-dir", str(data_dir), cwd=tmp_path)

        assert failure_line(result) == (
            f"lease projections status: no event store in {data_dir / 'pg'};"
            " start `lease dev` first"
        )


class TestRunProjections:
    def test_follows_the_log_live_until_sigterm(
        self, tmp_path: Path, fresh_database: PostgresInfo, contracts: ContractsApplication
    ) -> None:
        process = subprocess.Popen(
            [*lease_command(), "run", "projections"],
            cwd=tmp_path,
            env=cli_env(LEASE_DATABASE_URL=fresh_database.dsn),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        env = fresh_database.eventsourcing_env(pool_size=1)
        group = build_projection_group(contracts, env)
        try:
            ready = read_until(process, "Ctrl-C to stop.", READY_TIMEOUT)
            assert f"Caught up: {ALL_VIEWS} at position {head(contracts)}" in ready

            store_scenarios(contracts, "arrears-formal-notice")  # while it runs
            for projection in group.projections:
                projection.view.wait(contracts.name, head(contracts), WAIT_TIMEOUT)

            process.send_signal(signal.SIGTERM)
            rest, stderr = process.communicate(timeout=RUN_TIMEOUT)
        finally:
            close_projection_group(group)
            if process.poll() is None:
                process.kill()
                process.communicate()
        assert (process.returncode, stderr.decode()) == (0, "")
        assert rest.decode().endswith("Stopped.\n")


class TestDev:
    def test_dev_fills_the_demo_contracts_views_before_it_is_ready(
        self, tmp_path: Path, fresh_database: PostgresInfo, own_database_env: dict[str, str]
    ) -> None:
        # the scheduler then has nothing to bill
        env = {**own_database_env, "LEASE_BUSINESS_DATE": DEMO_LAST_DAY}

        result = lease(
            "dev",
            "--exit-after-ready",
            "--data-dir",
            str(tmp_path / "lease"),
            cwd=tmp_path,
            env=env,
        )

        assert result.returncode == 0, result.stderr
        app = ContractsApplication(env=fresh_database.eventsourcing_env(pool_size=1))
        group = build_projection_group(app, fresh_database.eventsourcing_env(pool_size=1))
        try:
            version = app.get(DEMO_NUMBER).version
            views = len(VIEW_MODULES)
            assert f"Projections: {views} views at position {version} of {version}" in result.stdout
            assert result.stdout.index("Projections:") < result.stdout.index("Ready in")
            assert {s.lag_events for s in group.status()} == {0}
            history = next(p.view for p in group.projections if p.name == "history")
            assert len(history.select("events")) == version
        finally:
            close_projection_group(group)
            app.close()
