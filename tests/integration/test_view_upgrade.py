"""A view whose tables an older version created (without today's columns) is given the
columns and built again by the next catch-up, instead of failing on its first insert."""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
import pytest
from eventsourcing.postgres import PostgresFactory
from psycopg import sql

from domain.application import ContractsApplication
from domain.values import FuelType
from infra.bootstrap import catch_up
from tests.factories import handed_over_ref_contract

if TYPE_CHECKING:
    from collections.abc import Callable

    from infra.settings import PostgresInfo
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration


def test_a_view_made_by_an_older_version_gets_its_new_columns_and_is_rebuilt(
    pg_env: dict[str, str], pg_info: PostgresInfo, groups: Callable[..., ProjectionGroup]
) -> None:
    app = ContractsApplication(env=pg_env)
    app.save(handed_over_ref_contract(contract_number="H2-1", fuel_type=FuelType.HYDROGEN))
    catch_up(groups(app, pg_env))
    table = sql.Identifier(pg_env[PostgresFactory.POSTGRES_SCHEMA], "portal_contracts")
    with psycopg.connect(pg_info.dsn, autocommit=True) as conn:  # as the version before
        for column in ("km_cap", "awaiting_lessor", "lessor_tasks"):
            conn.execute(
                sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, sql.Identifier(column))
            )

    group = groups(app, pg_env)
    catch_up(group)

    portal = next(p.view for p in group.projections if p.name == "portal")
    (row,) = portal.select("contracts")
    assert (row["contract_number"], row["km_cap"], row["awaiting_lessor"]) == (
        "H2-1",
        200_000,
        True,
    )
    assert [t["reason"] for t in row["lessor_tasks"]] == ["KM_CAP_DEFAULTED"]
    assert groups(app, pg_env).upgrade() == []  # the tables now have every column
    app.close()
