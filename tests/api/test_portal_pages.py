"""The portal's pages: every template renders in every language with its documented context,
every form field has a label and every form its CSRF field; the static pages are served."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import pytest
from starlette.requests import Request

from api.portal import i18n
from api.portal.csrf import CsrfRejectedError, check_csrf
from api.portal.pages import TEMPLATES, render

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TOKEN = "tok-" + "x" * 40
KM = {
    "allowance_to_date": 21000,
    "driven": 23450,
    "over_allowance": 2450,
    "last_odometer": 23460,
    "last_reported_on": date(2026, 11, 20),
    "km_cap": 150000,
    "cap_headroom": 126540,
}
OVERVIEW: dict[str, Any] = {
    "contract_number": "C-2025-0042",
    "status": "ACTIVE",
    "start_date": date(2025, 1, 15),
    "contractual_end_date": date(2029, 1, 14),
    "term_months": 48,
    "as_of": date(2026, 12, 2),
    "km": KM,
    "remaining_capital": Decimal("21034.5"),
    "next_instalment": {"period_start": date(2027, 1, 1), "amount": Decimal("489.90")},
    "open_total": Decimal("979.80"),
    "overdue_total": Decimal("489.90"),
    "credit_owed": Decimal(0),
    "timeline": [{"occurred_on": date(2025, 1, 15), "text": "The vehicle was handed over."}],
}
DOCUMENT: dict[str, Any] = {
    "document_id": "INV-2026-000123",
    "type": "INVOICE",
    "issued_on": date(2026, 12, 1),
    "amount": Decimal("489.90"),
    "open": Decimal("489.90"),
    "html_url": "/portal/documents/INV-2026-000123",
    "pdf_url": "/portal/documents/INV-2026-000123.pdf",
    "content_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}
LOGGED_IN = {"logged_in": True, "csrf_token": TOKEN}
CONTEXTS: dict[str, dict[str, Any]] = {
    "login.html": {"csrf_token": TOKEN, "error": "wrong", "email": "a@b.be"},
    "register_number.html": {
        "csrf_token": TOKEN,
        "error": None,
        "not_recognised": True,
        "customer_number": "",
    },
    "register_code.html": {
        "csrf_token": TOKEN,
        "step": 3,
        "masked_mobile": "+32 4** ** ** 12",
        "action": "/portal/register/code",
        "resend_action": "/portal/register/code/resend",
        "missing_action": "/portal/register/code/missing",
        "error": None,
        "resent": False,
    },
    "register_credentials.html": {
        "csrf_token": TOKEN,
        "error": None,
        "first_name": "",
        "last_name": "",
        "email": "",
    },
    "terms.html": {
        "csrf_token": TOKEN,
        "version": "2026-01",
        "effective_from": date(2026, 1, 1),
        "terms_text": "Article 1.\n\nArticle 2.",
        "action": "/portal/terms",
        "download_url": "/portal/terms/2026-01.pdf",
        "changed": True,
        "step": None,
    },
    "register_security.html": {"csrf_token": TOKEN, "error": None, "contract_number": ""},
    "contact.html": {},
    "privacy.html": {},
    "security_duties.html": {},
    "contracts.html": {
        **LOGGED_IN,
        "contracts": [
            {
                "contract_number": "C-2025-0042",
                "status": "ACTIVE",
                "start_date": date(2025, 1, 15),
                "contractual_end_date": None,
                "url": "/portal/contracts/1",
            }
        ],
    },
    "contract.html": {
        **LOGGED_IN,
        "c": OVERVIEW,
        "documents": [DOCUMENT],
        "back_url": "/portal/contracts",
    },
    "messages.html": {
        **LOGGED_IN,
        "threads": [
            {
                "subject": "Kilometerstand",
                "contract_number": "C-2025-0042",
                "messages": [
                    {"direction": "CUSTOMER_TO_LESSOR", "sent_at": date(2026, 12, 1), "text": "Hi"},
                    {"direction": "LESSOR_TO_CUSTOMER", "sent_at": date(2026, 12, 2), "text": "Ok"},
                ],
            }
        ],
        "contract_numbers": ["C-2025-0042"],
        "sent": True,
        "error": None,
        "today": date(2026, 12, 2),
    },
    "profile.html": {
        **LOGGED_IN,
        "saved": True,
        "language_action": "/portal/profile/language",
        "suspicious_action": "/portal/profile/suspicious",
        "transfers": ["NEWCO-1"],
        "transfer_action": "/portal/profile/transfer",
    },
    "suspicious_done.html": {},
    "error.html": {"status": 404, "message": "Not here"},
    "dev_notifications.html": {
        "notifications": [
            {
                "kind": "SMS",
                "to": "+32470000012",
                "template": "registration_code",
                "language": "nl",
                "parameters": {"code": "123456"},
                "at": "2026-12-02T08:00:00Z",
            }
        ]
    },
}


class Form(HTMLParser):
    """The inputs, labels and forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.forms: list[dict[str, str | None]] = []
        self.csrf_fields = 0
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if tag == "form":
            self.forms.append(a)
        if tag in ("input", "select", "textarea"):
            if a.get("type") == "hidden":
                self.csrf_fields += a.get("name") == "csrf_token"
            else:
                self.controls.append(a)


