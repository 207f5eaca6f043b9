"""The operational obligations O-01..O-26 (RULES 3.5) and the engine, parameter and reading
rules that go with them (K-04, K-07, P-02, P-04, P-48).

Each obligation is either applied by the service (a report with its deadline, a cost passed on,
a recorded fact that is a ground of Art. 18.3) and tested here under its ID, or registered as
informational with the reason it has no behaviour. The registry test below holds every O-rule
to that, and names the ones still to build.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from domain.catalogue import RULES, Family, RegistryError, RuleEntry, lookup, validate
from domain.contract.billing_events import RunningCostCharged
from domain.contract.charges import ChargeRunningCost
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import Dissolve
from domain.contract.ground_facts import RecordGroundFact
from domain.contract.ground_facts_events import AlienationAttemptRecorded
from domain.contract.incidents import DeclareTotalLoss
from domain.contract.incidents_events import (
    EuExitCertificateIssued,
    OdometerReadingRequested,
    ReportingDutyBreached,
)
from domain.contract.registry import execute
from domain.contract.reporting import (
    IssueEuExitCertificate,
    ReportFuelCardLost,
    ReportThirdPartyClaim,
    RequestOdometerReading,
)
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    ContractEndedByLaw,
    DissolutionGroundDetected,
)
from domain.errors import RuleViolationError, TermsError
from domain.portal.eligibility import Agreement, access_valid_until
from domain.portal.values import AgreementKind
from domain.terms import ContractTerms
from domain.values import ContractStatus, EndKind, GroundStatus
from infra import rule_lookup
from tests.contract_cases import (
    POLICY,
    TOTAL_LOSS_EVENT,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    only,
    running_ref_contract,
)
from tests.factories import ctx, ref_terms_dict, run_days

ROOT = Path(__file__).resolve().parents[2]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()
ON = date(2025, 6, 12)
COMPONENTS = (("MAINTENANCE_REPAIR", eur("45.00")),)


# --- applied obligations -------------------------------------------------------------------


def test_O_01_a_sublet_car_is_ground_18_3_ix() -> None:
    contract = running_ref_contract(ON)
    command = RecordGroundFact(
        fact="SUBLET",
        happened_on=date(2025, 6, 10),
        evidence=("rental-ad-2025-06-10",),
        description="The car is offered for hire by the day on a rental site",
    )

    execute(contract, command, ctx(ON))
    events = collected(contract)

    assert names(events) == ["AlienationAttemptRecorded", "DissolutionGroundDetected"]
    assert_rules(only(events, AlienationAttemptRecorded), "T-18.3-ix")
    assert only(events, DissolutionGroundDetected).ground == "18.3(ix)"


@pytest.mark.parametrize("cost_type", ["SECURITY_SYSTEM", "LEGAL_ACCESSORY"])
def test_O_02_security_systems_and_legally_required_accessories_are_the_customers(
    cost_type: str,
) -> None:
    contract = running_ref_contract(ON, instalment_components=COMPONENTS)

    execute(contract, ChargeRunningCost(cost_type=cost_type, amount=eur("12.00")), ctx(ON))

    note = only(collected(contract), RunningCostCharged)
    assert (note.cost_type, note.amount) == (cost_type, eur("12.00"))


def test_O_05_maintenance_is_the_customers_unless_a_contract_service_covers_it() -> None:
    without = running_ref_contract(ON)
    covered = running_ref_contract(ON, instalment_components=COMPONENTS)
    command = ChargeRunningCost(cost_type="MAINTENANCE_REPAIR", amount=eur("300.00"))

    execute(without, command, ctx(ON))

    assert only(collected(without), RunningCostCharged).amount == eur("300.00")
    assert_refused(covered, lambda: execute(covered, command, ctx(ON)), RuleViolationError, "M-31")


def test_O_07_a_traffic_tax_linked_to_use_is_passed_on() -> None:
    contract = running_ref_contract(ON)
    command = ChargeRunningCost(
        cost_type="TAX_CHARGE_OR_FINE", amount=eur("112.50"), description="Traffic tax 2025"
    )

    execute(contract, command, ctx(ON))

    assert only(collected(contract), RunningCostCharged).amount == eur("112.50")


@pytest.mark.parametrize("cost_type", ["WORK_WITHOUT_BOOKLET", "EXCLUDED_REPAIR"])
def test_O_12_work_without_the_booklet_or_excluded_is_paid_under_maintenance_too(
    cost_type: str,
) -> None:
    # Art. 12.2-12.3: even while Maintenance & Repair runs, these are the customer's.
    contract = running_ref_contract(ON, instalment_components=COMPONENTS)

    execute(contract, ChargeRunningCost(cost_type=cost_type, amount=eur("180.00")), ctx(ON))

    assert only(collected(contract), RunningCostCharged).cost_type == cost_type


class TestReportsToTheLessor:
    def test_O_10_a_seizure_told_the_next_day_is_in_time(self) -> None:
        contract = running_ref_contract(ON)

        execute(
            contract, ReportThirdPartyClaim(kind="SEIZURE", happened_on=date(2025, 6, 11)), ctx(ON)
        )

        # In time: no breach; the seizure itself is the Lessor's ground 18.3(v) (T-18.3-v).
        assert names(collected(contract)) == [
            "ThirdPartyClaimReported",
            "DissolutionGroundDetected",
        ]

    def test_O_10_a_claim_told_two_days_later_breaches_the_24_hours(self) -> None:
        contract = running_ref_contract(ON)

        execute(
            contract, ReportThirdPartyClaim(kind="CLAIM", happened_on=date(2025, 6, 10)), ctx(ON)
        )

        breach = only(collected(contract), ReportingDutyBreached)
        assert_rules(breach, "D-03", "T-18.3-viii")

    def test_O_16_a_fuel_card_lost_two_days_before_is_reported_late(self) -> None:
        contract = running_ref_contract(ON)

        execute(contract, ReportFuelCardLost(happened_on=date(2025, 6, 10)), ctx(ON))

        breach = only(collected(contract), ReportingDutyBreached)
        assert (breach.duty, breach.due_by) == ("D-04", date(2025, 6, 11))

    def test_O_19_the_odometer_is_due_5_working_days_after_the_request(self) -> None:
        # RULES D-06: request Wed 2025-04-30 -> due Thu 2025-05-08 (1 May a holiday).
        contract = running_ref_contract(date(2025, 4, 30))

        execute(contract, RequestOdometerReading(), ctx(date(2025, 4, 30)))
        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 9)), policy=POLICY))

        events = collected(contract)
        assert only(events, OdometerReadingRequested).due_by == date(2025, 5, 8)
        assert only(events, ReportingDutyBreached).duty == "D-06"

    def test_O_18_the_lessor_issues_a_certificate_to_leave_the_eu(self) -> None:
        # RULES O-18: without the Lessor's certificate (EuExitCertificateIssued) the Vehicle
        # may not leave the EU; it is recorded with its period and countries.
        contract = running_ref_contract(ON)
        trip = IssueEuExitCertificate(
            valid_from=date(2025, 7, 1), valid_to=date(2025, 7, 21), countries=("CH", "GB")
        )

        execute(contract, trip, ctx(ON))

        certificate = only(collected(contract), EuExitCertificateIssued)
        assert_rules(certificate, "O-18")
        assert certificate.countries == ["CH", "GB"]
        assert (certificate.valid_from, certificate.valid_to) == (
            date(2025, 7, 1),
            date(2025, 7, 21),
        )

    def test_O_18_a_certificate_needs_a_country_and_a_period_not_yet_over(self) -> None:
        contract = running_ref_contract(ON)
        for trip in (
            IssueEuExitCertificate(valid_from=ON, valid_to=ON, countries=()),
            IssueEuExitCertificate(valid_from=ON, valid_to=date(2025, 6, 1), countries=("CH",)),
            IssueEuExitCertificate(
                valid_from=date(2025, 5, 1), valid_to=date(2025, 5, 31), countries=("CH",)
            ),
        ):
            assert_refused(
                contract,
                lambda t=trip: execute(contract, t, ctx(ON)),  # type: ignore[misc]
                RuleViolationError,
                "O-18",
            )


def test_O_24_K_07_a_ground_left_unused_for_a_year_is_still_a_right() -> None:
    found_on = date(2024, 11, 4)
    contract = running_ref_contract(found_on)
    fact = RecordGroundFact(
        fact="PLEDGED",
        happened_on=found_on,
        evidence=("pledge-deed-17",),
        description="The car was given as security for a private loan",
    )
    execute(contract, fact, ctx(found_on))
    [ground] = contract.open_grounds()
    a_year_later = date(2025, 11, 20)

    run_days(contract, date(2024, 11, 5), a_year_later)
    contract.collect_events()

    assert contract.grounds[ground.ground_id].status is GroundStatus.OPEN
    execute(contract, Dissolve(grounds=("18.3(ix)",)), ctx(a_year_later))
    assert_rules(only(collected(contract), ContractDissolvedAgainstCustomer), "T-18.3-ix")
    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN


def test_K_04_a_total_loss_declared_weeks_later_ends_on_the_event_date() -> None:
    # RULES K-04: a late-arriving declaration is judged on its business dates.
    declared_on = date(2025, 12, 3)
    contract = running_ref_contract(declared_on)

    execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(declared_on))
    run_days(contract, date(2025, 12, 4), date(2025, 12, 4))

    end = only(collected(contract), ContractEndedByLaw)
    assert (end.end_kind, end.effective_end_date) == (EndKind.TOTAL_LOSS.value, TOTAL_LOSS_EVENT)


# --- parameters ----------------------------------------------------------------------------


def _terms_error(**overrides: object) -> TermsError:
    with pytest.raises(TermsError) as error:
        ContractTerms.from_dict(ref_terms_dict(**overrides))
    return error.value


def test_P_02_the_general_terms_version_is_kept_and_required() -> None:
    terms = ContractTerms.from_dict(ref_terms_dict(general_terms_version="19-2/HP"))
    assert ContractTerms.from_flat(terms.to_dict()).general_terms_version == "19-2/HP"
    error = _terms_error(general_terms_version=" ")
    assert (error.field, error.rule_id) == ("general_terms_version", "P-02")


def test_P_04_the_brand_is_bmw_or_mini() -> None:
    assert ContractTerms.from_dict(ref_terms_dict(brand="MINI")).brand == "MINI"
    error = _terms_error(brand="AUDI")
    assert (error.field, error.rule_id) == ("brand", "P-04")


def test_P_48_portal_access_runs_18_months_after_the_last_contract() -> None:
    ended = Agreement("C-1", AgreementKind.LEASE, ended_on=date(2025, 3, 31))
    assert access_valid_until([ended]) == date(2026, 9, 30)


# --- the registry --------------------------------------------------------------------------

OBLIGATIONS = [f"O-{n:02d}" for n in range(1, 27)]
OTHERS = ["K-04", "K-07", "P-02", "P-04", "P-45", "P-48", "A-24", "A-30", "A-32"]


@pytest.mark.parametrize("rule_id", OBLIGATIONS + OTHERS)
def test_every_obligation_is_applied_and_tested_or_informational(rule_id: str) -> None:
    entry = lookup(rule_id)
    if entry.informational:
        assert len(entry.informational) > 30, "say why the rule has no behaviour"
        return
    applied = rule_lookup.applied_in(rule_id, ROOT)
    tested = [p for p in rule_lookup.tested_in(rule_id, ROOT) if p.path != THIS_FILE or p.test]
    assert applied, f"{rule_id} is not cited by the code that applies it"
    assert any(p.test for p in tested), f"{rule_id} has no test citing it"


def test_informational_rules_are_never_cited_as_applied() -> None:
    informational = [r for r, e in RULES.items() if e.informational]
    assert set(OBLIGATIONS) & set(informational)
    cited = {r: rule_lookup.applied_in(r, ROOT)[:2] for r in informational}
    assert {r: p for r, p in cited.items() if p} == {}


def test_an_informational_entry_needs_its_reason() -> None:
    blank = RuleEntry("O-03", "Licensed drivers", "Art. 8.1", Family.OBLIGATION, informational=" ")
    with pytest.raises(RegistryError, match="O-03"):
        validate((blank,))


def test_lease_rules_and_the_markdown_say_why_a_rule_has_no_behaviour() -> None:
    reason = lookup("O-26").informational
    assert f"informational (no behaviour): {reason}" in rule_lookup.describe("O-26")
    [row] = [r for r in rule_lookup.markdown().splitlines() if r.startswith("| O-26 |")]
    assert row.endswith(f"*Informational:* {reason} |")
