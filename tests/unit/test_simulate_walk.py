"""The walk that skips quiet days gives what the day-by-day walk gives (issue 9, finding 9).

`lease simulate` decides each day's rules and billing on an unsaved copy of the contract and
skips the days on which they would record nothing. The output must not change: on every
pinned scenario, and on random contracts with late, partial and missing payments, the
skipping walk and the day-by-day walk give the same document (or refuse the same step).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.simulate.in_process import StepRefusedError, simulate
from infra.simulate.scenario import Scenario, load_scenario, parse_scenario
from tests.factories import ref_terms_dict
from tests.scenarios.test_scenarios import SCENARIOS


def outcome(scenario: Scenario, *, skip: bool) -> dict[str, Any] | str:
    """The output document, or the refusal that stopped the run."""
    try:
        return simulate(scenario, skip_quiet_days=skip)
    except StepRefusedError as refused:
        return str(refused)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_skipping_quiet_days_changes_no_pinned_output(path: Path) -> None:
    scenario = load_scenario(path)

    assert outcome(scenario, skip=True) == outcome(scenario, skip=False)


@st.composite
def random_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A contract handed over, then payments on random days of random amounts, perhaps
    odometer readings, a formal notice, an early termination, and an advance beyond the end
    (a step may be refused: both walks must then refuse it the same way)."""
    frequency, months = draw(st.sampled_from([("MONTHLY", 1), ("QUARTERLY", 3)]))
    term = draw(st.integers(4 * months, 16 * months))  # P-14: not always whole periods
    start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
    instalment = draw(st.integers(200, 900))
    policy_grounds = draw(st.sampled_from([[], ["18.3(ii)"], ["18.3(ii)", "18.3(iii)"]]))
    handover = start + timedelta(days=10)
    steps: list[dict[str, Any]] = [
        {"on": start.isoformat(), "do": "conclude"},
        {"on": (start + timedelta(days=1)).isoformat(), "do": "order_vehicle"},
        {"on": (start + timedelta(days=5)).isoformat(), "do": "notify_vehicle_ready"},
        {"on": (start + timedelta(days=6)).isoformat(), "do": "submit_insurance_proof"},
        {"on": handover.isoformat(), "do": "hand_over", "odometer": 12},
    ]
    later = st.integers(0, term * 31)
    extras: list[tuple[int, dict[str, Any]]] = [
        (day, {"do": "receive_payment", "amount": f"{amount}.00"})
        for day, amount in draw(st.lists(st.tuples(later, st.integers(1, 3 * instalment))))
    ]
    extras += [
        (day, {"do": "send_formal_notice", "kind": "INSTALMENT_ARREARS"})
        for day in draw(st.lists(later, max_size=1))
    ]
    after_a_year = st.integers(366, max(366, term * 31))  # T-18.6: not in the first 12 months
    extras += [
        (day, {"do": "request_early_termination"})
        for day in draw(st.lists(after_a_year, max_size=1))
    ]
    extras += [
        (day, {"do": "report_odometer", "odometer": 12 + day * 40})
        for day in draw(st.lists(later, max_size=2))
    ]
    for day, step in sorted(extras, key=lambda item: item[0]):
        on = (handover + timedelta(days=day)).isoformat()
        steps.append({"on": on, **step})
    last = max([term * 31, *(day for day, _ in extras)])
    end = handover + timedelta(days=last + draw(st.integers(0, 400)))
    steps.append({"on": end.isoformat(), "do": "advance"})
    return {
        "scenario_version": 1,
        "contract": ref_terms_dict(
            term_months=term,
            instalment_frequency=frequency,
            instalment_amount=f"{instalment}.00",
            advance_payment="0.00",
        ),
        "policy": {"auto_dissolve_grounds": policy_grounds},
        "steps": steps,
    }


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_scenarios())
def test_skipping_quiet_days_equals_the_day_by_day_walk_on_random_contracts(
    document: dict[str, Any],
) -> None:
    scenario = parse_scenario(document)

    assert outcome(scenario, skip=True) == outcome(scenario, skip=False)
