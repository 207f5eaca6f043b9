"""The windows of a Protection claim decision (Art. 10.5-10.7): D-19, D-21, D-22, and T-10.6
(the end of Protection starts the own-insurance timer that leads to ground 18.3(x))."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.claim_window_events import (
    ProtectionClaimDocumentsSubmitted,
    ProtectionDecisionBecameFinal,
    ProtectionDecisionContested,
    ProtectionDocumentsDeadlineExpired,
    ProtectionTerminationWindowClosed,
)
from domain.contract.claim_windows import (
    ContestProtectionDecision,
    SubmitProtectionClaimDocuments,
    decision_windows,
)
from domain.contract.cover_events import (
    InsuranceLapseNotified,
    InsuranceReplacementDeadlineExpired,
)
from domain.contract.daily import ApplyArticle18
from domain.contract.damage import NotifyProtectionTermination
from domain.contract.damage_events import ProtectionTerminationNotified
from domain.contract.incidents import ReportIncident
from domain.contract.incidents_events import ProtectionClaimDecided
from domain.contract.protection import RefuseProtectionClaim
from domain.contract.registry import execute
from domain.contract.termination_events import DissolutionGroundDetected
from domain.errors import RuleViolationError
from tests.contract_cases import (
    POLICY,
    assert_refused,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx
from tests.unit.test_losses import PAID_ON, stolen


def decided_on(day: date, incident_on: date | None = None) -> Contract:
    """REF with a collision on `incident_on` (default `day`) reported and accepted on `day`."""
    contract = running_ref_contract(day)
    report = ReportIncident("COLLISION", incident_on or day, eur("1800.00"))
    execute(contract, report, ctx(day, actor="CUSTOMER"))
    contract.collect_events()
    return contract


def daily(contract: Contract, day: date) -> list[ContractEvent]:
    """The termination consumer's run of the rules on `day`; the events it recorded."""
    run = replace(ctx(day, actor="SYSTEM:termination"), policy=POLICY)
    execute(contract, ApplyArticle18(), run)
    return collected(contract)


# --- D-21: seven days to contest ---------------------------------------------------------------

DECISION_MAILED = date(2025, 12, 10)  # RULES D-21: Wed 2025-12-10 -> contest by Wed 12-17
CONTEST_BY = date(2025, 12, 17)


def test_D_21_example_a_decision_of_wed_10_december_is_contested_by_wed_17_december() -> None:
    contract = decided_on(DECISION_MAILED)
    assert decision_windows(contract, DECISION_MAILED)["contest_by"] == CONTEST_BY
    contest = ContestProtectionDecision("I001", CONTEST_BY, "the flat fee ignores the invoice")
    execute(contract, contest, ctx(CONTEST_BY, actor="CUSTOMER"))

    contested = only(collected(contract), ProtectionDecisionContested)
    assert_rules(contested, "D-21", "L-35")
    assert (contested.registered_letter_date, contested.in_time) == (CONTEST_BY, True)
    assert of_type(daily(contract, date(2025, 12, 18)), ProtectionDecisionBecameFinal) == []


def test_D_21_uncontested_the_decision_becomes_final_the_day_after_and_a_late_letter_is_late() -> (
    None
):
    contract = decided_on(DECISION_MAILED)
    assert of_type(daily(contract, CONTEST_BY), ProtectionDecisionBecameFinal) == []

    final = only(daily(contract, date(2025, 12, 19)), ProtectionDecisionBecameFinal)
    assert_rules(final, "D-21", "L-35")
    assert (final.occurred_on, final.deadline, final.incident_id) == (
        date(2025, 12, 18),
        CONTEST_BY,
        "I001",
    )
    assert of_type(daily(contract, date(2025, 12, 20)), ProtectionDecisionBecameFinal) == []
    late = ContestProtectionDecision("I001", date(2025, 12, 19), "we did not see the e-mail")
    execute(contract, late, ctx(date(2025, 12, 20), actor="CUSTOMER"))
    assert only(collected(contract), ProtectionDecisionContested).in_time is False
    assert_refused(
        contract,
        lambda: execute(contract, late, ctx(date(2025, 12, 20))),
        RuleViolationError,
        "D-21",
    )


# --- D-19: one month to end Protection after a claim -------------------------------------------

CLAIM_DECIDED = date(2025, 6, 10)  # RULES D-19: decision notified 2025-06-10 -> by 2025-07-10
LAST_LETTER_DAY = date(2025, 7, 10)


def after_claim(letter_on: date, by: str = "LESSOR") -> NotifyProtectionTermination:
    return NotifyProtectionTermination(by, letter_on, "AFTER_CLAIM", "I001")


def test_D_19_example_a_letter_after_10_july_is_refused_naming_D_19() -> None:
    contract = decided_on(CLAIM_DECIDED)
    late = after_claim(date(2025, 7, 11))
    error = assert_refused(
        contract,
        lambda: execute(contract, late, ctx(date(2025, 7, 11))),
        RuleViolationError,
        "D-19",
    )
    assert "2025-07-10" in str(error)
    assert "I001" in str(error)


