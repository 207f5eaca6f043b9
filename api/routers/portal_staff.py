"""The customer portal's staff routes (RULES 7), under `/v1/portal`.

Operators publish terms versions (PT-12), announce maintenance (PT-21), answer a
customer's secure messages (PT-15), revoke and restore access and deal with usage
violations (PT-20). Operators and auditors read an account's state (never its personal
data) and its messages. A portal rule's refusal is a 409 problem naming the rule and its
code (api/problems.py); an unknown account is 404.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Literal, TypeVar, cast

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, Role
from api.deps import allow, services
from api.problems import Problem, ProblemError, portal_refused
from api.reading import Number
from domain.portal.values import Measure, PortalRefusal, ProhibitedUse, RevocationReason, Severity
from infra.inputs.types import IDENTIFIER_PATTERN, BusinessDate, Strict
from infra.portal.backend import PortalBackend
from infra.portal.messages import MAX_MESSAGE, StoredMessage
from infra.portal.registration import Registration
from infra.portal.self_service import SelfService
from infra.portal.terms_texts import MAX_TERMS_TEXT

router = APIRouter(prefix="/v1/portal", tags=["portal staff"])

PortalOperator = Annotated[Principal, Depends(allow(Role.OPERATOR))]
PortalReader = Annotated[Principal, Depends(allow(Role.OPERATOR, Role.AUDITOR))]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN)]
NO_NUL = r"^[^\x00]*$"
"""PostgreSQL text holds no NUL character."""
TermsText = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_TERMS_TEXT, pattern=NO_NUL)
]
ThreadId = Annotated[str, Path(min_length=1, max_length=64, pattern=IDENTIFIER_PATTERN)]


def backend_of(request: Request) -> PortalBackend:
    """The portal back end; 503 when this API has none."""
    portal = services(request).portal
    if portal is None:
        raise ProblemError(
            503, "the customer portal is not available", headers={"Retry-After": "5"}
        )
    return portal


Backend = Annotated[PortalBackend, Depends(backend_of)]
T = TypeVar("T")
REFUSED: dict[int | str, dict[str, object]] = {
    409: {"model": Problem, "description": "Refused by a portal rule (`rule_id`, code)"}
}


def now() -> datetime:
    """The moment of a staff command (the API is the edge: the domain is handed it)."""
    return datetime.now(UTC)


# --- bodies ---------------------------------------------------------------------------------


class TermsTexts(Strict):
    nl: TermsText
    fr: TermsText
    en: TermsText


class TermsVersionBody(Strict):
    """A new portal terms version (PT-12): its texts in the three languages."""

    version: Ident
    effective_from: BusinessDate
    texts: TermsTexts


class AnswerBody(Strict):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE, pattern=NO_NUL)]


class RevocationBody(Strict):
    reason: Literal["MISUSE"]


class ViolationBody(Strict):
    violation_id: Ident
    rule: Annotated[ProhibitedUse, Field(strict=False)]
    severity: Annotated[Severity, Field(strict=False)]


class MeasureBody(Strict):
    violation_id: Ident
    measure: Annotated[Measure, Field(strict=False)]


class MaintenanceBody(Strict):
    starts_at: Annotated[AwareDatetime, Field(strict=False)]
    """ISO 8601 with its offset."""
    ends_at: Annotated[AwareDatetime, Field(strict=False)]


# --- answers --------------------------------------------------------------------------------


class Done(BaseModel):
    """What a staff command changed."""

    customer_number: str | None = None
    detail: str


class TermsPublished(BaseModel):
    version: str
    effective_from: date
    emailed: int
    """How many registered customers were sent the new version (PT-12)."""


class AccountState(BaseModel):
    """A portal account's state, without personal data."""

    customer_number: str
    stage: str
    access: str
    revoked_reason: str | None
    accepted_terms: list[str]
    declined_terms: list[str]
    access_valid_until: date | None
    last_login_at: datetime | None
    actions: int
    agreements: int
    documents: int
    threads: int
    violations: int
    measures: int


class MessageOut(BaseModel):
    thread_id: str
    direction: str
    contract_number: str | None
    text: str | None
    content_hash: str
    sent_at: datetime


class Messages(BaseModel):
    customer_number: str
    messages: list[MessageOut]


def _known(backend: PortalBackend, customer_number: str) -> None:
    if backend.app.account(customer_number) is None:
        raise ProblemError(404, f"no portal account for customer {customer_number}")


# --- routes ---------------------------------------------------------------------------------


@router.post(
    "/terms-versions",
    summary="Publish a portal terms version (PT-12)",
    responses=REFUSED,
    status_code=201,
)
async def publish_terms(
    body: TermsVersionBody, _: PortalOperator, backend: Backend
) -> TermsPublished:
    at = now()

    effective_from = cast("date", body.effective_from)

    def publish() -> int:
        if backend.app.terms().find(body.version) is not None:
            raise portal_refused(PortalRefusal("PT-12", "version_exists", body.version))
        backend.terms_texts.put(body.version, body.texts.model_dump())
        try:
            backend.app.publish_terms(body.version, effective_from, at)
        except PortalRefusal as refusal:
            raise portal_refused(refusal) from None
        return Registration(backend).email_terms_to_all(body.version, at)

    emailed = await run_in_threadpool(publish)
    return TermsPublished(version=body.version, effective_from=effective_from, emailed=emailed)


