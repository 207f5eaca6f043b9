"""T-18.3-iv, vi, ix, xii, xiii: the Lessor's fact grounds of Art. 18.3 stand on a recorded
fact with its evidence (record_ground_fact); without it they cannot be recorded or used to
suspend or dissolve. 18.3(iv) stays under legal review (K-08)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.contract.billing_events import DissolutionIndemnityInvoiced
from domain.contract.command import CommandInputError
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import Dissolve, Suspend
from domain.contract.ground_facts import FACTS, RecordGroundFact
from domain.contract.ground_facts_events import (
    AlienationAttemptRecorded,
    AttachmentAgainstCustomerRecorded,
    CollectiveDebtSettlementApplied,
    GroundFactRecorded,
    IllegalUseRecorded,
    ObligationBreachRecorded,
    WilfulDamageOrTheftComplicityRecorded,
)
from domain.contract.grounds import RecordGround
from domain.contract.registry import execute
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    DissolutionGroundDetected,
    DissolutionGroundRecorded,
)
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.policy import LessorPolicy
from domain.values import ContractStatus, GroundStatus
from tests.contract_cases import (
    DISSOLUTION_DATE,
    INDEMNITY_DUE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    only,
    running_ref_contract,
)
from tests.factories import ctx

FOUND_ON = date(2025, 11, 10)
"""The fact is found (and happened) ten days before the M-21 example's dissolution date."""

ONE_FACT_PER_GROUND = [
    (
        "T-18.3-iv",
        "18.3(iv)",
        "COLLECTIVE_DEBT_SETTLEMENT_APPLIED",
        CollectiveDebtSettlementApplied,
    ),
    ("T-18.3-iv", "18.3(iv)", "ATTACHMENT_LEVIED", AttachmentAgainstCustomerRecorded),
    ("T-18.3-vi", "18.3(vi)", "OBLIGATION_BREACHED", ObligationBreachRecorded),
    ("T-18.3-ix", "18.3(ix)", "PLEDGED", AlienationAttemptRecorded),
    ("T-18.3-ix", "18.3(ix)", "ALIENATION_ATTEMPTED", AlienationAttemptRecorded),
    ("T-18.3-xii", "18.3(xii)", "ILLEGAL_USE_OF_PLATES", IllegalUseRecorded),
    ("T-18.3-xiii", "18.3(xiii)", "THEFT_COMPLICITY", WilfulDamageOrTheftComplicityRecorded),
]
GROUNDS = [("T-18.3-iv", "18.3(iv)"), ("T-18.3-vi", "18.3(vi)"), ("T-18.3-ix", "18.3(ix)")]
GROUNDS += [("T-18.3-xii", "18.3(xii)"), ("T-18.3-xiii", "18.3(xiii)")]


def fact(kind: str, **overrides: object) -> RecordGroundFact:
    facts: dict[str, object] = {
        "fact": kind,
        "happened_on": FOUND_ON,
        "evidence": ("bailiff-writ-2025-118",),
        "description": "established by the Lessor's review",
    }
    if FACTS[kind][0] == "18.3(vi)":
        facts["article"] = "8.2"
    facts.update(overrides)
    return RecordGroundFact(**facts)  # type: ignore[arg-type]


def fact_for(ground: str) -> RecordGroundFact:
    return fact(next(kind for kind, (g, _) in FACTS.items() if g == ground))


