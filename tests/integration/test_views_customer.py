"""The customer-facing views on PostgreSQL: portal, deadlines, exposure (STYLE 6 contract tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import pytest

from domain.application import ContractsApplication
from projections.registry import postgres_view
from tests.projection_contracts_customer import (
    DeadlinesViewContract,
    ExposureViewContract,
    PortalViewContract,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import RowView

pytestmark = pytest.mark.integration


class PostgresBackend:
    """Contracts and views in a fresh PostgreSQL schema per test; connections closed after."""

    spec: ClassVar[ViewSpec]
    env: dict[str, str]
    closers: list[Callable[[], None]]

    @pytest.fixture(autouse=True)
    def _postgres(self, pg_env: dict[str, str]) -> Iterator[None]:
        self.env, self.closers = pg_env, []
        yield
        for close in reversed(self.closers):
            close()

    def make_app(self) -> ContractsApplication:
        app = ContractsApplication(env=self.env)
        self.closers.append(app.close)
        return app

    def make_view(self) -> RowView:
        view = postgres_view(self.spec, self.env)
        self.closers.append(view.datastore.close)
        return view


class TestPostgresPortalView(PostgresBackend, PortalViewContract):
    """PT-15 on PostgreSQL."""


class TestPostgresDeadlinesView(PostgresBackend, DeadlinesViewContract):
    """RULES 5 on PostgreSQL."""


class TestPostgresExposureView(PostgresBackend, ExposureViewContract):
    """K-01 on PostgreSQL."""
