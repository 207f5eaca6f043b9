"""The termination consumer (RULES 6) on PostgreSQL: Article 18 applied once per message.

The handlers get KafkaRecords as the runner hands them over (the broker path is covered by
tests/integration/test_simulate_stack.py); each test checks the rule's effect, that it is
stored with the record's tracking, and that a redelivery or a republished event changes
nothing (K-06).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

import pytest

from consumers.base import KafkaRecord, tracking_name
from consumers.termination import Termination
from consumers.tracking import AlreadyProcessedError, TrackedContracts
from domain.contract import Contract
from domain.contract.billing import ReceivePayment, SendFormalNotice
from domain.contract.daily import ApplyArticle18
from domain.contract.incidents import ReportIncident, ReportOdometer
from domain.contract.registry import execute
from domain.contract.termination_events import DissolutionGroundDetected
from domain.money import Money
from domain.policy import LessorPolicy
from infra.clock import SettableClock
from infra.scheduler import deadline_value, reached
from infra.schemas.envelope import encode, envelope
from tests.factories import ctx, handed_over_ref_contract, ref_terms, run_days

if TYPE_CHECKING:
    from domain.contract.base_events import ContractEvent

pytestmark = pytest.mark.integration

EVENTS = "lease.contract-events.v1"
DEADLINES = "lease.deadlines.v1"
KM_CAP_READING_DAY = date(2027, 6, 1)  # M-12: REF (diesel) cap 200,000 km
JANUARY_START = date(2025, 1, 1)
NOTICE_DISPATCH = date(2025, 2, 10)  # Mon; D-10: last day Tue 2025-02-18
COLLECTION_COSTS_DAY = date(2025, 2, 19)


@pytest.fixture
def app(tracked_app: TrackedContracts) -> TrackedContracts:
    """These tests' application is the consumers' (tests/integration/conftest.py)."""
    return tracked_app


def stored(app: TrackedContracts, contract: Contract) -> list[ContractEvent]:
    return cast("list[ContractEvent]", list(app.events.get(contract.id)))


def names(events: list[ContractEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def event_record(event: ContractEvent, offset: int) -> KafkaRecord:
    """The relay's message for a stored event, as the consumer receives it."""
    value = encode(envelope(event, position=offset + 1))
    return KafkaRecord(EVENTS, 0, offset, str(event.originator_id).encode(), value)


@pytest.fixture
def over_the_cap(app: TrackedContracts) -> tuple[Contract, ContractEvent]:
    """REF running since a month before KM_CAP_READING_DAY, then 200,000 km reported: the
    stored contract and its report event."""
    contract = handed_over_ref_contract(KM_CAP_READING_DAY - timedelta(days=30))
    execute(contract, ReportOdometer(odometer=200_000), ctx(KM_CAP_READING_DAY))
    app.save(contract)
    return contract, stored(app, contract)[-1]


def km_cap_rules() -> Termination:
    """A fresh termination consumer (no memory of what it saw) on KM_CAP_READING_DAY."""
    return Termination(SettableClock(KM_CAP_READING_DAY), LessorPolicy())


