"""A numbered document as HTML or PDF, from one template (api/templates/document.html).

The PDF is the same HTML rendered by xhtml2pdf (pure Python, no system libraries). A
document shows the lessor, the customer and contract numbers, its number and dates, its
lines with the rules and articles that produced them, its total and what is open, and for
a debit document the Belgian structured communication a payment should quote.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from xhtml2pdf import pisa

from domain.payment_reference import structured_communication

if TYPE_CHECKING:
    from projections.engine.rows import Row

TEMPLATES = Path(__file__).parent / "templates"
TITLES = {"INVOICE": "Invoice", "DEBIT_NOTE": "Debit note", "CREDIT_NOTE": "Credit note"}
_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False
)


@dataclass(frozen=True)
class Lessor:
    """Who issues the documents (settings LEASE_LESSOR_*)."""

    name: str
    address: str
    vat: str
    iban: str
    general_terms: str = "19-2/HP"


class RenderError(RuntimeError):
    """The PDF engine could not render a document (a server fault, not the client's)."""


def _line(raw: dict[str, Any]) -> dict[str, Any]:
    facts = {k: v for k, v in raw.items() if k not in ("description", "amount")}
    return {
        "description": raw.get("description", ""),
        "amount": raw.get("amount", ""),
        "facts": ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in facts.items() if v is not None),
    }


def render_html(document: Row, customer_number: str, lessor: Lessor) -> str:
    """The document as an HTML page."""
    return _env.get_template("document.html").render(
        title=TITLES.get(document["kind"], "Document"),
        doc={**document, "customer_number": customer_number},
        lines=[_line(line) for line in document["lines"] or []],
        rules=", ".join(document["rule_ids"] or []),
        articles=", ".join(sorted({a["article"] for a in document["articles"] or []})),
        lessor=lessor,
        payable=document["kind"] != "CREDIT_NOTE" and document["open"] > 0,
        communication=structured_communication(document["number"]),
    )


def render_pdf(html: str) -> bytes:
    """The HTML page as a PDF document."""
    out = io.BytesIO()
    result = pisa.CreatePDF(html, dest=out, encoding="utf-8")
    if result.err:
        raise RenderError(f"the PDF engine reported {result.err} errors")
    return out.getvalue()
