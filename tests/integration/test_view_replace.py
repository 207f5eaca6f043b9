"""A view's rows replaced in one transaction on PostgreSQL (`PostgresRowView.replace_with`): the
primary keys are dropped while the rows are written and built again before the commit
(`TableSql.drop_key`), so every table ends keyed as it was created, and rows that break a key
fail the replace and leave the view as it was."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.postgres import PostgresFactory
from psycopg.sql import SQL, Identifier

from infra.bootstrap import rebuild
from projections.registry import VIEW_MODULES
from tests.integration.test_projection_runner import all_rows, head, positions, store_scenarios

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.application import ContractsApplication
    from infra.settings import PostgresInfo
    from projections.engine.rows import PostgresRowView
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

KEYS = (
    "SELECT t.relname, c.conname, array_agg(a.attname::text ORDER BY k.n) AS columns"
    " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
    " JOIN pg_namespace s ON s.oid = t.relnamespace"
    " CROSS JOIN unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
    " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum"
    " WHERE s.nspname = %s AND c.contype = 'p' GROUP BY t.relname, c.conname"
)


def primary_keys(info: PostgresInfo, schema: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each table of the schema that has a primary key: its constraint's name and columns."""
    with psycopg.connect(info.dsn) as conn:
        rows = conn.execute(KEYS, (schema,)).fetchall()
    return {table: (name, tuple(columns)) for table, name, columns in rows}


def stored(view: PostgresRowView) -> dict[str, list[Any]]:
    """Every table's rows, in key order."""
    return {t.name: sorted(view.select(t.name), key=t.key_of) for t in view.tables}


def copying(view: PostgresRowView, rows: dict[str, list[Any]]) -> Callable[..., None]:
    """A `write` for `replace_with` that COPYs these rows into their tables."""

    def write(curs: psycopg.Cursor[Any]) -> None:
        for table, table_rows in rows.items():
            view.table_sql(table).copy(curs, table_rows)

    return write


class TestReplace:
    def test_every_table_is_keyed_as_created_after_a_rebuild(
        self,
        app: ContractsApplication,
        pg_info: PostgresInfo,
        pg_env: dict[str, str],
        rebuild_env: dict[str, str],
        groups: Callable[..., ProjectionGroup],
    ) -> None:
        # Given views that followed the log, their tables keyed as they were created
        store_scenarios(app, "arrears-formal-notice", "total-loss")
        group = groups(app, pg_env, rebuild_workers=1)
        group.catch_up()
        schema = pg_env[PostgresFactory.POSTGRES_SCHEMA]
        created = primary_keys(pg_info, schema)
        followed = all_rows(group)

        # When every view is rebuilt (each replaced in one transaction)
        assert rebuild(group) == head(app)

        # Then every table has the same key, under the same name, and the same rows
        assert primary_keys(pg_info, schema) == created
        tables = {
            p.view.table_sql(t.name).where[1] for p in group.projections for t in p.view.tables
        }
        assert tables <= created.keys()
        assert all_rows(group) == followed
        assert positions(group) == dict.fromkeys(VIEW_MODULES, head(app))

    def test_rows_that_break_a_key_fail_the_replace_and_leave_the_view_as_it_was(
        self, app: ContractsApplication, ledger: PostgresRowView
    ) -> None:
        before = stored(ledger)
        position = ledger.position(app.name)
        one_item_twice = {**before, "items": before["items"] + before["items"][:1]}

        with pytest.raises(IntegrityError):
            ledger.replace_with(copying(ledger, one_item_twice), Tracking(app.name, 10**6))

        assert stored(ledger) == before
        assert ledger.position(app.name) == position

    def test_a_table_found_without_its_key_gets_it_back(
        self, app: ContractsApplication, pg_info: PostgresInfo, ledger: PostgresRowView
    ) -> None:
        # Given a table whose primary key someone dropped
        schema, name = ledger.table_sql("items").where
        with psycopg.connect(pg_info.dsn, autocommit=True) as conn:
            conn.execute(
                SQL("ALTER TABLE {0}.{1} DROP CONSTRAINT {2}").format(
                    Identifier(schema), Identifier(name), Identifier(f"{name}_pkey")
                )
            )
        assert name not in primary_keys(pg_info, schema)
        before = stored(ledger)

        # When the view is replaced by the same rows
        ledger.replace_with(copying(ledger, before), Tracking(app.name, head(app)))

        # Then the table is keyed again, on the view's declared key
        keyed = primary_keys(pg_info, schema)[name]
        assert keyed == (f"{name}_pkey", ("contract_id", "receivable_id"))
        assert stored(ledger) == before
