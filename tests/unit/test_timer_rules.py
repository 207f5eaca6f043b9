"""The last timers and cross-references of Article 18 that issue 13 asked for: the D-07 timer
(`RepairDeadlineMissed`), D-31 (`LessorInsuranceEnded`), T-6.1 (reporting duties -> 18.3)
and T-4.5 (an 18.3 ground also allows suspending the handover, L-05)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.contract.cover import RecordGuaranteeLapsed
from domain.contract.cover_events import LessorInsuranceEnded
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import Dissolve
from domain.contract.formation import SuspendHandover
from domain.contract.formation_events import HandoverSuspended
from domain.contract.grounds import RecordGround
from domain.contract.incidents import ReportIncident
from domain.contract.incidents_events import RepairDeadlineMissed, ReportingDutyBreached
from domain.contract.registry import execute
from domain.contract.repairs import RecordRepairCompleted
from domain.contract.settlement import ReturnVehicle
from domain.contract.termination_events import DissolutionGroundDetected, DissolutionGroundRecorded
from domain.errors import RuleViolationError
from domain.values import ContractStatus, InsuranceMode
from projections.views.portal_text import sentence
from tests.contract_cases import (
    DISSOLUTION_DATE,
    ONE_DAY,
    POLICY,
    REF_CONTRACTUAL_END,
    assert_refused,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
    ready_contract,
    record_trust_ground,
    running_ref_contract,
)
from tests.factories import ctx, loaded_from_older_snapshot

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.contract.base_events import ContractEvent


def daily(contract: Contract, day: date) -> list[ContractEvent]:
    """The termination consumer's run of the rules on `day`; the events it recorded."""
    run = replace(ctx(day, actor="SYSTEM:termination"), policy=POLICY)
    execute(contract, ApplyArticle18(), run)
    return collected(contract)


# --- D-07: the repair timer ----------------------------------------------------------------------

REPORTED = date(2025, 6, 2)  # RULES D-07: Mon 2025-06-02 -> due Tue 2025-06-10 (Whit Monday)
DUE = date(2025, 6, 10)


def reported() -> Contract:
    contract = running_ref_contract(REPORTED)
    report = ReportIncident(kind="COLLISION", incident_on=REPORTED, repair_cost=eur("800.00"))
    execute(contract, report, ctx(REPORTED, actor="CUSTOMER"))
    contract.collect_events()
    return contract


def test_D_07_example_no_repair_by_tue_10_june_is_missed_once_on_wed_11_june() -> None:
    contract = reported()
    assert of_type(daily(contract, DUE), RepairDeadlineMissed) == []

    missed = only(daily(contract, date(2025, 6, 12)), RepairDeadlineMissed)
    assert_rules(missed, "D-07", "O-05", "T-18.3-vi")
    assert (missed.defect_incident_id, missed.due_date) == ("I001", DUE)
    assert missed.occurred_on == date(2025, 6, 11)
    assert contract.missed_repairs == ["I001"]
    assert "due by 10 June 2025" in (sentence(missed) or "")
    assert of_type(daily(contract, date(2025, 6, 13)), RepairDeadlineMissed) == []


def test_D_07_a_repair_in_time_leaves_nothing_to_miss() -> None:
    contract = reported()
    execute(contract, RecordRepairCompleted(incident_id="I001"), ctx(DUE))
    contract.collect_events()
    assert of_type(daily(contract, date(2025, 6, 12)), RepairDeadlineMissed) == []


def test_D_07_T_18_3_vi_the_miss_is_evidence_for_the_lessor_not_a_ground_by_itself() -> None:
    contract = reported()
    trust = RecordGround(ground="18.3(vi)", rationale="repair of I001 not done (Art. 8.2)")
    assert_refused(
        contract,
        lambda: execute(contract, trust, ctx(DUE)),
        RuleViolationError,
        "T-18.3-vi",
    )
    run = daily(contract, date(2025, 6, 11))
    assert of_type(run, DissolutionGroundDetected) == []  # HUMAN -> DECIDE: nothing by itself
    assert contract.status is ContractStatus.ACTIVE

    execute(contract, trust, ctx(date(2025, 6, 11)))
    recorded = only(collected(contract), DissolutionGroundRecorded)
    assert recorded.ground == "18.3(vi)"


def test_D_07_D_31_a_snapshot_from_before_v17_loads_with_nothing_missed_or_ended() -> None:
    contract = reported()
    fields = ("missed_repairs", "lessor_insurance_ended_on")
    loaded = loaded_from_older_snapshot(contract, 16, *fields)

    assert (loaded.missed_repairs, loaded.lessor_insurance_ended_on) == ([], None)
    assert loaded.repairs_due == {"I001": DUE.isoformat()}
    assert only(daily(loaded, date(2025, 6, 11)), RepairDeadlineMissed).due_date == DUE


# --- D-31: the end of the Lessor's insurance -----------------------------------------------------