@router.post(
    "/maintenance",
    summary="Announce a maintenance window (PT-21)",
    responses=REFUSED,
    status_code=201,
)
async def announce_maintenance(body: MaintenanceBody, _: PortalOperator, backend: Backend) -> Done:
    at = now()
    try:
        await run_in_threadpool(backend.app.announce_maintenance, body.starts_at, body.ends_at, at)
    except PortalRefusal as refusal:
        raise portal_refused(refusal) from None
    return Done(detail="maintenance announced")


@router.get("/accounts/{customer_number}", summary="A portal account's state")
async def get_account(customer_number: Number, _: PortalReader, backend: Backend) -> AccountState:
    account = await run_in_threadpool(backend.app.account, customer_number)
    if account is None:
        raise ProblemError(404, f"no portal account for customer {customer_number}")
    return AccountState(
        customer_number=account.customer_number,
        stage=account.stage.value,
        access=account.access.value,
        revoked_reason=None if account.revoked_reason is None else account.revoked_reason.value,
        accepted_terms=sorted(account.accepted_terms),
        declined_terms=list(account.declined_terms),
        access_valid_until=account.access_valid_until,
        last_login_at=account.last_login_at,
        actions=account.actions,
        agreements=len(account.agreements),
        documents=len(account.documents),
        threads=len(account.threads),
        violations=len(account.violations),
        measures=len(account.measures),
    )


@router.get("/accounts/{customer_number}/messages", summary="A customer's secure messages")
async def get_messages(customer_number: Number, _: PortalReader, backend: Backend) -> Messages:
    def read() -> list[StoredMessage]:
        _known(backend, customer_number)
        return backend.messages.of(customer_number)

    stored = await run_in_threadpool(read)
    return Messages(
        customer_number=customer_number,
        messages=[
            MessageOut(
                thread_id=m.thread_id,
                direction=m.direction,
                contract_number=m.contract_number,
                text=m.text,
                content_hash=m.content_hash,
                sent_at=m.sent_at,
            )
            for m in stored
        ],
    )


@router.post(
    "/accounts/{customer_number}/messages/{thread_id}/answers",
    summary="Answer a customer's message thread (PT-15)",
    responses=REFUSED,
    status_code=201,
)
async def answer_message(
    customer_number: Number,
    thread_id: ThreadId,
    body: AnswerBody,
    _: PortalOperator,
    backend: Backend,
) -> Done:
    at = now()

    def answer() -> None:
        _known(backend, customer_number)
        SelfService(backend).answer(customer_number, thread_id, body.text, at)

    await _run(answer)
    return Done(customer_number=customer_number, detail="answered")


@router.post(
    "/accounts/{customer_number}/revocation",
    summary="Revoke portal access (PT-20)",
    responses=REFUSED,
)
async def revoke(
    customer_number: Number,
    body: RevocationBody,
    _: PortalOperator,
    backend: Backend,
) -> Done:
    at = now()

    def run() -> int:
        _known(backend, customer_number)
        account = backend.app.revoke(customer_number, RevocationReason(body.reason), at)
        return backend.sessions.end_all(account.id)

    ended = await _run(run)
    return Done(customer_number=customer_number, detail=f"revoked; {ended} session(s) ended")


@router.post(
    "/accounts/{customer_number}/restoration",
    summary="Restore revoked portal access",
    responses=REFUSED,
)
async def restore(customer_number: Number, _: PortalOperator, backend: Backend) -> Done:
    at = now()

    def run() -> None:
        _known(backend, customer_number)
        backend.app.restore(customer_number, at)

    await _run(run)
    return Done(customer_number=customer_number, detail="restored")


@router.post(
    "/accounts/{customer_number}/usage-violations",
    summary="Record a usage violation (PT-20)",
    responses=REFUSED,
    status_code=201,
)
async def record_violation(
    customer_number: Number,
    body: ViolationBody,
    _: PortalOperator,
    backend: Backend,
) -> Done:
    at = now()

    def run() -> None:
        _known(backend, customer_number)
        backend.app.record_violation(
            customer_number, body.violation_id, body.rule, body.severity, at
        )

    await _run(run)
    return Done(customer_number=customer_number, detail=f"violation {body.violation_id} recorded")


@router.post(
    "/accounts/{customer_number}/measures",
    summary="Take a measure against a violation (PT-20)",
    responses=REFUSED,
    status_code=201,
)
async def take_measure(
    customer_number: Number,
    body: MeasureBody,
    _: PortalOperator,
    backend: Backend,
) -> Done:
    at = now()

    def run() -> None:
        _known(backend, customer_number)
        account = backend.app.take_measure(customer_number, body.violation_id, body.measure, at)
        if body.measure is Measure.ACCESS_REVOKED:
            backend.sessions.end_all(account.id)

    await _run(run)
    return Done(customer_number=customer_number, detail=f"measure {body.measure.value} taken")


async def _run(work: Callable[[], T]) -> T:
    """`work` in the thread pool, a portal refusal answered as a 409 problem."""
    try:
        return await run_in_threadpool(work)
    except PortalRefusal as refusal:
        raise portal_refused(refusal) from None
