"""An ASGI app served by uvicorn in a thread on a free local port, for the browser tests.

It reuses `api.server.ThreadedServer`, the server `lease dev` runs beside its workers.
"""

from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING

from api.server import ThreadedServer

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

HOST = "127.0.0.1"
START_TIMEOUT = 20.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` (its lifespan included) until the block ends; yields the base URL."""
    port = free_port()
    server = ThreadedServer(app, HOST, port)
    stop = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(stop)
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failure.append(error)

    thread = threading.Thread(target=run, name=f"live-server-{port}", daemon=True)
    thread.start()
    try:
        if not server.serving(START_TIMEOUT):
            raise RuntimeError(f"the app did not start on port {port}: {failure}")
        yield f"http://{HOST}:{port}"
    finally:
        stop.set()
        thread.join(START_TIMEOUT)
