"""A contract lived through the HTTP API gives the documents, balance, grounds and history
that `lease simulate` gives for the same steps (issue 10).

The steps of pinned scenarios are sent as HTTP requests (the conclusion's `contract` object,
each step's fields as the command's body) to the API on PostgreSQL, under a business clock
set to each step's date; the daily rules and billing run between them as in `lease
simulate`; the documents are read back through `GET /v1/contracts/{number}/documents`. The
whole output must equal the in-process simulation's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from domain.application import ContractsApplication
from infra.bootstrap import build_projection_group, close_projection_group
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from infra.simulate.in_process import InProcess, Run, simulate
from infra.simulate.scenario import load_scenario
from tests.api.served import served
from tests.api.tokens import new_keys

if TYPE_CHECKING:
    from uuid import UUID

    from infra.simulate.scenario import Step
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.e2e

SCENARIOS = Path(__file__).parents[1] / "scenarios"
NOT_A_FIELD = ("on", "do", "expect_refusal")
DOCUMENT_FIELDS = (
    "number",
    "kind",
    "category",
    "issued_on",
    "due_on",
    "period_start",
    "period_end",
    "amount",
    "open",
    "rule_ids",
)


class OverHttp(InProcess):
    """The steps go over HTTP; the daily run stays in process, as `lease simulate` runs it."""

    def __init__(
        self, client: TestClient, clock: SettableClock, raw: dict[str, Any], group: ProjectionGroup
    ) -> None:
        self.client, self.clock, self.raw, self.group = client, clock, raw, group
        self.auth = {"Authorization": f"Bearer {KEYS.token(Role.OPERATOR)}"}

    def perform(self, run: Run, step: Step) -> None:
        self.clock.set(step.on)
        if step.do == "advance":
            return
        if step.do == "conclude":
            response = self.client.post(
                "/v1/contracts", json=self.raw["contract"], headers=self.auth
            )
        else:
            fields = {
                k: v for k, v in self.raw["steps"][step.index - 1].items() if k not in NOT_A_FIELD
            }
            path = f"/v1/contracts/{run.number}/commands/{step.do}"
            response = self.client.post(path, json=fields, headers=self.auth)
        if step.expect_refusal:
            assert response.status_code == 409, response.text
            problem = response.json()
            run.refusals.append(
                {
                    "step": step.index,
                    "do": step.do,
                    "rule_id": problem["rule_id"],
                    "message": problem["detail"],
                }
            )
        else:
            assert response.status_code in (200, 201), (step, response.text)

    def documents(self, run: Run, contract_id: UUID) -> list[dict[str, Any]]:
        self.group.catch_up()
        found = self.client.get(f"/v1/contracts/{run.number}/documents", headers=self.auth)
        return [{k: d[k] for k in DOCUMENT_FIELDS} for d in found.json()]


KEYS = new_keys()


@pytest.mark.parametrize("name", ["early-termination", "km-cap", "total-loss"])
def test_the_api_gives_what_lease_simulate_gives(name: str, pg_env: dict[str, str]) -> None:
    path = SCENARIOS / f"{name}.json"
    scenario = load_scenario(path)
    expected = simulate(scenario)

    contracts = IdempotentContracts(env=pg_env)
    daily = ContractsApplication(env=pg_env)
    group = build_projection_group(daily, pg_env)
    group.catch_up()
    clock = SettableClock(scenario.steps[0].on)
    try:
        with served(contracts, pg_env, KEYS, clock, 2000) as client:
            pipeline = OverHttp(client, clock, json.loads(path.read_text()), group)
            over_http = simulate(scenario, daily, pipeline)
            history = client.get(
                f"/v1/contracts/{scenario.terms.contract_number}/history", headers=pipeline.auth
            ).json()
    finally:
        close_projection_group(group)
        daily.close()
        contracts.close()

    assert over_http == expected
    assert [(e["event_type"], e["occurred_on"]) for e in history] == [
        (e["type"], e["occurred_on"]) for e in expected["events"]
    ]
