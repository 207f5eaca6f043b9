"""The `lease` CLI end to end, as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import copy
import json
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from infra.bootstrap import DEMO_SCENARIO
from infra.settings import LOOPBACK, PostgresInfo
from infra.simulate.in_process import simulate
from infra.simulate.scenario import load_scenario

if TYPE_CHECKING:
    pass

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = Path(sys.executable).parent / "lease"
RUN_TIMEOUT = 120.0
READY_TIMEOUT = 60.0
DEMO_LAST_DAY = "2025-09-01"
"""The demo scenario's last step (infra/demo/demo-contract.json)."""
DEMO_NUMBER = load_scenario(DEMO_SCENARIO).terms.contract_number

DEMO_DOC = json.loads(DEMO_SCENARIO.read_text(encoding="utf-8"))
SCENARIO: dict[str, Any] = {
    # The demo contract's terms, lived to its first payment and a little beyond.
    "scenario_version": 1,
    "contract": {**DEMO_DOC["contract"], "contract_number": "C-CLI-0001"},
    "steps": [*DEMO_DOC["steps"][:6], {"on": "2024-05-02", "do": "advance"}],
}


def lease_command() -> list[str]:
    """The console script when the project is installed, else the same entry point via -m."""
    if CONSOLE_SCRIPT.exists():
        return [str(CONSOLE_SCRIPT)]
    return [sys.executable, "-m", "infra.cli"]


