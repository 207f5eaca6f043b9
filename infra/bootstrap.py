"""The composition root: builds the application, the demo data and the workers (STYLE 5).

Everything is built by a call, with explicit keyword wiring; nothing at import. The CLI,
and later the API's lifespan, are the only callers.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresFactory,
    PostgresTrackingRecorder,
)

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.collector import gc_paused
from infra.embedded.postgres import EmbeddedPostgres, PostgresStartError
from infra.embedded.postgres import wait_until_ready as wait_for_postgres
from infra.embedded.stack import Stack, StackStartError
from infra.settings import PostgresInfo
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from infra.supervisor import Supervisor, idle
from projections.engine.parallel import ParallelRebuild, available_cores
from projections.registry import VIEW_MODULES, all_specs, build_group

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from typing import Any

    from eventsourcing.application import Application

    from infra.portal.contact import CustomerContact
    from infra.relay.outbox import KafkaRelay
    from infra.settings import Settings
    from projections.engine.runner import ProjectionGroup

logger = logging.getLogger(__name__)

DEMO_SCENARIO = Path(__file__).parent / "demo" / "demo-contract.json"
"""The demo contract `lease dev` loads on first start (a `lease simulate` scenario)."""


@dataclass(frozen=True)
class DemoContract:
    """The demo contract in the event store, and whether this start loaded it."""

    number: str
    loaded_now: bool
    version: int
    customer_number: str = ""
    contact: CustomerContact | None = None
    """P-30: the demo Customer's contact (fake), for `lease dev` to keep in the portal."""


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
        version = app.get(number).version
        return DemoContract(
            number, False, version, scenario.terms.customer_number, scenario.contact
        )
    rehearsal = ContractsApplication(env=IN_MEMORY_ENV)
    simulate(scenario, app=rehearsal)
    app.save(*rehearsal.events.get(Contract.create_id(number)))
    version = app.get(number).version
    logger.info("demo contract %s loaded (%d events)", number, version)
    return DemoContract(number, True, version, scenario.terms.customer_number, scenario.contact)


VIEW_POOL_SIZE = "1"
"""Connections each view keeps open: a group applies batches from one thread (the pool
still grows on demand, e.g. for `status()` from another thread)."""


GROUP_BATCH_SIZE = 10_000
"""Events a group reads and applies per transaction at most. Live batches are a few events;
catching up (a rebuild, a restart after downtime) in batches this large writes each row a
contract touches once per batch instead of once per 1,000 events: measured 1.4-1.7x faster
rebuilds than 1,000 (BENCHMARKS.md)."""


def build_projection_group(
    app: Application[Any],
    env: Mapping[str, str] | None,
    names: Sequence[str] | None = None,
    *,
    batch_size: int = GROUP_BATCH_SIZE,
    rebuild_workers: int | None = None,
) -> ProjectionGroup:
    """One runner for the named read models (all six by default) over `app`'s event log.

    `env` is the eventsourcing env of the views' PostgreSQL (the application's); None keeps
    the views in memory. On PostgreSQL a rebuild splits the views over `rebuild_workers`
    processes (default: one per available core; projections/engine/parallel.py). Raises KeyError
    for an unknown view name.
    """
    specs = all_specs(VIEW_MODULES if names is None else names)
    view_env = None if env is None else {**env, PostgresFactory.POSTGRES_POOL_SIZE: VIEW_POOL_SIZE}
    group = build_group(app, specs, view_env)
    group.batch_size = batch_size
    if env is not None and view_env is not None:
        workers = available_cores() if rebuild_workers is None else rebuild_workers
        group.parallel = ParallelRebuild(type(app), app.env, view_env, workers)
    return group


def close_projection_group(group: ProjectionGroup) -> None:
    """Close the views' connection pools (the application is closed by its owner)."""
    for projection in group.projections:
        view = projection.view
        if isinstance(view, PostgresTrackingRecorder):
            view.datastore.close()


def catch_up(group: ProjectionGroup, progress: Callable[[int], None] | None = None) -> int:
    """Apply everything stored so far to the group's views (see `gc_paused`); events read.

    A view whose tables an older version created is emptied first (`ProjectionGroup.upgrade`).
    Views still at position 0 (new, cleared or upgraded) are built as a rebuild: in memory, then
    written once (`ProjectionGroup.rebuild`); the others commit batch by batch, their
    identity maps read a page at a time between batches, or all at once before a backlog
    (projections/engine/warming.py). Each page read is frozen at once (`gc.freeze`), as
    `gc_paused` freezes what a catch-up leaves: the collector then never rescans the maps
    while they grow (a page took up to 0.45 s in a full collection without it).
    """
    with gc_paused():
        for name in group.upgrade():
            logger.warning("view %s: its tables predate this version; rebuilding it", name)
        group.start_warming(after_step=gc.freeze)
        return group.catch_up(progress, fresh_from_empty=True)


