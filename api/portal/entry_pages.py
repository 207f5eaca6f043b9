"""The pages before and at the door: registration (PT-04, PT-05), terms (PT-10..PT-14),
login and logout.

The registration's progress is in the server-side session (`customer`-less until the end):
the customer number of step 1 and the purpose of the code being entered. The account
refuses any step out of order (PT-04); these pages only choose what to show next. Every
step is a plain form POST that answers with a redirect (303) or the same page with a
message naming what to fix.
"""

from __future__ import annotations

import contextlib
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path
from fastapi.responses import Response

from api.documents import render_pdf
from api.portal.pages import LINKS
from api.portal.security import PREFIX
from api.portal.visit import BRUSSELS, Posting, Visit, Visiting, now
from domain.portal.account import PortalAccount
from domain.portal.values import CodePurpose, PortalRefusal, Stage
from infra.portal.codes import CodeRateLimitedError, Outcome
from infra.portal.passwords import PasswordTooLongError, PasswordTooShortError
from infra.portal.registration import LoginRefusedError, Registration, RegistrationError

router = APIRouter(prefix=PREFIX, include_in_schema=False)

NUMBER = "number"
PURPOSE = "purpose"
CONTRACT_OK = "contract_ok"
LINKS.update(
    {
        "register_code": f"{PREFIX}/register/code",
        "register_code_resend": f"{PREFIX}/register/code/resend",
        "register_code_missing": f"{PREFIX}/register/code/missing",
    }
)
Short = Annotated[str, Form(max_length=100)]
Email = Annotated[str, Form(max_length=254)]
Password = Annotated[str, Form(max_length=1024)]


def _flow(current: Visit) -> Registration:
    return Registration(current.backend)


# --- login and logout ----------------------------------------------------------------------


@router.get("/login")
def login_form(current: Visiting) -> Response:
    if current.customer is not None:
        return current.redirect(LINKS["contracts"])
    return current.page("login.html", error=None, email="")


@router.post("/login")
def login(current: Posting, email: Email, password: Password) -> Response:
    """One answer for every failure: same status, same page, no echo of the address."""
    try:
        customer = _flow(current).login(email, password, now())
    except LoginRefusedError:
        return current.page("login.html", error=current.text("login.error"), email="")
    current.log_in(customer)
    return current.redirect(LINKS["contracts"])


@router.post("/logout")
def logout(current: Posting) -> Response:
    current.log_out()
    return current.redirect(LINKS["login"])


# --- step 1 ----------------------------------------------------------------------------------


@router.get("/register")
def register_form(current: Visiting) -> Response:
    return current.page(
        "register_number.html", error=None, not_recognised=False, customer_number=""
    )


@router.post("/register")
def register(current: Posting, customer_number: Short) -> Response:
    """Step 1, then step 2 at once: the code goes to the mobile on record."""
    number = customer_number.strip()
    flow = _flow(current)
    try:
        flow.start(number, now())
    except PortalRefusal as refusal:
        key = "access.revoked" if refusal.code == "access_revoked" else "number.not_recognised"
        return current.page(
            "register_number.html",
            error=current.text(key),
            not_recognised=True,
            customer_number=number,
        )
    current.remember(**{NUMBER: number, PURPOSE: CodePurpose.REGISTRATION.value})
    return _send(current, number, CodePurpose.REGISTRATION)


def _send(current: Visit, number: str, purpose: CodePurpose) -> Response:
    try:
        _flow(current).send_code(number, purpose, now())
    except CodeRateLimitedError as limited:
        local = limited.next_allowed_at.astimezone(BRUSSELS).strftime("%H:%M")
        return _code_page(current, error=current.text("code.rate_limited", time=local))
    except PortalRefusal as refusal:
        if refusal.code == "no_mobile":
            return current.page(
                "register_number.html",
                error=current.text("code.no_mobile"),
                not_recognised=True,
                customer_number=number,
            )
        return _restart(current)
    return current.redirect(LINKS["register_code"])


