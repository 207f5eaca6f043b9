"""Authentication and roles (API.md 2): every route x every role x every bad token."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.auth import Role
from api.problems import MEDIA_TYPE

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.tokens import Keys

ROUTES: dict[tuple[str, str], dict[Role, int]] = {
    ("GET", "/v1/rules/M-03"): {Role.OPERATOR: 200, Role.SERVICE: 200, Role.AUDITOR: 200},
}
"""Route -> the status each role gets (a role not listed gets 403)."""
PUBLIC = [("GET", "/health/live")]


def _headers(token: str | None) -> dict[str, str]:
    return {} if token is None else {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path"), list(ROUTES))
def test_each_role_gets_what_the_matrix_says(
    client: TestClient, keys: Keys, method: str, path: str
) -> None:
    for role in Role:
        response = client.request(method, path, headers=_headers(keys.token(role)))
        assert response.status_code == ROUTES[method, path].get(role, 403), (role, response.text)


@pytest.mark.parametrize(("method", "path"), list(ROUTES))
def test_a_token_without_a_staff_role_is_forbidden(
    client: TestClient, keys: Keys, method: str, path: str
) -> None:
    response = client.request(method, path, headers=_headers(keys.token()))
    assert response.status_code == 403
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.json()["type"] == "/problems/forbidden"


@pytest.mark.parametrize(("method", "path"), list(ROUTES))
def test_every_bad_token_is_401_with_a_challenge(
    client: TestClient, keys: Keys, method: str, path: str
) -> None:
    for name, token in keys.bad_tokens().items():
        response = client.request(method, path, headers=_headers(token))
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"].startswith("Bearer"), name
        problem = response.json()
        assert problem["type"] == "/problems/unauthenticated", name
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


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_health_needs_no_token(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path).status_code == 200
