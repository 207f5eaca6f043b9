"""Browser tests: headless Chromium (the Debian package at /usr/bin/chromium) driven by
Playwright against the app served by uvicorn in a thread.

Fixtures:
- `chromium` (session): the launched browser; the tests skip, naming the fix, when
  /usr/bin/chromium is missing (`make test` installs it first: `make chromium`);
- `portal_app` (session): the app under test, `create_app` on test keys (no database);
  override it in a test module for an app with the portal's backend;
- `base_url` (session): `portal_app` served on a free port, e.g. http://127.0.0.1:41234;
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

from api.app import create_app
from api.deps import Services
from api.metrics import Metrics
from infra.clock import WallClock
from infra.settings import Settings
from tests.api.tokens import new_keys
from tests.browser.live import live_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from playwright.sync_api import Browser, Page

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
def portal_app() -> FastAPI:
    services = Services(
        settings=Settings(), verifier=new_keys().verifier(), clock=WallClock(), metrics=Metrics()
    )
    return create_app(services)


@pytest.fixture(scope="session")
def base_url(portal_app: FastAPI) -> Iterator[str]:
    with live_server(portal_app) as url:
        yield url


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
