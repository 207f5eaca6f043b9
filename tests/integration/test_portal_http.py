"""The portal over HTTP on PostgreSQL, and under abuse (PORTAL.md "How it must behave"): code
guessing stops after 5 tries; wrong passwords answer the same for an unknown e-mail;
one customer's session never shows another's data; a form without its CSRF token is
refused; an expired session goes back to the login page. And the terms to print (PT-10)."""

from __future__ import annotations

import html
import re
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from api.auth import Role
from api.portal import i18n
from domain.portal.account import PortalAccount
from domain.portal.values import CustomerStatus
from infra.portal.registration import CODE_TEMPLATE
from infra.portal.self_service import TRANSFER_TEMPLATE
from infra.portal.sessions import IDLE_TIMEOUT
from tests.conftest import fresh_schema
from tests.portal_stack import Customer, PortalStack, portal_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WRONG_TRIES = 20
ORIGIN = "https://testserver"
"""Secure cookies go back only over https."""


@pytest.fixture(scope="module")
def portal(pg_info: PostgresInfo, bootstrap_servers: str) -> Iterator[PortalStack]:
    with (
        fresh_schema(pg_info) as schema,
        portal_stack(pg_info, schema, bootstrap_servers, serve=False) as stack,
        TestClient(stack.app, base_url=ORIGIN),  # runs the app's lifespan (its services)
    ):
        yield stack


def _client(portal: PortalStack) -> TestClient:
    return TestClient(portal.app, base_url=ORIGIN, follow_redirects=False)


