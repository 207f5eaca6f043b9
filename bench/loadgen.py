"""A light HTTP/1.1 load generator: keep-alive connections on asyncio streams, requests
written as prepared bytes, answers read by `Content-Length`.

The servers under test share this machine's two cores with the load generator, so its own
cost per request bounds what any server can show: httpx spends about 1.8 ms of CPU on a
request and answer, this loop a fraction of that. Only what the benchmarked servers send is
understood (a status line, headers with Content-Length, a body; no chunked encoding).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclass
class Figures:
    """One load's outcome, with the CPU seconds each party spent on it."""

    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def request(
    method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes = b""
) -> bytes:
    """The bytes of one HTTP/1.1 request on a kept-alive connection to 127.0.0.1."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _load(
    port: int, next_request: Callable[[], bytes], seconds: float, connections: int
) -> Figures:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(next_request())
                status = await _answer(reader)
                latencies.append(time.perf_counter() - started)
                errors += status >= 400
        finally:
            writer.close()
            await writer.wait_closed()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    return Figures(len(latencies), time.perf_counter() - started, latencies, errors)


def load(port: int, next_request: Callable[[], bytes], seconds: float, connections: int) -> Figures:
    """`connections` keep-alive connections to 127.0.0.1:`port`, each sending the request
    `next_request` makes and waiting for its answer, for `seconds`."""
    return asyncio.run(_load(port, next_request, seconds, connections))
