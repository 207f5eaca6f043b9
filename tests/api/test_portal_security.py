"""Security headers on the portal and the API, and the CSRF check of the portal's forms."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.portal.csrf import FIELD, CsrfRejectedError, check_csrf
from api.portal.security import CSP, headers_for

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

PAGES = ["/portal/login", "/portal/contact", "/portal/security", "/portal/no-such-page"]


@pytest.mark.parametrize("path", PAGES)
def test_portal_pages_get_the_strict_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert "script-src" not in CSP
    assert "'unsafe-inline'" not in CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in headers


def test_the_stylesheet_may_be_revalidated(client: TestClient) -> None:
    response = client.get("/portal/static/portal.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == CSP


def test_the_api_and_swagger_get_only_the_harmless_headers(client: TestClient) -> None:
    for path in ("/v1/docs", "/v1/openapi.json", "/health/live"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert "content-security-policy" not in headers, path
        assert "x-frame-options" not in headers, path


def test_hsts_only_over_https() -> None:
    assert "strict-transport-security" in headers_for("/portal/login", "https")
    assert "strict-transport-security" in headers_for("/v1/contracts", "https")
    assert "strict-transport-security" not in headers_for("/portal/login", "http")
    assert "content-security-policy" not in headers_for("/portalx", "http")


def test_the_portal_is_not_in_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/v1/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/portal")]


def test_csrf_accepts_the_session_token() -> None:
    check_csrf("a" * 43, "a" * 43)


@pytest.mark.parametrize("submitted", [None, "", "b" * 43, "a" * 42])
def test_csrf_rejects_anything_else(submitted: str | None) -> None:
    with pytest.raises(CsrfRejectedError) as caught:
        check_csrf("a" * 43, submitted)
    assert caught.value.field == FIELD == "csrf_token"
    assert "csrf_token" in str(caught.value)


def test_csrf_rejects_a_session_without_token() -> None:
    with pytest.raises(CsrfRejectedError):
        check_csrf("", "")
