"""A tiny supervisor: named workers in threads, one shared stop flag, joined on stop.

`lease dev` runs every worker of the service in one process through it (DESIGN 3); in
production each worker kind runs as its own process instead. A worker is a callable that
takes the shared `threading.Event` and returns once the event is set; it waits on the event
(`stop.wait(timeout)`), never sleeps in a loop.

An outage does not end a worker (issue 9): `reconnecting` runs it again, with a growing
wait, when it ends with a connection error of PostgreSQL (restarted, or unreachable for a
while) or of the broker (a retriable Kafka error: a connection reset or refused, no
coordinator, a timeout); every worker resumes from its tracked position in PostgreSQL, so
nothing is lost or applied twice. `lease dev` wraps each worker in it, `lease run` its one worker.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Self

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from kafka.errors import RetriableError

from infra.relay.reader import ReaderError

if TYPE_CHECKING:
    from collections.abc import Callable

    Worker = Callable[[threading.Event], None]

logger = logging.getLogger(__name__)

SIGNAL_CHECK = 0.2
"""Seconds between the main thread's checks for a signal while it waits."""
JOIN_TIMEOUT = 10.0
"""Seconds `stop()` waits for each worker to return."""
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    psycopg.OperationalError,  # a cut connection, a pool that cannot connect (PoolTimeout)
    OperationalError,  # the same, as eventsourcing's datastore raises it
    InterfaceError,
    ReaderError,  # the relay's reader process could not read a batch
    RetriableError,  # the broker went away: a connection cut or refused, no coordinator
)
"""Errors of a database or broker that went away: the worker is run again, not ended."""
RECONNECT_WAIT = 0.5
"""Seconds before the first new run after an outage; doubled while runs keep failing."""
RECONNECT_WAIT_MAX = 10.0
HEALTHY_RUN = 30.0
"""A run that lasted this long resets the wait to RECONNECT_WAIT."""


def reconnecting(name: str, worker: Worker) -> Worker:
    """`worker`, run again after each outage (OUTAGE_ERRORS) until `stop` is set.

    Other exceptions still end it. The worker must resume from its stored position when run
    again (every worker of the service does: relay, consumers, projections, scheduler).
    """

    def run(stop: threading.Event) -> None:
        wait = RECONNECT_WAIT
        while not stop.is_set():
            started = time.monotonic()
            try:
                worker(stop)
            except OUTAGE_ERRORS as err:
                if time.monotonic() - started >= HEALTHY_RUN:
                    wait = RECONNECT_WAIT
                reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
                logger.warning("%s lost a link (%s); reconnecting in %gs", name, reason, wait)
                stop.wait(wait)
                wait = min(wait * 2, RECONNECT_WAIT_MAX)
            else:
                return

    return run


class Supervisor:
    """Starts named workers in threads and stops them together.

    A worker that raises sets the stop flag, so the whole process comes down with it
    (and `failed` names it) instead of running on with a part missing.
    """

    def __init__(self, stop_event: threading.Event | None = None) -> None:
        self.stop_event = stop_event if stop_event is not None else threading.Event()
        self.failed: list[str] = []
        """Names of the workers that ended with an exception."""
        self._workers: dict[str, Worker] = {}
        self._threads: dict[str, threading.Thread] = {}

    @property
    def names(self) -> list[str]:
        """Names of the registered workers, in start order."""
        return list(self._workers)

    def add(self, name: str, worker: Worker) -> None:
        """Register a worker; names are unique."""
        if name in self._workers:
            raise ValueError(f"worker {name!r} is already registered")
        if self._threads:
            raise RuntimeError("add workers before start()")
        self._workers[name] = reconnecting(name, worker)

    def start(self) -> None:
        """Start every registered worker in a thread of its own."""
        for name, worker in self._workers.items():
            thread = threading.Thread(target=self._run, args=(name, worker), name=f"lease-{name}")
            self._threads[name] = thread
            thread.start()
            logger.info("worker %s started", name)

    def request_stop(self, *_signal: object) -> None:
        """Ask every worker to stop; usable as a signal handler (SIGINT, SIGTERM)."""
        logger.info("stop requested")
        self.stop_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a stop is requested (or `timeout` passes); True if it was requested.

        Wakes every `SIGNAL_CHECK` seconds: a signal the kernel delivers to another thread
        does not interrupt the main thread's wait, and Python runs its handler only once
        the main thread runs again.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.stop_event.wait(SIGNAL_CHECK):
            if deadline is not None and time.monotonic() >= deadline:
                return False
        return True

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Set the stop flag and join every worker; one that hangs is reported, not killed."""
        self.stop_event.set()
        for name, thread in self._threads.items():
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("worker %s did not stop within %g s", name, timeout)
            else:
                logger.info("worker %s stopped", name)
        self._threads.clear()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self, name: str, worker: Worker) -> None:
        try:
            worker(self.stop_event)
        except Exception:  # the supervisor's top loop: log, then bring everything down
            logger.exception("worker %s failed; stopping all workers", name)
            self.failed.append(name)
            self.stop_event.set()
            return
        if not self.stop_event.is_set():
            logger.info("worker %s finished before a stop was requested", name)


def idle(stop: threading.Event) -> None:
    """Placeholder worker until the real ones arrive: waits for the stop flag, doing nothing."""
    logger.info("idle worker waiting for the stop flag")
    stop.wait()