def rebuild(group: ProjectionGroup, progress: Callable[[int], None] | None = None) -> int:
    """Replay the whole log into the group's views from empty (see `gc_paused`); events read.

    Each view keeps its rows until its rebuilt rows replace them in one transaction.
    """
    with gc_paused():
        return group.rebuild(progress)


def follow(group: ProjectionGroup, stop: threading.Event) -> None:
    """The `projections` worker: catch up, then follow the log live until `stop` is set."""
    catch_up(group)
    group.run(stop)


def build_supervisor(
    *,
    stop_event: threading.Event | None = None,
    projections: ProjectionGroup | None = None,
    relay: KafkaRelay | None = None,
    others: Mapping[str, Callable[[threading.Event], None]] | None = None,
) -> Supervisor:
    """The workers `lease dev` runs: projections, the outbox relay, consumers, scheduler."""
    supervisor = Supervisor(stop_event)
    if projections is not None:
        supervisor.add("projections", lambda stop: follow(projections, stop))
    if relay is not None:
        supervisor.add("relay", relay.run)
    for name, worker in (others or {}).items():
        supervisor.add(name, worker)
    if not supervisor.names:
        supervisor.add("idle", idle)
    return supervisor


class ProjectionsBusyError(RuntimeError):
    """Another process runs or rebuilds the projections of this event store."""


class StandbyEndedError(RuntimeError):
    """A standby projections worker was stopped before it took the lock over."""


STANDBY_POLL_SECONDS = 0.5
"""How often a standby asks for the projection lock: the longest it waits, after the active
worker's session ended, before it takes over (then it catches up and follows)."""


@dataclass(frozen=True)
class Standby:
    """Wait for the projection lock instead of failing (a hot standby, docs/scaling.md)."""

    stop: threading.Event
    """Set to give up waiting (StandbyEndedError); Ctrl-C or SIGTERM does the same."""
    waiting: Callable[[], None]
    """Called once when another process holds the lock, before the wait begins."""
    poll: float = STANDBY_POLL_SECONDS


@contextmanager
def projections_lock(app: Application[Any], standby: Standby | None = None) -> Iterator[None]:
    """Hold the event store's projection lock: one runner or rebuild at a time.

    A session-level PostgreSQL advisory lock on a connection of its own, keyed by the
    application's table, so a rebuild cannot clear a view under a live runner (whose
    positions it would invalidate) and two runners do not race for the same tracking ids.
    In-memory applications need no lock. When it is taken: ProjectionsBusyError, or with
    `standby` the lock is asked for again every `standby.poll` seconds until it is free (the
    holder stopped, or was killed: PostgreSQL ends a dead client's session and its lock).
    """
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        yield
        return
    datastore = recorder.datastore
    pool = datastore.pool
    conninfo = pool.conninfo() if callable(pool.conninfo) else pool.conninfo
    kwargs = pool.kwargs() if callable(pool.kwargs) else (pool.kwargs or {})
    kwargs = {k: v for k, v in kwargs.items() if k not in ("autocommit", "row_factory")}
    key = f"lease:projections:{datastore.schema}.{recorder.events_table_name}"
    with psycopg.connect(conninfo, autocommit=True, **kwargs) as conn:

        def taken() -> bool:
            row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()
            return row is not None and bool(row[0])

        if not taken():
            if standby is None:
                raise ProjectionsBusyError(
                    "another projection runner or rebuild is running on this event store"
                    " (`lease dev` or `lease run projections`); stop it first"
                )
            _wait_as_standby(standby, taken)
        try:
            yield
        finally:
            # A connection cut by a database restart took the session's lock with it.
            with contextlib.suppress(psycopg.OperationalError):
                conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def _wait_as_standby(standby: Standby, taken: Callable[[], bool]) -> None:
    """Until `taken()` gets the lock; StandbyEndedError once stopped (or interrupted)."""
    try:
        standby.waiting()
        while not taken():
            if standby.stop.wait(standby.poll):
                raise StandbyEndedError("stopped while on standby")
    except KeyboardInterrupt:
        raise StandbyEndedError("stopped while on standby") from None


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
