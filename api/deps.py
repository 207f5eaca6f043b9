"""The dependencies routes declare: the services of this app and the authenticated caller."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, partial
from typing import TYPE_CHECKING, Annotated

import psycopg
from eventsourcing.persistence import ProgrammingError
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.auth import STAFF, Principal, Role, TokenVerifier, Unauthenticated
from api.documents import Lessor
from api.problems import ProblemError
from api.readmodels import ViewMissingError
from infra.idempotency import IdempotentContracts

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import date

    from api.metrics import Metrics
    from api.readmodels import ReadModels
    from domain.application import ContractsApplication
    from domain.policy import LessorPolicy
    from infra.clock import Clock
    from infra.portal.backend import PortalBackend
    from infra.relay.tracking import RelayTracking
    from infra.settings import Settings

    Gate = Callable[[Request], Awaitable[Principal]]
    """A dependency admitting some callers."""


@dataclass(frozen=True)
class Services:
    """What the app's routes use, built by the caller of `create_app` (the CLI, a test)."""

    settings: Settings
    verifier: TokenVerifier
    clock: Clock
    metrics: Metrics
    read_models: ReadModels | None = None
    """The views; None when the API runs without a database (then queries are 503)."""
    contracts: ContractsApplication | None = None
    """The event store (commands, the log's head); None without a database."""
    relay: RelayTracking | None = None
    """The outbox relay's position (its lag in /metrics and /health/ready)."""
    bootstrap_servers: str | None = None
    """The broker /health/ready checks."""
    portal: PortalBackend | None = None
    """The customer portal's application and stores (None: no portal pages)."""

    def positions(self) -> tuple[int, dict[str, int | None]]:
        """The event log's head and each reader's position (None: it cannot be read, e.g.
        its tables are not created yet). Raises when the database does not answer."""
        if self.contracts is None or self.read_models is None:
            return 0, {}
        head = self.contracts.recorder.max_notification_id() or 0
        readers: dict[str, Callable[[], int]] = {
            f"view:{name}": partial(self.read_models.position, name)
            for name in self.read_models.views
        }
        if self.relay is not None:
            relay, name = self.relay, self.contracts.name
            readers["relay"] = lambda: relay.max_tracking_id(name) or 0
        return head, {reader: _readable(read) for reader, read in readers.items()}

    @cached_property
    def writing(self) -> WriteSideServices | None:
        """The services of a command, made once (None without an event store)."""
        if not isinstance(self.contracts, IdempotentContracts):
            return None
        policy = self.settings.lessor_policy()
        return WriteSideServices(self.contracts, self.today, policy, self.metrics)

    def today(self) -> date:
        """The business date of this request (Europe/Brussels, or LEASE_BUSINESS_DATE)."""
        return self.clock.today()

    def lessor(self) -> Lessor:
        """Who issues the documents (their letterhead)."""
        s = self.settings
        return Lessor(s.lessor_name, s.lessor_address, s.lessor_vat, s.lessor_iban)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


@dataclass(frozen=True)
class ReadSideServices:
    """The services of a query: the read models are there."""

    read_models: ReadModels
    today: Callable[[], date]
    lessor: Lessor


async def read_side(request: Request) -> ReadSideServices:
    found = services(request)
    if found.read_models is None:
        raise ProblemError(503, "the read models are not available", headers={"Retry-After": "5"})
    return ReadSideServices(found.read_models, found.today, found.lessor())


ReadSide = Annotated[ReadSideServices, Depends(read_side)]


def _readable(read: Callable[[], int]) -> int | None:
    try:
        return read()
    except (ViewMissingError, psycopg.errors.UndefinedTable, ProgrammingError):
        return None


@dataclass(frozen=True)
class WriteSideServices:
    """The services of a command: the event store with its idempotency keys."""

    contracts: IdempotentContracts
    today: Callable[[], date]
    policy: LessorPolicy
    metrics: Metrics


async def write_side(request: Request) -> WriteSideServices:
    side = services(request).writing
    if side is None:
        raise ProblemError(503, "the event store is not available", headers={"Retry-After": "5"})
    return side


WriteSide = Annotated[WriteSideServices, Depends(write_side)]

BEARER = "bearer"
"""The one authentication scheme (documented in the OpenAPI document by api/openapi.py)."""


async def authenticated(request: Request) -> Principal:
    """The verified caller of a bearer token; 401 when it is missing or does not verify.

    The dependencies that do no I/O are coroutines and call each other as functions, and the
    header is read here rather than by a `fastapi.security` sub-dependency: FastAPI runs each
    plain-function dependency in the thread pool and parses every dependency's parameters,
    which cost more than the work (bench/api.py)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != BEARER or not token.strip():
        raise Unauthenticated("a bearer token is required")
    verifier = services(request).verifier
    if verifier.fetches_keys:
        return await run_in_threadpool(verifier.verify, token.strip())
    return verifier.verify(token.strip())


def admit(caller: Principal, roles: tuple[Role, ...]) -> Principal:
    """`caller` if they hold one of `roles`; 403 naming the roles otherwise."""
    if caller.roles.isdisjoint(roles):
        names = ", ".join(r.value for r in roles)
        raise ProblemError(403, f"this needs one of the roles: {names}")
    return caller


def allow(*roles: Role) -> Gate:
    """A dependency admitting callers that hold one of `roles` (401, else 403 otherwise)."""

    async def check(request: Request) -> Principal:
        return admit(await authenticated(request), roles)

    return check


Staff = Annotated[Principal, Depends(allow(*STAFF))]
"""Any staff role: the queries."""
Operator = Annotated[Principal, Depends(allow(Role.OPERATOR))]
"""Back-office staff: every command."""
SERVICE_COMMANDS = frozenset(
    {
        "receive_payment",
        "report_odometer",
        "report_incident",
        "report_theft",
        "recover_vehicle",
        "declare_total_loss",
        "record_insurer_payout",
        "record_death",
        "notify_vehicle_ready",
        "hand_over",
    }
)
"""What an integration may send (API.md 2): payments, odometer readings, incidents, theft
and its recovery, total loss and the insurer's payout for a loss, deaths, vehicle readiness
and handover."""


def writer(command: str) -> Gate:
    """A dependency admitting operators, and integrations for `SERVICE_COMMANDS`."""
    roles = (Role.OPERATOR, Role.SERVICE) if command in SERVICE_COMMANDS else (Role.OPERATOR,)
    return allow(*roles)
