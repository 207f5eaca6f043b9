"""Browser tests: headless Chromium (the Debian package at /usr/bin/chromium) driven by
Playwright against the app served by uvicorn in a thread.

Fixtures:
- `chromium` (session): the launched browser; the tests skip, naming the fix, when
  /usr/bin/chromium is missing (`make test` installs it first: `make chromium`);
- `portal` (session): the portal on the embedded PostgreSQL and broker with two
  customers (tests/browser/stack.py), served on a free port;
- `base_url` (session): its URL, e.g. http://127.0.0.1:41234;
- `page`: a fresh browser context and page per test (1280x900, locale nl-BE, no stored
  state);
- `shoot`: `shoot(page, name)` saves a full-page PNG under the test's tmp_path, prints and
  returns its path (kept as an artifact of the run under pytest's --basetemp).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest

from tests.conftest import fresh_schema
from tests.portal_stack import PortalStack, portal_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

    from infra.settings import PostgresInfo

CHROMIUM = Path(os.environ.get("LEASE_CHROMIUM", "/usr/bin/chromium"))
"""The browser binary (LEASE_CHROMIUM overrides); Playwright's own download is never used."""
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
LOCALE = "nl-BE"
"""A Belgian browser: Accept-Language nl-BE, so a page without a choice is Dutch."""


class Shoot(Protocol):
    def __call__(self, page: Page, name: str) -> Path: ...


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/browser is a `browser` test."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip(
            f"no Chromium at {CHROMIUM}: run `make chromium` or `sudo apt-get install chromium`"
            " (or set LEASE_CHROMIUM to a Chromium binary)"
        )
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when a browser runs

    executable = CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium") or "")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def portal(pg_info: PostgresInfo, bootstrap_servers: str) -> Iterator[PortalStack]:
    """The portal on PostgreSQL and the broker, two customers, served on a free port."""
    with fresh_schema(pg_info) as schema, portal_stack(pg_info, schema, bootstrap_servers) as s:
        yield s


@pytest.fixture(scope="session")
def base_url(portal: PortalStack) -> str:
    return portal.url


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport=VIEWPORT, locale=LOCALE)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Page, directory: Path, name: str) -> Path:
    """A full-page PNG of `page` as `directory/<name>.png`; prints its path."""
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


@pytest.fixture
def shoot(tmp_path: Path) -> Shoot:
    def take(page: Page, name: str) -> Path:
        return screenshot(page, tmp_path, name)

    return take