LESSOR_INSURED: dict[str, Any] = {
    "protection_included": True,
    "flat_damage_fee": eur("500.00"),
    "insurance_mode": InsuranceMode.LESSOR_MTPL_WITH_PROTECTION,
}
RETURNED_ON = date(2028, 3, 13)  # REF: end Sat 2028-03-11, returned Mon 03-13 (D-25)


def returned(**overrides: Any) -> Contract:
    """REF run past its end (ended by law on 2028-03-12) and returned on Mon 2028-03-13."""
    contract = running_ref_contract(REF_CONTRACTUAL_END + ONE_DAY, **overrides)
    assert of_type(daily(contract, RETURNED_ON), LessorInsuranceEnded) == []  # not handed in
    execute(contract, ReturnVehicle(odometer=80_000), ctx(RETURNED_ON))
    contract.collect_events()
    return contract


def test_D_31_the_lessors_insurance_ends_when_the_vehicle_is_handed_in() -> None:
    contract = returned(**LESSOR_INSURED)

    ended = only(daily(contract, RETURNED_ON), LessorInsuranceEnded)
    assert_rules(ended, "D-31")
    assert (ended.reason, ended.effective_at, ended.policy_ref) == (
        "HAND_IN",
        RETURNED_ON,
        contract.number,
    )
    assert of_type(daily(contract, RETURNED_ON + ONE_DAY), LessorInsuranceEnded) == []
    assert "handed in at the end of your contract" in (sentence(ended) or "")


def test_D_31_a_customer_insured_contract_records_no_end_of_lessor_insurance() -> None:
    contract = returned()
    assert of_type(daily(contract, RETURNED_ON), LessorInsuranceEnded) == []


def test_D_31_on_dissolution_it_ends_on_the_dissolution_date() -> None:
    contract = running_ref_contract(DISSOLUTION_DATE, **LESSOR_INSURED)
    record_trust_ground(contract, date(2025, 11, 18))
    dissolve = Dissolve(grounds=("18.3(xiv)",), written_notification_on=DISSOLUTION_DATE)
    execute(contract, dissolve, ctx(DISSOLUTION_DATE))
    contract.collect_events()

    ended = only(daily(contract, DISSOLUTION_DATE), LessorInsuranceEnded)
    assert_rules(ended, "D-31", "T-18.10", "A-18")
    assert (ended.reason, ended.effective_at) == ("DISSOLUTION", DISSOLUTION_DATE)


# --- T-6.1: a breach of the reporting duties -> 18.3 ---------------------------------------------

ACCIDENT = date(2025, 5, 10)  # RULES D-01: Sat 2025-05-10 -> report by Sun 05-11


def test_T_6_1_a_report_after_24_hours_is_a_breach_that_feeds_ground_18_3_viii() -> None:
    contract = running_ref_contract(date(2025, 5, 12))
    report = ReportIncident(kind="GLASS", incident_on=ACCIDENT, repair_cost=eur("900.00"))
    execute(contract, report, ctx(date(2025, 5, 12), actor="CUSTOMER"))

    breach = only(collected(contract), ReportingDutyBreached)
    assert_rules(breach, "D-01", "T-18.3-viii", "T-6.1")
    ground = only(daily(contract, date(2025, 5, 12)), DissolutionGroundDetected)
    assert ground.ground == "18.3(viii)"
    assert_rules(ground, "T-18.3-viii", "T-6.1")


# --- T-4.5: an 18.3 ground also allows suspending the handover (L-05) ----------------------------

LAPSED_ON = date(2024, 3, 4)  # after the ready notice of Fri 2024-03-01, before any handover


def test_T_4_5_a_guarantee_lost_before_delivery_allows_suspending_the_handover() -> None:
    contract = ready_contract()
    lapse = RecordGuaranteeLapsed("BG-1", "CANCELLED", eur("0.00"))
    execute(contract, lapse, ctx(LAPSED_ON))
    assert only(daily(contract, LAPSED_ON), DissolutionGroundDetected).ground == "18.3(vii)"

    assert_refused(
        contract,
        lambda: execute(contract, SuspendHandover(ground="18.3(x)"), ctx(LAPSED_ON)),
        RuleViolationError,
        "L-05",
    )
    execute(contract, SuspendHandover(ground="18.3(vii)"), ctx(LAPSED_ON))

    suspended = only(collected(contract), HandoverSuspended)
    assert_rules(suspended, "L-05", "T-4.5")
    assert suspended.ground == "18.3(vii)"
    assert contract.status is ContractStatus.HANDOVER_SUSPENDED


def test_T_4_5_an_art_4_5_ground_does_not_cite_it() -> None:
    contract = ready_contract()
    execute(contract, SuspendHandover(ground="GUARANTEE_MISSING"), ctx(LAPSED_ON))
    assert only(collected(contract), HandoverSuspended).rule_ids == ["L-05"]
