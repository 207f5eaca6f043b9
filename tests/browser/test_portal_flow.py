"""PORTAL.md in a real browser, in Dutch and in French: register with the code read from the
notifications topic (PT-04), accept the terms (PT-11), set the security data, log in, open a
contract, an invoice and its PDF (PT-15, PT-17), send a message with an odometer reading
and see it on the contract (PT-16), meet a new terms version and accept it (PT-13), report
suspicious access and be logged out (PT-09). Screenshots of every page."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING

import pytest

from api.portal import i18n
from domain.portal.account import PortalAccount
from domain.portal.values import AccessState

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from tests.browser.conftest import Shoot
    from tests.portal_stack import Customer, PortalStack

READING = 5_432
"""The odometer reading the customer reports by message (the contract's is 12 km)."""


def _t(customer: Customer, key: str, **params: object) -> str:
    return i18n.translate(customer.language, key, **params)


def _field(page: Page, label: str) -> Locator:
    """The form control labelled `label` (its label may end with the required mark)."""
    return page.get_by_label(re.compile("^" + re.escape(label)))


def _submit(page: Page, customer: Customer, key: str) -> None:
    page.get_by_role("button", name=_t(customer, key), exact=True).click()
    page.wait_for_load_state("load")


def _register(page: Page, portal: PortalStack, customer: Customer, shoot: Shoot) -> None:
    page.goto(f"{portal.url}/portal/register?lang={customer.language}")
    assert page.locator("html").get_attribute("lang") == customer.language
    shoot(page, f"01-number-{customer.language}")
    _field(page, _t(customer, "number.label")).fill(customer.number)
    _submit(page, customer, "number.submit")
    assert page.url.endswith("/portal/register/code")
    shoot(page, f"02-code-{customer.language}")
    _field(page, _t(customer, "code.label")).fill(portal.latest_code(customer))
    _submit(page, customer, "code.submit")
    assert page.url.endswith("/portal/register/credentials")
    _field(page, _t(customer, "credentials.first_name")).fill("Anne")
    _field(page, _t(customer, "credentials.last_name")).fill("Peeters")
    _field(page, _t(customer, "credentials.email")).fill(customer.email)
    _field(page, _t(customer, "credentials.password")).fill(customer.password)
    shoot(page, f"03-credentials-{customer.language}")
    _submit(page, customer, "credentials.submit")
    assert page.url.endswith("/portal/terms")
    shoot(page, f"04-terms-{customer.language}")
    _submit(page, customer, "terms.accept")
    assert page.url.endswith("/portal/register/security")
    _field(page, _t(customer, "security.contract_number")).fill(customer.contract)
    shoot(page, f"05-security-{customer.language}")
    _submit(page, customer, "security.submit")
    assert page.url.endswith("/portal/register/code")
    _field(page, _t(customer, "code.label")).fill(portal.latest_code(customer))
    _submit(page, customer, "code.submit")
    assert page.url.endswith("/portal/contracts"), page.url


def _log_in(page: Page, portal: PortalStack, customer: Customer, password: str) -> None:
    page.goto(f"{portal.url}/portal/login?lang={customer.language}")
    _field(page, _t(customer, "login.email")).fill(customer.email)
    _field(page, _t(customer, "login.password")).fill(password)
    _submit(page, customer, "login.submit")


@pytest.mark.parametrize("index", [0, 1], ids=["nl", "fr"])
def test_a_customer_uses_the_portal_from_registration_to_suspicious_access(
    page: Page, portal: PortalStack, shoot: Shoot, index: int
) -> None:
    customer = portal.customers[index]
    _register(page, portal, customer, shoot)
    account = portal.backend.app.account(customer.number)
    assert account is not None
    assert account.access is AccessState.ACTIVE

    page.get_by_role("button", name=_t(customer, "nav.logout")).click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/portal/login")
    _log_in(page, portal, customer, customer.password)
    assert page.url.endswith("/portal/contracts")
    shoot(page, f"06-contracts-{customer.language}")

    _documents(page, portal, customer, shoot)
    _message(page, portal, customer, shoot)
    _new_terms(page, portal, customer, shoot)
    _suspicious(page, portal, customer, shoot)


def _documents(page: Page, portal: PortalStack, customer: Customer, shoot: Shoot) -> None:
    page.get_by_role("link", name=customer.contract).click()
    page.wait_for_load_state("load")
    assert customer.contract in page.locator("h1").inner_text()
    shoot(page, f"07-contract-{customer.language}")

    page.get_by_role("link", name=_t(customer, "contract.html")).first.click()
    page.wait_for_load_state("load")
    assert "/portal/documents/" in page.url
    shoot(page, f"08-invoice-{customer.language}")
    number = page.url.rsplit("/", 1)[1]
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url; }", f"{page.url}.pdf")
    path = download.value.path()
    assert path.read_bytes().startswith(b"%PDF")
    refreshed = portal.backend.app.account(customer.number)
    assert refreshed is not None
    assert number in refreshed.documents  # PT-17: published with its hash


def _message(page: Page, portal: PortalStack, customer: Customer, shoot: Shoot) -> None:
    page.goto(f"{portal.url}/portal/messages")
    _field(page, _t(customer, "messages.contract")).fill(customer.contract)
    _field(page, _t(customer, "messages.body")).fill("Kilometerstand / relevé")
    page.get_by_role("radio", name=_t(customer, "messages.report_odometer")).check()
    _field(page, _t(customer, "messages.km")).fill(str(READING))
    _field(page, _t(customer, "messages.date")).fill("2024-06-20")
    _submit(page, customer, "messages.submit")
    assert page.get_by_role("status").is_visible()
    shoot(page, f"09-messages-{customer.language}")
    portal.catch_up()
    page.goto(f"{portal.url}/portal/contracts/{customer.contract}")
    assert f"{READING:,}".replace(",", "") in page.inner_text("body").replace(".", "").replace(
        "\u202f", ""
    ).replace(" ", "")


def _new_terms(page: Page, portal: PortalStack, customer: Customer, shoot: Shoot) -> None:
    version = f"2026.{secrets.randbelow(10**6)}"
    portal.publish_terms(version)
    page.goto(f"{portal.url}/portal/contracts")
    assert page.url.endswith("/portal/terms")  # PT-13: nothing else until accepted
    assert version in page.inner_text("body")
    shoot(page, f"10-new-terms-{customer.language}")
    _submit(page, customer, "terms.accept")
    assert page.url.endswith("/portal/contracts")


def _suspicious(page: Page, portal: PortalStack, customer: Customer, shoot: Shoot) -> None:
    page.goto(f"{portal.url}/portal/profile")
    _field(page, _t(customer, "profile.description")).fill("Someone logged in from abroad")
    _submit(page, customer, "profile.report")
    shoot(page, f"11-suspicious-{customer.language}")
    page.goto(f"{portal.url}/portal/contracts")
    assert page.url.endswith("/portal/login")  # every session ended
    _log_in(page, portal, customer, customer.password)
    assert page.url.endswith("/portal/login")  # the password was voided
    assert _t(customer, "login.error") in page.inner_text("body")
    after = portal.backend.app.account(customer.number)
    assert after is not None
    assert after.credentials_generation == 1
    assert PortalAccount.create_id(customer.number) == after.id