class TestContractEvents:
    def test_T_18_1_ii_km_cap_report_ends_the_contract_by_law_once(
        self, app: TrackedContracts, over_the_cap: tuple[Contract, ContractEvent]
    ) -> None:
        contract, report = over_the_cap
        rules = km_cap_rules()

        rules.on_contract_event(event_record(report, 0), app)
        after = stored(app, contract)

        effects = after[report.originator_version :]
        assert names(effects) == ["KmCapReached", "ContractEndedByLaw"]
        end = effects[1]
        assert "T-18.1-ii" in end.rule_ids
        assert end.causation_id == f"event:{envelope(report, position=1)['event_id']}"
        assert app.max_tracking_id(tracking_name(EVENTS, 0)) == 0

    def test_K_06_a_redelivered_offset_changes_nothing(
        self, app: TrackedContracts, over_the_cap: tuple[Contract, ContractEvent]
    ) -> None:
        contract, report = over_the_cap
        rules = km_cap_rules()
        rules.on_contract_event(event_record(report, 0), app)
        before = len(stored(app, contract))

        with pytest.raises(AlreadyProcessedError):
            km_cap_rules().on_contract_event(event_record(report, 0), app)

        assert len(stored(app, contract)) == before

    def test_K_06_the_same_event_republished_at_a_new_offset_records_nothing(
        self, app: TrackedContracts, over_the_cap: tuple[Contract, ContractEvent]
    ) -> None:
        contract, report = over_the_cap
        km_cap_rules().on_contract_event(event_record(report, 0), app)
        before = len(stored(app, contract))

        # A fresh consumer (no memory of what it saw) after the relay published again.
        km_cap_rules().on_contract_event(event_record(report, 5), app)

        assert len(stored(app, contract)) == before
        assert app.max_tracking_id(tracking_name(EVENTS, 0)) == 5

    def test_its_own_events_are_evaluated_until_nothing_changes(
        self, app: TrackedContracts, over_the_cap: tuple[Contract, ContractEvent]
    ) -> None:
        contract, report = over_the_cap
        rules = km_cap_rules()
        rules.on_contract_event(event_record(report, 0), app)
        own = stored(app, contract)[report.originator_version :]
        before = len(stored(app, contract))

        for offset, event in enumerate(own, start=1):
            rules.on_contract_event(event_record(event, offset), app)

        assert len(stored(app, contract)) == before


class TestDeadlines:
    def test_D_10_M_07_a_reached_cure_deadline_charges_the_collection_costs(
        self, app: TrackedContracts
    ) -> None:
        contract = handed_over_ref_contract(JANUARY_START, payment_term_days=14)
        run_days(contract, JANUARY_START, NOTICE_DISPATCH)
        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        app.save(contract)
        noticed = contract.version
        deadline = {
            "deadline_id": f"{contract.id}:D-10:{noticed}",
            "contract_id": contract.id,
            "rule_id": "D-10",
            "due_on": date(2025, 2, 18),
        }
        message = reached(deadline, COLLECTION_COSTS_DAY)
        record = KafkaRecord(DEADLINES, 0, 0, contract.id.bytes, deadline_value(message))
        rules = Termination(SettableClock(COLLECTION_COSTS_DAY), LessorPolicy())

        rules.on_deadline(record, app)

        effects = stored(app, contract)[noticed:]
        assert names(effects) == [
            "FormalNoticeCureDeadlineExpired",
            "CollectionIndemnityCharged",
            "RegisteredLetterFeeCharged",
        ]
        assert all(e.causation_id == f"deadline:{message.deadline_id}" for e in effects)
        assert app.max_tracking_id(tracking_name(DEADLINES, 0)) == 0
        assert json.loads(record.value or b"")["reached_on"] == "2025-02-19"

    def test_D_07_D_21_reached_repair_and_contest_deadlines_record_their_events_once(
        self, app: TrackedContracts
    ) -> None:
        # RULES D-07: reported Mon 2025-06-02 -> repair due Tue 06-10 (Whit Monday skipped);
        # D-21: the claim accepted that day may be contested for 7 days, to Mon 06-09, a
        # holiday, rolled to Tue 06-10. On Wed 06-11 both timers are reached.
        contract = handed_over_ref_contract(JANUARY_START)
        run_days(contract, JANUARY_START, REPAIR_REPORTED)
        report = ReportIncident("COLLISION", REPAIR_REPORTED, Money.of("800.00"))
        execute(contract, report, ctx(REPAIR_REPORTED, actor="CUSTOMER"))
        app.save(contract)
        reported = contract.version
        rules = Termination(SettableClock(REPAIR_MISSED), LessorPolicy())

        for offset, rule_id in enumerate(("D-07", "D-21")):
            deadline = {
                "deadline_id": f"{contract.id}:{rule_id}:I001",
                "contract_id": contract.id,
                "rule_id": rule_id,
                "due_on": date(2025, 6, 10),
            }
            message = deadline_value(reached(deadline, REPAIR_MISSED))
            rules.on_deadline(KafkaRecord(DEADLINES, 0, offset, contract.id.bytes, message), app)

        effects = stored(app, contract)[reported:]
        assert names(effects) == ["RepairDeadlineMissed", "ProtectionDecisionBecameFinal"]
        assert {e.occurred_on for e in effects} == {REPAIR_MISSED}
        assert effects[0].causation_id == f"deadline:{contract.id}:D-07:I001"
        republished = KafkaRecord(DEADLINES, 0, 2, contract.id.bytes, message)
        rules.on_deadline(republished, app)  # K-06: state-based, nothing is recorded twice
        assert len(stored(app, contract)) == reported + len(effects)


