"""The portal's static pages in a real browser, in Dutch and in French: the language of the
page, a label for every field, the security headers, the keyboard path to the login button,
the stylesheet allowed by the CSP; with screenshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from api.portal import i18n
from api.portal.security import CSP

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

    from tests.browser.conftest import Shoot

LANGUAGES = ["nl", "fr"]
PAGES = {"login": "/portal/login", "contact": "/portal/contact", "security": "/portal/security"}
MAX_TABS = 25
HEADER_BLUE = "rgb(11, 37, 69)"


def _open(page: Page, url: str) -> list[str]:
    """Go to `url`; the console errors the page logs (a CSP violation is one)."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    page.wait_for_load_state("load")
    return errors


def _unlabelled(page: Page) -> list[str]:
    missing = []
    controls = page.locator("input:not([type=hidden]), select, textarea")
    for index in range(controls.count()):
        control = controls.nth(index)
        ident = control.get_attribute("id")
        if not ident or page.locator(f"label[for='{ident}']").count() != 1:
            missing.append(control.evaluate("e => e.outerHTML"))
    return missing


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(page: Page, base_url: str, shoot: Shoot, name: str, language: str) -> None:
    errors = _open(page, f"{base_url}{PAGES[name]}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.title().endswith(i18n.translate(language, "common.brand"))
    assert _unlabelled(page) == []
    header = page.locator(".site-header")
    assert header.evaluate("e => getComputedStyle(e).backgroundColor") == HEADER_BLUE
    footer = page.locator("footer").inner_text()
    assert "contract.sf@bmw.be" in footer
    assert "+32 3 890 51 11" in footer
    assert errors == []
    shoot(page, f"{name}-{language}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_keyboard_reaches_the_login_button(page: Page, base_url: str, language: str) -> None:
    _open(page, f"{base_url}/portal/login?lang={language}")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("e => e === document.activeElement")
    assert skip.inner_text() == i18n.translate(language, "common.skip")
    button = page.locator("#login-submit")
    for _ in range(MAX_TABS):
        if button.evaluate("e => e === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail(f"{MAX_TABS} presses of Tab did not reach the login button")
    assert button.inner_text() == i18n.translate(language, "login.submit")
    outline = button.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid"


def test_the_language_switch_is_remembered(page: Page, base_url: str) -> None:
    _open(page, f"{base_url}/portal/login")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.goto(f"{base_url}/portal/contact")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Contact", level=1).is_visible()


def test_login_on_a_phone(page: Page, base_url: str, shoot: Shoot) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, f"{base_url}/portal/login?lang=fr")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert page.get_by_label(i18n.translate("fr", "login.password")).is_visible()
    shoot(page, "login-fr-phone")
