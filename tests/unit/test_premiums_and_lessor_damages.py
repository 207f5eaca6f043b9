"""M-29 (Art. 11.6): insurance premiums the Lessor pays are recovered; M-34 (Art. 18.8): the
Customer's damages claim after dissolving against the Lessor is recorded, never computed.
RULES.md gives no worked example for either; the amounts are ours."""

from __future__ import annotations

from datetime import date, timedelta

from domain.contract.billing_events import InsurancePremiumRecharged
from domain.contract.charges import RechargeInsurancePremium
from domain.contract.lessor_damages import RecordCustomerDamagesClaim
from domain.contract.lessor_grounds import RecordLessorGround
from domain.contract.lessor_grounds_events import CustomerDamagesClaimRecorded
from domain.contract.registry import execute
from domain.contract.termination import DissolveAgainstLessor
from domain.errors import RuleViolationError
from projections.views.document_lines import articles, lines_of
from tests.contract_cases import (
    LESSOR_DISSOLUTION,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    only,
    running_ref_contract,
)
from tests.factories import ctx

ON = date(2024, 4, 2)
PREMIUM = RechargeInsurancePremium(
    policy_ref="MTPL-77",
    period_start=date(2024, 3, 12),
    period_end=date(2025, 3, 11),
    amount=eur("612.354"),
)


def test_M_29_a_premium_the_lessor_paid_is_recharged_on_a_debit_note() -> None:
    contract = running_ref_contract(ON)

    execute(contract, PREMIUM, ctx(ON))

    note = only(collected(contract), InsurancePremiumRecharged)
    assert_rules(note, "M-29")
    assert (note.amount, note.policy_ref) == (eur("612.35"), "MTPL-77")
    assert note.due_date == ON + timedelta(days=contract.terms.payment_term_days)
    assert contract.receivables[note.receivable_id].category == "INSURANCE_PREMIUM"
    assert [w["amount"] for w in note.workings] == ["612.35"]
    [row] = lines_of(note, lambda _: None)
    assert (row["amount"], row["policy_ref"]) == ("612.35", "MTPL-77")
    assert articles(note.rule_ids) == [{"rule_id": "M-29", "article": "Art. 11.6"}]


def test_M_29_refuses_a_period_that_ends_before_it_starts_and_a_zero_premium() -> None:
    contract = running_ref_contract(ON)
    backwards = RechargeInsurancePremium(
        policy_ref="P", period_start=ON, period_end=ON - timedelta(days=1), amount=eur("1.00")
    )
    zero = RechargeInsurancePremium(
        policy_ref="P", period_start=ON, period_end=ON, amount=eur("0.00")
    )
    for bad in (backwards, zero):
        assert_refused(
            contract,
            lambda bad=bad: execute(contract, bad, ctx(ON)),  # type: ignore[misc]
            RuleViolationError,
            "M-29",
        )


def test_M_34_a_damages_claim_is_recorded_after_dissolving_against_the_lessor() -> None:
    contract = running_ref_contract(LESSOR_DISSOLUTION)
    execute(
        contract, RecordLessorGround("18.8(ii)", ("bankruptcy judgment",)), ctx(LESSOR_DISSOLUTION)
    )
    execute(
        contract,
        DissolveAgainstLessor(ground="18.8(ii)"),
        ctx(LESSOR_DISSOLUTION, actor="CUSTOMER"),
    )
    contract.collect_events()
    later = LESSOR_DISSOLUTION + timedelta(days=20)

    claim = RecordCustomerDamagesClaim(claim_id="DC-1", amount_claimed=eur("5000.00"))
    execute(contract, claim, ctx(later, actor="CUSTOMER"))
    execute(contract, RecordCustomerDamagesClaim(claim_id="DC-1", status="WITHDRAWN"), ctx(later))
    events = collected(contract)

    assert names(events) == ["CustomerDamagesClaimRecorded"] * 2
    first, second = events
    assert isinstance(first, CustomerDamagesClaimRecorded)
    assert isinstance(second, CustomerDamagesClaimRecorded)
    assert_rules(first, "M-34", "A-29")
    assert (first.status, first.amount_claimed) == ("CLAIMED", eur("5000.00"))
    assert (second.status, second.amount_claimed) == ("WITHDRAWN", None)


def test_M_34_refused_on_a_contract_not_dissolved_against_the_lessor() -> None:
    contract = running_ref_contract(ON)
    claim = RecordCustomerDamagesClaim(claim_id="DC-1")
    assert_refused(contract, lambda: execute(contract, claim, ctx(ON)), RuleViolationError, "M-34")