class TestFactGrounds:
    def test_the_five_grounds_are_the_facts_grounds(self) -> None:
        assert {ground for ground, _ in FACTS.values()} == {g for _, g in GROUNDS}

    @pytest.mark.parametrize(("rule_id", "ground", "kind", "event"), ONE_FACT_PER_GROUND)
    def test_T_18_3_a_fact_with_its_evidence_establishes_its_ground(
        self, rule_id: str, ground: str, kind: str, event: type[GroundFactRecorded]
    ) -> None:
        contract = running_ref_contract(FOUND_ON)

        execute(contract, fact(kind), ctx(FOUND_ON))
        events = collected(contract)

        assert names(events) == [event.__name__, "DissolutionGroundDetected"]
        recorded, detected = only(events, event), only(events, DissolutionGroundDetected)
        assert (recorded.fact, recorded.happened_on) == (kind, FOUND_ON)
        assert recorded.evidence_refs == ["bailiff-writ-2025-118"]
        assert (detected.ground, detected.evidence) == (ground, [recorded.fact_id])
        assert detected.cure_deadline is None  # the terms give these grounds no cure period
        assert_rules(recorded, "K-02", rule_id)
        assert_rules(detected, "K-02", rule_id)
        assert [g.ground for g in contract.open_grounds()] == [ground]

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    def test_T_18_3_dissolution_on_a_recorded_fact_M_21_example(
        self, rule_id: str, ground: str
    ) -> None:
        # RULES M-21: dissolution notified on 2025-11-20 (m = 20): a = 36,000.00,
        # b = 3,600.00; the Vehicle is still with the Customer (no c) -> 39,600.00,
        # due 2025-12-05.
        contract = running_ref_contract(DISSOLUTION_DATE)
        execute(contract, fact_for(ground), ctx(FOUND_ON))
        contract.collect_events()

        execute(contract, Dissolve(grounds=(ground,)), ctx(DISSOLUTION_DATE))
        events = collected(contract)

        dissolved = only(events, ContractDissolvedAgainstCustomer)
        assert_rules(dissolved, "L-10", "L-41", rule_id)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        indemnity = only(events, DissolutionIndemnityInvoiced)
        assert (indemnity.remaining_capital, indemnity.reinvestment) == (
            eur("36000.00"),
            eur("3600.00"),
        )
        assert (indemnity.amount, indemnity.due_date) == (eur("39600.00"), INDEMNITY_DUE)
        assert contract.grounds[dissolved.ground_ids[0]].status is GroundStatus.EXERCISED

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    def test_T_18_3_no_dissolution_or_suspension_without_the_fact(
        self, rule_id: str, ground: str
    ) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, Dissolve(grounds=(ground,)), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "L-41",
        )
        assert_refused(
            contract,
            lambda: execute(contract, Suspend(grounds=(ground,)), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "T-18.3-S",
        )

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    def test_T_18_3_record_ground_by_rationale_alone_is_refused_with_the_rule(
        self, rule_id: str, ground: str
    ) -> None:
        contract = running_ref_contract(FOUND_ON)

        error = assert_refused(
            contract,
            lambda: execute(contract, RecordGround(ground, "seen on a sales site"), ctx(FOUND_ON)),
            RuleViolationError,
            rule_id,
        )
        assert "record_ground_fact" in error.message

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    def test_T_18_3_record_ground_after_the_fact_is_accepted(
        self, rule_id: str, ground: str
    ) -> None:
        contract = running_ref_contract(FOUND_ON)
        execute(contract, fact_for(ground), ctx(FOUND_ON))
        contract.collect_events()

        execute(contract, RecordGround(ground, "confirmed by the legal team"), ctx(FOUND_ON))

        assert_rules(only(collected(contract), DissolutionGroundRecorded), "K-02", rule_id)

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    @pytest.mark.parametrize(
        "missing",
        [{"evidence": ()}, {"evidence": ("  ",)}, {"description": " "}],
        ids=["no-evidence", "blank-evidence", "no-description"],
    )
    def test_T_18_3_a_fact_without_its_evidence_or_description_is_refused(
        self, rule_id: str, ground: str, missing: dict[str, object]
    ) -> None:
        contract = running_ref_contract(FOUND_ON)
        kind = fact_for(ground).fact

        assert_refused(
            contract,
            lambda: execute(contract, fact(kind, **missing), ctx(FOUND_ON)),
            RuleViolationError,
            rule_id,
        )
        assert contract.open_grounds() == []

    @pytest.mark.parametrize(("rule_id", "ground"), GROUNDS)
    def test_T_18_3_a_fact_cannot_happen_after_today(self, rule_id: str, ground: str) -> None:
        contract = running_ref_contract(FOUND_ON)
        kind = fact_for(ground).fact

        assert_refused(
            contract,
            lambda: execute(contract, fact(kind, happened_on=date(2025, 11, 11)), ctx(FOUND_ON)),
            RuleViolationError,
            rule_id,
        )

    def test_T_18_3_vi_a_breach_needs_the_article_of_the_obligation(self) -> None:
        contract = running_ref_contract(FOUND_ON)

        assert_refused(
            contract,
            lambda: execute(contract, fact("OBLIGATION_BREACHED", article=None), ctx(FOUND_ON)),
            RuleViolationError,
            "T-18.3-vi",
        )

    def test_T_18_3_vi_a_breach_under_another_contract_counts_A_37(self) -> None:
        # Art. 18.3(vi): "onder het Contract of een ander ... Contract".
        contract = running_ref_contract(FOUND_ON)

        execute(
            contract,
            fact("OBLIGATION_BREACHED", article="8.2", under_contract="C-2024-0077"),
            ctx(FOUND_ON),
        )

        breach = only(collected(contract), ObligationBreachRecorded)
        assert (breach.article, breach.under_contract) == ("8.2", "C-2024-0077")
        assert [g.ground for g in contract.open_grounds()] == ["18.3(vi)"]

    def test_T_18_3_only_a_breach_names_an_article(self) -> None:
        contract = running_ref_contract(FOUND_ON)

        assert_refused(
            contract,
            lambda: execute(contract, fact("PLEDGED", article="1.3"), ctx(FOUND_ON)),
            RuleViolationError,
            "T-18.3-ix",
        )

    def test_T_18_3_ix_an_attempted_pledge_is_not_a_fact_of_the_ground(self) -> None:
        # Art. 18.3(ix) (Dutch text): "vervreemdt of poogt te vervreemden, in pand of in
        # onderhuur geeft" - the attempt is named for alienation only.
        with pytest.raises(CommandInputError, match="fact must be one of"):
            RecordGroundFact(
                fact="PLEDGE_ATTEMPTED",
                happened_on=FOUND_ON,
                evidence=("x",),
                description="y",
            )

    def test_T_18_3_xii_illegal_use_covers_the_five_things_the_terms_name(self) -> None:
        assert sorted(k for k, (g, _) in FACTS.items() if g == "18.3(xii)") == [
            "ILLEGAL_USE_OF_DOCUMENTS",
            "ILLEGAL_USE_OF_FUEL_CARD",
            "ILLEGAL_USE_OF_MOBILITY_CARD",
            "ILLEGAL_USE_OF_PLATES",
            "ILLEGAL_USE_OF_VEHICLE",
        ]

    def test_T_18_3_a_fact_is_refused_once_the_contract_has_ended(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        execute(contract, fact("PLEDGED"), ctx(FOUND_ON))
        execute(contract, Dissolve(), ctx(DISSOLUTION_DATE))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, fact("WILFUL_DAMAGE"), ctx(DISSOLUTION_DATE)),
            InvalidTransitionError,
            "T-18.3-xiii",
        )


