"""The pinned scenarios run in memory, with each of their documents explained (issue 12)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from infra.explanation import explain_document
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from projections.engine.runner import ProjectionGroup
from projections.views.invoices import InMemoryInvoicesView, InvoicesProjection

if TYPE_CHECKING:
    from projections.engine.rows import Row

SCENARIOS = Path(__file__).parent / "scenarios"
NAMES = sorted(p.stem for p in SCENARIOS.glob("*.json") if not p.stem.endswith(".expected"))


def documents_of(app: ContractsApplication, contract_id: Any) -> list[Row]:
    """The contract's documents as the invoices projection numbers them."""
    view = InMemoryInvoicesView()
    ProjectionGroup(app, [InvoicesProjection(view)]).catch_up()
    return view.documents(contract_id)


@cache
def scenario_run(name: str) -> tuple[tuple[ContractEvent, ...], tuple[Row, ...]]:
    """The events and documents of pinned scenario `name`, run in process."""
    app = ContractsApplication(env=IN_MEMORY_ENV)
    scenario = load_scenario(SCENARIOS / f"{name}.json")
    simulate(scenario, app)
    contract_id = Contract.create_id(scenario.terms.contract_number)
    events = tuple(e for e in app.events.get(contract_id) if isinstance(e, ContractEvent))
    return events, tuple(documents_of(app, contract_id))


def explained(name: str) -> list[dict[str, Any]]:
    """Every document of scenario `name`, explained."""
    events, rows = scenario_run(name)
    numbers = {row["receivable_id"]: row["number"] for row in rows}
    return [explain_document(row, events, None, numbers.get) for row in rows]


def lines_under(name: str, rule_id: str) -> list[dict[str, Any]]:
    """The explained document lines of scenario `name` whose working is under `rule_id`."""
    return [
        line
        for explanation in explained(name)
        for line in explanation["lines"]
        if line.get("rule_id") == rule_id and line["working_recorded"]
    ]


def applied(name: str, rule_id: str) -> list[str]:
    """The formulas as applied (numbers filled in) of the lines under `rule_id`."""
    return [line["applied"] for line in lines_under(name, rule_id)]
