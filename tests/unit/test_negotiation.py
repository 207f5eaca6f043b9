"""Accept header negotiation for documents (JSON, HTML, PDF)."""

from __future__ import annotations

import pytest

from api.negotiation import negotiate

OFFERS = ("application/json", "text/html", "application/pdf")


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/pdf", "application/pdf"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
        ("application/pdf;q=0.5, text/html;q=0.9", "text/html"),
        ("application/*", "application/json"),
        ("image/png", None),
        ("application/pdf;q=0", None),
        ("text/html;q=abc", None),
    ],
)
def test_the_preferred_offer_is_chosen(accept: str, chosen: str | None) -> None:
    assert negotiate(accept, OFFERS) == chosen