def _restart(current: Visit) -> Response:
    return current.page(
        "register_number.html",
        error=current.text("register.restart"),
        not_recognised=False,
        customer_number="",
    )


# --- steps 3 and 6: the code ---------------------------------------------------------------


def _code_page(current: Visit, error: str | None = None, *, resent: bool = False) -> Response:
    number = current.data.get(NUMBER)
    if number is None:
        return _restart(current)
    try:
        masked = _flow(current).masked_mobile(number)
    except PortalRefusal:
        return _restart(current)
    security = current.data.get(PURPOSE) == CodePurpose.SECURITY_SETUP.value
    return current.page(
        "register_code.html",
        step=6 if security else 3,
        masked_mobile=masked,
        action=LINKS["register_code"],
        resend_action=LINKS["register_code_resend"],
        missing_action=LINKS["register_code_missing"],
        error=error,
        resent=resent,
    )


@router.get("/register/code")
def code_form(current: Visiting) -> Response:
    return _code_page(current)


@router.post("/register/code/resend")
def code_resend(current: Posting) -> Response:
    number, purpose = current.data.get(NUMBER), current.data.get(PURPOSE)
    if number is None or purpose is None:
        return _restart(current)
    return _send(current, number, CodePurpose(purpose))


@router.post("/register/code/missing")
def code_missing(current: Posting) -> Response:
    """PT-05: recorded, then the contact channels."""
    number = current.data.get(NUMBER)
    if number is not None:
        with contextlib.suppress(PortalRefusal):
            _flow(current).code_not_received(number, now())
    return current.redirect(LINKS["contact"])


@router.post("/register/code")
def code(current: Posting, code: Annotated[str, Form(max_length=16)]) -> Response:
    number, purpose = current.data.get(NUMBER), current.data.get(PURPOSE)
    if number is None or purpose is None:
        return _restart(current)
    flow = _flow(current)
    try:
        verdict = flow.check_code(number, CodePurpose(purpose), code.strip(), now())
    except PortalRefusal:
        return _restart(current)
    if verdict.outcome is Outcome.WRONG:
        return _code_page(current, current.text("code.wrong", left=verdict.attempts_left))
    if verdict.outcome is Outcome.VOID:
        return _code_page(current, current.text("code.void"))
    if not verdict.ok:
        return _code_page(current, current.text("code.expired"))
    if purpose == CodePurpose.REGISTRATION.value:
        return current.redirect(LINKS["register_credentials"])
    flow.finish(number, now())
    current.log_in(number)
    return current.redirect(LINKS["contracts"])


# --- step 4 ----------------------------------------------------------------------------------


@router.get("/register/credentials")
def credentials_form(current: Visiting) -> Response:
    return current.page(
        "register_credentials.html", error=None, first_name="", last_name="", email=""
    )


@router.post("/register/credentials")
def credentials(
    current: Posting,
    first_name: Short,
    last_name: Short,
    email: Email,
    password: Password,
) -> Response:
    number = current.data.get(NUMBER)
    if number is None:
        return _restart(current)
    try:
        _flow(current).create_credentials(number, (first_name, last_name), email, password, now())
    except PortalRefusal:
        return _restart(current)
    except (RegistrationError, PasswordTooShortError, PasswordTooLongError) as err:
        key = _credentials_error(err)
        return current.page(
            "register_credentials.html",
            error=current.text(key),
            first_name=first_name,
            last_name=last_name,
            email=email,
        )
    return current.redirect(LINKS["terms"])


def _credentials_error(err: Exception) -> str:
    """The message key of a refused step 4 (the field it names)."""
    if isinstance(err, PasswordTooShortError):
        return "credentials.password_short"
    if isinstance(err, PasswordTooLongError):
        return "credentials.password_long"
    code = err.code if isinstance(err, RegistrationError) else ""
    return {"email": "credentials.email_invalid", "email_taken": "credentials.email_taken"}.get(
        code, "credentials.name_invalid"
    )


# --- step 6 ----------------------------------------------------------------------------------


@router.get("/register/security")
def security_form(current: Visiting) -> Response:
    return current.page("register_security.html", error=None, contract_number="")


