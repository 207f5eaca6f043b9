"""The API's queries on PostgreSQL views (API.md 4): each answer is what the view holds,
with its position in X-Position; `min_position` waits for the view, else 503."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.auth import Role
from domain.contract.billing import ReceivePayment
from domain.money import Money
from domain.payment_reference import structured_communication
from domain.values import FuelType
from infra.clock import SettableClock
from tests.api.served import served
from tests.api.tokens import Keys, new_keys
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_days

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from domain.application import ContractsApplication
    from domain.contract import Contract
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

TODAY = date(2024, 6, 20)
WAIT_MS = 200


class Api:
    """A test client on the views of the test's schema, and the staff tokens."""

    def __init__(
        self, client: TestClient, keys: Keys, group: ProjectionGroup, contract: Contract
    ) -> None:
        self.client, self.keys, self.group = client, keys, group
        self.head = group.app.recorder.max_notification_id() or 0
        self.number, self.customer = contract.number, contract.terms.customer_number

    def catch_up(self) -> None:
        self.group.catch_up()

    def get(self, path: str, params: dict[str, Any] | None = None, accept: str = "") -> Any:
        headers = {"Authorization": f"Bearer {self.keys.token(Role.AUDITOR)}"}
        if accept:
            headers["Accept"] = accept
        return self.client.get(path, headers=headers, params=params)


@pytest.fixture
def api(
    app: ContractsApplication,
    pg_env: dict[str, str],
    groups: Callable[..., ProjectionGroup],
) -> Iterator[Api]:
    contract = handed_over_ref_contract()
    run_days(contract, REF_START, TODAY)
    app.save(contract)
    app.execute(contract.number, ReceivePayment(Money.of("419.35"), "pay-1"), ctx(TODAY))
    group = groups(app, pg_env)
    group.catch_up()
    keys = new_keys()
    with served(app, pg_env, keys, SettableClock(TODAY), WAIT_MS) as client:
        yield Api(client, keys, group, contract)


def test_the_overview_is_the_portal_view_on_the_business_date(api: Api) -> None:
    response = api.get(f"/v1/contracts/{api.number}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contract_number"] == api.number
    assert body["status"] == "ACTIVE"
    assert body["as_of"] == TODAY.isoformat()
    assert body["remaining_capital"] == format(Decimal(body["remaining_capital"]), "f")
    assert isinstance(body["open_total"], str)
    assert int(response.headers["X-Position"]) == api.head


def test_documents_are_numbered_and_their_amounts_are_strings(api: Api) -> None:
    documents = api.get(f"/v1/contracts/{api.number}/documents").json()
    first = documents[0]
    assert first["number"].startswith("INV-2024-")
    assert first["amount"] == "419.35"
    assert first["open"] == "0.00"
    one = api.get(f"/v1/documents/{first['number']}").json()
    assert one == first


