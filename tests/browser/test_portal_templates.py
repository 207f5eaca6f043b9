"""Every portal template in a real browser, before its routes exist: a bare app with the
portal's router, its headers and one route per template, rendering the documented sample
context of tests/api/test_portal_pages.py. Checks labels and the CSP; takes screenshots."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from api.portal import pages
from api.portal.security import CSP, SecurityHeaders
from tests.api.test_portal_pages import CONTEXTS
from tests.browser.live import live_server

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import ConsoleMessage, Page

    from tests.browser.conftest import Shoot

TEMPLATES = sorted(CONTEXTS)


def bare_portal() -> FastAPI:
    """The portal's pages without the API or its services; /portal/preview/<template>
    renders a template with its sample context in the `lang` of the query."""
    app = FastAPI()
    app.add_middleware(SecurityHeaders)
    app.include_router(pages.router)
    pages.install(app)

    async def preview(request: Request, template: str) -> HTMLResponse:
        language = request.query_params.get("lang", "nl")
        return pages.render(request, f"{template}.html", language, **CONTEXTS[f"{template}.html"])

    app.add_api_route("/portal/preview/{template}", preview, methods=["GET"])
    return app


@pytest.fixture(scope="module")
def preview_url() -> Iterator[str]:
    with live_server(bare_portal()) as url:
        yield f"{url}/portal/preview"


@pytest.mark.parametrize("language", ["nl", "fr"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_template(page: Page, preview_url: str, shoot: Shoot, template: str, language: str) -> None:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    name = template.removesuffix(".html")
    response = page.goto(f"{preview_url}/{name}?lang={language}")
    assert response is not None
    assert response.status == 200
    assert response.headers["content-security-policy"] == CSP
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == language
    controls = page.locator("input:not([type=hidden]), select, textarea")
    for index in range(controls.count()):
        ident = controls.nth(index).get_attribute("id")
        assert page.locator(f"label[for='{ident}']").count() == 1, (template, ident)
    assert errors == []
    shoot(page, f"{name}-{language}")
