"""Maintenance & Repair (Art. 12): O-12 with its MR exclusion codes (MR-a .. MR-t)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.catalogue import lookup
from domain.contract import Contract
from domain.contract.billing_events import RunningCostCharged
from domain.contract.maintenance import MR_CODES, RecordMaintenance
from domain.contract.maintenance_events import MaintenancePerformed
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from projections.views.document_lines import lines_of
from tests.contract_cases import (
    assert_refused,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx

ON = date(2025, 6, 2)
SERVICES = (("MAINTENANCE_REPAIR", eur("45.00")),)


def _contract(**overrides: object) -> Contract:
    return running_ref_contract(ON, instalment_components=SERVICES, **overrides)


def _none(_: str) -> None:
    return None


def _work(**changes: object) -> RecordMaintenance:
    facts: dict[str, object] = {
        "workshop_id": "W-BRU-01",
        "work": "REPAIR",
        "odometer": 31_200,
        "cost": eur("640.00"),
        "approval_number": "AP-1001",
    }
    return RecordMaintenance(**{**facts, **changes})  # type: ignore[arg-type]


def test_MR_a_to_MR_t_are_the_twenty_exclusions_of_article_12_3() -> None:
    assert tuple(f"MR-{letter}" for letter in "abcdefghijklmnopqrst") == MR_CODES
    assert all(lookup(code).article == "Art. 12.3" for code in MR_CODES)
    assert "animals" in lookup("MR-t").title
    with pytest.raises(ValueError, match="exclusion_code"):
        _work(exclusion_code="MR-u")


class TestMaintenanceAndRepair:
    def test_O_12_approved_work_is_covered_and_charges_nothing(self) -> None:
        contract = _contract()
        execute(contract, _work(), ctx(ON))
        events = collected(contract)
        done = only(events, MaintenancePerformed)
        assert (done.covered_by_contract, done.customer_cost) == (True, eur("0.00"))
        assert (done.approval_number, done.cost, done.odometer) == (
            "AP-1001",
            eur("640.00"),
            31_200,
        )
        assert_rules(done, "O-12", "O-05")
        assert not of_type(events, RunningCostCharged)

    def test_O_12_covered_work_needs_an_approval_number(self) -> None:
        contract = _contract()
        command = _work(approval_number="")
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "O-12"
        )

    def test_O_12_MR_h_negligence_is_charged_to_the_customer_at_cost(self) -> None:
        contract = _contract()
        execute(contract, _work(cost=eur("380.40"), exclusion_code="MR-h"), ctx(ON))
        events = collected(contract)
        done = only(events, MaintenancePerformed)
        assert (done.covered_by_contract, done.customer_cost) == (False, eur("380.40"))
        assert_rules(done, "O-12", "MR-h")
        note = only(events, RunningCostCharged)
        assert (note.amount, note.cost_type) == (eur("380.40"), "EXCLUDED_REPAIR")
        assert note.due_date == ON  # D-36: the test contract has a payment term of 0 days
        assert_rules(note, "O-12", "M-31", "MR-h")
        (worked,) = note.workings
        assert worked["rule_id"] == "O-12"
        assert worked["inputs"]["exclusion_code"] == "MR-h"
        assert worked["cites"] == {"approval_number": "AP-1001"}
        assert "passed on at cost" in worked["formula"]
        [row] = lines_of(note, _none)
        assert row["amount"] == "380.40"
        assert "MR-h" in str(row["description"])

    def test_O_12_MR_o_work_outside_an_accepted_workshop_needs_no_approval(self) -> None:
        contract = _contract()
        command = _work(approval_number="", exclusion_code="MR-o", cost=eur("95.00"))
        execute(contract, command, ctx(ON))
        assert only(collected(contract), RunningCostCharged).amount == eur("95.00")

    def test_O_12_without_the_booklet_the_customer_pays(self) -> None:
        contract = _contract()
        execute(contract, _work(work="SERVICING", booklet_shown=False), ctx(ON))
        note = only(collected(contract), RunningCostCharged)
        assert (note.amount, note.cost_type) == (eur("640.00"), "WORK_WITHOUT_BOOKLET")

    def test_O_12_only_with_a_running_maintenance_and_repair_service(self) -> None:
        contract = running_ref_contract(ON)
        assert_refused(
            contract, lambda: execute(contract, _work(), ctx(ON)), RuleViolationError, "O-12"
        )
        stopped = _contract()
        stopped.stopped_services.append("MAINTENANCE_REPAIR")  # as T-18.2-ii records it
        assert_refused(
            stopped, lambda: execute(stopped, _work(), ctx(ON)), RuleViolationError, "O-12"
        )
