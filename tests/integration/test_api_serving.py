"""`lease run api` serves the API with uvicorn on the event store, and a `lease token` opens it."""

from __future__ import annotations

import subprocess
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from domain.application import ContractsApplication
from infra.bootstrap import build_projection_group, close_projection_group
from infra.settings import free_port
from tests.integration.test_cli import lease_command

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

START_SECONDS = 60


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
    port = free_port()
    env = own_database_env | {"LEASE_API_PORT": str(port), "LEASE_DATA_DIR": str(tmp_path)}
    token = subprocess.run(
        [*lease_command(), "token", "--role", "auditor"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    server = subprocess.Popen(
        [*lease_command(), "run", "api"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                httpx.get(f"{base}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, f"the API did not start in {START_SECONDS} s"
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
