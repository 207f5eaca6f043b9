"""Every scenario in this folder pins its `lease simulate` output (SCENARIOS.md).

The numbers in the expected files come only from the rules; README.md beside this file lists
the RULES.md worked examples each scenario reproduces, checked by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.simulate.in_process import simulate
from infra.simulate.scenario import load_scenario

HERE = Path(__file__).parent
SCENARIOS = sorted(p for p in HERE.glob("*.json") if not p.name.endswith(".expected.json"))


def render(output: dict[str, object]) -> str:
    """The CLI's rendering: sorted keys, two-space indent, trailing newline."""
    return json.dumps(output, indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_output_is_pinned(path: Path) -> None:
    expected = path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8")
    assert render(simulate(load_scenario(path))) == expected


def test_every_scenario_has_an_expected_output() -> None:
    assert len(SCENARIOS) >= 9
    for path in SCENARIOS:
        assert path.with_name(f"{path.stem}.expected.json").exists(), path.name
