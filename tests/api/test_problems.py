"""Errors are problem+json and nothing a client sends is a 500 (API.md 5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.auth import Role
from api.limits import MAX_BODY
from api.problems import MEDIA_TYPE

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.tokens import Keys


def test_a_rule_is_found_by_its_id(client: TestClient, keys: Keys) -> None:
    auth = {"Authorization": f"Bearer {keys.token(Role.AUDITOR)}"}
    body = client.get("/v1/rules/T-18.3-ii", headers=auth).json()
    assert body["rule_id"] == "T-18.3-ii"
    assert body["article"]
    assert body["family"] == "ARTICLE_18"


def test_an_unknown_rule_is_a_404_problem(client: TestClient, keys: Keys) -> None:
    auth = {"Authorization": f"Bearer {keys.token(Role.AUDITOR)}"}
    response = client.get("/v1/rules/M-99", headers=auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == MEDIA_TYPE
    assert response.json() == {
        "type": "/problems/not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "no rule M-99 in the catalogue",
    }


def test_a_malformed_rule_id_is_422_naming_the_field(client: TestClient, keys: Keys) -> None:
    auth = {"Authorization": f"Bearer {keys.token(Role.AUDITOR)}"}
    response = client.get("/v1/rules/" + "X" * 300, headers=auth)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "/problems/invalid-input"
    assert problem["errors"][0]["field"] == "path.rule_id"


def test_an_unknown_path_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == MEDIA_TYPE


def test_a_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.post("/health/live")
    assert response.status_code == 405
    assert response.json()["type"] == "/problems/method-not-allowed"


def test_a_body_over_64_kib_is_413(client: TestClient) -> None:
    response = client.post("/health/live", content=b"x" * (MAX_BODY + 1))
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"
