"""`lease run <worker>`: one worker of the registry (infra/workers.py) in the foreground."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from kafka.errors import KafkaError
from rich.console import Console

from infra import bootstrap, workers
from infra.cli.api import run_api_command
from infra.cli.app import (
    INTERRUPTED,
    DataDir,
    Verbose,
    bootstrap_servers_of,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.cli.projections import ViewNames, check_view_names, projection_group
from infra.clock import business_clock
from infra.collector import survivors_set_aside
from infra.supervisor import reconnecting
from projections.registry import VIEW_MODULES

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType


run_app = typer.Typer(
    name="run",
    help="Run one worker of the service in the foreground until Ctrl-C or SIGTERM.",
    no_args_is_help=True,
)
"""`lease run <worker>`: a command per worker of the registry, then `lease run api`."""


Standby = Annotated[
    bool,
    typer.Option(
        "--standby/--no-standby",
        help="While another projections worker holds this event store's views, wait and take"
        " over when it stops or dies (default); --no-standby fails at once instead.",
    ),
]


def run_projections_command(
    names: ViewNames = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
    standby: Standby = True,
) -> None:
    """`lease run projections [NAME]...`; its help is the worker registry's."""
    configure_logging(verbose=verbose)
    command = "run projections"
    chosen = check_view_names(command, names or VIEW_MODULES)
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=False)
    console = Console()
    stop = threading.Event()
    # Until the runner follows the log, SIGTERM interrupts like Ctrl-C (committed batches stay).
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        waiting = standby_of(console, stop) if standby else None
        with projection_group(
            settings, chosen, lambda app: bootstrap.projections_lock(app, waiting)
        ) as (_contracts, group):
            applied = bootstrap.catch_up(group)
            position = min((s.position for s in group.status()), default=0)
            console.print(
                f"Caught up: {', '.join(chosen)} at position {position}"
                f" ({applied} events applied). Following the event log; Ctrl-C to stop."
            )

            def request_stop(_signum: int, _frame: FrameType | None) -> None:
                stop.set()

            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, request_stop)
            with survivors_set_aside():
                reconnecting("projections", lambda s: bootstrap.follow(group, s))(stop)
    except bootstrap.StandbyEndedError:
        pass  # stopped before it was needed: a clean stop
    except KeyboardInterrupt:
        fail(command, "interrupted while catching up (applied batches are kept)", code=INTERRUPTED)
    except startup_errors() as err:
        fail(command, one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.print("Stopped.")


def standby_of(console: Console, stop: threading.Event) -> bootstrap.Standby:
    """The projections worker's standby: says once that it waits, then waits for the lock."""

    def waiting() -> None:
        console.print(
            "Standby: another projections worker holds this event store's views;"
            " taking over when it stops."
        )

    return bootstrap.Standby(stop, waiting)


def worker_command(name: str) -> Callable[..., None]:
    """`lease run <name>` of a Kafka-side worker, its help from the worker registry."""

    def command(data_dir: DataDir = None, verbose: Verbose = False) -> None:
        run_kafka_worker(name, data_dir, verbose=verbose)

    command.__doc__ = workers.worker_spec(name).help
    return command


def run_kafka_worker(name: str, data_dir: Path | None, *, verbose: bool) -> None:
    """Run one Kafka-side worker until Ctrl-C or SIGTERM (graceful: the batch in hand ends)."""
    configure_logging(verbose=verbose)
    command = f"run {name}"
    settings = load_settings(command, data_dir)
    reach_external(command, settings, broker=True)
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    try:
        with bootstrap.event_store(settings) as info:
            env = info.eventsourcing_env(pool_size=settings.pool_size)
            broker = bootstrap_servers_of(settings, command)
            contracts = bootstrap.build_contracts_app(env)
            wiring = workers.Wiring(settings, env, broker, business_clock(settings.business_date))
            try:
                worker = workers.kafka_workers(wiring, contracts, (name,))[name]
                Console().print(f"{name}: running on {broker}; Ctrl-C to stop.")
                with survivors_set_aside():
                    reconnecting(name, worker)(stop)
            finally:
                wiring.close()
                contracts.close()
    except startup_errors(KafkaError) as err:
        fail(command, one_line(err))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    Console().print("Stopped.")


for _worker in workers.WORKERS:
    if _worker.build is None:  # the projections: PostgreSQL only, their own options
        run_app.command(_worker.name, help=_worker.help)(run_projections_command)
    else:
        run_app.command(_worker.name)(worker_command(_worker.name))
run_app.command("api")(run_api_command)
