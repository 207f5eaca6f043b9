"""D-07 (Art. 8.2, O-05): repairs within five working days of the damage report."""

from __future__ import annotations

from datetime import date

from domain.contract import Contract
from domain.contract.incidents import ReportIncident
from domain.contract.incidents_events import IncidentReported, RepairCompleted
from domain.contract.registry import execute
from domain.contract.repairs import RecordRepairCompleted, repair_due
from domain.errors import RuleViolationError
from tests.contract_cases import (
    assert_refused,
    assert_rules,
    collected,
    eur,
    only,
    running_ref_contract,
)
from tests.factories import ctx

REPORTED = date(2025, 6, 2)  # RULES D-07: Mon 2025-06-02
DUE = date(2025, 6, 10)  # Tue 3 .. Fri 6, Whit Monday 9 skipped, Tue 10


def _reported() -> Contract:
    contract = running_ref_contract(REPORTED)
    report = ReportIncident(kind="COLLISION", incident_on=REPORTED, repair_cost=eur("800.00"))
    execute(contract, report, ctx(REPORTED))
    return contract


def test_D_07_example_due_the_fifth_working_day_after_the_report() -> None:
    assert repair_due(REPORTED) == DUE
    contract = _reported()
    reported = only(collected(contract), IncidentReported)
    assert reported.repair_due == DUE


def test_D_07_a_repair_by_the_due_date_is_in_time_and_a_later_one_late() -> None:
    for done_on, in_time in ((DUE, True), (date(2025, 6, 11), False)):
        contract = _reported()
        collected(contract)
        execute(contract, RecordRepairCompleted(incident_id="I001"), ctx(done_on))
        repaired = only(collected(contract), RepairCompleted)
        assert_rules(repaired, "D-07", "O-05")
        assert (repaired.due_date, repaired.in_time) == (DUE, in_time)
        assert contract.repairs_due == {}


def test_D_07_refuses_an_unknown_or_already_repaired_incident() -> None:
    contract = _reported()
    command = RecordRepairCompleted(incident_id="I001")
    execute(contract, command, ctx(DUE))
    for incident in ("I001", "I009"):
        again = RecordRepairCompleted(incident_id=incident)
        assert_refused(
            contract,
            lambda again=again: execute(contract, again, ctx(DUE)),  # type: ignore[misc]
            RuleViolationError,
            "D-07",
        )
