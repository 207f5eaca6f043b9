"""Queries on contracts, documents and customers, from the read models only (API.md 4).

Each answer carries the view's position in `X-Position`; `?min_position=N` waits until the
view has reached N (read-your-writes after a command). A contract the views do not know is
404. Business dates default to the server's business clock (`?on=` where API.md allows it).
"""

from __future__ import annotations

import base64
import dataclasses
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import HTMLResponse

from api.deps import ReadSide, Staff
from api.documents import render_html, render_pdf
from api.negotiation import negotiate
from api.problems import FieldError, ProblemError
from api.schemas.views import ContractPage, Deadline, Document, Event, Exposure, Ledger, Overview
from domain.contract import Contract
from domain.contract.command import MAX_CODE
from domain.money import Money
from domain.values import ContractStatus
from infra.inputs.types import IDENTIFIER_PATTERN
from projections.views.deadlines import PostgresDeadlinesView
from projections.views.exposure import PostgresExposureView
from projections.views.history import PostgresHistoryView
from projections.views.invoices import PostgresInvoicesView
from projections.views.ledger import PostgresLedgerView
from projections.views.portal import PostgresPortalView

if TYPE_CHECKING:
    from collections.abc import Callable

router = APIRouter(prefix="/v1", tags=["queries"])
V = TypeVar("V")

Number = Annotated[
    str,
    Path(max_length=MAX_CODE, pattern=IDENTIFIER_PATTERN, examples=["DEMO-2024-0001"]),
]
MinPosition = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="Wait until the read model has applied this position"),
]
On = Annotated[date | None, Query(description="Business date (default: the server's today)")]


def plain(value: Any) -> Any:
    """Money and dataclasses as the response models read them (Decimal, dicts)."""
    if isinstance(value, Money):
        return value.amount
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def _reader(name: str, kind: type[V]) -> Callable[..., V]:
    """A dependency for a staff caller's query on view `name`: the view, once it has applied
    `min_position`, with its position in `X-Position`."""

    def read(_: Staff, side: ReadSide, response: Response, min_position: MinPosition = None) -> V:
        response.headers["X-Position"] = str(side.read_models.at_least(name, min_position))
        return side.read_models.view(name, kind)

    return read


Portal = Annotated[PostgresPortalView, Depends(_reader("portal", PostgresPortalView))]
Invoices = Annotated[PostgresInvoicesView, Depends(_reader("invoices", PostgresInvoicesView))]
History = Annotated[PostgresHistoryView, Depends(_reader("history", PostgresHistoryView))]
Deadlines = Annotated[PostgresDeadlinesView, Depends(_reader("deadlines", PostgresDeadlinesView))]
LedgerView = Annotated[PostgresLedgerView, Depends(_reader("ledger", PostgresLedgerView))]
ExposureView = Annotated[PostgresExposureView, Depends(_reader("exposure", PostgresExposureView))]


def _not_found(number: str) -> ProblemError:
    return ProblemError(404, f"no contract {number}")


MAX_PAGE = 200
CURSOR = r"^[A-Za-z0-9_-]+$"
"""A cursor is base64url without padding."""


