"""The API's hop to a worker thread (api/threadhop.py): the result or the exception comes
back to the awaiting task, the caller's context goes along, and more calls than workers wait
for one instead of starting more threads."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from api.threadhop import COMMAND_WORKERS, ThreadHop, in_command_thread, in_thread

if TYPE_CHECKING:
    from collections.abc import Coroutine

REQUEST = contextvars.ContextVar[str]("request", default="none")
T = TypeVar("T")


def in_a_loop_of_its_own(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on a thread of its own: the browser tests' sync Playwright leaves an event
    loop running on the test thread, where `asyncio.run` refuses to start."""
    with ThreadPoolExecutor(1, thread_name_prefix="test-loop") as pool:
        return pool.submit(asyncio.run, main).result(timeout=30)


def test_the_function_runs_in_a_worker_thread_and_its_result_comes_back() -> None:
    async def main() -> tuple[int, str]:
        return await in_thread(lambda a, b: (a * b, threading.current_thread().name), 6, 7)

    product, thread = in_a_loop_of_its_own(main())
    assert product == 42
    assert thread.startswith("api-worker-")
    assert thread != threading.current_thread().name


def test_an_exception_is_raised_in_the_awaiting_task() -> None:
    def refuse() -> None:
        raise LookupError("no such contract")

    async def main() -> None:
        await in_thread(refuse)

    with pytest.raises(LookupError, match="no such contract"):
        in_a_loop_of_its_own(main())


def test_the_callers_context_variables_are_seen_in_the_thread() -> None:
    async def main() -> str:
        REQUEST.set("req-7")
        return await in_thread(REQUEST.get)

    assert in_a_loop_of_its_own(main()) == "req-7"


def test_more_calls_than_workers_wait_for_one_and_all_complete() -> None:
    hop = ThreadHop(max_workers=2, name="small")
    inside = 0
    most = 0
    lock = threading.Lock()
    release, both_busy = threading.Event(), threading.Event()

    def work(n: int) -> int:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
            if inside == 2:
                both_busy.set()
        release.wait(timeout=5)
        with lock:
            inside -= 1
        return n

    async def main() -> list[int]:
        calls = [asyncio.ensure_future(hop.run(work, n)) for n in range(6)]
        await asyncio.get_running_loop().run_in_executor(None, both_busy.wait, 5)
        release.set()
        return list(await asyncio.gather(*calls))

    assert in_a_loop_of_its_own(main()) == list(range(6))
    assert most == 2
    workers = [t for t in threading.enumerate() if t.name.startswith("small-")]
    assert len(workers) == 2


def test_commands_run_on_their_own_few_workers_and_a_query_is_not_held_behind_them() -> None:
    """At most COMMAND_WORKERS commands at once, in the command threads; while every one of
    them is busy, a query's hop is answered by the other workers."""
    inside, most = 0, 0
    lock = threading.Lock()
    release, all_busy = threading.Event(), threading.Event()

    def command(n: int) -> tuple[int, str]:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
            if inside == COMMAND_WORKERS:
                all_busy.set()
        release.wait(timeout=10)
        with lock:
            inside -= 1
        return n, threading.current_thread().name

    async def main() -> tuple[list[tuple[int, str]], str]:
        calls = [asyncio.ensure_future(in_command_thread(command, n)) for n in range(9)]
        await asyncio.get_running_loop().run_in_executor(None, all_busy.wait, 10)
        query = await in_thread(lambda: threading.current_thread().name)
        release.set()
        return list(await asyncio.gather(*calls)), query

    done, query = in_a_loop_of_its_own(main())
    assert [n for n, _ in done] == list(range(9))
    assert all(thread.startswith("api-command-") for _, thread in done)
    assert most == COMMAND_WORKERS
    assert query.startswith("api-worker-")
