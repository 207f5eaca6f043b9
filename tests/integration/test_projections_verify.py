"""`lease projections verify`: a view rebuilt in a scratch schema, compared row by row with the
live one on a real PostgreSQL; corruptions made directly in SQL are each reported."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from psycopg.sql import SQL, Composed, Identifier

from domain.application import ContractsApplication
from infra.bootstrap import ensure_demo_contract
from projections import verify
from projections.registry import all_specs
from projections.verify import verify_view
from tests.integration.test_cli import DEMO_NUMBER, cli_env, lease
from tests.integration.test_projection_runner import store_scenarios

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from infra.settings import PostgresInfo
    from projections.engine.rows import PostgresRowView
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

[LEDGER] = all_specs(["ledger"])


def run_sql(info: PostgresInfo, statement: Composed, *params: Any) -> None:
    with psycopg.connect(info.dsn, autocommit=True) as conn:
        conn.execute(statement, params)


def schemas(info: PostgresInfo) -> set[str]:
    with psycopg.connect(info.dsn) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'verify_%'")
        return {row[0] for row in rows}


class TestVerifyView:
    def test_a_view_as_built_shows_no_drift_and_leaves_no_scratch_schema(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        pg_info: PostgresInfo,
        ledger: PostgresRowView,
    ) -> None:
        result = verify_view(app, LEDGER, pg_env)

        assert result.position == app.recorder.max_notification_id()
        assert result.total == 0
        assert [t.table for t in result.tables] == ["items", "contracts", "notices"]
        assert schemas(pg_info) == set()

    def test_events_the_live_view_has_not_reached_are_not_drift(
        self, app: ContractsApplication, pg_env: dict[str, str], ledger: PostgresRowView
    ) -> None:
        position = ledger.position(app.name)
        store_scenarios(app, "early-termination")  # stored, not applied to the live view

        result = verify_view(app, LEDGER, pg_env)

        assert (result.position, result.total) == (position, 0)

    def test_a_view_a_worker_moves_during_the_check_is_compared_at_its_new_position(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
        ledger: PostgresRowView,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        store_scenarios(app, "early-termination")
        worker = groups(app, pg_env, names=["ledger"])
        replayed: list[int] = []

        def replay_then_the_worker_moves(*args: Any) -> None:
            replay(*args)
            replayed.append(args[4])  # upto
            if len(replayed) == 1:
                worker.catch_up()

        replay = verify.replay
        monkeypatch.setattr(verify, "replay", replay_then_the_worker_moves)

        result = verify_view(app, LEDGER, pg_env)

        head = app.recorder.max_notification_id() or 0
        assert replayed == [replayed[0], head]
        assert replayed[0] < head
        assert (result.position, result.total) == (head, 0)

    def test_a_changed_a_deleted_and_an_inserted_row_are_each_reported(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        pg_info: PostgresInfo,
        ledger: PostgresRowView,
    ) -> None:
        [first, second, *_] = ledger.select("items", order_by=("contract_id", "receivable_id"))
        [contract] = ledger.select("contracts")
        run_sql(
            pg_info,
            SQL("UPDATE {0} SET amount = amount + 1 WHERE receivable_id = %s").format(
                ledger.qualified("items")
            ),
            first["receivable_id"],
        )
        run_sql(
            pg_info,
            SQL("DELETE FROM {0} WHERE receivable_id = %s").format(ledger.qualified("items")),
            second["receivable_id"],
        )
        run_sql(
            pg_info,
            SQL(
                "INSERT INTO {0} (contract_id, contract_number, customer_number, credit_balance)"
                " VALUES (gen_random_uuid(), 'BOGUS-1', %s, 0)"
            ).format(ledger.qualified("contracts")),
            contract["customer_number"],
        )

        result = verify_view(app, LEDGER, pg_env)

        items, contracts, notices = result.tables
        assert items.counts == {"missing": 1, "extra": 0, "changed": 1}
        assert contracts.counts == {"missing": 0, "extra": 1, "changed": 0}
        assert notices.total == 0
        by_kind = {row.kind: row for t in result.tables for row in t.rows}
        assert by_kind["missing"].key["receivable_id"] == second["receivable_id"]
        changed = by_kind["changed"]
        assert changed.key == {
            "contract_id": str(first["contract_id"]),
            "receivable_id": first["receivable_id"],
        }
        [amount] = changed.changes
        assert (amount.column, amount.live - amount.rebuilt) == ("amount", Decimal(1))
        assert by_kind["extra"].table == "contracts"
        assert schemas(pg_info) == set()

    def test_the_scratch_schema_is_dropped_when_the_check_fails(
        self,
        app: ContractsApplication,
        pg_env: dict[str, str],
        pg_info: PostgresInfo,
        ledger: PostgresRowView,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        def interrupted(*_: object, **__: object) -> None:
            raise KeyboardInterrupt

        monkeypatch.setattr(verify, "compare_table", interrupted)

        with pytest.raises(KeyboardInterrupt):
            verify_view(app, LEDGER, pg_env)

        assert schemas(pg_info) == set()


@pytest.fixture
def demo_database(fresh_database: PostgresInfo) -> PostgresInfo:
    """A database of the test's own holding the demo contract."""
    contracts = ContractsApplication(env=fresh_database.eventsourcing_env(pool_size=2))
    try:
        ensure_demo_contract(contracts)
    finally:
        contracts.close()
    return fresh_database


class TestVerifyCommand:
    def test_drift_is_listed_with_its_key_and_the_exit_code_is_1(
        self, tmp_path: Path, demo_database: PostgresInfo
    ) -> None:
        fresh_database = demo_database
        env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn)
        built = lease("projections", "rebuild", "--all", cwd=tmp_path, env=env)
        assert built.returncode == 0, built.stderr

        clean = lease("projections", "verify", "--all", cwd=tmp_path, env=env)
        assert (clean.returncode, clean.stderr) == (0, ""), clean.stderr
        assert clean.stdout.count("no drift") == len(all_specs())

        run_sql(
            fresh_database,
            SQL("UPDATE {0} SET credit_balance = 42 WHERE contract_number = %s").format(
                Identifier("ledger_contracts")
            ),
            DEMO_NUMBER,
        )
        drifted = lease("projections", "verify", "ledger", "--json", cwd=tmp_path, env=env)

        assert drifted.returncode == 1
        [report] = json.loads(drifted.stdout)
        [contracts] = [t for t in report["tables"] if t["counts"]["changed"]]
        [row] = contracts["rows"]
        assert row["kind"] == "changed"
        [change] = row["changes"]
        assert change["column"] == "credit_balance"
        assert Decimal(str(change["live"])) == 42
        assert Decimal(str(change["rebuilt"])) != 42
        text = lease("projections", "verify", "ledger", cwd=tmp_path, env=env)
        assert text.returncode == 1
        assert "credit_balance" in text.stdout
        assert row["key"]["contract_id"] in text.stdout