class TestLegalReview:
    """K-08, A-44: 18.3(iv) may be recorded and acted on by a person, never automatically."""

    def test_K_08_the_facts_of_18_3_iv_cite_legal_review(self) -> None:
        contract = running_ref_contract(FOUND_ON)

        execute(contract, fact("ATTACHMENT_LEVIED"), ctx(FOUND_ON))

        for event in collected(contract):
            assert_rules(event, "T-18.3-iv", "K-08")

    def test_K_08_no_policy_acts_on_18_3_iv(self) -> None:
        with pytest.raises(RuleViolationError) as refused:
            LessorPolicy(auto_dissolve_grounds=("18.3(iv)", "18.3(ix)"))
        assert refused.value.rule_id == "K-08"

    def test_K_08_a_policy_acting_on_other_grounds_leaves_18_3_iv_to_a_person(self) -> None:
        contract = running_ref_contract(FOUND_ON)
        execute(contract, fact("COLLECTIVE_DEBT_SETTLEMENT_APPLIED"), ctx(FOUND_ON))
        contract.collect_events()
        policy = LessorPolicy(
            auto_dissolve_grounds=("18.3(ix)",), auto_suspend_grounds=("18.3(vi)",)
        )

        execute(contract, ApplyArticle18(), replace(ctx(FOUND_ON), policy=policy))

        assert contract.status is ContractStatus.ACTIVE
        assert [g.ground for g in contract.open_grounds()] == ["18.3(iv)"]

    def test_K_08_a_person_may_dissolve_on_18_3_iv(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        execute(contract, fact("COLLECTIVE_DEBT_SETTLEMENT_APPLIED"), ctx(FOUND_ON))

        execute(contract, Dissolve(grounds=("18.3(iv)",)), ctx(DISSOLUTION_DATE))

        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
