"""What every query shares (API.md 4): the caller's reading of one view with its position
(`X-Position`, `?min_position=N` read-your-writes), path and query parameters, cursors, and
a document in the representation the caller accepts.

Staff read any contract (api/routers/contracts.py); a customer only their own
(api/routers/me.py), and another customer's contract or document is 404 for them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, cast

from fastapi import Header, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import TypeAdapter

from api.deps import ReadSideServices, admit, authenticated, read_side
from api.documents import render_html, render_pdf
from api.negotiation import negotiate
from api.problems import FieldError, ProblemError
from api.schemas.views import Document, Overview
from api.threadhop import in_thread
from domain.contract import Contract
from domain.contract.command import MAX_CODE
from infra.inputs.types import IDENTIFIER_PATTERN
from projections.engine.rows import PostgresRowView
from projections.plain import plain

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from api.auth import Principal, Role
    from projections.engine.tables import Row
    from projections.views.invoices import PostgresInvoicesView
    from projections.views.portal import PostgresPortalView

V = TypeVar("V", bound=PostgresRowView)
T = TypeVar("T")

Number = Annotated[
    str,
    Path(max_length=MAX_CODE, pattern=IDENTIFIER_PATTERN, examples=["DEMO-2024-0001"]),
]
MinPosition = Annotated[
    int | None,
    Query(ge=0, le=2**62, description="Wait until the read model has applied this position"),
]
On = Annotated[date | None, Query(description="Business date (default: the server's today)")]
NUMBER: TypeAdapter[str] = TypeAdapter(Number)
"""`Number` checked outside FastAPI's parameter solving (the quick handlers, api/quick.py)."""


@dataclass
class Reading(Generic[V]):
    """A caller's query on one view. `run(query)` calls `query(view)` in the thread
    pool once the view has applied `min_position`, with the view's position in `X-Position`.

    The endpoints and this dependency are coroutines and the database work is one explicit
    thread-pool hop: FastAPI would run a plain-function endpoint, each plain-function
    dependency and the response's validation in the pool one hop each (bench/api.py)."""

    name: str
    kind: type[V]
    caller: Principal
    side: ReadSideServices
    min_position: int | None
    response: Response
    position: int = 0

    async def run(self, query: Callable[[V], T]) -> T:
        return await in_thread(self._run, query)

    def _run(self, query: Callable[[V], T]) -> T:
        read_models = self.side.read_models
        view = read_models.view(self.name, self.kind)
        with view.reading():  # one pooled connection for the position and the query
            position = read_models.position(self.name)
            if self.min_position is None or position >= self.min_position:
                return self._answer(position, query, view)
        # read-your-writes: wait for the view without holding a connection
        return self._answer(read_models.at_least(self.name, self.min_position), query, view)

    def _answer(self, position: int, query: Callable[[V], T], view: V) -> T:
        self.position = position
        self.response.headers["X-Position"] = str(position)
        return query(view)


def reader(
    name: str, kind: type[V], roles: tuple[Role, ...]
) -> Callable[..., Awaitable[Reading[V]]]:
    """The dependency of a query on view `name` by a caller holding one of `roles`."""

    async def read(
        request: Request, response: Response, min_position: MinPosition = None
    ) -> Reading[V]:
        caller = admit(await authenticated(request), roles)
        side = await read_side(request)
        return Reading(name, kind, caller, side, min_position, response)

    return read


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


DOCUMENT_TYPES = ("application/json", "text/html", "application/pdf")
DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        }
    },
    406: {"description": "None of the accepted types is offered"},
}
Accept = Annotated[str, Header(max_length=1024)]


def representation(accept: str) -> str:
    """The document type the caller accepts; 406 when it accepts none of them."""
    chosen = negotiate(accept, DOCUMENT_TYPES)
    if chosen is None:
        raise ProblemError(406, f"this document is offered as {', '.join(DOCUMENT_TYPES)}")
    return chosen


async def document_of(
    read: Reading[PostgresInvoicesView],
    document_number: str,
    accept: str,
    customer: str | None = None,
) -> Any:
    """A numbered document as JSON, or rendered as HTML or PDF from the one template, as
    `accept` asks (406 when it accepts none); 404 when there is no such document or, with
    `customer`, it is not that customer's."""
    chosen = representation(accept)

    def query(view: PostgresInvoicesView) -> Any:
        row = view.document(document_number)
        owner = view.customer_of(row["contract_id"]) if row is not None else None
        if row is None or customer not in (None, owner):
            raise ProblemError(404, f"no document {document_number}")
        if chosen == "application/json":
            return Document.model_validate(row)
        html = render_html(row, owner or "", read.side.lessor)
        headers = {"X-Position": str(read.position), "Vary": "Accept"}
        if chosen == "text/html":
            return HTMLResponse(html, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{document_number}.pdf"'
        return Response(render_pdf(html), media_type="application/pdf", headers=headers)

    return await read.run(query)


def page_answer(rows: list[Row], limit: int) -> dict[str, Any]:
    """A page of contracts (fetched `limit + 1`, to know whether there is a next page)."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["contract_number"]) if more else None
    return {"contracts": rows, "next_cursor": next_cursor}


async def overview_answer(
    read: Reading[PostgresPortalView], number: str, on: date | None, customer: str | None = None
) -> Overview:
    """A contract's overview on business date `on` (the server's today by default); 404
    when the views do not know it or, with `customer`, it is not that customer's."""
    day = on or read.side.today()
    try:
        found = await read.run(
            lambda view: view.overview(Contract.create_id(number), day, customer)
        )
    except KeyError:
        raise ProblemError(404, f"no contract {number}") from None
    return cast("Overview", Overview.model_validate(plain(found)))
