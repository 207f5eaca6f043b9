"""The billing views' contracts (tests/projection_contracts_billing.py) on the in-memory views."""

from __future__ import annotations

from domain.application import ContractsApplication
from projections.views.invoices import InMemoryInvoicesView, InvoicesView
from projections.views.ledger import InMemoryLedgerView, LedgerView
from tests.billing_stories import IN_MEMORY_ENV
from tests.projection_contracts_billing import InvoicesViewContract, LedgerViewContract


class InMemory:
    """The contracts application in memory (eventsourcing POPO)."""

    def make_app(self) -> ContractsApplication:
        return ContractsApplication(env=IN_MEMORY_ENV)


class TestInMemoryInvoicesView(InMemory, InvoicesViewContract):
    def make_view(self) -> InvoicesView:
        return InMemoryInvoicesView()


class TestInMemoryLedgerView(InMemory, LedgerViewContract):
    def make_view(self) -> LedgerView:
        return InMemoryLedgerView()
