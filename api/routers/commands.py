"""Commands over HTTP (API.md 3), one route per registered public command, generated from the
command registry and its input models (infra/inputs), so a scenario step, a Kafka message
and an HTTP body are read the same way.

`POST /v1/contracts` concludes a contract (body: the scenario's `contract` object; its
optional `customer_contact` goes to the portal's contact store, P-30, not to the events);
`POST /v1/contracts/{number}/commands/{command}` sends any other command. Both take an
`Idempotency-Key` (stored with the events: api/idempotent.py) and answer the events the
command recorded, the contract's version (`ETag`) and the log `position` to read your
writes with. `If-Match: "<version>"` refuses a stale version with 412.

This module's annotations are evaluated at once (no `from __future__ import annotations`):
each generated route's body type is a local of the function that makes it.
"""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from pydantic import BaseModel, TypeAdapter

from api.auth import Principal
from api.deps import Operator, WriteSide, services, write_side, writer
from api.guards import GUARDS
from api.idempotent import IDEMPOTENCY_KEY, Sent, send
from api.problems import Problem
from api.quick import json_answer, json_body, quick_route, sub_response
from api.reading import NUMBER, Number
from api.threadhop import in_command_thread
from domain.contract.registry import COMMANDS
from infra.inputs.commands import COMMAND_MODELS, to_command
from infra.inputs.terms import ContractTermsInput

if TYPE_CHECKING:
    from api.deps import Gate

router = APIRouter(prefix="/v1/contracts", tags=["commands"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_KEY,
        max_length=255,
        pattern=r"^[!-~]+$",
        description="Retry-safe: the same key with the same body answers the first response",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=24,
        pattern=r'^"[0-9]{1,18}"$',
        description='The contract version the command is meant for, e.g. "12"',
    ),
]
REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": text}
    for status, text in {
        404: "No such contract",
        409: "Refused by a rule (`rule_id`), or changed by another writer",
        412: "`If-Match` names a version that is no longer current",
        422: "Invalid input (`errors`), or this key was used with another request",
    }.items()
}


class RecordedEvent(BaseModel):
    type: str
    occurred_on: str
    rule_ids: list[str]


class CommandResponse(BaseModel):
    """What a command recorded, and where the contract and the log stand after it."""

    contract_number: str
    version: int
    position: int | None
    events: list[RecordedEvent]


def _answer(sent: Sent, response: Response) -> dict[str, Any]:
    """The response's headers, and its body for FastAPI to validate as a CommandResponse."""
    response.status_code = sent.status
    response.headers["ETag"] = f'"{sent.version}"'
    if sent.location:
        response.headers["Location"] = sent.location
    if sent.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return sent.body()


@router.post(
    "",
    status_code=201,
    response_model=CommandResponse,
    summary="Conclude a contract (L-01)",
    responses=REFUSALS,
)
async def conclude(
    terms: Annotated[ContractTermsInput, Body()],
    request: Request,
    response: Response,
    caller: Operator,
    side: WriteSide,
    key: IdempotencyKey = None,
) -> dict[str, Any]:
    sent = await in_command_thread(send, side, caller, request, key, "conclude", terms, None)
    await in_command_thread(_keep_contact, request, terms)
    return _answer(sent, response)


def _keep_contact(request: Request, terms: ContractTermsInput) -> None:
    """P-30: a concluded contract's customer contact goes to the portal's contact store
    (personal data, never in the events); skipped when this API has no portal."""
    portal = services(request).portal
    if terms.customer_contact is None or portal is None or terms.customer_number is None:
        return
    contact = terms.customer_contact.contact()
    portal.contacts.put(terms.customer_number, contact, datetime.now(UTC))


def _route(name: str, model: type[BaseModel]) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The endpoint of command `name`. Endpoints are coroutines and the command is one
    explicit thread-pool hop (a plain-function endpoint would cost two: api/routers/contracts)."""
    command_class = COMMANDS[name]
    guard = GUARDS.get(name)
    gate = writer(name)

    async def endpoint(
        number: Number,
        body: Annotated[model, Body()],  # type: ignore[valid-type]
        request: Request,
        response: Response,
        caller: Annotated[Principal, Depends(gate)],
        side: WriteSide,
        key: IdempotencyKey = None,
        if_match: IfMatch = None,
    ) -> dict[str, Any]:
        expected = int(if_match.strip('"')) if if_match else None
        command = to_command(command_class, body)
        if guard is not None:
            await in_command_thread(guard, request, number, command)
        target = (number, expected)
        sent = await in_command_thread(send, side, caller, request, key, name, command, target)
        return _answer(sent, response)

    endpoint.__name__ = name
    quick_route(endpoint, _quick(endpoint, model, gate))
    return endpoint


KEY: TypeAdapter[str | None] = TypeAdapter(IdempotencyKey)
IF_MATCH: TypeAdapter[str | None] = TypeAdapter(IfMatch)


def _header(request: Request, name: str, adapter: TypeAdapter[str | None]) -> str | None:
    value = request.headers.get(name)
    return None if value is None else adapter.validate_python(value)


def _quick(
    endpoint: Callable[..., Awaitable[dict[str, Any]]], model: type[BaseModel], gate: "Gate"
) -> Callable[[Request], Awaitable[Response | None]]:
    """The quick handler of a command's endpoint (api/quick.py): the parameters the endpoint
    declares, read and checked as FastAPI does, or None for FastAPI to answer."""

    async def quick(request: Request) -> Response | None:
        try:
            solved = {
                "body": model.model_validate(await json_body(request)),
                "number": NUMBER.validate_python(request.path_params["number"]),
                "key": _header(request, IDEMPOTENCY_KEY, KEY),
                "if_match": _header(request, "If-Match", IF_MATCH),
                "caller": await gate(request),
                "side": await write_side(request),
            }
        except Exception:  # noqa: BLE001 - whatever it is, FastAPI's handler meets it again
            return None  # and answers it as if there were no quick path
        sub = sub_response()
        return json_answer(await endpoint(request=request, response=sub, **solved), sub)

    return quick


for _name, _model in COMMAND_MODELS.items():
    _cls = COMMANDS[_name]
    router.add_api_route(
        f"/{{number}}/commands/{_name}",
        _route(_name, _model),
        methods=["POST"],
        summary=(_cls.__doc__ or _name).strip().splitlines()[0],
        description=f"Rules: {', '.join(_cls.rule_ids)}.",
        responses=REFUSALS,
        response_model=CommandResponse,
        openapi_extra={"x-rule-ids": list(_cls.rule_ids)},
    )
