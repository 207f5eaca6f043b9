"""`GET /v1/documents/{document_number}/explanation`: every line of a document explained.

For staff (operators, auditors, integrations): each line's rule ID, article, inputs, the
formula with the numbers filled in, and the events it came from, as recorded when the charge
was computed (infra/explanation.py). The document is found in the `invoices` view, the events in the
event store; an unknown document is 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from api.auth import STAFF
from api.deps import services
from api.problems import ProblemError
from api.reading import Number, Reading, reader
from infra.explanation import DocumentNotFoundError, explain
from projections.views.invoices import PostgresInvoicesView

router = APIRouter(prefix="/v1", tags=["queries"])

EXPLAINED_TO = STAFF
"""Who may read an explanation: every staff role, as every staff query (API.md 2), so
operators and auditors, and integrations too."""
Invoices = Annotated[
    Reading[PostgresInvoicesView],
    Depends(reader("invoices", PostgresInvoicesView, EXPLAINED_TO)),
]


@router.get(
    "/documents/{document_number}/explanation",
    summary="Every line of a document: rule, article, inputs, formula applied, events",
)
async def explanation(
    document_number: Number,
    read: Invoices,
    request: Request,
) -> dict[str, Any]:
    contracts = services(request).contracts
    if contracts is None:
        raise ProblemError(503, "the event store is not available", headers={"Retry-After": "5"})

    def query(view: PostgresInvoicesView) -> dict[str, Any]:
        try:
            return explain(contracts, view, document_number)
        except DocumentNotFoundError:
            raise ProblemError(404, f"no document {document_number}") from None

    return await read.run(query)
