"""`lease dev`: the whole service on embedded (or external) PostgreSQL and broker, until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

import typer
from rich.console import Console
from rich.table import Table

from domain.contract.billing_events import InstalmentInvoiced
from domain.portal.application import PortalApplication
from infra import bootstrap, workers
from infra.cli.app import (
    BROKER_FILE,
    INTERRUPTED,
    DataDir,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.cli.dev_api import DevApi, dev_api
from infra.cli.history import timeline_table
from infra.clock import business_clock
from infra.collector import survivors_set_aside
from infra.embedded.stack import Stack, StackStartError
from infra.portal.backend import portal_datastore
from infra.portal.contacts import CustomerContacts
from infra.portal.relay import console_line
from infra.scheduler import Scheduler
from infra.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from domain.application import ContractsApplication
    from infra.supervisor import Supervisor
    from projections.engine.runner import ProjectionGroup


MAX_COUNTED = 100_000
"""Invoices the first billing counts at most (a demo bills a few; a real store may hold more)."""
API_START_SECONDS = 30.0
"""How long `lease dev` waits for the API to listen before it says Ready."""
CONSUMING_WORKERS = tuple(name for name in workers.KAFKA_WORKERS if name != "relay")
"""The Kafka-side workers `lease dev` starts besides the relay (which catches up first)."""


def dev_command(
    data_dir: DataDir = None,
    exit_after_ready: Annotated[
        bool,
        typer.Option(
            "--exit-after-ready", help="For tests and CI: stop cleanly once everything is up."
        ),
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Run the service locally: PostgreSQL, broker, demo contract and workers, until Ctrl-C."""
    started_at = time.monotonic()
    configure_logging(verbose=verbose)
    settings = load_settings("dev", data_dir)
    reach_external("dev", settings, broker=True)
    console = Console()
    # Until the workers run, SIGTERM interrupts like Ctrl-C, so the stack is cleaned up.
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        failed = run_dev(settings, console, started_at, exit_after_ready=exit_after_ready)
    except KeyboardInterrupt:
        fail("dev", "interrupted before the service was ready", code=INTERRUPTED)
    except startup_errors() as err:
        fail("dev", one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        fail("dev", f"worker {', '.join(failed)} failed; see the log above")
    console.print("Stopped.")


class ForgetfulBroker(logging.Filter):
    """The embedded broker keeps its log in memory, so every restart of `lease dev` finds
    the topics empty: the relay publishes the event store again and the consumers read from
    the start (DESIGN 6). Elsewhere that is worth a warning; here it is how a normal restart
    goes, so it is logged at INFO (shown with -v)."""

    EXPECTED: ClassVar[dict[str, str]] = {
        "infra.relay.outbox": "broker lost %s",
        "consumers.runner": "%s is on a new broker",
    }
    """Logger -> the start of the warning that a restart of the embedded broker causes."""

    def filter(self, record: logging.LogRecord) -> bool:
        expected = self.EXPECTED.get(record.name)
        if record.levelno != logging.WARNING or expected is None:
            return True
        if not str(record.msg).startswith(expected):
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)

    @classmethod
    def install(cls) -> None:
        for name in cls.EXPECTED:
            logging.getLogger(name).addFilter(cls())


@contextmanager
def broker_file(settings: Settings, stack: Stack) -> Iterator[None]:
    """Tell `lease run <worker>` where the embedded broker listens, while it runs."""
    if not stack.embedded_broker:
        yield
        return
    path = settings.data_dir / BROKER_FILE
    path.write_text(stack.bootstrap_servers + "\n", encoding="utf-8")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def run_dev(
    settings: Settings, console: Console, started_at: float, *, exit_after_ready: bool
) -> list[str]:
    """Start everything, print the summary, run the workers until asked to stop.

    Returns the names of workers that failed (empty on a clean stop).
    """
    stack = Stack(settings)
    try:
        stack.start()  # inside try: an interrupted start still stops what it started
        if stack.embedded_broker:
            ForgetfulBroker.install()
        contracts = bootstrap.build_contracts_app(stack)
        try:
            demo = bootstrap.ensure_demo_contract(contracts)
            console.print(timeline_table(contracts, demo.number))
            if demo.loaded_now:
                console.print(f"Demo contract {demo.number} loaded ({demo.version} events).")
            else:
                console.print(
                    f"Demo contract {demo.number} already loaded (version {demo.version})."
                )
            env = stack.eventsourcing_env()
            kept = keep_demo_contact(env, demo)
            if kept:
                console.print(kept)
            group = bootstrap.build_projection_group(contracts, env)
            try:
                with bootstrap.projections_lock(contracts):
                    # The views are filled before "Ready"; the worker then follows live.
                    applied = bootstrap.catch_up(group)
                    console.print(projections_line(group, applied))
                    wiring = workers.Wiring(
                        settings,
                        env,
                        stack.bootstrap_servers,
                        business_clock(settings.business_date),
                        on_notification=lambda n: console.print(
                            console_line(n), soft_wrap=True, highlight=False, markup=False
                        ),
                    )
                    try:
                        relay = workers.relay(wiring, contracts, child_process=False)
                        sent = relay.catch_up()
                        console.print(f"Relay: {sent} events published to {relay.config.topic}.")
                        built = workers.build_workers(wiring, contracts, CONSUMING_WORKERS)
                        scheduler = built.get("scheduler")
                        if isinstance(scheduler, Scheduler):
                            console.print(first_billing(contracts, scheduler))
                        others = {name: worker.run for name, worker in built.items()}
                        api = dev_api(settings, env, stack.bootstrap_servers)
                        others["api"] = api.server.run
                        supervisor = bootstrap.build_supervisor(
                            projections=group, relay=relay, others=others
                        )
                        with broker_file(settings, stack), survivors_set_aside():
                            return supervise(
                                supervisor,
                                stack,
                                console,
                                started_at,
                                api,
                                exit_after_ready=exit_after_ready,
                            )
                    finally:
                        wiring.close()
            finally:
                bootstrap.close_projection_group(group)
        finally:
            contracts.close()

    finally:
        stack.close()


