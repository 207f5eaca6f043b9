"""A customer token reads its own contracts and documents, and nothing of another customer's
(API.md 2: another customer's contract is 404, never revealing that it exists)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from pypdf import PdfReader

from api.auth import Role
from infra.clock import SettableClock
from tests.api.served import served
from tests.api.tokens import Keys, new_keys
from tests.factories import REF_START, handed_over_ref_contract, run_days
from tests.portal_accounts import activate

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi.testclient import TestClient

    from domain.application import ContractsApplication
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

TODAY = date(2024, 6, 20)


class Customers:
    """Two customers with a billed contract each, and a test client."""

    def __init__(self, client: TestClient, keys: Keys, contracts: dict[str, str]) -> None:
        self.client, self.keys, self.contracts = client, keys, contracts
        self.mine, self.theirs = list(contracts)

    def get(self, path: str, customer: str, accept: str = "application/json") -> Any:
        token = self.keys.token(Role.CUSTOMER, customer=customer)
        headers = {"Authorization": f"Bearer {token}", "Accept": accept}
        return self.client.get(path, headers=headers)

    def document_of(self, customer: str) -> str:
        token = self.keys.token(Role.AUDITOR)
        path = f"/v1/contracts/{self.contracts[customer]}/documents"
        documents = self.client.get(path, headers={"Authorization": f"Bearer {token}"}).json()
        return str(documents[0]["number"])


@pytest.fixture
def customers(
    app: ContractsApplication,
    pg_env: dict[str, str],
    groups: Callable[..., ProjectionGroup],
) -> Iterator[Customers]:
    contracts = {}
    for _ in range(2):
        contract = handed_over_ref_contract()
        run_days(contract, REF_START, TODAY)
        app.save(contract)
        contracts[contract.terms.customer_number] = contract.number
    groups(app, pg_env).catch_up()
    keys = new_keys()
    with served(app, pg_env, keys, SettableClock(TODAY)) as client:
        backend = client.app.state.services.portal  # type: ignore[attr-defined]
        for customer in contracts:  # /v1/me needs a registered portal account (PT-04)
            activate(backend, customer, datetime.now(UTC))
        yield Customers(client, keys, contracts)


def test_a_customer_lists_only_their_own_contracts(customers: Customers) -> None:
    response = customers.get("/v1/me/contracts", customers.mine)
    assert response.status_code == 200, response.text
    numbers = [c["contract_number"] for c in response.json()["contracts"]]
    assert numbers == [customers.contracts[customers.mine]]


def test_a_customer_reads_their_contract_and_documents(customers: Customers) -> None:
    number = customers.contracts[customers.mine]
    overview = customers.get(f"/v1/me/contracts/{number}", customers.mine)
    assert overview.json()["customer_number"] == customers.mine
    documents = customers.get(f"/v1/me/contracts/{number}/documents", customers.mine)
    assert documents.json()
    document = customers.document_of(customers.mine)
    pdf = customers.get(f"/v1/me/documents/{document}", customers.mine, "application/pdf")
    assert pdf.status_code == 200
    assert document in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_another_customers_contract_is_not_found_as_if_it_did_not_exist(
    customers: Customers,
) -> None:
    theirs = customers.contracts[customers.theirs]
    for path in (f"/v1/me/contracts/{theirs}", f"/v1/me/contracts/{theirs}/documents"):
        other = customers.get(path, customers.mine)
        missing = customers.get(path.replace(theirs, "NO-SUCH-1"), customers.mine)
        assert other.status_code == missing.status_code == 404
        detail = other.json()["detail"].replace(theirs, "NO-SUCH-1")
        assert detail == missing.json()["detail"]


def test_another_customers_document_is_not_found(customers: Customers) -> None:
    document = customers.document_of(customers.theirs)
    for accept in ("application/json", "text/html", "application/pdf"):
        response = customers.get(f"/v1/me/documents/{document}", customers.mine, accept)
        assert response.status_code == 404, accept
        assert response.json()["detail"] == f"no document {document}"


def test_a_customer_token_cannot_use_the_staff_routes(customers: Customers) -> None:
    number = customers.contracts[customers.mine]
    for path in (
        f"/v1/contracts/{number}",
        "/v1/contracts",
        f"/v1/customers/{customers.mine}/exposure",
    ):
        assert customers.get(path, customers.mine).status_code == 403, path
