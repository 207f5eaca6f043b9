"""The 24-hour reporting duties from the day the Customer could know (A-36), and a seizure
or claim against the Lessor rather than the Customer (T-18.3-v, T-18.8-iii)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from domain.contract.incidents import ReportIncident, ReportTheft
from domain.contract.incidents_events import (
    FuelCardLostOrStolen,
    IncidentReported,
    ReportingDutyBreached,
    ThirdPartyClaimReported,
    VehicleTheftReported,
)
from domain.contract.lessor_grounds import (
    RecordLessorGround,
    SendLessorDefaultNotice,
    established_lessor_ground,
)
from domain.contract.registry import execute
from domain.contract.reporting import ReportFuelCardLost, ReportThirdPartyClaim
from domain.contract.termination_events import DissolutionGroundDetected
from domain.errors import RuleViolationError
from domain.money import Money
from tests.contract_cases import (
    INCIDENT_ON,
    assert_refused,
    assert_rules,
    collected,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx

if TYPE_CHECKING:
    from collections.abc import Callable

    from domain.contract.base_events import ContractEvent
    from domain.contract.command import Command

AWARE_ON = date(2025, 5, 12)  # Mon: the Customer learns of Saturday's event
REPORTED_ON = date(2025, 5, 13)  # Tue: within 24 h of knowing, three days after the event
TOO_LATE = date(2025, 5, 14)  # Wed
GLASS = Money.of("250.00")

REPORTS: list[tuple[str, type[ContractEvent], Callable[[date | None], Command]]] = [
    (
        "D-01",
        IncidentReported,
        lambda aware: ReportIncident(
            kind="GLASS", incident_on=INCIDENT_ON, repair_cost=GLASS, aware_on=aware
        ),
    ),
    ("D-02", VehicleTheftReported, lambda aware: ReportTheft(theft_on=INCIDENT_ON, aware_on=aware)),
    (
        "D-03",
        ThirdPartyClaimReported,
        lambda aware: ReportThirdPartyClaim(kind="CLAIM", happened_on=INCIDENT_ON, aware_on=aware),
    ),
    (
        "D-04",
        FuelCardLostOrStolen,
        lambda aware: ReportFuelCardLost(happened_on=INCIDENT_ON, aware_on=aware),
    ),
]
IDS = [duty for duty, _, _ in REPORTS]


def _reported(on: date, command: Command) -> list[ContractEvent]:
    contract = running_ref_contract(on)
    execute(contract, command, ctx(on, actor="CUSTOMER"))
    return collected(contract)


@pytest.mark.parametrize(("duty", "event", "report"), REPORTS, ids=IDS)
def test_A_36_the_24_hours_run_from_the_day_the_customer_could_have_known(
    duty: str, event: type[ContractEvent], report: Callable[[date | None], Command]
) -> None:
    # an event on Sat 2025-05-10 that the Customer could only know of on Mon 05-12 is
    # in time reported on Tue 05-13; the report shows the aware date it was judged by.
    events = _reported(REPORTED_ON, report(AWARE_ON))
    assert of_type(events, ReportingDutyBreached) == []
    assert getattr(only(events, event), "aware_on") == AWARE_ON  # noqa: B009 - four event types


@pytest.mark.parametrize(("duty", "event", "report"), REPORTS, ids=IDS)
def test_A_36_without_an_aware_date_or_a_day_after_it_the_report_is_late(
    duty: str, event: type[ContractEvent], report: Callable[[date | None], Command]
) -> None:
    from_the_event = only(_reported(REPORTED_ON, report(None)), ReportingDutyBreached)
    from_knowing = only(_reported(TOO_LATE, report(AWARE_ON)), ReportingDutyBreached)

    assert (from_the_event.duty, from_the_event.due_by) == (duty, date(2025, 5, 11))
    assert (from_knowing.duty, from_knowing.due_by) == (duty, REPORTED_ON)
    assert from_knowing.happened_on == INCIDENT_ON  # the breach still names the event's day


@pytest.mark.parametrize(("duty", "event", "report"), REPORTS, ids=IDS)
@pytest.mark.parametrize("aware", [date(2025, 5, 9), TOO_LATE], ids=["before", "after"])
def test_A_36_an_aware_date_before_the_event_or_after_the_report_is_refused(
    duty: str, event: type[ContractEvent], report: Callable[[date | None], Command], aware: date
) -> None:
    contract = running_ref_contract(REPORTED_ON)
    command = report(aware)

    assert_refused(
        contract,
        lambda: execute(contract, command, ctx(REPORTED_ON, actor="CUSTOMER")),
        RuleViolationError,
        "A-36",
    )


def test_T_18_3_v_a_seizure_against_the_lessor_is_no_ground_against_the_customer() -> None:
    # T-18.3-v names a seizure "against the Customer"; the Lessor's creditors seizing the
    # Vehicle is T-18.8-iii, the Customer's ground: no 18.3(v) opens, the 24 h duty holds.
    seized = date(2025, 6, 10)
    against_lessor = ReportThirdPartyClaim(kind="SEIZURE", happened_on=seized, against="LESSOR")
    against_customer = ReportThirdPartyClaim(kind="SEIZURE", happened_on=seized)

    lessor = _reported(date(2025, 6, 11), against_lessor)
    customer = _reported(date(2025, 6, 11), against_customer)
    late = _reported(date(2025, 6, 12), against_lessor)

    report = only(lessor, ThirdPartyClaimReported)
    assert (report.against, report.kind) == ("LESSOR", "SEIZURE")
    assert_rules(report, "D-03", "T-18.8-iii")
    assert of_type(lessor, DissolutionGroundDetected) == []
    assert only(customer, ThirdPartyClaimReported).against == "CUSTOMER"
    assert only(customer, DissolutionGroundDetected).ground == "18.3(v)"
    assert only(late, ReportingDutyBreached).duty == "D-03"


def test_T_18_8_iii_the_report_of_a_seizure_against_the_lessor_is_the_facts_evidence() -> None:
    # The Lessor records the fact with the report as its evidence (HUMAN); the Customer's
    # registered notice of Mon 2025-06-16 leaves the Lessor 8 days (D-12): the ground is
    # established on Wed 06-25, not on Tue 06-24.
    contract = running_ref_contract(date(2025, 6, 16))
    seized = ReportThirdPartyClaim(kind="SEIZURE", happened_on=date(2025, 6, 10), against="LESSOR")
    execute(contract, seized, ctx(date(2025, 6, 11), actor="CUSTOMER"))
    report = only(collected(contract), ThirdPartyClaimReported)
    fact = RecordLessorGround(ground="18.8(iii)", evidence=(report.report_id,))
    execute(contract, fact, ctx(date(2025, 6, 12)))
    notice = SendLessorDefaultNotice(ground="18.8(iii)")
    execute(contract, notice, ctx(date(2025, 6, 16), actor="CUSTOMER"))

    with pytest.raises(RuleViolationError) as early:
        established_lessor_ground(contract, "18.8(iii)", date(2025, 6, 24))
    assert early.value.rule_id == "T-18.8-iii"
    assert established_lessor_ground(contract, "18.8(iii)", date(2025, 6, 25)) == ["D-12"]


def test_A_36_reports_recorded_before_the_aware_date_and_the_party_still_load() -> None:
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    contract = running_ref_contract(date(2025, 6, 11))
    execute(
        contract,
        ReportThirdPartyClaim(kind="SEIZURE", happened_on=date(2025, 6, 10)),
        ctx(date(2025, 6, 11)),
    )
    event = only(collected(contract), ThirdPartyClaimReported)
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    for added in ("against", "aware_on"):
        del state[added]
    older = stored.__class__(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=json.dumps(state).encode(),
    )

    loaded = app.mapper.to_domain_event(older)

    assert isinstance(loaded, ThirdPartyClaimReported)
    assert (loaded.against, loaded.aware_on, loaded.kind) == ("CUSTOMER", None, "SEIZURE")