def _request(path: str = "/portal/page", query: str = "") -> Request:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [],
        "scheme": "http",
        "server": ("testserver", 80),
    }
    return Request(scope)


def _parse(html: str) -> Form:
    form = Form()
    form.feed(html)
    return form


def test_every_template_has_a_documented_context() -> None:
    names = {p.name for p in (TEMPLATES / "portal").glob("*.html") if not p.name.startswith("_")}
    assert names - {"base.html"} == set(CONTEXTS)
    for name in names:
        assert (TEMPLATES / "portal" / name).read_text(encoding="utf-8").startswith("{#")


@pytest.mark.parametrize("language", i18n.LANGUAGES)
@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_the_page_renders_accessibly(template: str, language: str) -> None:
    response = render(_request(), template, language, **CONTEXTS[template])
    html = bytes(response.body).decode()
    page = _parse(html)
    assert page.html_lang == language
    assert 'href="#main"' in html
    assert 'id="main"' in html
    assert "contract.sf@bmw.be" in html
    assert "+32 3 890 51 11" in html
    assert "/portal/security" in html
    assert "style=" not in html
    assert "<script" not in html
    for control in page.controls:
        assert control.get("id") in page.label_for, (template, control)
        assert control.get("autocomplete"), (template, control)
    for form in page.forms:
        assert form.get("method") == "post", (template, form)
    assert page.csrf_fields == len(page.forms), template


def test_the_overview_formats_money_and_km_in_the_language() -> None:
    context = CONTEXTS["contract.html"]
    nl = bytes(render(_request(), "contract.html", "nl", **context).body).decode()
    fr = bytes(render(_request(), "contract.html", "fr", **context).body).decode()
    en = bytes(render(_request(), "contract.html", "en", **context).body).decode()
    assert "€\u00a021.034,50" in nl
    assert "23.450 km gereden van 21.000 km" in nl
    assert "21\u202f034,50\u00a0€" in fr
    assert "€21,034.50" in en
    assert "<meter" in nl
    assert DOCUMENT["content_hash"] in nl
    assert DOCUMENT["pdf_url"] in nl
    assert "15/01/2025" in nl


def test_the_language_switch_keeps_the_query() -> None:
    html = bytes(render(_request(query="x=1"), "contact.html", "fr").body).decode()
    assert 'href="/portal/page?x=1&amp;lang=nl"' in html
    assert 'aria-current="true">Français' in html


def test_entry_redirects_to_login(client: TestClient) -> None:
    response = client.get("/portal/?lang=fr", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal/login?lang=fr"


@pytest.mark.parametrize(
    ("headers", "query", "expected"),
    [
        ({}, "", "nl"),
        ({"accept-language": "fr-BE,fr;q=0.9"}, "", "fr"),
        ({"accept-language": "fr-BE"}, "?lang=en", "en"),
        ({"accept-language": "en", "cookie": "portal_lang=fr"}, "", "fr"),
    ],
)
def test_a_page_speaks_the_chosen_language(
    client: TestClient, headers: dict[str, str], query: str, expected: str
) -> None:
    response = client.get(f"/portal/contact{query}", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert f'<html lang="{expected}">' in response.text
    assert i18n.translate(expected, "contact.title") in response.text


def test_an_explicit_choice_is_remembered(client: TestClient) -> None:
    response = client.get("/portal/contact?lang=fr")
    cookie = response.headers["set-cookie"]
    assert "portal_lang=fr" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/portal" in cookie
    assert "samesite=lax" in cookie.lower()


def test_contact_and_duties(client: TestClient) -> None:
    contact = client.get("/portal/contact").text
    assert "mailto:contract.sf@bmw.be" in contact
    assert "tel:+3238905111" in contact
    assert "08.30" in contact
    duties = client.get("/portal/security?lang=fr").text
    for key in ("lock", "malware", "logout", "password", "wifi"):
        assert i18n.translate("fr", f"duties.{key}").replace("'", "&#39;") in duties


def test_unknown_portal_pages_are_pages_and_api_errors_stay_problems(client: TestClient) -> None:
    page = client.get("/portal/nope", headers={"accept-language": "fr"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Cette page n&#39;existe pas." in page.text
    assert client.get("/portal/static/nope.css").status_code == 404
    api = client.get("/v1/nope")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


def test_a_rejected_csrf_token_is_a_403_page_naming_the_field(client: TestClient) -> None:
    def guarded() -> None:
        check_csrf(TOKEN, "forged")

    client.app.add_api_route("/portal/test-csrf", guarded, methods=["POST"])  # type: ignore[attr-defined]
    response = client.post("/portal/test-csrf", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert "csrf_token" in response.text
    assert response.headers["content-security-policy"]
    assert isinstance(CsrfRejectedError(), Exception)
