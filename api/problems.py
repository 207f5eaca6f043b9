"""Every error as application/problem+json (RFC 9457), mapped in this one place (API.md 5).

A problem has a `type` URI per kind (documented in docs/api.md), `title`, `status` and
`detail`; a rule's refusal adds `rule_id`, invalid input adds `errors: [{field, message}]`.
Nothing a client sends can produce a 500: the handlers below turn every client fault into
its 4xx, and an unexpected server fault into a 500 problem without a trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import OperationalError
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import Unauthenticated
from api.readmodels import NotCaughtUpError, ViewMissingError
from domain.contract.command import CommandInputError
from domain.errors import ConcurrencyConflictError, ContractError
from domain.portal.values import PortalRefusal
from infra.inputs.errors import location, message

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"
"""Problem types are relative URIs under /problems/ (RFC 9457 3.1.1), listed in docs/api.md."""
KINDS: dict[int, str] = {
    400: "bad-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "invalid-input",
    503: "unavailable",
}
"""The problem kind of each status this API answers with."""
RULE_REFUSED = "rule-refused"


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str
    message: str


class Problem(BaseModel):
    """The body of every error response (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    rule_id: str | None = None
    errors: list[FieldError] | None = None


@dataclass
class ProblemError(Exception):
    """Raised by a route to answer with a problem."""

    status: int
    detail: str
    kind: str | None = None
    rule_id: str | None = None
    errors: list[FieldError] | None = None
    headers: dict[str, str] = field(default_factory=dict)


def problem_response(error: ProblemError) -> JSONResponse:
    """The problem+json response of `error` (fields that are None are left out)."""
    kind = error.kind or KINDS.get(error.status, "server-error")
    body = Problem(
        type=TYPE_BASE + kind,
        title=HTTPStatus(error.status).phrase,
        status=error.status,
        detail=error.detail,
        rule_id=error.rule_id,
        errors=error.errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=error.status,
        media_type=MEDIA_TYPE,
        headers=error.headers,
    )


def field_errors(exc: RequestValidationError) -> list[FieldError]:
    """Pydantic's errors named as the request names the field (`body.odometer`); unknown
    fields first, as a misspelt field is usually also the missing one."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    return [FieldError(field=location(tuple(e["loc"])), message=message(e)) for e in errors]


async def _on_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc)


async def _on_invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc)
    detail = f"{errors[0].field} {errors[0].message}" if errors else "invalid request"
    return problem_response(ProblemError(422, detail, errors=errors))


async def _on_command_input(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CommandInputError)
    errors = [FieldError(field=f"body.{exc.field}", message=exc.message)]
    return problem_response(ProblemError(422, str(exc), errors=errors))


async def _on_refusal(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ContractError)
    if isinstance(exc, ConcurrencyConflictError):
        return problem_response(ProblemError(409, exc.message, kind="conflict"))
    return problem_response(ProblemError(409, exc.message, kind=RULE_REFUSED, rule_id=exc.rule_id))


def portal_refused(refusal: PortalRefusal) -> ProblemError:
    """A portal rule's refusal (RULES 7): 409 naming the rule, its code in the detail."""
    detail = f"{refusal.rule} {refusal.code}" + (f": {refusal.message}" if refusal.message else "")
    return ProblemError(409, detail, kind=RULE_REFUSED, rule_id=refusal.rule)


async def _on_portal_refusal(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PortalRefusal)
    return problem_response(portal_refused(exc))


async def _on_unauthenticated(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthenticated)
    challenge = f'Bearer error="invalid_token", error_description="{exc.reason}"'
    return problem_response(ProblemError(401, exc.reason, headers={"WWW-Authenticate": challenge}))


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(ProblemError(exc.status_code, detail, headers=dict(exc.headers or {})))


async def _on_not_caught_up(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotCaughtUpError)
    return problem_response(ProblemError(503, str(exc), headers={"Retry-After": "1"}))


async def _on_database_down(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("database unavailable: %s", exc)
    detail = "the database is not reachable right now"
    return problem_response(ProblemError(503, detail, headers={"Retry-After": "5"}))


async def _on_views_missing(_: Request, exc: Exception) -> JSONResponse:
    logger.warning("a read model's tables are missing: %s", exc)
    detail = "the read models are not created yet; the projections worker creates them"
    return problem_response(ProblemError(503, detail, headers={"Retry-After": "5"}))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        ProblemError(500, "the server failed to answer; retry with the same Idempotency-Key")
    )


def install(app: FastAPI) -> None:
    """Register the one error mapper on `app`."""
    handlers: dict[Any, Any] = {
        ProblemError: _on_problem,
        RequestValidationError: _on_invalid,
        CommandInputError: _on_command_input,
        ContractError: _on_refusal,
        PortalRefusal: _on_portal_refusal,
        Unauthenticated: _on_unauthenticated,
        StarletteHTTPException: _on_http,
        NotCaughtUpError: _on_not_caught_up,
        psycopg.OperationalError: _on_database_down,
        OperationalError: _on_database_down,
        psycopg.errors.UndefinedTable: _on_views_missing,
        ViewMissingError: _on_views_missing,
        Exception: _on_unexpected,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
