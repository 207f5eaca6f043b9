"""`lease simulate` refuses every malformed input in one line, fast (issue 9, findings 7-10).

The corpus (tests/malformed_scenarios.py) breaks a valid scenario in more than 60 ways:
bytes that are not UTF-8, a BOM, deep nesting, NaN and huge numbers, duplicate keys, wrong
types, unknown fields at every level, control characters in every string, money in the
wrong form, dates out of the window, reversed steps, megabytes of padding. Each must exit
with code 1 (2 for a path that is not a file) and exactly one line on stderr, starting
`lease simulate: `, with no traceback, within `DEADLINE` seconds.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner, Result

from infra.cli.app import app
from tests.malformed_scenarios import USAGE, VALID, corpus, encoded

if TYPE_CHECKING:
    from pathlib import Path

DEADLINE = 5.0
"""Seconds any malformed input may take to be refused (most take milliseconds)."""
CORPUS = corpus()
runner = CliRunner()


def simulate_file(path: Path) -> tuple[Result, float]:
    started = time.monotonic()
    result = runner.invoke(app, ["simulate", str(path)])
    return result, time.monotonic() - started


def assert_refused_in_one_line(result: Result, elapsed: float, code: int = 1) -> str:
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    assert (result.exit_code, result.stdout) == (code, ""), result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lease simulate: "), lines[0]
    assert "Traceback" not in result.stderr
    assert len(lines[0]) < 300, lines[0]
    assert elapsed < DEADLINE
    return str(lines[0])


def test_the_corpus_has_more_than_60_inputs() -> None:
    assert len(CORPUS) >= 60


def test_the_corpus_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "valid.json"
    path.write_bytes(encoded(VALID))

    result, _ = simulate_file(path)

    assert (result.exit_code, result.stderr) == (0, ""), result.stderr


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_malformed_input_is_refused_in_one_line(name: str, tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(CORPUS[name])

    result, elapsed = simulate_file(path)

    assert_refused_in_one_line(result, elapsed)


@pytest.mark.parametrize("name", sorted(USAGE))
def test_a_path_that_is_not_a_file_is_a_usage_error(name: str, tmp_path: Path) -> None:
    path = tmp_path / "missing.json" if name == "missing path" else tmp_path

    result, elapsed = simulate_file(path)

    line = assert_refused_in_one_line(result, elapsed, code=2)
    assert str(path) in line


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("step field typo odometr", "steps[7].odometr is not a known field"),
        ("unknown contract field", "contract.odometr is not a known field"),
        ("unknown protection field", "contract.protection.fee is not a known field"),
        ("unknown policy field", "policy.auto_dissolve is not a known field"),
        ("bogus policy ground", "policy.auto_dissolve_grounds: '18.99(z)' is not a ground"),
        ("odometer 10^40", "steps[7].odometer must be at most 9999999"),
        ("step on 9999-12-31", "steps[7].on must be between 2000-01-01 and 2199-12-31"),
        ("contract starting in year 1", "steps[1].on must be between 2000-01-01 and 2199-12-31"),
        ("a century-long walk", "steps[7].on 2199-12-31 is more than 50 years after"),
        ("NUL in a rationale", "steps[7].rationale must not contain control characters"),
        ("instalment_amount in full-width digits", "contract.instalment_amount must be a decimal"),
        ("instalment_amount as 1e10", "contract.instalment_amount must be a decimal"),
        ("contract without term_months", "contract.term_months: is required to form the contract"),
        ("steps out of order", "steps[2].on 2024-03-12 is before the previous step"),
        ("invalid UTF-8", "is not UTF-8: byte 0xff at offset 30"),
        ("100,000 nested brackets", "is nested too deeply"),
        ("1e400 as the version", "scenario_version must be 1"),
    ],
)
def test_the_line_names_the_place(name: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_bytes(CORPUS[name])

    result, elapsed = simulate_file(path)

    assert expected in assert_refused_in_one_line(result, elapsed)
