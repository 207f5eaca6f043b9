"""How the relay gets its batches: the stored events after a position, as Kafka messages.

`ProcessReader` (the default) reads and encodes in a child process, one batch ahead of the
relay: while the relay sends batch N and waits for its acknowledgements, the child reads
and encodes batch N+1. Reading, decoding and encoding then no longer compete for the relay's
interpreter lock with the producer's sender thread (bench/relay.py on 2 CPUs: 0.87-0.92x
the rate of a bare producer, against 0.78-0.82x reading inline). The child does
nothing on its own: it answers requests, ignores Ctrl-C and ends when the relay closes it
or goes away. `InlineReader` does the same work in the caller's thread.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import get_topic, resolve_topic

from infra.schemas.envelope import message
from projections.engine.spawning import main_module_left_out

if TYPE_CHECKING:
    from collections.abc import Mapping
    from multiprocessing.connection import Connection

    from eventsourcing.application import Application

    from infra.schemas.envelope import Message

logger = logging.getLogger(__name__)

REPLY_TIMEOUT = 60.0
"""Seconds the relay waits for the child's batch before it gives up on the child."""
JOIN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Batch:
    """The messages of the events stored after `after`, up to notification id `last`."""

    after: int
    last: int
    messages: list[Message] = field(default_factory=list)


def read_batch(app: Application[Any], after: int, size: int) -> Batch:
    """Up to `size` stored events after notification id `after`, as messages."""
    notifications = app.recorder.select_notifications(after + 1, size)
    if not notifications:
        return Batch(after, after)
    mapper = app.mapper
    return Batch(after, notifications[-1].id, [message(n, mapper) for n in notifications])


class ReaderError(RuntimeError):
    """The child process failed to read a batch, or is gone."""


class InlineReader:
    """Reads and encodes in the caller's thread when the batch is received."""

    def __init__(self, app: Application[Any], batch_size: int) -> None:
        self.app, self.batch_size = app, batch_size
        self._requests: list[int] = []

    def request(self, after: int) -> None:
        self._requests.append(after)

    def receive(self) -> Batch:
        return read_batch(self.app, self._requests.pop(0), self.batch_size)

    def drain(self) -> None:
        self._requests.clear()

    def close(self) -> None:
        self.drain()


class ProcessReader:
    """Reads and encodes in a child process (spawned, so no lock or thread is inherited)."""

    def __init__(
        self, app_class: type[Application[Any]], env: Mapping[str, str], batch_size: int
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        child_env = {**env, PostgresFactory.POSTGRES_POOL_SIZE: "1"}
        self._process = context.Process(
            target=_serve,
            args=(child, get_topic(app_class), child_env, batch_size),
            name="lease-relay-reader",
            daemon=True,
        )
        with main_module_left_out():  # its target is importable; the CLI is not needed
            self._process.start()
        child.close()
        self._outstanding = 0

    def request(self, after: int) -> None:
        self._conn.send(after)
        self._outstanding += 1

    def receive(self) -> Batch:
        if not self._conn.poll(REPLY_TIMEOUT):
            raise ReaderError(f"no batch from the relay's reader in {REPLY_TIMEOUT:g} s")
        try:
            reply = self._conn.recv()
        except EOFError:
            raise ReaderError("the relay's reader process is gone") from None
        self._outstanding -= 1
        if isinstance(reply, str):
            raise ReaderError(reply)
        batch: Batch = reply
        return batch

    def drain(self) -> None:
        """Drop the replies to requests the relay no longer waits for."""
        while self._outstanding:
            self.receive()

    def close(self) -> None:
        """Stop the child: it answers what it was asked (a child blocked sending a batch
        would not read the stop), then ends."""
        if self._process.is_alive():
            with contextlib.suppress(ReaderError):
                self.drain()
            self._conn.send(None)
            self._process.join(JOIN_TIMEOUT)
        if self._process.is_alive():  # pragma: no cover - a stuck query
            logger.warning("relay reader did not stop in %g s; terminating it", JOIN_TIMEOUT)
            self._process.terminate()
            self._process.join()
        self._conn.close()


def _serve(conn: Connection, app_topic: str, env: dict[str, str], batch_size: int) -> None:
    """The child: answer each requested position with its batch until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the relay decides when this ends
    app = resolve_topic(app_topic)(env=env)
    try:
        while (after := conn.recv()) is not None:
            try:
                conn.send(read_batch(app, after, batch_size))
            except Exception as err:  # noqa: BLE001 - reported to the relay, which raises it
                conn.send(f"reading after {after} failed: {type(err).__name__}: {err}")
    except EOFError:  # the relay went away without closing
        pass
    finally:
        app.close()
