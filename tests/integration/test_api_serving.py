"""`lease run api` and `lease dev` serve the API with uvicorn on the event store; a `lease token`
or a token `lease dev` prints opens it."""

from __future__ import annotations

import gc
import queue
import re
import signal
import socket
import subprocess
import threading
import time
from typing import TYPE_CHECKING

import httpx
import psycopg
import pytest

from api.app import serving
from domain.application import ContractsApplication
from domain.contract import Contract
from infra.bootstrap import build_projection_group, close_projection_group
from infra.collector import SurvivorFreezer
from infra.settings import Settings, free_port
from tests.factories import ref_terms_dict
from tests.integration.test_cli import DEMO_LAST_DAY, DEMO_NUMBER, lease_command

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

START_SECONDS = 60


def dev_token(env: dict[str, str], cwd: Path, role: str) -> str:
    """`lease token --role ROLE` for the data directory of `env`."""
    return subprocess.run(
        [*lease_command(), "token", "--role", role],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def start_api(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """`lease run api` on a free port, once it answers; the process and its base URL."""
    port = free_port()
    server = subprocess.Popen(
        [*lease_command(), "run", "api"],
        env=env | {"LEASE_API_PORT": str(port)},
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            httpx.get(f"{base}/health/live", timeout=1)
        except httpx.TransportError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, f"the API did not start in {START_SECONDS} s"
        else:
            return server, base


def create_views(database: PostgresInfo) -> None:
    """What the projections worker does first: the views' tables, caught up (empty log)."""
    env = database.eventsourcing_env()
    app = ContractsApplication(env=env)
    group = build_projection_group(app, env)
    group.catch_up()
    close_projection_group(group)
    app.close()


def test_lease_run_api_serves_a_dev_token_and_is_ready(
    own_database_env: dict[str, str], fresh_database: PostgresInfo, tmp_path: Path
) -> None:
    env = own_database_env | {"LEASE_DATA_DIR": str(tmp_path)}
    token = dev_token(env, tmp_path, "auditor")
    server, base = start_api(env, tmp_path)
    try:
        auth = {"Authorization": f"Bearer {token}"}
        assert httpx.get(f"{base}/v1/rules/M-03", headers=auth).json()["rule_id"] == "M-03"
        assert httpx.get(f"{base}/v1/rules/M-03").status_code == 401
        not_ready = httpx.get(f"{base}/health/ready")
        assert not_ready.status_code == 503
        assert "view:portal: not created yet" in not_ready.json()["detail"]
        assert httpx.get(f"{base}/v1/contracts", headers=auth).status_code == 503
        create_views(fresh_database)
        ready = httpx.get(f"{base}/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["view:portal"] == "ok"
        assert httpx.get(f"{base}/v1/contracts", headers=auth).json()["contracts"] == []
        assert "lease_event_log_head" in httpx.get(f"{base}/metrics").text
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_lease_dev_serves_the_api_and_prints_a_token_per_role(
    own_database_env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = own_database_env | {"LEASE_API_PORT": str(port), "LEASE_BUSINESS_DATE": DEMO_LAST_DAY}
    dev = subprocess.Popen(
        [*lease_command(), "dev", "--data-dir", str(tmp_path / "lease")],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        printed = read_until(dev, "Ready in")
        assert f"http://127.0.0.1:{port}/v1" in printed
        tokens = dict(re.findall(r"^Token (\w+): (\S+)$", printed, re.MULTILINE))
        assert set(tokens) == {"operator", "service", "auditor"}
        base = f"http://127.0.0.1:{port}/v1/contracts/{DEMO_NUMBER}"
        auditor = {"Authorization": f"Bearer {tokens['auditor']}"}
        assert httpx.get(base, headers=auditor).json()["contract_number"] == DEMO_NUMBER
        payment = {"amount": "10.00", "payment_id": "DEV-PAY-1"}
        operator = {"Authorization": f"Bearer {tokens['operator']}"}
        sent = httpx.post(f"{base}/commands/receive_payment", json=payment, headers=operator)
        assert sent.status_code == 200, sent.text
        position = {"min_position": sent.json()["position"]}
        history = httpx.get(f"{base}/history", headers=auditor, params=position).json()
        assert history[-1]["event_type"] == sent.json()["events"][-1]["type"]
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=60)
    assert dev.returncode == 0, dev.stderr.read() if dev.stderr else ""


def read_until(process: subprocess.Popen[str], marker: str) -> str:
    """What the process printed up to the line holding `marker` (within START_SECONDS)."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    printed = ""
    deadline = time.monotonic() + START_SECONDS
    while marker not in printed:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {marker!r} in {START_SECONDS} s:\n{printed}"
        try:
            printed += lines.get(timeout=remaining)
        except queue.Empty:
            continue
    return printed


def test_a_retry_after_the_server_died_between_commit_and_answer_records_nothing_twice(
    own_database_env: dict[str, str], fresh_database: PostgresInfo, tmp_path: Path
) -> None:
    env = own_database_env | {"LEASE_DATA_DIR": str(tmp_path), "LEASE_BUSINESS_DATE": "2024-02-01"}
    auth = {"Authorization": f"Bearer {dev_token(env, tmp_path, 'operator')}"}
    terms = ref_terms_dict()
    number = terms["contract_number"]
    order = f"/v1/contracts/{number}/commands/order_vehicle"
    keyed = auth | {"Idempotency-Key": "order-1", "Content-Type": "application/json"}
    server, base = start_api(env, tmp_path)
    try:
        assert httpx.post(f"{base}/v1/contracts", json=terms, headers=auth).status_code == 201
        # The client sends the command and never reads the answer; once the key (and with it
        # the command's events) is committed, the server is killed.
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as client:
            head = [f"POST {order} HTTP/1.1", f"Host: {host}", "Content-Length: 2"]
            head += [f"{k}: {v}" for k, v in keyed.items()]
            client.sendall(("\r\n".join(head) + "\r\n\r\n{}").encode())
            wait_for_key(fresh_database, "order_vehicle")
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
    finally:
        server.kill()
        server.wait(timeout=10)
    server, base = start_api(env, tmp_path)
    try:
        retry = httpx.post(f"{base}{order}", content=b"{}", headers=keyed)
        assert retry.status_code == 200, retry.text
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert [e["type"] for e in retry.json()["events"]] == ["VehicleOrdered"]
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert stored_types(fresh_database, number).count("VehicleOrdered") == 1


def wait_for_key(database: PostgresInfo, command: str) -> None:
    """Until an idempotency key for `command` is committed (within START_SECONDS)."""
    deadline = time.monotonic() + START_SECONDS
    with psycopg.connect(database.dsn, autocommit=True) as conn:
        while not conn.execute(
            "SELECT 1 FROM contracts_idempotency WHERE command = %s", (command,)
        ).fetchone():
            assert time.monotonic() < deadline, f"no key for {command} in {START_SECONDS} s"


def stored_types(database: PostgresInfo, number: str) -> list[str]:
    """The topics' event names stored for a contract, in order."""
    contract_id = Contract.create_id(number)
    with psycopg.connect(database.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT topic FROM contracts_events WHERE originator_id = %s"
            " ORDER BY originator_version",
            (contract_id,),
        ).fetchall()
    return [topic.rpartition(":")[2] for (topic,) in rows]


def test_the_api_sets_aside_the_survivors_of_full_collections_while_it_serves(
    fresh_database: PostgresInfo, tmp_path: Path
) -> None:
    """`lease run api`'s services (each uvicorn worker builds its own) install
    infra/collector.py's setting, as the other long-running processes do, and remove it."""
    settings = Settings(database_url=fresh_database.dsn, data_dir=tmp_path)

    def freezers() -> list[object]:
        return [c for c in gc.callbacks if isinstance(c, SurvivorFreezer)]

    with serving(settings):
        assert len(freezers()) == 1
    assert freezers() == []
