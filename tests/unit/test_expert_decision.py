"""L-35 (Art. 10.7): after a claim decision contested in time (D-21), the independent expert's
binding decision replaces its money effect; the expert's costs are shared equally [INT].

Example built from the rule text: REF, a collision of 1,800.00 on Wed 2025-12-10 accepted
with the 500.00 flat fee (M-15), contested by registered letter on Wed 12-17 (the last day,
D-21). The expert partially accepts: the Customer's share is 300.00, the expert costs 400.00.
So 500.00 is withdrawn and 300.00 charged (the Customer is credited the 200.00 difference),
and the Customer's half of the costs, 200.00, is charged."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.billing_events import (
    CreditNoteIssued,
    DebitNoteIssued,
    FlatDamageFeeCharged,
)
from domain.contract.claim_window_events import IndependentExpertDecisionRecorded
from domain.contract.claim_windows import ContestProtectionDecision
from domain.contract.damage_events import DamageShortfallCharged
from domain.contract.expert import RecordExpertDecision
from domain.contract.incidents import ReportIncident
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from domain.money import Money
from tests.contract_cases import assert_refused, assert_rules, collected, eur, of_type, only
from tests.customer_stories import active_contract, on_day
from tests.factories import ctx
from tests.unit.test_claim_windows import CONTEST_BY, DECISION_MAILED, daily, decided_on
from tests.unit.test_damage_register import register_of

EXPERT_ON = date(2026, 1, 15)
PARTIAL = RecordExpertDecision(
    incident_id="I001",
    expert_ref="EXP-2026-007",
    outcome="PARTIALLY_ACCEPTED",
    customer_share=eur("300.00"),
    expert_costs=eur("400.00"),
)


def contested(letter_on: date = CONTEST_BY, recorded_on: date = CONTEST_BY) -> Contract:
    contract = decided_on(DECISION_MAILED)
    contest = ContestProtectionDecision("I001", letter_on, "the fee ignores the repair invoice")
    execute(contract, contest, ctx(recorded_on, actor="CUSTOMER"))
    contract.collect_events()
    return contract


def test_L_35_the_expert_partially_accepts_the_fee_is_replaced_and_costs_shared() -> None:
    contract = contested()
    owed = contract.open_debits()

    execute(contract, PARTIAL, ctx(EXPERT_ON))

    events = collected(contract)
    decision = only(events, IndependentExpertDecisionRecorded)
    assert_rules(decision, "L-35", "D-21")
    assert (decision.outcome, decision.customer_share, decision.cost_split) == (
        "PARTIALLY_ACCEPTED",
        eur("300.00"),
        "EQUAL",
    )
    assert only(events, CreditNoteIssued).amount == eur("500.00")  # the old fee withdrawn
    assert only(events, FlatDamageFeeCharged).amount == eur("300.00")  # the expert's fee
    costs = only(events, DebitNoteIssued)
    assert (costs.debit_category, costs.amount) == ("EXPERT_COSTS", eur("200.00"))
    assert contract.open_debits() == owed - eur("200.00") + eur("200.00")  # -200 fee, +200 costs
    assert contract.damage_claims["I001"]["fee"] == eur("300.00")  # M-16 refunds the new fee
    assert contract.damage_claims["I001"]["expert_decided"] is True
    assert_refused(
        contract,
        lambda: execute(contract, PARTIAL, ctx(EXPERT_ON)),
        RuleViolationError,
        "L-35",
    )


def test_L_35_the_expert_refuses_the_fee_is_withdrawn_and_the_damage_charged() -> None:
    contract = contested()
    refusal = RecordExpertDecision(
        incident_id="I001", expert_ref="EXP-1", outcome="REFUSED", exclusion_code="PX-01"
    )

    execute(contract, refusal, ctx(EXPERT_ON))

    events = collected(contract)
    assert only(events, IndependentExpertDecisionRecorded).exclusion_codes == ["PX-01"]
    assert only(events, CreditNoteIssued).amount == eur("500.00")
    assert only(events, DamageShortfallCharged).amount == eur("1800.00")  # M-17
    assert of_type(events, DebitNoteIssued) == []  # no costs stated, none charged
    assert contract.damage_claims["I001"]["decision"] == "REFUSED"
    assert contract.protection_refusals["I001"] == "PX-01"


def test_L_35_the_expert_upholds_the_fee_only_the_costs_are_charged() -> None:
    contract = contested()
    upheld = RecordExpertDecision(
        incident_id="I001",
        expert_ref="EXP-2",
        outcome="ACCEPTED",
        customer_share=eur("500.00"),
        expert_costs=eur("250.01"),
    )

    execute(contract, upheld, ctx(EXPERT_ON))

    events = collected(contract)
    assert [type(e).__name__ for e in events] == [
        "IndependentExpertDecisionRecorded",
        "DebitNoteIssued",
    ]
    assert only(events, DebitNoteIssued).amount == eur("125.01")  # half, rounded half up


def test_L_35_no_expert_without_a_contest_in_time_D_21() -> None:
    uncontested = decided_on(DECISION_MAILED)
    refusal = assert_refused(
        uncontested,
        lambda: execute(uncontested, PARTIAL, ctx(EXPERT_ON)),
        RuleViolationError,
        "L-35",
    )
    assert "D-21" in refusal.message
    late = contested(letter_on=date(2025, 12, 19), recorded_on=date(2025, 12, 20))
    assert_refused(late, lambda: execute(late, PARTIAL, ctx(EXPERT_ON)), RuleViolationError, "L-35")


def test_L_35_the_expert_cannot_set_a_fee_above_the_damage() -> None:
    contract = contested()
    too_much = RecordExpertDecision(
        incident_id="I001", expert_ref="EXP-3", outcome="ACCEPTED", customer_share=eur("1800.01")
    )
    assert_refused(
        contract, lambda: execute(contract, too_much, ctx(EXPERT_ON)), RuleViolationError, "M-15"
    )


def test_L_35_a_contest_in_time_recorded_after_the_decision_became_final_allows_the_expert() -> (
    None
):
    contract = decided_on(DECISION_MAILED)
    daily(contract, date(2025, 12, 19))  # ProtectionDecisionBecameFinal, nothing recorded yet
    contest = ContestProtectionDecision("I001", CONTEST_BY, "posted on the 17th")
    execute(contract, contest, ctx(date(2025, 12, 22), actor="CUSTOMER"))
    contract.collect_events()

    execute(contract, PARTIAL, ctx(EXPERT_ON))

    assert only(collected(contract), FlatDamageFeeCharged).amount == Money.of("300.00")


def test_L_35_the_damage_register_shows_the_expert_s_refusal_with_its_code() -> None:
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    number = active_contract(app)
    report = ReportIncident("COLLISION", DECISION_MAILED, eur("1800.00"))
    on_day(app, number, DECISION_MAILED, report)
    on_day(app, number, CONTEST_BY, ContestProtectionDecision("I001", CONTEST_BY, "no fault"))
    refusal = RecordExpertDecision(
        incident_id="I001", expert_ref="EXP-4", outcome="REFUSED", exclusion_code="PX-19"
    )
    on_day(app, number, EXPERT_ON, refusal)
    [row] = register_of(app, number)

    assert (row["status"], row["exclusion_codes"]) == ("REFUSED", ["PX-19"])
    assert (row["flat_fee"], row["fee_withdrawn"]) == (Decimal(500), Decimal(500))
    assert row["damage_charged"] == Decimal(1800)