def test_history_ledger_deadlines_and_exposure_answer(api: Api) -> None:
    history = api.get(f"/v1/contracts/{api.number}/history").json()
    assert history[0]["event_type"] == "ContractConcluded"
    later = (TODAY + timedelta(days=30)).isoformat()
    ledger = api.get(f"/v1/contracts/{api.number}/ledger", {"on": later})
    assert ledger.status_code == 200, ledger.text
    assert ledger.json()["as_of"] == later
    assert api.get(f"/v1/contracts/{api.number}/deadlines").status_code == 200
    exposure = api.get(f"/v1/customers/{api.customer}/exposure")
    assert exposure.status_code == 200, exposure.text
    assert [c["contract_number"] for c in exposure.json()["contracts"]] == [api.number]
    assert (exposure.json()["guarantees"], exposure.json()["guarantees_available"]) == ([], "0.00")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/contracts/NOPE-1",
        "/v1/contracts/NOPE-1/history",
        "/v1/contracts/NOPE-1/ledger",
        "/v1/documents/INV-1999-000001",
        "/v1/customers/NOBODY/exposure",
    ],
)
def test_what_the_views_do_not_know_is_404(api: Api, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_min_position_beyond_the_view_is_503_with_retry_after(api: Api) -> None:
    response = api.get(f"/v1/contracts/{api.number}", {"min_position": api.head + 1})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


def test_min_position_reached_answers_at_once(api: Api) -> None:
    response = api.get(f"/v1/contracts/{api.number}", {"min_position": api.head})
    assert response.status_code == 200


def test_contracts_are_listed_a_page_at_a_time(api: Api, app: ContractsApplication) -> None:
    for _ in range(4):
        app.save(handed_over_ref_contract(customer_number=api.customer))
    api.catch_up()
    seen: list[str] = []
    cursor = None
    while True:
        params = {"customer": api.customer, "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/v1/contracts", params).json()
        assert len(page["contracts"]) <= 2
        seen += [c["contract_number"] for c in page["contracts"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen == sorted(seen)


def test_contracts_filter_by_status(api: Api) -> None:
    def numbers(status: str) -> list[str]:
        page = api.get("/v1/contracts", {"customer": api.customer, "status": status}).json()
        return [c["contract_number"] for c in page["contracts"]]

    assert numbers("ACTIVE") == [api.number]
    assert numbers("CLOSED") == []


def test_A_15_contracts_waiting_on_the_lessor_are_listed_with_their_tasks(
    api: Api, app: ContractsApplication
) -> None:
    hydrogen = handed_over_ref_contract(
        customer_number=api.customer, contract_number="H2-9", fuel_type=FuelType.HYDROGEN
    )
    app.save(hydrogen)
    api.catch_up()

    def numbers(awaiting: str) -> list[str]:
        params = {"customer": api.customer, "awaiting_lessor": awaiting}
        return [c["contract_number"] for c in api.get("/v1/contracts", params).json()["contracts"]]

    assert numbers("true") == ["H2-9"]
    assert numbers("false") == [api.number]
    tasks = api.get("/v1/contracts/H2-9").json()["lessor_tasks"]
    assert [(t["rule_id"], t["reason"]) for t in tasks] == [("A-15", "KM_CAP_DEFAULTED")]
    assert "200000 km assumed" in tasks[0]["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"awaiting_lessor": "perhaps"}, "query.awaiting_lessor"),
        ({"cursor": "!!!"}, "query.cursor"),
        ({"cursor": "AAEC"}, "query.cursor"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 201}, "query.limit"),
        ({"status": "PARTYING"}, "query.status"),
        ({"customer": "x" * 65}, "query.customer"),
    ],
)
def test_bad_list_parameters_are_422_naming_them(
    api: Api, params: dict[str, Any], field: str
) -> None:
    response = api.get("/v1/contracts", params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_ready_and_the_lag_of_every_view_in_the_metrics(api: Api) -> None:
    ready = api.client.get("/health/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"] == "ok"
    text = api.client.get("/metrics").text
    assert f"lease_event_log_head {float(api.head)}" in text
    assert 'lease_reader_lag_events{reader="view:portal"} 0.0' in text


def _unpaid_invoice(api: Api) -> dict[str, Any]:
    documents = api.get(f"/v1/contracts/{api.number}/documents").json()
    return next(d for d in documents if d["open"] != "0.00")


def test_a_document_renders_as_html_with_its_rules_and_payment_reference(api: Api) -> None:
    invoice = _unpaid_invoice(api)
    response = api.get(f"/v1/documents/{invoice['number']}", accept="text/html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for expected in (
        invoice["number"],
        api.number,
        api.customer,
        *invoice["rule_ids"],
        "Art. 5.1",
        structured_communication(invoice["number"]),
        invoice["open"],
    ):
        assert expected in page, expected


def test_a_document_renders_as_pdf_with_the_same_content(api: Api) -> None:
    invoice = _unpaid_invoice(api)
    response = api.get(f"/v1/documents/{invoice['number']}", accept="application/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice["number"] in text
    assert structured_communication(invoice["number"]) in text


def test_a_document_in_an_unoffered_type_is_406(api: Api) -> None:
    invoice = _unpaid_invoice(api)
    response = api.get(f"/v1/documents/{invoice['number']}", accept="image/png")
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"


def test_every_line_of_a_document_is_explained_to_staff(api: Api) -> None:
    documents = api.get(f"/v1/contracts/{api.number}/documents").json()
    interest = next(d for d in documents if d["category"] == "INTEREST")
    path = f"/v1/documents/{interest['number']}/explanation"

    body = api.get(path).json()  # an auditor

    assert body["document"]["number"] == interest["number"]
    assert body["issued_by"]["type"] == "LateInterestAccrued"
    assert body["issued_by"]["position"] > 0  # the event's notification id in the log
    [line] = body["lines"]
    assert (line["rule_id"], line["rules"][0]["article"]) == ("M-06", "Art. 5.2")
    assert line["formula"] == "principal x 2.4% x days / 365"
    assert line["applied"].startswith("419.35 x 2.4% x ")
    assert line["applied"].endswith(f" = {interest['amount']}")
    assert line["result"] == line["amount"] == interest["amount"]
    cited = {event["cites"]: event for event in line["events"][1:]}
    assert (cited["payment_id"]["ref"], cited["payment_id"]["type"]) == ("pay-1", "PaymentReceived")
    assert cited["receivable_id"]["document"] == documents[0]["number"]
    assert cited["payment_id"]["position"] < body["issued_by"]["position"]
    for role, status in ((Role.OPERATOR, 200), (Role.CUSTOMER, 403)):
        token = {"Authorization": f"Bearer {api.keys.token(role)}"}
        assert api.client.get(path, headers=token).status_code == status


def test_explaining_an_unknown_document_is_404(api: Api) -> None:
    response = api.get("/v1/documents/INV-1999-000001/explanation")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "no document INV-1999-000001"