def cli_env(**lease_vars: str) -> dict[str, str]:
    """The environment without any LEASE_* of the caller's, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEASE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "200"  # rich tables unwrapped, so lines can be asserted on
    env.update(lease_vars)
    return env


def lease(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `lease ARGS` to completion (cwd: a temp dir, so no .env or .lease is picked up)."""
    return subprocess.run(
        [*lease_command(), *args],
        cwd=cwd,
        env=env if env is not None else cli_env(),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def write_scenario(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def read_until(process: subprocess.Popen[bytes], marker: str, timeout: float) -> str:
    """Read the process's stdout until `marker` appears; fail after `timeout` seconds."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    output = b""
    deadline = time.monotonic() + timeout
    while marker.encode() not in output:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {marker!r} within {timeout:g} s; got:\n{output.decode()}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"stdout closed before {marker!r}; got:\n{output.decode()}"
            output += chunk
    return output.decode()


def run_dev_until_signal(
    signum: signal.Signals,
    data_dir: Path,
    env: dict[str, str],
) -> tuple[int, str, str]:
    """Start `lease dev`, wait until it is ready, send `signum`; return code, stdout, stderr."""
    process = subprocess.Popen(
        [*lease_command(), "dev", "--data-dir", str(data_dir)],
        cwd=data_dir.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        ready = read_until(process, "Press Ctrl-C to stop.", READY_TIMEOUT)
        process.send_signal(signum)
        rest, stderr = process.communicate(timeout=RUN_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    return process.returncode, ready + rest.decode(), stderr.decode()


def stored_events(info: PostgresInfo) -> int:
    with psycopg.connect(info.dsn) as conn:
        row = conn.execute("SELECT count(*) FROM contracts_events").fetchone()
    assert row is not None
    return int(row[0])


def failure_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one stderr line of a run that failed with exit code 1 and printed nothing else."""
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.rstrip("\n")


def demo_version(stdout: str, state: str) -> int:
    """The demo's version from `... loaded (N events)` or `... already loaded (version N)`."""
    pattern = {
        "loaded": rf"Demo contract {DEMO_NUMBER} loaded \((\d+) events\)",
        "already": rf"Demo contract {DEMO_NUMBER} already loaded \(version (\d+)\)",
    }[state]
    found = re.search(pattern, stdout)
    assert found is not None, stdout
    return int(found.group(1))


class TestSimulate:
    def test_valid_scenario_prints_sorted_json_identical_to_the_runner(
        self, tmp_path: Path
    ) -> None:
        path = write_scenario(tmp_path, SCENARIO)

        result = lease("simulate", str(path), cwd=tmp_path)

        assert (result.returncode, result.stderr) == (0, "")
        expected = simulate(load_scenario(path))
        assert result.stdout == json.dumps(expected, indent=2, sort_keys=True) + "\n"
        out = json.loads(result.stdout)
        assert (out["contract"]["contract_number"], out["clock"]) == ("C-CLI-0001", "2024-05-02")

    def test_invalid_scenario_exits_1_with_one_line_naming_field_and_rule(
        self, tmp_path: Path
    ) -> None:
        doc = copy.deepcopy(SCENARIO)
        del doc["contract"]["term_months"]
        path = write_scenario(tmp_path, doc)

        result = lease("simulate", str(path), cwd=tmp_path)

        line = failure_line(result)
        assert line.startswith("lease simulate: contract.term_months")
        assert "P-49" in line

    def test_refused_step_exits_1_naming_step_and_rule(self, tmp_path: Path) -> None:
        doc = copy.deepcopy(SCENARIO)
        doc["steps"].append({"on": "2024-06-03", "do": "request_early_termination"})
        path = write_scenario(tmp_path, doc)

        result = lease("simulate", str(path), cwd=tmp_path)

        line = failure_line(result)
        assert line.startswith("lease simulate: step 8 request_early_termination refused: T-18.6 ")

    def test_stack_mode_prints_the_in_process_output_byte_for_byte(
        self, tmp_path: Path, session_env: dict[str, str]
    ) -> None:
        path = write_scenario(tmp_path, SCENARIO)

        in_process = lease("simulate", str(path), cwd=tmp_path)
        through_stack = lease("simulate", "--stack", str(path), cwd=tmp_path, env=session_env)

        assert (through_stack.returncode, through_stack.stdout) == (0, in_process.stdout)

    def test_stack_mode_refusal_is_the_same_one_line(
        self, tmp_path: Path, session_env: dict[str, str]
    ) -> None:
        doc = copy.deepcopy(SCENARIO)
        doc["steps"].append({"on": "2024-06-03", "do": "request_early_termination"})
        path = write_scenario(tmp_path, doc)

        result = lease("simulate", "--stack", str(path), cwd=tmp_path, env=session_env)

        line = failure_line(result)
        assert line.startswith("lease simulate: step 8 request_early_termination refused: T-18.6 ")


class TestDev:
    def test_loads_the_demo_once_and_prints_timeline_and_endpoints(
        self,
        tmp_path: Path,
        fresh_database: PostgresInfo,
        bootstrap_servers: str,
        own_database_env: dict[str, str],
    ) -> None:
        # the workers then have nothing left to do
        env = {**own_database_env, "LEASE_BUSINESS_DATE": DEMO_LAST_DAY}
        args = ("dev", "--exit-after-ready", "--data-dir", str(tmp_path / "lease"))

        # Given a first start on an empty database: the demo contract is loaded
        first = lease(*args, cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        version = demo_version(first.stdout, "loaded")
        assert stored_events(fresh_database) == version
        for expected in (f"Contract {DEMO_NUMBER}", "ContractConcluded", "L-01", "419.35"):
            assert expected in first.stdout
        pg = fresh_database
        pg_line = rf"PostgreSQL\s+{pg.host}:{pg.port}/{pg.dbname}\s+external \(LEASE_DATABASE_URL\)"
        assert re.search(pg_line, first.stdout), first.stdout
        broker_line = rf"Broker\s+{bootstrap_servers}\s+external \(LEASE_KAFKA_BOOTSTRAP_SERVERS\)"
        assert re.search(broker_line, first.stdout), first.stdout
        assert "Ready in" in first.stdout
        assert "Portal: customer K-DEMO-1 can register" in first.stdout  # P-30: its contact kept

        # When it starts again on the same database
        second = lease(*args, cwd=tmp_path, env=env)

        # Then the demo is not loaded again, and the timeline is still printed
        assert second.returncode == 0, second.stderr
        assert demo_version(second.stdout, "already") == version
        assert stored_events(fresh_database) == version
        assert "ContractConcluded" in second.stdout

        # And `lease history` reads the same timeline from the event store
        history = lease("history", DEMO_NUMBER, cwd=tmp_path, env=env)
        assert history.returncode == 0, history.stderr
        assert f"Contract {DEMO_NUMBER} (ACTIVE, version {version})" in history.stdout
        missing = lease("history", "NO-SUCH-1", cwd=tmp_path, env=env)
        assert (missing.returncode, missing.stderr) == (
            1,
            "lease history: contract NO-SUCH-1 not found\n",
        )

    def test_fully_embedded_runs_until_ctrl_c_and_stops_everything(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "lease"

        returncode, stdout, stderr = run_dev_until_signal(signal.SIGINT, data_dir, cli_env())

        assert (returncode, stderr) == (0, "")
        unwrapped = "".join(stdout.split())  # the table folds a long path at 80 columns
        assert "".join(f"embedded, data in {data_dir / 'pg'}".split()) in unwrapped
        assert "embedded, in-memory log" in stdout
        assert stdout.endswith("Stopped.\n")
        assert (data_dir / "pg" / "PG_VERSION").exists()
        assert not (data_dir / "pg" / "postmaster.pid").exists()  # PostgreSQL was stopped

    def test_sigterm_stops_cleanly(self, tmp_path: Path, own_database_env: dict[str, str]) -> None:
        env = own_database_env

        returncode, stdout, stderr = run_dev_until_signal(signal.SIGTERM, tmp_path / "lease", env)

        assert (returncode, stderr) == (0, "")
        assert stdout.endswith("Stopped.\n")

    def test_taken_postgres_port_fails_in_one_line(self, tmp_path: Path, taken_port: int) -> None:
        env = cli_env(LEASE_PG_PORT=str(taken_port))

        result = lease(
            "dev", "--exit-after-ready", "--data-dir", str(tmp_path), cwd=tmp_path, env=env
        )

        assert (
            failure_line(result) == f"lease dev: port {taken_port} on {LOOPBACK} is already in use"
        )

    def test_taken_broker_port_fails_in_one_line(
        self, tmp_path: Path, pg_info: PostgresInfo, taken_port: int
    ) -> None:
        env = cli_env(LEASE_DATABASE_URL=pg_info.dsn, LEASE_BROKER_PORT=str(taken_port))

        result = lease(
            "dev", "--exit-after-ready", "--data-dir", str(tmp_path), cwd=tmp_path, env=env
        )

        assert (
            failure_line(result) == f"lease dev: port {taken_port} on {LOOPBACK} is already in use"
        )


def test_asyncapi_prints_the_committed_document(tmp_path: Path) -> None:
    result = lease("asyncapi", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    committed = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"
    assert result.stdout == committed.read_text(encoding="utf-8")
