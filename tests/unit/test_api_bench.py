"""bench/api.py's closing lines: each ratio's median over the rounds, its range, and how
many rounds reached issue 10's goal (a round exactly at the goal counts as reaching it)."""

from __future__ import annotations

from bench.api import summary


def test_the_summary_gives_each_measured_ratio_its_median_range_and_rounds_at_the_goal() -> None:
    lines = summary({"read": [], "write": [0.69, 0.7, 0.81, 0.75]})

    assert lines == ["write ratio: median 0.72x, 0.69x to 0.81x; 3 of 4 rounds at or above 0.7x"]
