"""The API's one hop from the event loop to a worker thread, and back (docs/api.md).

A query's or a command's database work is blocking (psycopg, the event store library), so
an endpoint hands it to a worker thread and awaits the answer. Starlette's
`run_in_threadpool` (anyio's `to_thread.run_sync`) costs about 0.1 ms of CPU per hop in
Python bookkeeping (a cancel scope, a capacity limiter, a `queue.Queue` built on a Python
`Condition`) before any work, a tenth of a whole command. `in_thread` does the same hop with
a C `SimpleQueue` and one `call_soon_threadsafe`: about 0.01 ms (bench/api.py measures it).

The workers are daemon threads of the process, started on demand up to `MAX_WORKERS` (what
anyio allows by default) and then kept waiting for work; every app in the process shares
them. Commands have workers of their own, at most `COMMAND_WORKERS` (`in_command_thread`):
every command's insert takes the events table's lock, so a few commands in flight keep it
busy (one committing, one inserting, one deciding), and each thread beyond that only adds a
contender for the interpreter lock, which the event loop needs to answer. With eight
commands in flight, four command threads served 0.77-0.93x the in-process rate where eight
served 0.68-0.75x (medians of the rounds, bench/api.py, BENCHMARKS.md); queries keep their
own workers, so a queue of commands never holds a read back.

The function runs in a copy of the caller's context variables, as with anyio. If the
awaiting request is cancelled, the function still runs to its end (a command is not
interrupted half-way) and its outcome is dropped.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

P = ParamSpec("P")
T = TypeVar("T")

MAX_WORKERS = 40
"""Threads at most (anyio's default); more jobs than that wait in the queue."""
COMMAND_WORKERS = 4
"""Threads at most for commands (see the module's docstring): 2 left the table lock idle
between commits, 6 or more contended for the interpreter lock (bench/api.py)."""


def _settle(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class ThreadHop:
    """Worker threads taking jobs from one queue; `run` awaits a function run by one."""

    def __init__(self, max_workers: int = MAX_WORKERS, name: str = "api-worker") -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0
        self._max = max_workers
        self._name = name

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`function(*args, **kwargs)` in a worker thread; its result, or its exception."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        context = contextvars.copy_context()

        def job() -> None:
            outcome: Callable[[], None]
            try:
                result = context.run(function, *args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to the awaiting task
                outcome = partial(_fail, future, error)
            else:
                outcome = partial(_settle, future, result)
            with suppress(RuntimeError):  # a closed loop: nobody awaits the outcome any more
                loop.call_soon_threadsafe(outcome)

        self._claim_worker()
        self._jobs.put(job)
        return await future

    def _claim_worker(self) -> None:
        """Reserve an idle worker for the next job, or start one while below the limit.

        At the limit a job waits in the queue and the next worker to finish takes it, so
        the idle count can then exceed the idle workers; it only decides whether to start
        a thread, which at the limit is not done anyway."""
        with self._lock:
            if self._idle:
                self._idle -= 1
                return
            if self._started >= self._max:
                return  # the job waits for the first worker to finish
            self._started += 1
            number = self._started
        threading.Thread(target=self._work, name=f"{self._name}-{number}", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()
            with self._lock:
                self._idle += 1


_HOP = ThreadHop()
_COMMANDS = ThreadHop(COMMAND_WORKERS, name="api-command")


async def in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` run in one of the API's worker threads, awaited."""
    return await _HOP.run(function, *args, **kwargs)


async def in_command_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` run in one of the command threads, awaited: a command's
    work (its guard, its decision and save, what follows it)."""
    return await _COMMANDS.run(function, *args, **kwargs)
