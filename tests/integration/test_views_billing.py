"""The billing views' contracts (tests/projection_contracts_billing.py) on PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from domain.application import ContractsApplication
from projections.registry import postgres_view
from projections.views import invoices, ledger
from tests.projection_contracts_billing import InvoicesViewContract, LedgerViewContract

if TYPE_CHECKING:
    from collections.abc import Iterator

    from eventsourcing.postgres import PostgresDatastore

    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import PostgresRowView
    from projections.views.invoices import InvoicesView
    from projections.views.ledger import LedgerView

pytestmark = pytest.mark.integration


class Postgres:
    """The application and the view in a fresh schema of the session's PostgreSQL."""

    env: dict[str, str]
    opened: list[ContractsApplication | PostgresDatastore]

    @pytest.fixture(autouse=True)
    def _postgres(self, pg_env: dict[str, str]) -> Iterator[None]:
        self.env, self.opened = pg_env, []
        yield
        for resource in reversed(self.opened):
            resource.close()

    def make_app(self) -> ContractsApplication:
        app = ContractsApplication(env=self.env)
        self.opened.append(app)
        return app

    def postgres_view(self, spec: ViewSpec) -> PostgresRowView:
        view = postgres_view(spec, self.env)
        self.opened.append(view.datastore)
        return view


class TestPostgresInvoicesView(Postgres, InvoicesViewContract):
    def make_view(self) -> InvoicesView:
        return cast("InvoicesView", self.postgres_view(invoices.SPEC))


class TestPostgresLedgerView(Postgres, LedgerViewContract):
    def make_view(self) -> LedgerView:
        return cast("LedgerView", self.postgres_view(ledger.SPEC))