REPAIR_REPORTED = date(2025, 6, 2)
REPAIR_MISSED = date(2025, 6, 11)
ARREARS_NOTICE = date(2025, 3, 10)  # January and February unpaid: two months
ARREARS_GROUND_DAY = date(2025, 3, 19)  # D-12: dispatch + 8 days passed


def in_arrears_with_a_ground(customer: str) -> Contract:
    """REF from January 2025, nothing paid, a registered notice, the 18.3(ii) ground."""
    contract = handed_over_ref_contract(
        JANUARY_START, payment_term_days=14, customer_number=customer
    )
    run_days(contract, JANUARY_START, ARREARS_NOTICE)
    execute(
        contract, SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True), ctx(ARREARS_NOTICE)
    )
    run_days(contract, ARREARS_NOTICE, ARREARS_GROUND_DAY)
    assert [g.ground for g in contract.open_grounds()] == ["18.3(ii)"]
    return contract


class TestCustomerWideGrounds:
    """K-01, A-37: arrears of two months under any contract of the Customer (18.3(ii))."""

    def test_K_01_an_arrears_ground_counts_for_the_customers_other_contracts(
        self, app: TrackedContracts
    ) -> None:
        in_arrears = in_arrears_with_a_ground("K-SHARED")
        other = handed_over_ref_contract(JANUARY_START, customer_number="K-SHARED")
        app.save(in_arrears, other)
        detected = [e for e in stored(app, in_arrears) if "K-02" in e.rule_ids][-1]
        family = {"K-SHARED": [in_arrears.number, other.number]}
        rules = Termination(
            SettableClock(ARREARS_GROUND_DAY), LessorPolicy(), lambda c: family.get(c, [])
        )

        rules.on_contract_event(event_record(detected, 0), app)

        shared = [e for e in stored(app, other) if "K-01" in e.rule_ids]
        assert names(shared) == ["DissolutionGroundDetected"]
        assert isinstance(shared[0], DissolutionGroundDetected)
        assert shared[0].evidence == [f"{in_arrears.number}/G001"]
        assert [g.ground for g in app.get(other.number).open_grounds()] == ["18.3(ii)"]

        # When the arrears are paid there, the ground clears here too
        paid_on = ARREARS_GROUND_DAY + timedelta(days=1)

        def pay(c: Contract) -> None:
            execute(c, ReceivePayment(amount=c.open_debits()), ctx(paid_on))
            execute(c, ApplyArticle18(), replace(ctx(paid_on), policy=LessorPolicy()))

        app.decide(in_arrears.number, pay)
        cleared = stored(app, in_arrears)[-1]
        assert names([cleared]) == ["DissolutionGroundCleared"]
        rules.on_contract_event(event_record(cleared, 1), app)

        assert app.get(other.number).open_grounds() == []

    def test_K_01_a_new_contract_takes_the_customers_open_arrears_ground(
        self, app: TrackedContracts
    ) -> None:
        in_arrears = in_arrears_with_a_ground("K-NEW")
        newcomer = Contract.conclude(ref_terms(customer_number="K-NEW"), ctx(ARREARS_GROUND_DAY))
        app.save(in_arrears, newcomer)
        [concluded] = stored(app, newcomer)
        family = {"K-NEW": [in_arrears.number, newcomer.number]}
        rules = Termination(
            SettableClock(ARREARS_GROUND_DAY), LessorPolicy(), lambda c: family.get(c, [])
        )

        rules.on_contract_event(event_record(concluded, 0), app)

        grounds = app.get(newcomer.number).open_grounds()
        assert [(g.ground, g.evidence) for g in grounds] == [
            ("18.3(ii)", [f"{in_arrears.number}/G001"])
        ]
