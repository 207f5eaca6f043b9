"""`lease rules`: listing, describing one rule, the docs page, and an unknown ID (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from domain.catalogue import RULES, lookup
from infra import rule_lookup
from infra.cli.app import app

runner = CliRunner()


def test_lease_rules_lists_every_registered_rule_one_per_line() -> None:
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULES)
    first = lines[0].split()
    entry = next(iter(RULES.values()))
    assert first[0] == entry.rule_id
    assert first[1] == entry.family.name
    assert lines[0].endswith(entry.title)


def test_lease_rules_M_22_prints_title_article_and_where_it_is_applied_and_tested() -> None:
    result = runner.invoke(app, ["rules", "M-22"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    entry = lookup("M-22")
    assert out.splitlines()[0] == f"M-22  {entry.title}"
    assert f"article: {entry.article}" in out
    applied = out.split("applied in:\n", 1)[1].split("tested in:\n", 1)[0]
    tested = out.split("tested in:\n", 1)[1]
    assert any(line.strip().startswith("domain/") for line in applied.splitlines())
    assert any(":" in line and "test_M_22" in line for line in tested.splitlines())
    assert "domain/catalogue" not in out


def test_lease_rules_finds_a_ground_without_matching_its_longer_siblings() -> None:
    result = runner.invoke(app, ["rules", "T-18.3-i"])
    assert result.exit_code == 0, result.output
    assert "T-18.3-ii" not in result.stdout
    assert "domain/contract/formation.py" in result.stdout


def test_lease_rules_X_99_exits_1_with_one_line_naming_the_id() -> None:
    result = runner.invoke(app, ["rules", "X-99"])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "X-99" in lines[0]
    assert lines[0].startswith("lease rules:")


def test_lease_rules_markdown_prints_the_docs_page() -> None:
    result = runner.invoke(app, ["rules", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == rule_lookup.markdown()
    assert result.stdout.startswith("# Rule registry\n")


def test_describe_says_so_in_one_line_when_sources_and_tests_are_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(rule_lookup, "source_root", lambda: tmp_path)
    lines = rule_lookup.describe("M-22").splitlines()
    assert f"applied in: no source tree at {tmp_path}" in lines
    assert f"tested in: no tests/ folder at {tmp_path}" in lines
