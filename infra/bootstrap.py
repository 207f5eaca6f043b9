"""The composition root: builds the application, the demo data and the workers (STYLE 5).

Everything is built by a call, with explicit keyword wiring; nothing at import. The CLI,
and later the API's lifespan, are the only callers.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.postgres import EmbeddedPostgres, PostgresStartError
from infra.postgres import wait_until_ready as wait_for_postgres
from infra.scenario import load_scenario
from infra.settings import PostgresInfo
from infra.simulate import IN_MEMORY_ENV, simulate
from infra.stack import Stack, StackStartError
from infra.supervisor import Supervisor, idle

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterator, Mapping

    from infra.settings import Settings

logger = logging.getLogger(__name__)

DEMO_SCENARIO = Path(__file__).parent / "demo" / "demo-contract.json"
"""The demo contract `lease dev` loads on first start (a `lease simulate` scenario)."""


@dataclass(frozen=True)
class DemoContract:
    """The demo contract in the event store, and whether this start loaded it."""

    number: str
    loaded_now: bool
    version: int


def build_contracts_app(stack_or_env: Stack | Mapping[str, str]) -> ContractsApplication:
    """The contracts application on the stack's PostgreSQL (or on an explicit env)."""
    if isinstance(stack_or_env, Stack):
        env = stack_or_env.eventsourcing_env()
    else:
        env = dict(stack_or_env)
    return ContractsApplication(env=env)


def ensure_demo_contract(
    app: ContractsApplication, *, scenario_path: Path = DEMO_SCENARIO
) -> DemoContract:
    """Live the demo scenario into `app` unless its contract number is already stored.

    The scenario runs in memory first; its events are then stored in one transaction, so an
    interrupted start never leaves a half-loaded demo contract. Raises ScenarioError or
    StepRefusedError if the shipped scenario no longer runs.
    """
    scenario = load_scenario(scenario_path)
    number = scenario.terms.contract_number
    if app.exists(number):
        logger.info("demo contract %s already loaded", number)
        return DemoContract(number=number, loaded_now=False, version=app.get(number).version)
    rehearsal = ContractsApplication(env=IN_MEMORY_ENV)
    simulate(scenario, app=rehearsal)
    app.save(*rehearsal.events.get(Contract.create_id(number)))
    version = app.get(number).version
    logger.info("demo contract %s loaded (%d events)", number, version)
    return DemoContract(number=number, loaded_now=True, version=version)


def build_supervisor(*, stop_event: threading.Event | None = None) -> Supervisor:
    """The workers `lease dev` runs; only the idle placeholder until the real ones arrive."""
    supervisor = Supervisor(stop_event)
    supervisor.add("idle", idle)
    return supervisor


@contextmanager
def event_store(settings: Settings, *, ready_timeout: float = 30.0) -> Iterator[PostgresInfo]:
    """PostgreSQL only (no broker), for read-only commands such as `lease history`.

    External when LEASE_DATABASE_URL is set; else the embedded server on the data
    directory. A server found already running there (a `lease dev`) is used and left
    running; one started here is stopped on exit.
    """
    if settings.database_url:
        try:
            info = PostgresInfo.from_url(settings.database_url)
            wait_for_postgres(info, ready_timeout)
        except ValueError as err:
            raise StackStartError(f"LEASE_DATABASE_URL is not usable: {err}") from err
        except PostgresStartError as err:
            raise StackStartError(str(err)) from err
        yield info
        return
    pg_dir = settings.data_dir / "pg"
    if not (pg_dir / "PG_VERSION").exists():
        raise StackStartError(f"no event store in {pg_dir}; start `lease dev` first")
    # The server writes postmaster.pid while it runs; then it belongs to someone else.
    found_running = (pg_dir / "postmaster.pid").exists()
    server = EmbeddedPostgres(pg_dir, settings.pg_port, start_timeout=ready_timeout)
    try:
        info = server.start()
    except PostgresStartError as err:
        raise StackStartError(str(err)) from err
    try:
        yield info
    finally:
        if not found_running:
            server.stop()
