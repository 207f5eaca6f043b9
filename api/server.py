"""The API served in a thread of `lease dev`, beside the workers (uvicorn)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

POLL_SECONDS = 0.05


class ThreadedServer:
    """uvicorn on one port, run as a supervisor worker: `run(stop)` returns once `stop` is set
    and the server has finished its requests and its lifespan."""

    def __init__(self, app: FastAPI, host: str, port: int) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", access_log=False, lifespan="on"
        )
        self._server = uvicorn.Server(config)

    def run(self, stop: threading.Event) -> None:
        def watch() -> None:
            stop.wait()
            self._server.should_exit = True

        threading.Thread(target=watch, name="api-stop", daemon=True).start()
        try:
            self._server.run()
        except SystemExit as exit_:  # uvicorn exits when it cannot bind or start its lifespan
            raise RuntimeError(f"the API server could not start ({exit_.code})") from None
        if not stop.is_set():  # it stopped by itself: the supervisor takes the process down
            raise RuntimeError("the API server stopped")

    def serving(self, timeout: float) -> bool:
        """Wait until the server accepts connections (its lifespan done); False on time."""
        deadline = time.monotonic() + timeout
        pause = threading.Event()
        while not self._server.started:
            if time.monotonic() >= deadline:
                return False
            pause.wait(POLL_SECONDS)
        return True