@router.post("/register/security")
def security(current: Posting, contract_number: Short) -> Response:
    number = current.data.get(NUMBER)
    if number is None:
        return _restart(current)
    if not _flow(current).check_contract_number(number, contract_number):
        return current.page(
            "register_security.html",
            error=current.text("security.mismatch"),
            contract_number=contract_number,
        )
    current.remember(**{PURPOSE: CodePurpose.SECURITY_SETUP.value, CONTRACT_OK: "1"})
    return _send(current, number, CodePurpose.SECURITY_SETUP)


# --- step 5 and the re-acceptance gate (PT-10..PT-14, D-35) ---------------------------------


def _terms_page(current: Visit, version: str, *, step: int | None, answer: bool) -> Response:
    backend = current.backend
    entry = backend.app.terms().find(version)
    stored = backend.terms_texts.get(version, current.language())
    if entry is None or stored is None:
        return current.page(
            "error.html", status_code=404, status=404, message=current.text("error.404")
        )
    return current.page(
        "terms.html",
        version=version,
        effective_from=entry.effective_from,
        terms_text=stored[0],
        action=LINKS["terms"] if answer else None,
        download_url=f"{LINKS['terms']}/{version}.pdf",
        changed=step is None and answer,
        step=step,
    )


def _registering(current: Visit) -> str | None:
    """The customer number of a registration waiting for the terms (step 5)."""
    number = current.data.get(NUMBER)
    account = current.backend.app.account(number) if number is not None else None
    if account is None or account.stage is not Stage.CREDENTIALS_CREATED:
        return None
    return number


@router.get("/terms")
def terms(current: Visiting) -> Response:
    """The version to answer (registration step 5, or the gate), else the current text."""
    backend, at = current.backend, now()
    if current.customer is not None:
        pending = backend.app.gate(current.customer, at)
        if pending is not None:
            return _terms_page(current, pending.version, step=None, answer=True)
    latest = backend.app.terms().current_for(at.date())
    if latest is None:
        return current.page(
            "error.html", status_code=404, status=404, message=current.text("error.404")
        )
    registering = _registering(current) is not None
    return _terms_page(current, latest.version, step=5 if registering else None, answer=registering)


@router.get("/terms/{version}.pdf")
def terms_pdf(current: Visiting, version: Annotated[str, Path(max_length=32)]) -> Response:
    """PT-10: the version's text as a PDF to print or keep."""
    stored = current.backend.terms_texts.get(version, current.language())
    if stored is None:
        return current.page(
            "error.html", status_code=404, status=404, message=current.text("error.404")
        )
    text, digest = stored
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in text.split("\n\n"))
    html = (
        f"<html><body><h1>{escape(current.text('terms.title'))}</h1>"
        f"{paragraphs}<p><small>SHA-256 {digest}</small></p></body></html>"
    )
    headers = {"Content-Disposition": f'attachment; filename="terms-{version}.pdf"'}
    answer = Response(render_pdf(html), media_type="application/pdf", headers=headers)
    return current.with_cookie(answer)


@router.post("/terms")
def answer_terms(
    current: Posting,
    version: Annotated[str, Form(max_length=32)],
    decision: Annotated[Literal["accept", "reject"], Form()],
) -> Response:
    accept = decision == "accept"
    client = current.request.headers.get("user-agent", "")[:200]
    number = current.customer or _registering(current)
    if number is None:
        return current.redirect(LINKS["login"])
    try:
        _flow(current).answer_terms(number, version, now(), client, accept=accept)
    except PortalRefusal:
        return current.redirect(LINKS["terms"])
    if current.customer is None:  # registration: on to step 6, or stopped
        return current.redirect(LINKS["register_security"]) if accept else _restart(current)
    if accept:
        return current.redirect(LINKS["contracts"])
    current.backend.sessions.end_all(PortalAccount.create_id(number))
    current.log_out()
    return current.page(
        "error.html", status_code=200, status=403, message=current.text("terms.rejected")
    )
