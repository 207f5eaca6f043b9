"""Auditors' `?as_of=&known_at=` on a contract's overview, documents and history (issue 12).

Without the two parameters a query reads the live read model as always. With either, only
the `auditor` role may ask (403 naming the parameter otherwise), and the answer is the
contract replayed from its stored events (infra/audit/replay.py), not the live view: as it
stood on business date `as_of` (default: the server's today) as the service knew it at
recorded time `known_at` (default: now). `known_at` must carry its timezone (422 naming
`query.known_at` otherwise). The answer echoes the cut in `X-As-Of` and `X-Known-At`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Query
from starlette.concurrency import run_in_threadpool

from api.auth import Role
from api.deps import services
from api.problems import FieldError, ProblemError
from domain.contract import Contract
from domain.errors import ContractNotFoundError
from infra.audit.replay import Cut, NotKnownError, Replay, replay_contract
from projections.views.invoices import PostgresInvoicesView

if TYPE_CHECKING:
    from fastapi import Request, Response

    from api.auth import Principal
    from api.deps import Services

AsOf = Annotated[
    date | None,
    Query(description="Auditors: the contract as it stood on this business date (replayed)"),
]
KnownAt = Annotated[
    datetime | None,
    Query(
        description="Auditors: only what the service had recorded by this time, with its "
        "timezone, e.g. 2025-03-15T12:00:00Z (replayed)"
    ),
]


def audit_cut(caller: Principal, as_of: date | None, known_at: datetime | None) -> Cut | None:
    """The replay the caller asks for (None: none, read the live view); 403 or 422 if not."""
    if as_of is None and known_at is None:
        return None
    name = "query.as_of" if as_of is not None else "query.known_at"
    if Role.AUDITOR not in caller.roles:
        error = FieldError(field=name, message="is for the auditor role")
        raise ProblemError(403, f"{name} is for the auditor role", errors=[error])
    if known_at is not None and known_at.utcoffset() is None:
        message = "needs a timezone, e.g. 2025-03-15T12:00:00Z or +01:00"
        error = FieldError(field="query.known_at", message=message)
        raise ProblemError(422, f"query.known_at {message}", errors=[error])
    return Cut(as_of, known_at)


async def replayed(request: Request, response: Response, number: str, cut: Cut) -> Replay:
    """The contract replayed for `cut`; 404 when it is unknown, or unknown at that cut."""
    found = services(request)
    if found.contracts is None or found.read_models is None:
        raise ProblemError(503, "the event store is not available", headers={"Retry-After": "5"})
    as_of = cut.as_of or found.today()
    cut = Cut(as_of, cut.known_at)
    response.headers["X-As-Of"] = as_of.isoformat()
    if cut.known_at is not None:
        response.headers["X-Known-At"] = cut.known_at.isoformat()
    try:
        return await run_in_threadpool(_replay, found, number, cut)
    except ContractNotFoundError:
        raise ProblemError(404, f"no contract {number}") from None
    except NotKnownError as err:
        raise ProblemError(404, str(err)) from None


def _replay(found: Services, number: str, cut: Cut) -> Replay:
    assert found.contracts is not None
    assert found.read_models is not None
    invoices = found.read_models.view("invoices", PostgresInvoicesView)
    with invoices.reading():
        rows = invoices.documents(Contract.create_id(number))
    numbers = {str(r["receivable_id"]): str(r["number"]) for r in rows}
    return replay_contract(found.contracts, number, cut, numbers)


def business_day(cut: Cut, on: date | None) -> date:
    """The overview's date: `as_of`; a different `?on=` beside it is 422."""
    assert cut.as_of is not None
    if on is not None and on != cut.as_of:
        error = FieldError(field="query.on", message="differs from query.as_of; give one")
        raise ProblemError(422, "query.on differs from query.as_of", errors=[error])
    return cut.as_of