def encode_cursor(number: str) -> str:
    """An opaque cursor: the last contract number of a page, base64url without padding."""
    return base64.urlsafe_b64encode(number.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The contract number a cursor stands for; 422 naming `query.cursor` if it is not one."""
    try:
        number = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8
        number = ""
    if not re.fullmatch(IDENTIFIER_PATTERN, number) or len(number) > MAX_CODE:
        error = FieldError(field="query.cursor", message="is not a cursor this API gave out")
        raise ProblemError(422, "query.cursor is not a cursor this API gave out", errors=[error])
    return number


@router.get("/contracts", summary="Contracts by number, filtered, a page at a time")
def list_contracts(
    view: Portal,
    customer: Annotated[str | None, Query(max_length=MAX_CODE, pattern=IDENTIFIER_PATTERN)] = None,
    status: Annotated[ContractStatus | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=2 * MAX_CODE, pattern=CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ContractPage:
    equal = {"customer_number": customer, "status": status.value if status else None}
    after = decode_cursor(cursor) if cursor is not None else None
    rows = view.contracts_page(
        after, limit + 1, **{k: v for k, v in equal.items() if v is not None}
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["contract_number"]) if more else None
    return ContractPage.model_validate({"contracts": rows, "next_cursor": next_cursor})


@router.get("/contracts/{number}", summary="A contract's overview on a business date")
def overview(number: Number, view: Portal, side: ReadSide, on: On = None) -> Overview:
    try:
        found = view.overview(Contract.create_id(number), on or side.today())
    except KeyError:
        raise _not_found(number) from None
    return cast("Overview", Overview.model_validate(plain(found)))


@router.get("/contracts/{number}/documents", summary="Invoices, debit and credit notes")
def documents(number: Number, view: Invoices) -> list[Document]:  # type: ignore[valid-type]
    rows = view.documents(Contract.create_id(number))
    return [Document.model_validate(row) for row in rows]


DOCUMENT_TYPES = ("application/json", "text/html", "application/pdf")


@router.get(
    "/documents/{document_number}",
    summary="One numbered document: JSON, or rendered as HTML or PDF (Accept)",
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        },
        406: {"description": "None of the accepted types is offered"},
    },
)
def document(
    document_number: Number,
    _: Staff,
    side: ReadSide,
    response: Response,
    accept: Annotated[str, Header(max_length=1024)] = "application/json",
    min_position: MinPosition = None,
) -> Any:
    chosen = negotiate(accept, DOCUMENT_TYPES)
    if chosen is None:
        raise ProblemError(406, f"this document is offered as {', '.join(DOCUMENT_TYPES)}")
    position = side.read_models.at_least("invoices", min_position)
    view = side.read_models.view("invoices", PostgresInvoicesView)
    row = view.document(document_number)
    if row is None:
        raise ProblemError(404, f"no document {document_number}")
    if chosen == "application/json":
        response.headers["X-Position"] = str(position)
        return Document.model_validate(row)
    html = render_html(row, view.customer_of(row["contract_id"]), side.lessor)
    headers = {"X-Position": str(position), "Vary": "Accept"}
    if chosen == "text/html":
        return HTMLResponse(html, headers=headers)
    filename = f'inline; filename="{document_number}.pdf"'
    headers["Content-Disposition"] = filename
    return Response(render_pdf(html), media_type="application/pdf", headers=headers)


@router.get("/contracts/{number}/history", summary="The timeline auditors read")
def contract_history(number: Number, view: History) -> list[Event]:  # type: ignore[valid-type]
    rows = view.timeline(Contract.create_id(number))
    if not rows:
        raise _not_found(number)
    return [Event.model_validate(row) for row in rows]


@router.get("/contracts/{number}/deadlines", summary="Deadlines with their rule IDs")
def contract_deadlines(number: Number, view: Deadlines) -> list[Deadline]:  # type: ignore[valid-type]
    return [Deadline.model_validate(row) for row in view.of_contract(Contract.create_id(number))]


@router.get("/contracts/{number}/ledger", summary="Open items, arrears and interest on a date")
def contract_ledger(number: Number, view: LedgerView, side: ReadSide, on: On = None) -> Ledger:
    contract_id, day = Contract.create_id(number), on or side.today()
    items = view.items(contract_id)
    if not items and not view.select("contracts", contract_id=contract_id):
        raise _not_found(number)
    return Ledger.model_validate(
        {
            "contract_number": number,
            "as_of": day,
            "balance": view.balance(contract_id).amount,
            "credit_balance": view.credit_balance(contract_id).amount,
            "open_items": [i for i in items if i["open"] > Decimal(0)],
            "arrears": plain(view.arrears(contract_id, day)),
            "notices": plain(view.dunning(contract_id, day)),
        }
    )


@router.get("/customers/{customer_number}/exposure", summary="A customer's contracts and arrears")
def exposure(
    customer_number: Number, view: ExposureView, side: ReadSide, on: On = None
) -> Exposure:
    found = view.customer(customer_number, on or side.today())
    if not found["contracts"]:
        raise ProblemError(404, f"no customer {customer_number}")
    return Exposure.model_validate(plain(found))
