"""The pages of a logged-in customer: contracts, documents, messages, profile (PT-08,
PT-09, PT-13, PT-15..PT-17).

Every page first asks `_door`: a visitor without a login goes to the login page (also
when the session expired), an account whose access was stopped is logged out, and while
new terms wait for acceptance (PT-13, D-35) only the terms page is reachable. Contract
data comes from the read models only; a written report changes a contract through the
same command the API sends.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace
from datetime import date  # noqa: TC003 - FastAPI reads the form's type at run time
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Form, Path
from fastapi.responses import HTMLResponse, Response

from api.documents import render_html, render_pdf
from api.portal import i18n
from api.portal.pages import LINKS
from api.portal.security import CSP, PREFIX
from api.portal.visit import Posting, Visit, Visiting, now
from domain.contract import Contract
from domain.errors import ContractError
from domain.portal.values import AccessState, Action, PortalRefusal
from infra.portal.messages import MAX_MESSAGE
from infra.portal.self_service import OdometerReport, SelfService, document_hash
from projections.views.invoices import PostgresInvoicesView
from projections.views.portal import PostgresPortalView

if TYPE_CHECKING:
    from api.deps import Services

router = APIRouter(prefix=PREFIX, include_in_schema=False)
LINKS.update(
    {
        "profile_language": f"{PREFIX}/profile/language",
        "profile_suspicious": f"{PREFIX}/profile/suspicious",
        "profile_transfer": f"{PREFIX}/profile/transfer",
    }
)
Number = Annotated[str, Path(max_length=64, pattern=r"^[!-~]+$")]
STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
MAX_KM = 2_000_000


def _services(current: Visit) -> Services:
    services: Services = current.request.app.state.services
    return services


def _view(current: Visit) -> PostgresPortalView:
    read_models = _services(current).read_models
    assert read_models is not None  # the portal back end needs the database
    return read_models.view("portal", PostgresPortalView)


def _invoices(current: Visit) -> PostgresInvoicesView:
    read_models = _services(current).read_models
    assert read_models is not None
    return read_models.view("invoices", PostgresInvoicesView)


def _door(current: Visit) -> str | Response:
    """The customer number, or where the visitor must go instead."""
    customer = current.customer
    if customer is None:
        return current.redirect(LINKS["login"])
    app = current.backend.app
    account = app.account(customer)
    if account is None or account.access is not AccessState.ACTIVE:
        current.log_out()
        text = current.text("access.revoked")
        return current.page("error.html", status_code=403, status=403, message=text)
    if app.gate(customer, now()) is not None:
        return current.redirect(LINKS["terms"])
    return customer


def _audit(current: Visit, customer: str, action: Action, target: str) -> None:
    SelfService(current.backend).perform(customer, action, target, now())


@router.get("/home")
def home(current: Visiting) -> Response:
    door = _door(current)
    return door if isinstance(door, Response) else current.redirect(LINKS["contracts"])


@router.get("/contracts")
def contracts(current: Visiting) -> Response:
    door = _door(current)
    if isinstance(door, Response):
        return door
    rows = _view(current).contracts_of(door)
    listed = [{**row, "url": f"{LINKS['contracts']}/{row['contract_number']}"} for row in rows]
    return current.page("contracts.html", contracts=listed)


@router.get("/contracts/{number}")
def contract(current: Visiting, number: Number) -> Response:
    door = _door(current)
    if isinstance(door, Response):
        return door
    contract_id = Contract.create_id(number)
    try:
        overview = _view(current).overview(contract_id, _services(current).today(), door)
    except KeyError:
        return _not_found(current)
    _audit(current, door, Action.VIEW_CONTRACT, number)
    issued = {row["receivable_id"]: row for row in _invoices(current).documents(contract_id)}
    documents = [_document_line(d, issued.get(d["document_id"])) for d in overview["documents"]]
    return current.page(
        "contract.html", c=overview, documents=documents, back_url=LINKS["contracts"]
    )


def _document_line(entry: dict[str, Any], issued: dict[str, Any] | None) -> dict[str, Any]:
    """A document of the overview with its links and hash (numbered ones only)."""
    if issued is None:
        return {**entry, "html_url": None, "pdf_url": None, "content_hash": ""}
    url = f"{PREFIX}/documents/{issued['number']}"
    return {
        **entry,
        "document_id": issued["number"],
        "html_url": url,
        "pdf_url": f"{url}.pdf",
        "content_hash": document_hash(issued),
    }


def _not_found(current: Visit) -> Response:
    text = current.text("error.404")
    return current.page("error.html", status_code=404, status=404, message=text)


@router.get("/documents/{name}")
def document(current: Visiting, name: Number) -> Response:
    """A numbered document of the customer's, as HTML or (`.pdf`) as PDF."""
    door = _door(current)
    if isinstance(door, Response):
        return door
    pdf = name.endswith(".pdf")
    number = name.removesuffix(".pdf")
    invoices = _invoices(current)
    row = invoices.document(number)
    owner = invoices.customer_of(row["contract_id"]) if row is not None else None
    if row is None or owner != door:
        return _not_found(current)
    digest = SelfService(current.backend).opened_document(door, row, now())
    html = render_html(row, door, _services(current).lessor())
    headers = {"X-Content-SHA256": digest}
    if pdf:
        headers["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
        pdf_bytes = render_pdf(html)
        return current.with_cookie(
            Response(pdf_bytes, media_type="application/pdf", headers=headers)
        )
    headers["Content-Security-Policy"] = _with_style_hash(html)
    return current.with_cookie(HTMLResponse(html, headers=headers))


def _with_style_hash(html: str) -> str:
    """The portal's CSP, allowing exactly the document's own stylesheet (no inline script)."""
    styles = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.encode()).digest()).decode() + "'"
        for m in STYLE.findall(html)
    ]
    return CSP.replace("style-src 'self'", " ".join(["style-src 'self'", *styles]))