def test_D_19_a_letter_of_10_july_is_accepted_and_closes_the_window() -> None:
    contract = decided_on(CLAIM_DECIDED)
    execute(contract, after_claim(LAST_LETTER_DAY, by="CUSTOMER"), ctx(LAST_LETTER_DAY))

    notified = only(collected(contract), ProtectionTerminationNotified)
    assert_rules(notified, "L-32", "D-19")
    assert (notified.ground, notified.claim_incident_id) == ("AFTER_CLAIM", "I001")
    assert notified.cover_ends_on == date(2025, 7, 24)  # [INT] 14 days after the letter
    assert of_type(daily(contract, date(2025, 7, 11)), ProtectionTerminationWindowClosed) == []


def test_D_19_unused_the_window_closes_on_11_july() -> None:
    contract = decided_on(CLAIM_DECIDED)
    assert of_type(daily(contract, LAST_LETTER_DAY), ProtectionTerminationWindowClosed) == []
    closed = only(daily(contract, date(2025, 7, 11)), ProtectionTerminationWindowClosed)
    assert_rules(closed, "D-19", "L-35")
    assert (closed.deadline, closed.occurred_on) == (LAST_LETTER_DAY, date(2025, 7, 11))


def test_D_19_an_after_claim_letter_needs_a_decided_claim() -> None:
    contract = running_ref_contract(CLAIM_DECIDED)
    assert_refused(
        contract,
        lambda: execute(contract, after_claim(CLAIM_DECIDED), ctx(CLAIM_DECIDED)),
        RuleViolationError,
        "D-19",
    )


# --- D-22: six months for the documents ---------------------------------------------------------

ACCIDENT = date(2025, 3, 31)  # RULES D-22: accident 2025-03-31 -> documents by 2025-09-30
DOCUMENTS_BY = date(2025, 9, 30)


def documents() -> SubmitProtectionClaimDocuments:
    return SubmitProtectionClaimDocuments("I001", ("police report PV-88",), "INV-2025-0412")


def test_D_22_example_documents_by_30_september_are_in_time() -> None:
    contract = decided_on(ACCIDENT)
    assert contract.damage_claims["I001"]["documents_by"] == DOCUMENTS_BY
    execute(contract, documents(), ctx(DOCUMENTS_BY, actor="CUSTOMER"))

    submitted = only(collected(contract), ProtectionClaimDocumentsSubmitted)
    assert_rules(submitted, "D-22", "L-35")
    assert (submitted.documents, submitted.repair_invoice_id) == (
        ["police report PV-88"],
        "INV-2025-0412",
    )
    assert submitted.in_time is True
    assert of_type(daily(contract, date(2025, 10, 1)), ProtectionDocumentsDeadlineExpired) == []


def test_D_22_missing_documents_expire_on_1_october_and_refuse_nothing_by_themselves() -> None:
    contract = decided_on(ACCIDENT)
    run = daily(contract, date(2025, 10, 2))
    expired = only(run, ProtectionDocumentsDeadlineExpired)
    assert (expired.deadline, expired.occurred_on) == (DOCUMENTS_BY, date(2025, 10, 1))
    assert of_type(run, ProtectionClaimDecided) == []  # the refusal is the Lessor's (DECIDE)
    assert contract.damage_claims["I001"]["decision"] == "ACCEPTED"
    execute(contract, documents(), ctx(date(2025, 10, 3), actor="CUSTOMER"))
    assert only(collected(contract), ProtectionClaimDocumentsSubmitted).in_time is False


# --- T-10.6 (D-18): Protection ended, no own insurance within 2 weeks -> 18.3(x) ---------------

LETTER = date(2025, 6, 2)  # RULES D-18: letter Mon 2025-06-02 -> insurance due Mon 2025-06-16


def test_T_10_6_the_lessors_letter_starts_the_own_insurance_timer_leading_to_18_3_x() -> None:
    contract = running_ref_contract(LETTER)
    execute(contract, NotifyProtectionTermination("LESSOR", LETTER), ctx(LETTER))

    lapse = only(collected(contract), InsuranceLapseNotified)
    assert_rules(lapse, "L-31", "D-18", "T-10.6")
    assert (lapse.policy_type, lapse.replacement_deadline) == (
        "PROTECTION_ENDED",
        date(2025, 6, 16),
    )
    assert of_type(daily(contract, date(2025, 6, 16)), DissolutionGroundDetected) == []
    run = daily(contract, date(2025, 6, 17))
    assert only(run, InsuranceReplacementDeadlineExpired).deadline == date(2025, 6, 16)
    ground = only(run, DissolutionGroundDetected)
    assert ground.ground == "18.3(x)"
    assert_rules(ground, "T-18.3-x", "T-10.6", "D-18")


def test_D_19_a_decision_after_the_contract_ended_opens_no_termination_window() -> None:
    contract = stolen()  # ended by law on the theft; nothing left of Protection to end (L-32)
    refusal = RefuseProtectionClaim("I001", "PX-17", "the car was left unlocked")
    execute(contract, refusal, ctx(PAID_ON))

    decided = only(collected(contract), ProtectionClaimDecided)
    assert decided.terminate_by is None
    assert decided.contest_by == date(2025, 12, 8)  # D-21 still runs: Mon 12-01 + 7 days
    assert of_type(daily(contract, date(2026, 1, 5)), ProtectionTerminationWindowClosed) == []