def _csrf(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None, path
    return found.group(1)


def _post(client: TestClient, path: str, page: str | None = None, **form: str) -> str:
    """POST a form to `path` with the CSRF token of the page that shows it (`page`, else
    `path` itself); the redirect target or the page answered."""
    answer = client.post(path, data={"csrf_token": _csrf(client, page or path), **form})
    return answer.headers.get("location") or answer.text


def _code(portal: PortalStack, customer: Customer) -> str:
    sent = [
        n.parameters["code"]
        for n in portal.backend.outbox.recent(200)
        if n.customer_number == customer.number and n.template == CODE_TEMPLATE
    ]
    return sent[0]


def _register(portal: PortalStack, customer: Customer) -> TestClient:
    """The whole registration over HTTP; the client is logged in after it."""
    client = _client(portal)
    assert _post(client, "/portal/register", customer_number=customer.number).endswith("/code")
    _post(client, "/portal/register/code", code=_code(portal, customer))
    names = {"first_name": "Jan", "last_name": "Claes", "email": customer.email}
    _post(client, "/portal/register/credentials", **names, password=customer.password)
    terms = client.get("/portal/terms").text
    version = re.search(r'name="version" value="([^"]+)"', terms)
    assert version is not None
    _post(client, "/portal/terms", version=version.group(1), decision="accept")
    _post(client, "/portal/register/security", contract_number=customer.contract)
    assert _post(client, "/portal/register/code", code=_code(portal, customer)).endswith(
        "/portal/contracts"
    )
    return client


@pytest.fixture(scope="module")
def registered(portal: PortalStack) -> list[TestClient]:
    return [_register(portal, customer) for customer in portal.customers]


def test_code_guessing_stops_after_5_tries(portal: PortalStack) -> None:
    customer = portal.customers[0]
    client = _client(portal)
    _post(client, "/portal/register", customer_number=customer.number)
    right = _code(portal, customer)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    answers = [_post(client, "/portal/register/code", code=wrong) for _ in range(5)]
    assert i18n.translate("nl", "code.wrong", left=4) in answers[0]
    assert i18n.translate("nl", "code.void") in answers[4]
    after = _post(client, "/portal/register/code", code=right)
    assert "/portal/register/credentials" not in after  # the right code no longer works
    account = portal.backend.app.account(customer.number)
    assert account is not None
    assert account.stage.value == "CODE_SENT"


def test_wrong_passwords_do_not_tell_whether_the_email_exists(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    customer = portal.customers[1]
    client = _client(portal)
    answers: dict[str, list[tuple[int, str, float]]] = {"known": [], "unknown": []}
    for attempt in range(WRONG_TRIES):
        for kind, email in (("known", customer.email), ("unknown", f"nobody{attempt}@x.be")):
            token = _csrf(client, "/portal/login")
            started = time.perf_counter()
            answer = client.post(
                "/portal/login",
                data={"csrf_token": token, "email": email, "password": "not the password"},
            )
            answers[kind].append((answer.status_code, answer.text, time.perf_counter() - started))
    known, unknown = answers["known"], answers["unknown"]
    assert {status for status, _, _ in known + unknown} == {200}
    assert {body for _, body, _ in known} == {body for _, body, _ in unknown}
    assert len({body for _, body, _ in known}) == 1
    slow, fast = sorted(
        (statistics.median(t for *_, t in known[:5]), statistics.median(t for *_, t in unknown[:5]))
    )
    assert slow < 3 * fast  # both verify a password hash: the same order of time
    assert registered  # the known account exists


def test_a_session_never_shows_another_customers_data(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    mine, theirs = portal.customers
    client = registered[0]
    listing = client.get("/portal/contracts").text
    assert mine.contract in listing
    assert theirs.contract not in listing
    assert client.get(f"/portal/contracts/{theirs.contract}").status_code == 404
    documents = portal.contracts_documents(theirs)
    assert documents
    for number in documents:
        assert client.get(f"/portal/documents/{number}").status_code == 404
        assert client.get(f"/portal/documents/{number}.pdf").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    client = registered[0]
    answer = client.post("/portal/messages", data={"body": "hello"})
    assert answer.status_code == 403
    assert "csrf_token" in answer.text
    wrong = client.post("/portal/messages", data={"body": "hello", "csrf_token": "x" * 40})
    assert wrong.status_code == 403
    assert portal.backend.messages.of(portal.customers[0].number) == []


def test_an_expired_session_goes_back_to_login(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    client = registered[1]
    assert client.get("/portal/contracts").status_code == 200
    account = PortalAccount.create_id(portal.customers[1].number)
    datastore = portal.backend.sessions.datastore
    table = sql.Identifier(datastore.schema or "public", "portal_sessions")
    with datastore.transaction(commit=True) as curs:
        curs.execute(
            sql.SQL("UPDATE {} SET last_seen = last_seen - %s WHERE account_id = %s").format(table),
            (IDLE_TIMEOUT, account),
        )
    answer = client.get("/portal/contracts")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/portal/login"


def test_PT_10_the_terms_are_there_to_print(portal: PortalStack) -> None:
    client = _client(portal)
    page = client.get("/portal/terms").text
    link = re.search(r'href="(/portal/terms/[^"]+\.pdf)"', page)
    assert link is not None
    answer = client.get(link.group(1))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    assert client.get("/portal/terms/0.0.pdf").status_code == 404


def test_PT_21_an_announced_maintenance_shows_on_the_pages(portal: PortalStack) -> None:
    now = datetime.now(UTC)
    starts, ends = now + timedelta(days=1), now + timedelta(days=1, hours=2)
    portal.backend.app.announce_maintenance(starts, ends, now)
    page = _client(portal).get("/portal/login?lang=en").text
    belgian = ZoneInfo("Europe/Brussels")  # the customers' clock, not UTC
    shown = i18n.translate(
        "en",
        "maintenance.notice",
        start=starts.astimezone(belgian).strftime("%d/%m/%Y %H:%M"),
        end=ends.astimezone(belgian).strftime("%d/%m/%Y %H:%M"),
    )
    assert shown in page


def _staff(portal: PortalStack, path: str, body: dict[str, str]) -> int:
    token = portal.keys.token(Role.OPERATOR)
    answer = _client(portal).post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


def test_PT_22_staff_record_the_customers_status(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    number = portal.customers[0].number
    path = f"/v1/portal/accounts/{number}/customer-status"
    assert _staff(portal, path, {"status": "BUSINESS"}) == 200
    assert _staff(portal, path, {"status": "PARTNER"}) == 422
    account = portal.backend.app.account(number)
    assert account is not None
    assert account.customer_status is CustomerStatus.BUSINESS


def test_PT_24_the_customer_answers_a_transfer_notice(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    customer, client = portal.customers[0], registered[0]
    path = f"/v1/portal/accounts/{customer.number}/transfer-notices"
    assert _staff(portal, path, {"transferee_ref": "NEWCO-1"}) == 201
    assert _staff(portal, path, {"transferee_ref": "NEWCO-1"}) == 409  # notified once
    emailed = [n for n in portal.backend.outbox.recent(200) if n.template == TRANSFER_TEMPLATE]
    assert [n.parameters["transferee_ref"] for n in emailed] == ["NEWCO-1"]
    assert "NEWCO-1" in client.get("/portal/profile").text
    answer = _post(
        client,
        "/portal/profile/transfer",
        "/portal/profile",
        transferee_ref="NEWCO-1",
        consent="yes",
    )
    assert answer.endswith("/portal/profile?saved=true")
    account = portal.backend.app.account(customer.number)
    assert account is not None
    assert account.transfers == {"NEWCO-1": True}
    assert "NEWCO-1" not in client.get("/portal/profile").text


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_PT_07_the_security_duties_are_shown(portal: PortalStack, language: str) -> None:
    client = _client(portal)
    login = client.get(f"/portal/login?lang={language}").text
    assert 'href="/portal/security"' in login  # linked from every page's footer
    page = html.unescape(client.get(f"/portal/security?lang={language}").text)
    for duty in ("lock", "malware", "logout", "password", "wifi"):
        assert i18n.translate(language, f"duties.{duty}") in page


def test_PT_16_A_36_a_message_with_an_odometer_reading_becomes_the_contract_command(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    customer, client = portal.customers[0], registered[0]
    report = {"contract_number": customer.contract, "report": "ODOMETER"}
    sent = _post(
        client, "/portal/messages", **report, body="Stand", km="6100", report_date="2024-06-20"
    )
    assert sent == "/portal/messages?sent=true"
    contract = portal.contracts.get(customer.contract)
    assert contract.last_odometer == 6100
    lower = _post(
        client, "/portal/messages", **report, body="Stand", km="10", report_date="2024-06-20"
    )
    assert i18n.translate("nl", "messages.refused", reason="")[:20] in lower
    texts = [m.text for m in portal.backend.messages.of(customer.number)]
    assert texts.count("Stand") == 1  # the refused reading stored no message


def test_PT_18_the_customer_changes_their_language(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    customer, client = portal.customers[0], registered[0]
    assert _post(client, "/portal/profile/language", "/portal/profile", lang="fr").endswith(
        "saved=true"
    )
    contact = portal.backend.contacts.get(customer.number)
    assert contact is not None
    assert contact.language == "fr"
    assert '<html lang="fr">' in client.get("/portal/contracts").text


def test_D_38_suspicious_access_ends_every_session_at_once(
    portal: PortalStack, registered: list[TestClient]
) -> None:
    customer, first = portal.customers[0], registered[0]  # customer 1's login is throttled
    second = _client(portal)
    login = {"email": customer.email, "password": customer.password}
    assert _post(second, "/portal/login", **login) == "/portal/contracts"
    assert first.get("/portal/contracts").status_code == 200
    done = _post(second, "/portal/profile/suspicious", "/portal/profile", description="phished")
    assert i18n.translate("nl", "suspicious.title") in done
    for client in (first, second):
        answer = client.get("/portal/contracts")
        assert answer.headers["location"] == "/portal/login"
    assert _post(_client(portal), "/portal/login", **login) != "/portal/contracts"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_PT_23_the_privacy_and_cookie_terms_are_one_click_away(
    portal: PortalStack, language: str
) -> None:
    client = _client(portal)
    assert 'href="/portal/privacy"' in client.get(f"/portal/login?lang={language}").text
    page = client.get(f"/portal/privacy?lang={language}")
    assert page.status_code == 200
    assert i18n.translate(language, "privacy.cookies") in html.unescape(page.text)
