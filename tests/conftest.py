"""Shared fixtures: one PostgreSQL and one broker per test session, started on first use.

Unit tests request none of these, so they start nothing. Set LEASE_DATABASE_URL and/or
LEASE_KAFKA_BOOTSTRAP_SERVERS to run the integration tests against external servers.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg
import pytest
from hypothesis import settings as hypothesis_settings
from psycopg import errors as pg_errors
from psycopg import sql

from domain.transcoder import ContractsTranscoder
from infra.embedded.stack import Stack
from infra.settings import PostgresInfo, Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

logger = logging.getLogger(__name__)

hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")
"""Property tests check behaviour, not speed (bench/ measures speed): no per-example time
limit, which a loaded CI machine would otherwise turn into failures of correct code."""
ContractsTranscoder.cross_check = True
"""Every event and snapshot the tests write is written by `json` too, and must be the same
bytes (domain/transcoder.py: orjson writes floats and UUIDs its own way; no contract may hold
them)."""


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """PostgreSQL and the broker for the whole session (embedded unless LEASE_* say otherwise)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("lease"))
    with Stack(settings) as running:
        yield running


@pytest.fixture(scope="session")
def pg_info(stack: Stack) -> PostgresInfo:
    """Connection facts of the session's application database."""
    return stack.postgres


@pytest.fixture(scope="session")
def bootstrap_servers(stack: Stack) -> str:
    """Bootstrap servers of the session's broker."""
    return stack.bootstrap_servers


@contextmanager
def fresh_schema(info: PostgresInfo) -> Iterator[str]:
    """A schema of its own on this PostgreSQL, dropped (CASCADE) afterwards."""
    schema = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(info.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield schema
    finally:
        with psycopg.connect(info.dsn, autocommit=True) as conn:
            # A test that left a transaction open must not hang the whole session here.
            conn.execute("SET lock_timeout = '2s'")
            try:
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            except pg_errors.LockNotAvailable:
                logger.warning("schema %s is still locked; left in place", schema)


@pytest.fixture
def pg_env(pg_info: PostgresInfo) -> Iterator[dict[str, str]]:
    """An eventsourcing env whose tables live in a fresh schema of their own, dropped after."""
    with fresh_schema(pg_info) as schema:
        yield pg_info.eventsourcing_env(schema=schema)


@pytest.fixture
def fresh_database(pg_info: PostgresInfo) -> Iterator[PostgresInfo]:
    """A database of its own on the session's PostgreSQL, dropped after the test."""
    name = f"cli_{secrets.token_hex(6)}"
    with psycopg.connect(pg_info.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield dataclasses.replace(pg_info, dbname=name)
    with psycopg.connect(pg_info.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
