"""Fixtures the integration tests share: the contracts application on the test's schema (plain
or with Kafka tracking), a second schema for a second set of views, projection groups, a taken
port, the ledger view caught up with the demo contract, and the environment of a `lease`
process on the session's servers."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Any

import pytest
from eventsourcing.postgres import PostgresDatastore, PostgresFactory

from consumers.tracking import TrackedContracts
from domain.application import ContractsApplication
from infra.bootstrap import build_projection_group, close_projection_group, ensure_demo_contract
from infra.settings import LOOPBACK
from projections.registry import all_specs, postgres_view
from tests.conftest import fresh_schema
from tests.integration.test_cli import cli_env

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from infra.settings import PostgresInfo
    from projections.engine.rows import PostgresRowView
    from projections.engine.runner import ProjectionGroup


@pytest.fixture
def app(pg_env: dict[str, str]) -> Iterator[ContractsApplication]:
    """The contracts application on the test's schema."""
    application = ContractsApplication(env=pg_env)
    yield application
    application.close()


@pytest.fixture
def one_connection(pg_env: dict[str, str]) -> Iterator[ContractsApplication]:
    """The application with a pool of one connection: every statement uses the same
    session, so its prepared statements are the ones the recorders used."""
    env = pg_env | {
        PostgresFactory.POSTGRES_POOL_SIZE: "1",
        PostgresFactory.POSTGRES_MAX_OVERFLOW: "0",
    }
    application = ContractsApplication(env=env)
    yield application
    application.close()


@pytest.fixture
def tracked_app(pg_env: dict[str, str]) -> Iterator[TrackedContracts]:
    """The consumers' application on the test's schema: contracts with Kafka tracking."""
    application = TrackedContracts(env=pg_env)
    yield application
    application.close()


@pytest.fixture
def rebuild_env(pg_info: PostgresInfo, pg_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The application's env with the views in a second schema: a second set of views."""
    with fresh_schema(pg_info) as schema:
        yield {**pg_env, PostgresFactory.POSTGRES_SCHEMA: schema}


@pytest.fixture
def groups() -> Iterator[Callable[..., ProjectionGroup]]:
    """Builds projection groups and closes their views' pools after the test."""
    built: list[ProjectionGroup] = []

    def build(app: ContractsApplication, env: dict[str, str], **kwargs: Any) -> ProjectionGroup:
        group = build_projection_group(app, env, **kwargs)
        built.append(group)
        return group

    yield build
    for group in built:
        close_projection_group(group)


@pytest.fixture
def ledger(
    app: ContractsApplication,
    pg_env: dict[str, str],
    groups: Callable[..., ProjectionGroup],
) -> Iterator[PostgresRowView]:
    """The demo contract stored and the live ledger view caught up with it."""
    ensure_demo_contract(app)
    groups(app, pg_env, names=["ledger"]).catch_up()
    view = postgres_view(all_specs(["ledger"])[0], pg_env, create=False)
    yield view
    view.datastore.close()


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port somebody else already listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def session_env(pg_info: PostgresInfo, bootstrap_servers: str) -> dict[str, str]:
    """A `lease` process's environment: the session's database and broker."""
    return cli_env(LEASE_DATABASE_URL=pg_info.dsn, LEASE_KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers)


@pytest.fixture
def own_database_env(fresh_database: PostgresInfo, bootstrap_servers: str) -> dict[str, str]:
    """A `lease` process's environment: a database of the test's own, the session's broker."""
    return cli_env(
        LEASE_DATABASE_URL=fresh_database.dsn, LEASE_KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers
    )


@pytest.fixture
def portal_datastore(pg_info: PostgresInfo, pg_env: dict[str, str]) -> Iterator[PostgresDatastore]:
    """A datastore on the test's schema, for the portal's stores (infra/portal)."""
    datastore = PostgresDatastore(
        pg_info.dbname,
        pg_info.host,
        pg_info.port,
        pg_info.user,
        pg_info.password,
        schema=pg_env[PostgresFactory.POSTGRES_SCHEMA],
        pool_size=2,
    )
    yield datastore
    datastore.close()
