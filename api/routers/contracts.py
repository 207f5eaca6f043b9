"""Staff queries on contracts, documents and customers, from the read models only (API.md 4).

Auditors add `?as_of=&known_at=` to a contract's overview, documents and history for the
contract replayed from its events (api/replaying.py). Each live answer carries the view's
position in `X-Position`; `?min_position=N` waits until the
view has reached N (read-your-writes after a command). A contract the views do not know is
404. Business dates default to the server's business clock (`?on=` where API.md allows it).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter
from starlette.responses import Response as StarletteResponse

from api.auth import STAFF
from api.problems import ProblemError
from api.quick import model_answer, query_values, quick_route, sub_response
from api.reading import (
    CURSOR,
    DOCUMENT_RESPONSES,
    MAX_PAGE,
    NUMBER,
    Accept,
    MinPosition,
    Number,
    On,
    Reading,
    decode_cursor,
    document_of,
    overview_answer,
    page_answer,
    reader,
)
from api.replaying import AsOf, KnownAt, audit_cut, business_day, replayed
from api.schemas.views import ContractPage, Deadline, Document, Event, Exposure, Ledger, Overview
from domain.contract import Contract
from domain.contract.command import MAX_CODE
from domain.values import ContractStatus
from infra.audit.replay import Replay
from infra.inputs.types import IDENTIFIER_PATTERN
from projections.plain import plain
from projections.views.deadlines import PostgresDeadlinesView
from projections.views.exposure import PostgresExposureView
from projections.views.history import PostgresHistoryView
from projections.views.invoices import PostgresInvoicesView
from projections.views.ledger import PostgresLedgerView
from projections.views.portal import PostgresPortalView

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from infra.audit.replay import Cut
    from projections.engine.rows import PostgresRowView, Row

V = TypeVar("V", bound="PostgresRowView")

router = APIRouter(prefix="/v1", tags=["queries"])

read_portal = reader("portal", PostgresPortalView, STAFF)
Portal = Annotated[Reading[PostgresPortalView], Depends(read_portal)]
Invoices = Annotated[
    Reading[PostgresInvoicesView], Depends(reader("invoices", PostgresInvoicesView, STAFF))
]
History = Annotated[
    Reading[PostgresHistoryView], Depends(reader("history", PostgresHistoryView, STAFF))
]
Deadlines = Annotated[
    Reading[PostgresDeadlinesView], Depends(reader("deadlines", PostgresDeadlinesView, STAFF))
]
LedgerView = Annotated[
    Reading[PostgresLedgerView], Depends(reader("ledger", PostgresLedgerView, STAFF))
]
ExposureView = Annotated[
    Reading[PostgresExposureView], Depends(reader("exposure", PostgresExposureView, STAFF))
]


def _not_found(number: str) -> ProblemError:
    return ProblemError(404, f"no contract {number}")


async def _live_or_replayed(
    read: Reading[V],
    request: Request,
    response: Response,
    number: str,
    cut: Cut | None,
    live: Callable[[V, UUID], list[Row]],
    from_replay: Callable[[Replay], list[Row]],
) -> list[Row]:
    """A contract's rows from the live view, or replayed from its events for an auditor's cut."""
    if cut is None:
        return await read.run(lambda view: live(view, Contract.create_id(number)))
    return from_replay(await replayed(request, response, number, cut))


@router.get("/contracts", summary="Contracts by number, filtered, a page at a time")
async def list_contracts(
    read: Portal,
    customer: Annotated[str | None, Query(max_length=MAX_CODE, pattern=IDENTIFIER_PATTERN)] = None,
    status: Annotated[ContractStatus | None, Query()] = None,
    awaiting_lessor: Annotated[
        bool | None,
        Query(description="Only contracts with (true) or without (false) a task for the Lessor"),
    ] = None,
    cursor: Annotated[str | None, Query(max_length=2 * MAX_CODE, pattern=CURSOR)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> ContractPage:
    equal = {
        "customer_number": customer,
        "status": status.value if status else None,
        "awaiting_lessor": awaiting_lessor,
    }
    after = decode_cursor(cursor) if cursor is not None else None
    rows = await read.run(
        lambda view: view.contracts_page(
            after, limit + 1, **{k: v for k, v in equal.items() if v is not None}
        )
    )
    return ContractPage.model_validate(page_answer(rows, limit))


@router.get("/contracts/{number}", summary="A contract's overview on a business date")
async def overview(
    number: Number,
    read: Portal,
    request: Request,
    response: Response,
    on: On = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> Overview:
    cut = audit_cut(read.caller, as_of, known_at)
    if cut is None:
        return await overview_answer(read, number, on)
    found = await replayed(request, response, number, cut)
    answer = plain(found.overview(business_day(found.cut, on)))
    return cast("Overview", Overview.model_validate(answer))


OVERVIEW_QUERY: dict[str, TypeAdapter[Any]] = {
    "min_position": TypeAdapter(MinPosition),
    "on": TypeAdapter(On),
}
"""The query parameters the overview's quick handler reads; an auditor's cut goes to FastAPI."""


async def _quick_overview(request: Request) -> StarletteResponse | None:
    """The overview's quick handler (api/quick.py): its parameters read as FastAPI would,
    or None for FastAPI to answer."""
    sub = sub_response()
    try:
        query = query_values(request, OVERVIEW_QUERY)
        number = NUMBER.validate_python(request.path_params["number"])
        read = await read_portal(request, sub, query.get("min_position"))
    except Exception:  # noqa: BLE001 - whatever it is, FastAPI's handler meets it again
        return None  # and answers it as if there were no quick path
    answer = await overview(number, read, request, sub, on=query.get("on"))
    return model_answer(answer, sub)


quick_route(overview, _quick_overview)


@router.get("/contracts/{number}/documents", summary="Invoices, debit and credit notes")
async def documents(
    number: Number,
    read: Invoices,
    request: Request,
    response: Response,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> list[Document]:  # type: ignore[valid-type]
    cut = audit_cut(read.caller, as_of, known_at)
    rows = await _live_or_replayed(
        read, request, response, number, cut, lambda view, at: view.documents(at), Replay.documents
    )
    return [Document.model_validate(row) for row in rows]


@router.get(
    "/documents/{document_number}",
    summary="One numbered document: JSON, or rendered as HTML or PDF (Accept)",
    responses=DOCUMENT_RESPONSES,
)
async def document(
    document_number: Number, read: Invoices, accept: Accept = "application/json"
) -> Any:
    return await document_of(read, document_number, accept)


@router.get("/contracts/{number}/history", summary="The timeline auditors read")
async def contract_history(
    number: Number,
    read: History,
    request: Request,
    response: Response,
    as_of: AsOf = None,
    known_at: KnownAt = None,
) -> list[Event]:  # type: ignore[valid-type]
    cut = audit_cut(read.caller, as_of, known_at)
    rows = await _live_or_replayed(
        read, request, response, number, cut, lambda view, at: view.timeline(at), Replay.timeline
    )
    if not rows:
        raise _not_found(number)
    return [Event.model_validate(row) for row in rows]


@router.get("/contracts/{number}/deadlines", summary="Deadlines with their rule IDs")
async def contract_deadlines(number: Number, read: Deadlines) -> list[Deadline]:  # type: ignore[valid-type]
    rows = await read.run(lambda view: view.of_contract(Contract.create_id(number)))
    return [Deadline.model_validate(row) for row in rows]


@router.get("/contracts/{number}/ledger", summary="Open items, arrears and interest on a date")
async def contract_ledger(number: Number, read: LedgerView, on: On = None) -> Ledger:
    contract_id, day = Contract.create_id(number), on or read.side.today()

    def query(view: PostgresLedgerView) -> dict[str, Any]:
        items = view.items(contract_id)
        if not items and not view.select("contracts", contract_id=contract_id):
            raise _not_found(number)
        return {
            "contract_number": number,
            "as_of": day,
            "balance": view.balance(contract_id).amount,
            "credit_balance": view.credit_balance(contract_id).amount,
            "open_items": [i for i in items if i["open"] > Decimal(0)],
            "arrears": plain(view.arrears(contract_id, day)),
            "notices": plain(view.dunning(contract_id, day)),
        }

    return Ledger.model_validate(await read.run(query))


@router.get("/customers/{customer_number}/exposure", summary="A customer's contracts and arrears")
async def exposure(customer_number: Number, read: ExposureView, on: On = None) -> Exposure:
    day = on or read.side.today()
    found = await read.run(lambda view: view.customer(customer_number, day))
    if not found["contracts"]:
        raise ProblemError(404, f"no customer {customer_number}")
    return Exposure.model_validate(plain(found))
