"""A customer's own contracts and documents (API.md 2 and 4, under `/v1/me`).

A customer token names its customer (`customer_number`); these routes answer only about
that customer's contracts. Where the portal runs, they follow its rules as a connected
app (infra/portal/connected.py): a registered, active account, terms accepted, every
access recorded. Another customer's contract or document is 404, worded as for
one that does not exist, so a customer cannot learn what exists. Staff use the routes of
api/routers/contracts.py and are refused here (403).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.auth import Role
from api.deps import authenticated, services
from api.problems import ProblemError
from api.reading import (
    CURSOR,
    DOCUMENT_RESPONSES,
    MAX_PAGE,
    Accept,
    Number,
    On,
    Reading,
    decode_cursor,
    document_of,
    overview_answer,
    page_answer,
    reader,
)
from api.schemas.views import ContractPage, Document, Overview
from domain.contract import Contract
from domain.contract.command import MAX_CODE
from domain.portal.values import PortalRefusal
from infra.portal.connected import ConnectedAccess
from projections.views.invoices import PostgresInvoicesView
from projections.views.portal import PostgresPortalView

CUSTOMER = (Role.CUSTOMER,)
APP_ACCESS = ConnectedAccess()


async def connected(request: Request) -> None:
    """PT-06, PT-08, PT-13: a customer's request is the connected app's portal action
    (when the portal runs): 403 naming the rule where the portal would refuse it."""
    backend = services(request).portal
    caller = await authenticated(request)
    customer = caller.customer_number
    if backend is None or customer is None:
        return  # staff: the route refuses them (403)
    token = request.headers.get("authorization", "")
    admit = partial(APP_ACCESS.admit, backend, customer, token, request.url.path)
    try:
        await run_in_threadpool(admit, datetime.now(UTC))
    except PortalRefusal as refusal:
        raise ProblemError(403, str(refusal), rule_id=refusal.rule) from None


router = APIRouter(prefix="/v1/me", tags=["customer"], dependencies=[Depends(connected)])

Portal = Annotated[
    Reading[PostgresPortalView], Depends(reader("portal", PostgresPortalView, CUSTOMER))
]
Invoices = Annotated[
    Reading[PostgresInvoicesView], Depends(reader("invoices", PostgresInvoicesView, CUSTOMER))
]


def _customer(read: Reading[Any]) -> str:
    number = read.caller.customer_number
    assert number is not None  # the verifier refuses a customer token without one
    return number


def _theirs(view: PostgresInvoicesView, number: str, customer: str) -> None:
    """404 unless contract `number` is `customer`'s."""
    if view.customer_of(Contract.create_id(number)) != customer:
        raise ProblemError(404, f"no contract {number}")


@router.get("/contracts", summary="My contracts, a page at a time")
async def my_contracts(
    read: Portal,
    cursor: Annotated[str | None, Query(max_length=2 * MAX_CODE, pattern=CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ContractPage:
    customer = _customer(read)
    after = decode_cursor(cursor) if cursor is not None else None
    rows = await read.run(
        lambda view: view.contracts_page(after, limit + 1, customer_number=customer)
    )
    return ContractPage.model_validate(page_answer(rows, limit))


@router.get("/contracts/{number}", summary="One of my contracts on a business date")
async def my_contract(number: Number, read: Portal, on: On = None) -> Overview:
    return await overview_answer(read, number, on, _customer(read))


@router.get("/contracts/{number}/documents", summary="The documents of one of my contracts")
async def my_documents(number: Number, read: Invoices) -> list[Document]:  # type: ignore[valid-type]
    customer = _customer(read)

    def query(view: PostgresInvoicesView) -> list[Any]:
        _theirs(view, number, customer)
        return view.documents(Contract.create_id(number))

    return [Document.model_validate(row) for row in await read.run(query)]


@router.get(
    "/documents/{document_number}",
    summary="One of my documents: JSON, or rendered as HTML or PDF (Accept)",
    responses=DOCUMENT_RESPONSES,
)
async def my_document(
    document_number: Number, read: Invoices, accept: Accept = "application/json"
) -> Any:
    return await document_of(read, document_number, accept, _customer(read))