def keep_demo_contact(env: Mapping[str, str], demo: bootstrap.DemoContract) -> str | None:
    """P-30: the demo Customer's (fake) contact into the portal's contact store, so a person
    can register on the portal with the demo customer number (the codes are printed)."""
    if demo.contact is None:
        return None
    portal = PortalApplication(env=dict(env))
    try:
        contacts = CustomerContacts(portal_datastore(portal))
        contacts.put(demo.customer_number, demo.contact, datetime.now(UTC))
    finally:
        portal.close()
    return (
        f"Portal: customer {demo.customer_number} can register"
        f" (codes go to {demo.contact.mobile_number}, printed below as notifications)."
    )


def first_billing(contracts: ContractsApplication, scheduler: Scheduler) -> str:
    """Bill up to the business date before the workers start, and say what that did
    (the scheduler then finds the day billed; it bills again at the next date)."""
    head = contracts.recorder.max_notification_id() or 0
    today = scheduler.clock.today()
    contracts_billed = scheduler.bill(today)
    invoiced = contracts.recorder.select_notifications(
        head + 1, limit=MAX_COUNTED, topics=[InstalmentInvoiced.TOPIC]
    )
    return (
        f"Billing: {len(invoiced)} periods invoiced up to {today}"
        f" (contracts billed or set off: {contracts_billed})."
    )


def projections_line(group: ProjectionGroup, applied: int) -> str:
    """`Projections: 6 views at position N of N (M events applied now).`"""
    statuses = group.status()
    position = min((s.position for s in statuses), default=0)
    head = max((s.head for s in statuses), default=0)
    return (
        f"Projections: {len(statuses)} views at position {position} of {head}"
        f" ({applied} events applied now)."
    )


def supervise(
    supervisor: Supervisor,
    stack: Stack,
    console: Console,
    started_at: float,
    api: DevApi,
    *,
    exit_after_ready: bool,
) -> list[str]:
    """Run the workers until Ctrl-C or SIGTERM (or at once with --exit-after-ready)."""
    supervisor.start()
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, supervisor.request_stop)
        if not api.server.serving(API_START_SECONDS) and not supervisor.failed:
            supervisor.request_stop()
            raise StackStartError(f"the API did not start in {API_START_SECONDS} s")
        console.print(endpoints_table(stack, supervisor, api))
        for role, token in api.tokens.items():  # whole lines, so they can be copied
            console.print(f"Token {role}: {token}", soft_wrap=True, highlight=False)
        elapsed = time.monotonic() - started_at
        if exit_after_ready:
            console.print(f"Ready in {elapsed:.1f} s; stopping (--exit-after-ready).")
            supervisor.request_stop()
        else:
            console.print(f"Ready in {elapsed:.1f} s. Press Ctrl-C to stop.")
        supervisor.wait()
    finally:
        supervisor.stop()
    return supervisor.failed


def endpoints_table(stack: Stack, supervisor: Supervisor, api: DevApi) -> Table:
    """Where PostgreSQL, the broker and the API listen, and which workers run."""
    pg = stack.postgres
    if stack.embedded_postgres:
        pg_kind = f"embedded, data in {stack.settings.data_dir / 'pg'}"
    else:
        pg_kind = "external (LEASE_DATABASE_URL)"
    if stack.embedded_broker:
        broker_kind = "embedded, in-memory log"
    else:
        broker_kind = "external (LEASE_KAFKA_BOOTSTRAP_SERVERS)"
    grid = Table.grid(padding=(0, 2))
    grid.add_row("PostgreSQL", f"{pg.host}:{pg.port}/{pg.dbname}", pg_kind)
    grid.add_row("Broker", stack.bootstrap_servers, broker_kind)
    grid.add_row("Workers", ", ".join(supervisor.names), "")
    grid.add_row("API", api.url + "/v1", f"OpenAPI page {api.url}/v1/docs")
    return grid
