"""`lease simulate --stack` gives byte for byte the in-process answer (issue 4, section 4).

Each pinned scenario of tests/scenarios runs through the session's PostgreSQL and broker:
steps through ContractsApplication, payments and odometer readings as messages on their
topics, the relay, the termination consumer (Article 18), the scheduler (deadlines and
billing) and the projections. The output must equal the pinned file, which the
in-process run also produces (tests/scenarios/test_scenarios.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from infra.settings import Settings
from infra.simulate.on_stack import simulate_on_stack
from infra.simulate.scenario import load_scenario
from tests.scenarios.test_scenarios import SCENARIOS, render

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_stack_output_equals_in_process_output(
    path: Path, pg_info: PostgresInfo, bootstrap_servers: str
) -> None:
    expected = path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8")
    out = simulate_on_stack(load_scenario(path), Settings(), pg_info, bootstrap_servers)
    assert render(out) == expected
