"""Operations endpoints (API.md 5): liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.auth import Role

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.tokens import Keys


def test_live_answers_without_a_database(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok", "checks": {}}


def test_not_ready_without_a_database(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "database: not configured" in response.json()["detail"]


def test_metrics_label_requests_by_route_template(client: TestClient, keys: Keys) -> None:
    auth = {"Authorization": f"Bearer {keys.token(Role.AUDITOR)}"}
    client.get("/v1/rules/M-03", headers=auth)
    client.get("/v1/rules/M-04", headers=auth)
    client.get("/no/such/path/12345")
    text = client.get("/metrics").text
    assert (
        'lease_api_request_seconds_count{method="GET",route="/v1/rules/{rule_id}",status="200"}'
        " 2.0" in text
    )
    assert 'route="unmatched",status="404"' in text
    assert "/no/such/path" not in text


def test_a_method_outside_http_is_timed_as_other(client: TestClient) -> None:
    for method in ("BREW", "WHEN"):
        client.request(method, "/v1/rules")
    text = client.get("/metrics").text
    assert (
        'lease_api_request_seconds_count{method="OTHER",route="unmatched",status="404"} 2.0' in text
    )
    assert "BREW" not in text
    assert "WHEN" not in text
