"""Authentication and roles (API.md 2): every route x every role x every bad token.

The routes come from the served OpenAPI document, so a new route joins the matrix on its
own. Here the app has no database: a role the route admits gets past authorisation (and
then 503 or 422), one it does not admit gets 403; every bad token gets 401 everywhere.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from api.auth import STAFF, Role
from api.deps import SERVICE_COMMANDS
from api.problems import MEDIA_TYPE

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.tokens import Keys

PUBLIC = {"/health/live", "/health/ready", "/metrics"}
SAMPLES = {"number": "C-1", "document_number": "INV-2024-000001", "rule_id": "M-03"}
SAMPLES["customer_number"] = "K-1"
SAMPLES["thread_id"] = "T-1"


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operation of the served OpenAPI document, its path parameters filled in."""
    found = []
    for template, operations in client.get("/v1/openapi.json").json()["paths"].items():
        if template not in PUBLIC:
            path = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], template)
            found += [(method.upper(), path) for method in sorted(operations)]
    return found


def admitted(method: str, path: str) -> set[Role]:
    """API.md 2: staff read; operators send every command, integrations the feed ones; a
    customer reads their own, under /v1/me, and nothing else."""
    if path.startswith("/v1/me/"):
        return {Role.CUSTOMER}
    if path.startswith("/v1/portal/"):  # the portal's staff routes: operators; auditors read
        return {Role.OPERATOR, Role.AUDITOR} if method == "GET" else {Role.OPERATOR}
    if method == "GET":
        return set(STAFF)
    command = path.rsplit("/commands/", 1)[-1] if "/commands/" in path else "conclude"
    return {Role.OPERATOR, Role.SERVICE} if command in SERVICE_COMMANDS else {Role.OPERATOR}


def _headers(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


def test_the_matrix_covers_every_command_and_query(client: TestClient) -> None:
    routes = _routes(client)
    assert len([r for r in routes if r[0] == "POST"]) > 30
    assert ("GET", "/v1/contracts/C-1/ledger") in routes
    assert ("GET", "/v1/me/documents/INV-2024-000001") in routes
    assert ("POST", "/v1/portal/accounts/K-1/revocation") in routes


def test_each_role_is_admitted_exactly_where_api_md_says(client: TestClient, keys: Keys) -> None:
    wrong = []
    for method, path in _routes(client):
        for role in Role:
            response = client.request(method, path, headers=_headers(keys.token(role)), json={})
            forbidden = response.status_code == 403
            if forbidden == (role in admitted(method, path)) or response.status_code == 401:
                wrong.append((method, path, role.value, response.status_code))
    assert wrong == []


def test_a_token_without_a_staff_role_is_forbidden_everywhere(
    client: TestClient, keys: Keys
) -> None:
    for method, path in _routes(client):
        response = client.request(method, path, headers=_headers(keys.token()), json={})
        assert response.status_code == 403, (method, path)
        assert response.headers["content-type"] == MEDIA_TYPE


def test_every_bad_token_is_401_with_a_challenge_everywhere(client: TestClient, keys: Keys) -> None:
    for method, path in _routes(client):
        for name, token in keys.bad_tokens().items():
            response = client.request(method, path, headers=_headers(token), json={})
            assert response.status_code == 401, (method, path, name)
            assert response.headers["www-authenticate"].startswith("Bearer"), name
            assert response.json()["type"] == "/problems/unauthenticated", name
            assert token is None or token not in response.text, name


def test_the_reason_names_what_is_wrong_with_the_token(client: TestClient, keys: Keys) -> None:
    reasons = {
        name: client.get("/v1/rules/M-03", headers=_headers(token)).json()["detail"]
        for name, token in keys.bad_tokens().items()
    }
    assert reasons == {
        "no token": "a bearer token is required",
        "expired": "token has expired",
        "wrong audience": "token is for another audience",
        "wrong signature": "token signature does not verify",
        "not a jwt": "token is not a valid JWT",
    }


@pytest.mark.parametrize("path", sorted(PUBLIC - {"/health/ready"}))
def test_operations_need_no_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_the_openapi_document_says_which_operations_need_a_bearer_token(
    client: TestClient,
) -> None:
    document = client.get("/v1/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for template, operations in document["paths"].items():
        for operation in operations.values():
            expected: list[dict[str, list[str]]] | None = [{"bearer": []}]
            if template in PUBLIC:
                expected = None
            assert operation.get("security") == expected, template


def test_a_scheme_other_than_bearer_is_401(client: TestClient, keys: Keys) -> None:
    token = keys.token(Role.AUDITOR)
    for header in (f"Basic {token}", f"Bearer{token}", "Bearer ", token):
        response = client.get("/v1/rules/M-03", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["detail"] == "a bearer token is required"
    assert client.get("/v1/rules/M-03", headers=_headers(token)).status_code == 200
