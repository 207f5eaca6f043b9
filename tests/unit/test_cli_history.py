"""The timeline table of `lease history` and `lease dev` fits an 80-column terminal (issue 9).

Rich shrinks the columns that may wrap; the actor (e.g. `SYSTEM:scheduler`) must never be
cut in two, and no line may be wider than the terminal.
"""

from __future__ import annotations

from rich.console import Console

from domain.application import ContractsApplication
from domain.contract.base_events import ContractEvent
from infra.bootstrap import DEMO_SCENARIO
from infra.cli.history import timeline_table
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario

WIDTH = 80


def test_the_timeline_fits_80_columns_without_wrapping_an_actor() -> None:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    scenario = load_scenario(DEMO_SCENARIO)
    simulate(scenario, app=app)
    number = scenario.terms.contract_number
    console = Console(width=WIDTH, record=True, file=None, force_terminal=False)

    with console.capture() as captured:
        console.print(timeline_table(app, number))
    lines = captured.get().splitlines()

    assert max(len(line) for line in lines) <= WIDTH
    events = [e for e in app.events.get(app.get(number).id) if isinstance(e, ContractEvent)]
    for event in events:
        name = type(event).__name__
        row = next(line for line in lines if f" {name} " in f"{line} ")
        assert f" {event.actor} " in f"{row} ", (event.actor, row)
