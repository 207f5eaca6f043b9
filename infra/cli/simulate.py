"""`lease simulate PATH [--stack]`: a scenario, in-process or through the pipeline."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from infra.cli.app import (
    USAGE_ERROR,
    Verbose,
    configure_logging,
    fail,
    load_settings,
    one_line,
    reach_external,
    startup_errors,
)
from infra.simulate.in_process import StepRefusedError, simulate
from infra.simulate.scenario import ScenarioError, ScenarioPathError, load_scenario

if TYPE_CHECKING:
    from infra.simulate.scenario import Scenario


def simulate_command(
    path: Annotated[
        Path, typer.Argument(metavar="PATH", help="Scenario file (SCENARIOS.md, version 1).")
    ],
    stack: Annotated[
        bool, typer.Option("--stack", help="Run through PostgreSQL and the broker.")
    ] = False,
    verbose: Verbose = False,
) -> None:
    """Live one contract through a scenario and print what the service made of it (JSON)."""
    configure_logging(verbose=verbose)
    try:
        scenario = load_scenario(path)
    except ScenarioPathError as err:
        fail("simulate", str(err), code=USAGE_ERROR)
    except ScenarioError as err:
        fail("simulate", str(err))
    try:
        out = simulate_through_stack(scenario) if stack else simulate(scenario)
    except StepRefusedError as err:
        fail("simulate", str(err))
    except startup_errors() as err:
        fail("simulate", one_line(err))
    typer.echo(json.dumps(out, indent=2, sort_keys=True))


def simulate_through_stack(scenario: Scenario) -> dict[str, Any]:
    """The scenario through the pipeline on a stack of its own (embedded parts in a
    temporary directory, unless LEASE_DATABASE_URL / LEASE_KAFKA_BOOTSTRAP_SERVERS say).
    A pipeline that does not settle fails in one line, as a stack that does not start."""
    from infra.embedded.stack import Stack
    from infra.simulate.on_stack import PipelineStuckError, simulate_on_stack

    with tempfile.TemporaryDirectory(prefix="lease-simulate-") as tmp:
        settings = load_settings("simulate", Path(tmp))
        reach_external("simulate", settings, broker=True)
        with Stack(settings) as stack:
            try:
                return simulate_on_stack(
                    scenario, settings, stack.postgres, stack.bootstrap_servers
                )
            except PipelineStuckError as err:
                fail("simulate", one_line(err))
