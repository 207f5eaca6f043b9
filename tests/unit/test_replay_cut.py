"""Which events a bitemporal replay keeps (infra/audit/replay.py), and how `lease replay`
reads its dates and shows its answer."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from domain.application import ContractsApplication
from domain.contract import Contract
from infra.audit.replay import Cut, NaiveTimestampError, replay_contract, select
from infra.cli.app import app as lease
from infra.cli.replay import show
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario

NOON = datetime(2025, 3, 15, 12, tzinfo=UTC)
SCENARIOS = Path(__file__).parents[1] / "scenarios"


def fact(occurred_on: date, timestamp: datetime) -> Any:
    return SimpleNamespace(occurred_on=occurred_on, timestamp=timestamp)


def test_a_cut_keeps_what_happened_by_as_of_and_was_recorded_by_known_at() -> None:
    cut = Cut(as_of=date(2025, 3, 1), known_at=NOON)
    assert cut.keeps(fact(date(2025, 3, 1), NOON))  # both bounds are inclusive
    assert not cut.keeps(fact(date(2025, 3, 2), NOON))  # happened after as_of
    assert not cut.keeps(fact(date(2025, 2, 1), NOON + timedelta(microseconds=1)))  # told later


def test_a_late_fact_dated_early_is_kept_once_it_was_recorded() -> None:
    """A payment received on 28 February, booked on 10 March after a 5 March invoice: about
    1 March, as known on 15 March, the payment counts and the invoice does not."""
    invoice = fact(date(2025, 3, 5), NOON - timedelta(days=10))
    payment = fact(date(2025, 2, 28), NOON - timedelta(days=5))
    cut = Cut(as_of=date(2025, 3, 1), known_at=NOON)
    assert [cut.keeps(e) for e in (invoice, payment)] == [False, True]
    assert not Cut(as_of=date(2025, 3, 1), known_at=NOON - timedelta(days=6)).keeps(payment)


def test_no_cut_keeps_everything_and_a_naive_known_at_is_refused() -> None:
    assert Cut().keeps(fact(date(2999, 1, 1), NOON))
    assert Cut().describe() == "now"
    with pytest.raises(NaiveTimestampError):
        Cut(known_at=datetime(2025, 3, 15, 12))


def test_select_keeps_contract_events_only_in_recorded_order() -> None:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    output = simulate(load_scenario(SCENARIOS / "total-loss.json"), app)
    stored = list(app.events.get(Contract.create_id(output["contract"]["contract_number"])))
    kept = select([object(), *stored], Cut(as_of=date(2025, 11, 4)))
    assert [e.originator_version for e in kept] == list(range(1, len(kept) + 1))
    assert max(e.occurred_on for e in kept) <= date(2025, 11, 4)


def test_the_replay_shows_as_tables_and_as_json() -> None:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    output = simulate(load_scenario(SCENARIOS / "dissolution-later-sale.json"), app)
    number = output["contract"]["contract_number"]
    found = replay_contract(app, number, Cut(as_of=date(2025, 11, 15)))
    console = Console(width=100, record=True)
    with console.capture() as tables:
        show(found, as_json=False, console=console)
    with console.capture() as as_json:
        show(found, as_json=True, console=console)
    assert f"Contract {number} as of 2025-11-15" in tables.get()
    assert "18.3(xiv)" in tables.get()
    body = json.loads(as_json.get())
    assert body["contract"]["status"] == "ACTIVE"
    assert body["grounds"][0]["status"] == "OPEN"
    assert body["documents"][-1]["number"] == "INV-2025-000011"
    assert body["known_at"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2025-02-30"], "'2025-02-30' is not a date"),
        (["--as-of", "2025-02-01", "--known-at", "soon"], "'soon' is not a timestamp"),
        (["--as-of", "2025-02-01", "--known-at", "2025-02-01T10:00"], "has no timezone"),
    ],
)
def test_lease_replay_refuses_bad_dates_and_naive_timestamps(args: list[str], message: str) -> None:
    result = CliRunner().invoke(lease, ["replay", "C-1", *args])
    assert result.exit_code == 2
    assert message in result.output
