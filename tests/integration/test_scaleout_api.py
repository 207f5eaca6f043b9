"""Two API replicas behind one port (issue 14, scale-out): `lease run api --reuse-port` twice on
the same port. Both answer (the kernel spreads new connections over them), a contract created
through one is read through the other, and once one is killed the port still answers.

Which replica serves a connection is read from the operating system: the process holding the
accepted socket whose peer is the client's address (psutil). No sleeps: every wait is a
condition polled against a deadline.
"""

from __future__ import annotations

import http.client
import json
import secrets
import signal
import subprocess
import threading
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import psutil
import psycopg
import pytest

from domain.portal.application import PortalApplication
from infra.portal.backend import PortalBackend
from infra.settings import free_port
from tests.factories import ref_terms_dict
from tests.fault_lab import wait_until
from tests.integration.test_api_serving import create_views, dev_token
from tests.integration.test_cli import lease_command

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from infra.settings import PostgresInfo
    from projections.views.portal import PortalView

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
START_SECONDS = 60.0
CONNECTIONS = 64
"""Connections opened at most until both replicas served one (each goes to either with
even odds: all 64 to one replica would happen once in 2^63 runs)."""


class Replica:
    """One `lease run api --reuse-port` process."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [*lease_command(), "run", "api", "--reuse-port"],
            env=env,
            cwd=cwd,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def connections(self) -> list[Any]:
        """The process's TCP sockets (none once it ended)."""
        try:
            return psutil.Process(self.pid).net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            return []

    def listening_on(self, port: int) -> bool:
        if self.process.poll() is not None:
            pytest.fail(self.process.stderr.read() if self.process.stderr else "it ended")
        return any(
            c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in self.connections()
        )

    def holds(self, peer: tuple[str, int]) -> bool:
        """Whether this process accepted the connection from `peer`."""
        return any(c.raddr and (c.raddr.ip, c.raddr.port) == peer for c in self.connections())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


class Client:
    """One kept-alive HTTP connection, and which replica accepted it."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=30)
        self.headers = headers

    def request(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body)
        headers = self.headers | ({"Content-Type": "application/json"} if data else {})
        self.conn.request(method, path, body=data, headers=headers)
        answer = self.conn.getresponse()
        return answer.status, json.loads(answer.read() or b"null")

    def served_by(self, replicas: list[Replica]) -> Replica:
        """The replica holding this connection (asked after a request: it was accepted)."""
        assert self.conn.sock is not None
        peer = self.conn.sock.getsockname()[:2]
        wait_until(lambda: any(r.holds(peer) for r in replicas), f"the replica of {peer}", 10.0)
        (holder,) = (r for r in replicas if r.holds(peer))
        return holder

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def replicas(
    own_database_env: dict[str, str], fresh_database: PostgresInfo, tmp_path: Path
) -> Iterator[tuple[list[Replica], int, dict[str, str]]]:
    """Two replicas listening on one port (the views created), the port and an operator's
    headers."""
    port = free_port()
    env = own_database_env | {
        "LEASE_DATA_DIR": str(tmp_path),
        "LEASE_API_PORT": str(port),
        "LEASE_BUSINESS_DATE": "2024-02-01",
    }
    headers = {"Authorization": f"Bearer {dev_token(env, tmp_path, 'operator')}"}
    create_views(fresh_database)
    with ExitStack() as stack:
        started = [Replica(env, tmp_path) for _ in range(2)]
        for replica in started:
            stack.callback(replica.stop)
        wait_until(
            lambda: all(r.listening_on(port) for r in started),
            "both replicas listening",
            START_SECONDS,
        )
        yield started, port, headers


def test_two_replicas_share_the_port_and_the_event_store(
    replicas: tuple[list[Replica], int, dict[str, str]], fresh_database: PostgresInfo
) -> None:
    started, port, headers = replicas
    clients: dict[int, Client] = {}
    try:
        # Given new connections to the one port, until each replica has served one
        for _ in range(CONNECTIONS):
            client = Client(port, headers)
            assert client.request("GET", "/health/live")[0] == 200
            clients.setdefault(client.served_by(started).pid, client)
            if len(clients) == len(started):
                break
        # Then both replicas answer on it
        assert set(clients) == {r.pid for r in started}
        first, second = (clients[r.pid] for r in started)

        # When a contract is created through the first
        terms = ref_terms_dict()
        number = terms["contract_number"]
        status, created = first.request("POST", "/v1/contracts", terms)
        assert status == 201, created
        create_views(fresh_database)  # the projections worker's catch-up, in this process

        # Then the second reads it
        status, overview = second.request("GET", f"/v1/contracts/{number}")
        assert status == 200, overview
        assert overview["contract_number"] == number
    finally:
        for client in clients.values():
            client.close()

    # When the first replica is killed, the port keeps answering (from the second)
    started[0].process.send_signal(signal.SIGKILL)
    started[0].process.wait(timeout=15)
    for _ in range(10):
        after = Client(port, headers)
        try:
            assert after.request("GET", f"/v1/contracts/{number}")[0] == 200
            assert after.served_by(started) is started[1]
        finally:
            after.close()


def test_replicas_starting_together_on_a_new_event_store_both_start(
    fresh_database: PostgresInfo,
) -> None:
    env = fresh_database.eventsourcing_env(pool_size=2)
    PortalApplication(env=env).close()  # the portal's tables, no terms yet
    opened: list[PortalBackend | BaseException] = []

    def open_backend() -> None:
        try:
            opened.append(PortalBackend.open(env, secrets.token_bytes(32), unused_view))
        except BaseException as err:  # noqa: BLE001 - the test reports it
            opened.append(err)

    # Given two replicas that both found no terms and both publish the first version
    with psycopg.connect(fresh_database.dsn) as holder:
        holder.execute("LOCK TABLE portal_events IN SHARE MODE")  # both wait to insert
        starting = [threading.Thread(target=open_backend) for _ in range(2)]
        for thread in starting:
            thread.start()
        wait_until(lambda: inserts_waiting(fresh_database) == 2, "both publishing", 30.0)
    # When the lock is released (one insert wins, the other conflicts)
    for thread in starting:
        thread.join(30.0)

    # Then both started, on the one first version
    assert [type(b) for b in opened] == [PortalBackend, PortalBackend], opened
    for backend in opened:
        assert isinstance(backend, PortalBackend)
        assert len(backend.app.terms().versions) == 1
        backend.close()


def unused_view() -> PortalView:
    raise AssertionError("starting reads no view")


def inserts_waiting(database: PostgresInfo) -> int:
    """Sessions waiting for a lock on the portal's events table."""
    query = (
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE NOT l.granted AND c.relname = 'portal_events'"
    )
    with psycopg.connect(database.dsn) as conn:
        row = conn.execute(query).fetchone()
    return 0 if row is None else int(row[0])
