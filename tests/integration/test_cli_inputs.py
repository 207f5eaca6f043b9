"""The `lease` CLI at its edges, as a user runs it (issue 9, findings 7 and 10).

A malformed scenario is refused the same way in-process and with `--stack` (NUL characters
used to pass in-process and crash PostgreSQL); a path that is not a file, an unknown option
or a missing argument is a usage error in one line;
an unreachable external PostgreSQL or Kafka is named in one line within seconds; `lease dev`
says what its first billing did, and a normal restart prints no warnings.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from infra.settings import free_port
from tests.integration.test_cli import cli_env, failure_line, lease
from tests.malformed_scenarios import STACK_SAMPLE, corpus

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

FAIL_FAST = 25.0
"""Seconds within which a command names an unreachable server. It waits 5 s for it; the rest
is the CLI's own start, which a loaded 2-core machine stretched to 17 s. The libraries'
default waits (30 s for a connection from a pool, longer for Kafka) still fail."""
LATER_DAY = "2025-12-01"
"""A business date three months after the demo scenario's last step (2025-09-01)."""


@pytest.mark.parametrize("name", STACK_SAMPLE)
def test_both_modes_refuse_a_malformed_scenario_with_the_same_line(
    name: str, tmp_path: Path, session_env: dict[str, str]
) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(corpus()[name])

    in_process = lease("simulate", str(path), cwd=tmp_path)
    through_stack = lease("simulate", "--stack", str(path), cwd=tmp_path, env=session_env)

    assert failure_line(through_stack) == failure_line(in_process)


def test_a_missing_scenario_file_is_a_usage_error(tmp_path: Path) -> None:
    result = lease("simulate", "no-such.json", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "lease simulate: no-such.json does not exist\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("simulate", "--bogus", "x.json"), "lease simulate: No such option: --bogus"),
        (("simulate",), "lease simulate: Missing argument 'PATH'."),
        (("history",), "lease history: Missing argument 'NUMBER'."),
    ],
)
def test_a_usage_error_is_one_line_with_exit_code_2(
    args: tuple[str, ...], line: str, tmp_path: Path
) -> None:
    result = lease(*args, cwd=tmp_path)

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(line)
    assert result.stderr.endswith(f"(see {line.split(':', maxsplit=1)[0]} --help)\n")


def test_lease_without_arguments_still_prints_its_help(tmp_path: Path) -> None:
    result = lease(cwd=tmp_path)

    assert result.returncode == 2
    assert "Usage: lease [OPTIONS] COMMAND [ARGS]..." in result.stdout + result.stderr


def test_an_unreachable_external_postgres_is_named_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    env = cli_env(LEASE_DATABASE_URL=f"postgresql://lease:pw@127.0.0.1:{port}/lease")
    started = time.monotonic()

    result = lease("history", "C-1", cwd=tmp_path, env=env)

    line = failure_line(result)
    assert time.monotonic() - started < FAIL_FAST
    assert line.startswith(f"lease history: LEASE_DATABASE_URL: PostgreSQL at 127.0.0.1:{port} ")


@pytest.mark.parametrize("command", ["simulate", "consumers status"])
def test_an_unreachable_external_kafka_is_named_in_one_line(tmp_path: Path, command: str) -> None:
    port = free_port()
    env = cli_env(LEASE_KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}")
    scenario = tmp_path / "scenario.json"
    scenario.write_bytes(corpus()["refused step without expect_refusal"])
    args = ["simulate", "--stack", str(scenario)] if command == "simulate" else command.split()
    started = time.monotonic()

    result = lease(*args, cwd=tmp_path, env=env)

    line = failure_line(result)
    assert time.monotonic() - started < FAIL_FAST
    assert line.startswith(
        f"lease {command}: LEASE_KAFKA_BOOTSTRAP_SERVERS: Kafka at 127.0.0.1:{port}"
    )


def test_dev_says_what_it_billed_and_a_restart_is_quiet(
    tmp_path: Path, fresh_database: PostgresInfo
) -> None:
    # An embedded broker (in-memory log): every restart finds the topics empty.
    env = cli_env(LEASE_DATABASE_URL=fresh_database.dsn, LEASE_BUSINESS_DATE=LATER_DAY)
    args = ("dev", "--exit-after-ready", "--data-dir", str(tmp_path / "lease"))

    first = lease(*args, cwd=tmp_path, env=env)
    second = lease(*args, cwd=tmp_path, env=env)

    assert (first.returncode, first.stderr) == (0, "")
    assert f"Billing: 3 periods invoiced up to {LATER_DAY}" in first.stdout
    assert (second.returncode, second.stderr) == (0, "")
    assert f"Billing: 0 periods invoiced up to {LATER_DAY}" in second.stdout
