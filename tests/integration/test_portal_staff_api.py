"""The portal's staff routes (`/v1/portal`): terms versions e-mailed to every registered
customer (PT-12), account state without personal data, answers to messages (PT-15),
revocation ending the sessions, violations and measures (PT-20), maintenance (PT-21)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from api.auth import Role
from infra.clock import SettableClock
from infra.portal.contact import CustomerContact
from infra.portal.self_service import SelfService
from infra.portal.terms_texts import FIRST_VERSION
from tests.api.served import served
from tests.api.tokens import Keys, new_keys
from tests.factories import REF_START
from tests.unit.portal_steps import registered

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi.testclient import TestClient

    from domain.application import ContractsApplication
    from infra.portal.backend import PortalBackend
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

CUSTOMER = "K-STAFF-1"
CONTACT = {
    "postal_address": "Rue de l'Exemple 1, 1000 Bruxelles",
    "email": "staff.test@example.com",
    "mobile_number": "+32 470 00 00 00",
    "language": "fr",
}


class Staff:
    """A client of the API with a registered portal customer, as operator or auditor."""

    def __init__(self, client: TestClient, keys: Keys) -> None:
        self.client, self.keys = client, keys
        self.backend = cast("PortalBackend", client.app.state.services.portal)  # type: ignore[attr-defined]

    def call(self, method: str, path: str, body: Any = None, role: Role = Role.OPERATOR) -> Any:
        headers = {"Authorization": f"Bearer {self.keys.token(role)}"}
        return self.client.request(method, "/v1/portal" + path, headers=headers, json=body)


@pytest.fixture
def staff(
    app: ContractsApplication,
    pg_env: dict[str, str],
    groups: Callable[..., ProjectionGroup],
) -> Iterator[Staff]:
    groups(app, pg_env).catch_up()
    keys = new_keys()
    with served(app, pg_env, keys, SettableClock(REF_START)) as client:
        found = Staff(client, keys)
        backend = found.backend
        account = registered(CUSTOMER, FIRST_VERSION)
        backend.app.save(account)
        now = datetime.now(UTC)
        backend.contacts.put(CUSTOMER, CustomerContact.parse(CONTACT), now)
        backend.personal.claim_username(CONTACT["email"], account.id)
        yield found


def test_the_account_state_names_no_personal_data(staff: Staff) -> None:
    answer = staff.call("GET", f"/accounts/{CUSTOMER}", role=Role.AUDITOR)
    assert answer.status_code == 200, answer.text
    state = answer.json()
    assert state["access"] == "ACTIVE"
    assert state["accepted_terms"] == [FIRST_VERSION]
    assert "example.com" not in answer.text
    assert "470" not in answer.text
    assert staff.call("GET", "/accounts/K-NOBODY").status_code == 404
    assert staff.call("GET", f"/accounts/{CUSTOMER}", role=Role.SERVICE).status_code == 403


def test_a_new_terms_version_is_emailed_to_every_registered_customer(staff: Staff) -> None:
    body = {
        "version": "2099.1",
        "effective_from": "2099-01-01",
        "texts": {"nl": "Voorwaarden", "fr": "Conditions", "en": "Terms"},
    }
    answer = staff.call("POST", "/terms-versions", body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["emailed"] == 1
    assert staff.backend.app.terms().find("2099.1") is not None
    sent = [n for n in staff.backend.outbox.recent() if n.template == "portal-terms"]
    assert [(n.to, n.parameters["version"]) for n in sent] == [(CONTACT["email"], "2099.1")]
    again = staff.call("POST", "/terms-versions", body)
    assert again.status_code == 409
    assert again.json()["rule_id"] == "PT-12"
    assert "version_exists" in again.json()["detail"]
    bad = staff.call("POST", "/terms-versions", {**body, "texts": {"nl": "x", "fr": "y"}})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.texts.en"


def test_staff_read_and_answer_a_thread(staff: Staff) -> None:
    thread = SelfService(staff.backend).send_message(CUSTOMER, "Ma voiture?", datetime.now(UTC))
    path = f"/accounts/{CUSTOMER}/messages"
    answer = staff.call("POST", f"{path}/{thread}/answers", {"text": "Elle arrive."})
    assert answer.status_code == 201, answer.text
    messages = staff.call("GET", path, role=Role.AUDITOR).json()["messages"]
    assert [(m["direction"], m["text"]) for m in messages] == [
        ("CUSTOMER_TO_LESSOR", "Ma voiture?"),
        ("LESSOR_TO_CUSTOMER", "Elle arrive."),
    ]
    unknown = staff.call("POST", f"{path}/T-NONE/answers", {"text": "?"})
    assert (unknown.status_code, unknown.json()["rule_id"]) == (409, "PT-15")
    assert staff.call("POST", f"{path}/{thread}/answers", {"text": ""}).status_code == 422


def test_a_revocation_ends_the_sessions_and_a_restoration_gives_access_back(
    staff: Staff,
) -> None:
    backend = staff.backend
    account_id = backend.app.account(CUSTOMER).id  # type: ignore[union-attr]
    opened = backend.sessions.open(account_id, datetime.now(UTC))
    path = f"/accounts/{CUSTOMER}"
    assert staff.call("POST", f"{path}/revocation", {"reason": "TERMS_REJECTED"}).status_code == 422
    revoked = staff.call("POST", f"{path}/revocation", {"reason": "MISUSE"})
    assert revoked.status_code == 200, revoked.text
    assert backend.sessions.get(opened.token, datetime.now(UTC)) is None
    assert staff.call("GET", path).json()["revoked_reason"] == "MISUSE"
    again = staff.call("POST", f"{path}/revocation", {"reason": "MISUSE"})
    assert again.status_code == 409
    assert staff.call("POST", f"{path}/restoration").status_code == 200
    assert staff.call("GET", path).json()["access"] == "ACTIVE"
    refused = staff.call("POST", f"{path}/restoration")
    assert (refused.status_code, refused.json()["rule_id"]) == (409, "PT-20")
    assert staff.call("POST", "/accounts/K-NOBODY/restoration").status_code == 404


def test_measures_must_be_proportionate(staff: Staff) -> None:
    path = f"/accounts/{CUSTOMER}"
    violation = {"violation_id": "V-1", "rule": "SPAM", "severity": "MINOR"}
    assert staff.call("POST", f"{path}/usage-violations", violation).status_code == 201
    assert staff.call("POST", f"{path}/usage-violations", violation).status_code == 409
    too_much = staff.call(
        "POST", f"{path}/measures", {"violation_id": "V-1", "measure": "ACCESS_REVOKED"}
    )
    assert (too_much.status_code, too_much.json()["rule_id"]) == (409, "PT-20")
    assert "disproportionate_measure" in too_much.json()["detail"]
    warned = staff.call("POST", f"{path}/measures", {"violation_id": "V-1", "measure": "WARNING"})
    assert warned.status_code == 201, warned.text
    assert staff.call("GET", path).json()["measures"] == 1


def test_maintenance_windows_are_announced_and_checked(staff: Staff) -> None:
    window = {"starts_at": "2099-01-01T22:00:00+01:00", "ends_at": "2099-01-02T02:00:00+01:00"}
    assert staff.call("POST", "/maintenance", window).status_code == 201
    backwards = {"starts_at": window["ends_at"], "ends_at": window["starts_at"]}
    refused = staff.call("POST", "/maintenance", backwards)
    assert (refused.status_code, refused.json()["rule_id"]) == (409, "PT-21")
    naive = staff.call("POST", "/maintenance", {**window, "starts_at": "2099-01-01T22:00:00"})
    assert naive.status_code == 422
    auditor = staff.call("POST", "/maintenance", window, role=Role.AUDITOR)
    assert auditor.status_code == 403


def test_revoking_access_for_a_severe_violation_ends_the_sessions(staff: Staff) -> None:
    backend = staff.backend
    account_id = backend.app.account(CUSTOMER).id  # type: ignore[union-attr]
    opened = backend.sessions.open(account_id, datetime.now(UTC))
    path = f"/accounts/{CUSTOMER}"
    violation = {"violation_id": "V-9", "rule": "MALWARE", "severity": "SEVERE"}
    assert staff.call("POST", f"{path}/usage-violations", violation).status_code == 201
    measure = {"violation_id": "V-9", "measure": "ACCESS_REVOKED"}
    assert staff.call("POST", f"{path}/measures", measure).status_code == 201
    assert backend.sessions.get(opened.token, datetime.now(UTC)) is None
    assert staff.call("GET", path).json()["revoked_reason"] == "MISUSE"
