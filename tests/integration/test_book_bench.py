"""bench/book.py end to end in its quick mode: a tiny book generated, loaded with COPY and
measured; the table has every figure with a value, the loaded chain verifies, the PNG is
written."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from bench import book_measure
from bench.book import main
from bench.book_report import FIGURES

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.integration


def row(output: str, label: str) -> list[str]:
    """The cells of the table row of one figure."""
    found = re.search(rf"^\| {re.escape(label)} \|(.*)\|$", output, re.MULTILINE)
    assert found is not None, f"no row {label!r} in the table"
    return [cell.strip() for cell in found.group(1).split("|")]


def test_quick_book_reports_every_figure_and_a_verified_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped: list[bool] = []

    def drop_os_cache() -> bool:  # the real one empties the whole machine's page cache
        dropped.append(True)
        return True

    monkeypatch.setattr(book_measure, "drop_os_cache", drop_os_cache)
    argv = ["--quick", "--sizes", "12", "--loads", "30", "--drop-os-cache"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    output = capsys.readouterr().out

    assert dropped == [True]
    assert "cold loads, first touch (OS page cache dropped first): p50" in output

    assert "| figure | 12 contracts |" in output
    for figure in FIGURES:
        (cell,) = row(output, figure.label)
        assert cell != "n/a", figure.label
        assert re.fullmatch(r"[0-9][0-9,]*(\.[0-9]+)?x?", cell), (figure.label, cell)
    # Every generated event is stored, and the chain of the loaded book holds.
    assert int(row(output, "events stored")[0].replace(",", "")) > 12 * 50
    assert row(output, "broken links found") == ["0"]
    assert (tmp_path / "book.png").stat().st_size > 10_000
