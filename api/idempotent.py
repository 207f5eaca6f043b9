"""Sending a command over HTTP: the context, the idempotency key, the answer (API.md 3).

Without a key a command is executed and answered. With one, its record is stored in the
transaction of the command's events (infra/idempotency.py): a request that finds its key
already stored is answered from that record and the stored events, exactly as the first
time (`Idempotent-Replayed: true`), and records nothing; the same key with another request
is 422. A rule's refusal that records nothing stores no key: sending it again decides it
again. A refusal the rules record as an event (L-22's `EarlyTerminationRejected`) stores the
key with that event, status 409: replayed, the same 409 is answered from the stored event
(`Idempotent-Replayed: true`) and nothing more is recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel

from api.auth import Role
from api.problems import RULE_REFUSED, FieldError, ProblemError
from domain.contract import Contract, Ctx
from domain.errors import (
    ConcurrencyConflictError,
    ContractError,
    ContractNotFoundError,
    TermsError,
)
from infra.idempotency import (
    REFUSED,
    SAVE_OPTION,
    IdempotencyKeyTakenError,
    IdempotencyRecord,
    digest,
)

if TYPE_CHECKING:
    from fastapi import Request

    from api.auth import Principal
    from api.deps import WriteSideServices
    from domain.contract.base_events import ContractEvent
    from domain.contract.command import Command
    from domain.decisions import CommandResult
    from infra.inputs.terms import ContractTermsInput

IDEMPOTENCY_KEY = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
CONCLUDE = "conclude"


@dataclass(frozen=True)
class Sent:
    """A command's answer: the status and what to say, first time or replayed."""

    status: int
    contract_number: str
    version: int
    position: int | None
    events: tuple[ContractEvent, ...]
    location: str | None = None
    replayed: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "contract_number": self.contract_number,
            "version": self.version,
            "position": self.position,
            "events": [
                {
                    "type": type(e).__name__,
                    "occurred_on": e.occurred_on.isoformat(),
                    "rule_ids": list(e.rule_ids),
                }
                for e in self.events
            ],
        }


def actor(caller: Principal) -> str:
    """Who the events say acted: a lessor user or an integration, with the token's subject."""
    kind = "LESSOR_USER" if Role.OPERATOR in caller.roles else "INTEGRATION"
    return f"{kind}:{caller.subject[:64]}"


def send(
    side: WriteSideServices,
    caller: Principal,
    request: Request,
    key: str | None,
    name: str,
    payload: Command | ContractTermsInput,
    target: tuple[str, int | None] | None,
) -> Sent:
    """Execute `payload` (the conclusion's terms, or a command on `target`'s contract with
    its expected version) once per idempotency key, and say what it recorded."""
    number = target[0] if target else cast("ContractTermsInput", payload).contract_number or ""
    status = 201 if target is None else 200
    record = None
    if key is not None:
        record = IdempotencyRecord(
            key=digest(caller.subject, key),
            request=digest(request.method, request.url.path, _canonical(payload)),
            command=name,
            status=status,
        )
        earlier = side.contracts.keys.find(record.key)
        if earlier is not None:
            return _replay(side, record, earlier, number)
    ctx = Ctx(
        on=side.today(),
        actor=actor(caller),
        causation_id=f"http:{record.key[:32] if record else uuid.uuid4()}",
        policy=side.policy,
    )
    save = {SAVE_OPTION: record} if record else {}
    try:
        result = _execute(side, payload, ctx, target, save)
    except IdempotencyKeyTakenError:  # a request with the same key committed first
        assert record is not None
        earlier = side.contracts.keys.find(record.key)
        assert earlier is not None
        return _replay(side, record, earlier, number)
    side.metrics.commands.labels(name, "recorded" if result.recorded else "no change").inc()
    location = f"/v1/contracts/{number}" if target is None else None
    return Sent(status, number, result.version, result.position, result.recorded, location)


def _execute(
    side: WriteSideServices,
    payload: Command | ContractTermsInput,
    ctx: Ctx,
    target: tuple[str, int | None] | None,
    save: dict[str, Any],
) -> CommandResult:
    name = "conclude" if target is None else cast("Command", payload).name
    try:
        if target is None:
            terms = cast("ContractTermsInput", payload).to_terms()
            return side.contracts.conclude(terms, ctx, **save)
        number, expected = target
        return side.contracts.execute(number, cast("Command", payload), ctx, expected, **save)
    except TermsError as refusal:
        side.metrics.commands.labels(name, "invalid").inc()
        error = FieldError(field=f"body.{refusal.field}", message=refusal.message)
        raise ProblemError(422, refusal.message, rule_id=refusal.rule_id, errors=[error]) from None
    except ContractNotFoundError as missing:
        side.metrics.commands.labels(name, "not found").inc()
        raise ProblemError(404, missing.message) from None
    except ConcurrencyConflictError as conflict:
        side.metrics.commands.labels(name, "conflict").inc()
        if target is not None and target[1] is not None:
            detail = f"the contract is no longer at version {target[1]}"
            raise ProblemError(412, detail) from conflict
        raise
    except ContractError:
        side.metrics.commands.labels(name, "refused").inc()
        raise


def _replay(
    side: WriteSideServices, record: IdempotencyRecord, earlier: IdempotencyRecord, number: str
) -> Sent:
    if earlier.request != record.request:
        error = FieldError(
            field=f"header.{IDEMPOTENCY_KEY}", message="was used for another request"
        )
        detail = "this Idempotency-Key was used for another request"
        raise ProblemError(422, detail, errors=[error])
    contract_id = earlier.contract_id or Contract.create_id(number)
    version = earlier.version or 0
    events: tuple[ContractEvent, ...] = ()
    position = None
    if earlier.from_version is not None:
        stored = side.contracts.events.get(contract_id, gt=earlier.from_version - 1, lte=version)
        events = tuple(cast("list[ContractEvent]", list(stored)))
        position = side.contracts.keys.position_of(contract_id, version)
    if earlier.status == REFUSED:
        _refuse_again(events)
    location = f"/v1/contracts/{number}" if earlier.status == 201 else None
    return Sent(earlier.status, number, version, position, events, location, replayed=True)


def _refuse_again(events: tuple[ContractEvent, ...]) -> None:
    """The 409 of a refusal recorded as an event (L-22), answered again from that event."""
    refusals = [r for r in (e.refusal() for e in events) if r is not None]
    if not refusals:  # pragma: no cover - a 409 key is only stored with a rejection event
        raise ProblemError(409, "the request was refused", kind=RULE_REFUSED)
    refusal = refusals[-1]
    raise ProblemError(
        409,
        refusal.message,
        kind=RULE_REFUSED,
        rule_id=refusal.rule_id,
        headers={REPLAYED: "true"},
    )


def _canonical(payload: Command | BaseModel) -> str:
    if isinstance(payload, BaseModel):
        return payload.model_dump_json()
    return repr(payload)