# --- messages (PT-15, PT-16) -----------------------------------------------------------------


def _messages_page(current: Visit, customer: str, *, sent: bool, error: str | None) -> Response:
    threads = current.backend.messages.threads(customer)
    shown = [
        {
            "subject": f"#{index}",
            "contract_number": messages[0].contract_number,
            "messages": [
                {"direction": m.direction, "sent_at": m.sent_at.date(), "text": m.text or ""}
                for m in messages
            ],
        }
        for index, messages in enumerate(threads.values(), start=1)
    ]
    return current.page(
        "messages.html",
        threads=shown,
        contract_numbers=current.backend.contract_numbers(customer),
        sent=sent,
        error=error,
        today=_services(current).today(),
    )


@router.get("/messages")
def messages(current: Visiting, sent: bool = False) -> Response:
    door = _door(current)
    if isinstance(door, Response):
        return door
    return _messages_page(current, door, sent=sent, error=None)


@router.post("/messages")
def send_message(
    current: Posting,
    body: Annotated[str, Form(min_length=1, max_length=MAX_MESSAGE)],
    contract_number: Annotated[str, Form(max_length=64)] = "",
    report: Annotated[Literal["", "ODOMETER", "INCIDENT"], Form()] = "",
    km: Annotated[int | None, Form(ge=0, le=MAX_KM)] = None,
    report_date: Annotated[date | None, Form()] = None,
) -> Response:
    door = _door(current)
    if isinstance(door, Response):
        return door
    number = contract_number.strip() or None
    reading = None
    if report == "ODOMETER":
        if km is None or report_date is None or number is None:
            return _messages_page(
                current, door, sent=False, error=current.text("messages.km_needed")
            )
        reading = OdometerReport(number, km, report_date)
    service, policy = SelfService(current.backend), _services(current).settings.lessor_policy()
    try:
        service.send_message(door, body, now(), number, reading, policy)
    except PortalRefusal:
        return _messages_page(current, door, sent=False, error=current.text("messages.not_yours"))
    except ContractError as refused:
        error = current.text("messages.refused", reason=str(refused))
        return _messages_page(current, door, sent=False, error=error)
    return current.redirect(f"{LINKS['messages']}?sent=true")


# --- profile (PT-09, PT-18) ------------------------------------------------------------------


@router.get("/profile")
def profile(current: Visiting, saved: bool = False) -> Response:
    door = _door(current)
    if isinstance(door, Response):
        return door
    account = current.backend.app.account(door)
    pending = [
        ref for ref, answer in (account.transfers if account else {}).items() if answer is None
    ]
    return current.page(
        "profile.html",
        saved=saved,
        language_action=LINKS["profile_language"],
        suspicious_action=LINKS["profile_suspicious"],
        transfers=pending,
        transfer_action=LINKS["profile_transfer"],
    )


@router.post("/profile/transfer")
def answer_transfer(
    current: Posting,
    transferee_ref: Annotated[str, Form(max_length=64)],
    consent: Annotated[Literal["yes", "no"], Form()],
) -> Response:
    """PT-24: the customer's consent to the transfer of the portal terms, or refusal."""
    door = _door(current)
    if isinstance(door, Response):
        return door
    try:
        SelfService(current.backend).answer_transfer(
            door, transferee_ref, now(), consent=consent == "yes"
        )
    except PortalRefusal:
        return _not_found(current)
    return current.redirect(f"{LINKS['profile']}?saved=true")


@router.post("/profile/language")
def choose_language(
    current: Posting, lang: Annotated[Literal["nl", "fr", "en"], Form()]
) -> Response:
    """PT-18: the customer changes their language (kept with their contact data)."""
    door = _door(current)
    if isinstance(door, Response):
        return door
    contacts = current.backend.contacts
    contact = contacts.get(door)
    if contact is not None:
        contacts.put(door, replace(contact, language=lang), now())
    _audit(current, door, Action.CHANGE_LANGUAGE, lang)
    response = current.redirect(f"{LINKS['profile']}?saved=true")
    response.set_cookie(i18n.COOKIE, lang, path=PREFIX, secure=True, httponly=True, samesite="lax")
    return response


@router.post("/profile/suspicious")
def report_suspicious(
    current: Posting, description: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    """PT-09, D-38: recorded; password voided, every session ended, logged out."""
    door = _door(current)
    if isinstance(door, Response):
        return door
    SelfService(current.backend).report_suspicious(door, description, now())
    current.log_out()
    return current.page("suspicious_done.html")


@router.get("/dev/notifications")
def dev_notifications(current: Visiting) -> Response:
    """Development only (LEASE_PORTAL_DEV_PAGES, set by `lease dev`): the SMS and e-mails
    sent, so a person can register by hand; 404 otherwise."""
    if not _services(current).settings.portal_dev_pages:
        return _not_found(current)
    sent = [{**n.to_json(), "at": n.created_at} for n in current.backend.outbox.recent()]
    return current.page("dev_notifications.html", notifications=sent)
