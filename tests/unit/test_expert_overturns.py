"""L-35 (Art. 10.7): the independent expert overturns the Lessor's refusal of a Protection
claim. On a Damage Event the M-17 charge is credited back and the expert's flat fee charged
(M-15, then M-16 on recoveries); on a theft or total loss the Protection waiver returns: the
M-18 shortfall is credited back and the M-19 advance refund becomes due.

Examples from RULES.md: M-17 (alcohol, PX-19: repair 4,200, insurer 0, Protection 0 ->
4,200.00), M-15 (flat fee 500 on a collision of 1,800), M-16 (900 of 1,800 paid back -> 250.00
of the 500 fee), M-18 (accident 2025-11-05, RC 36,450, insurer 33,000 -> 3,450.00 charged
without the waiver), M-19 (theft 2025-09-20 -> 3,000 x 30/48 = 1,875.00; the 2025-11-05
accident -> 3,000 x 29/48 = 1,812.50), D-21 (7 days to contest)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued, DebitNoteIssued, FlatDamageFeeCharged
from domain.contract.claim_windows import ContestProtectionDecision
from domain.contract.damage import RecordThirdPartyRecovery
from domain.contract.damage_events import DamageShortfallCharged
from domain.contract.expert import RecordExpertDecision
from domain.contract.incidents import DeclareTotalLoss, ReportIncident, ReportTheft
from domain.contract.incidents_events import AdvanceRefundDetermined, GapPayoutDetermined
from domain.contract.losses import protection_covers
from domain.contract.protection import RefuseProtectionClaim
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from tests.contract_cases import (
    ONE_DAY,
    THEFT_DATE,
    THEFT_RECOVERY_DEADLINE,
    TOTAL_LOSS_DECLARED_ON,
    TOTAL_LOSS_EVENT,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_days
from tests.unit.test_claim_windows import CONTEST_BY, DECISION_MAILED
from tests.unit.test_damage_register import register_after
from tests.unit.test_losses import NO_GAP, PAID_ON, after_protection_letter, pay_out
from tests.unit.test_protection_claims import theft_reported

EXPERT_ON = date(2026, 1, 15)
LETTER_ON = date(2025, 6, 2)  # RULES D-18: a letter of Mon 2025-06-02


def accept(share: str = "500.00", outcome: str = "ACCEPTED") -> RecordExpertDecision:
    return RecordExpertDecision(
        incident_id="I001", expert_ref="EXP-9", outcome=outcome, customer_share=eur(share)
    )


def contest(contract: Contract, incident: str, on: date) -> None:
    letter = ContestProtectionDecision(incident, on, "the exclusion does not apply")
    execute(contract, letter, ctx(on, actor="CUSTOMER"))
    contract.collect_events()


def refused_collision(damage: str, code: str = "PX-19", refused: str | None = None) -> Contract:
    """REF: a collision of `damage` on 2025-12-10 accepted with its fee, refused the same day
    under `code` (wholly, or `refused` of it), the refusal contested in time (D-21)."""
    contract = running_ref_contract(DECISION_MAILED)
    report = ReportIncident("COLLISION", DECISION_MAILED, eur(damage))
    execute(contract, report, ctx(DECISION_MAILED))
    part = None if refused is None else eur(refused)
    refusal = RefuseProtectionClaim("I001", code, "not covered", refused_amount=part)
    execute(contract, refusal, ctx(DECISION_MAILED))
    contract.collect_events()
    contest(contract, "I001", CONTEST_BY)
    return contract


# --- a Damage Event ---------------------------------------------------------------------------


def test_L_35_the_expert_accepts_a_refused_claim_the_M_17_charge_is_credited_back() -> None:
    # M-17: PX-19, repair 4,200, insurer 0, Protection 0 -> 4,200.00 charged at the refusal.
    contract = refused_collision("4200.00")
    [charge] = [r for r in contract.receivables.values() if r.category == "DAMAGE_SHORTFALL"]
    assert charge.amount == eur("4200.00")

    execute(contract, accept(), ctx(EXPERT_ON))

    events = collected(contract)
    assert names(events) == [
        "IndependentExpertDecisionRecorded",
        "CreditNoteIssued",
        "FlatDamageFeeCharged",
    ]
    credit = only(events, CreditNoteIssued)
    assert_rules(credit, "L-35", "M-17")
    assert (credit.amount, credit.reason) == (eur("4200.00"), "DAMAGE_SHORTFALL_WITHDRAWN")
    assert credit.relates_to == charge.receivable_id
    assert credit.workings[0]["rule_id"] == "M-17"
    fee = only(events, FlatDamageFeeCharged)
    assert_rules(fee, "L-35", "M-15")
    assert fee.amount == eur("500.00")
    assert contract.damage_claims["I001"]["decision"] == "ACCEPTED"
    assert "I001" not in contract.protection_refusals


def test_M_16_after_the_expert_s_acceptance_a_recovery_refunds_the_new_fee() -> None:
    # M-16: damage 1,800, fee 500, the third party's insurer pays 900 -> refund 250.00.
    contract = refused_collision("1800.00")
    execute(contract, accept(), ctx(EXPERT_ON))
    contract.collect_events()

    recovery = RecordThirdPartyRecovery(incident_id="I001", amount=eur("900.00"))
    execute(contract, recovery, ctx(EXPERT_ON + ONE_DAY))

    refund = only(collected(contract), CreditNoteIssued)
    assert (refund.amount, refund.reason) == (eur("250.00"), "FLAT_FEE_REFUND")


def test_M_16_what_was_paid_back_while_refused_refunds_the_expert_s_fee_at_once() -> None:
    # The 900 came in while the claim stood refused (no refund, M-17 unchanged at 1,800);
    # the expert's 500 fee is refunded 250.00 at once, as a recovery after it would be.
    contract = refused_collision("1800.00")
    recovery = RecordThirdPartyRecovery(incident_id="I001", amount=eur("900.00"))
    execute(contract, recovery, ctx(CONTEST_BY))
    assert of_type(collected(contract), CreditNoteIssued) == []

    execute(contract, accept(), ctx(EXPERT_ON))

    notes = of_type(collected(contract), CreditNoteIssued)
    assert [(c.reason, c.amount) for c in notes] == [
        ("DAMAGE_SHORTFALL_WITHDRAWN", eur("1800.00")),
        ("FLAT_FEE_REFUND", eur("250.00")),
    ]


def test_L_35_the_expert_partly_accepts_a_claim_the_Lessor_refused_in_part() -> None:
    # The Lessor refused 1,480 of the 1,800 (fee 320 on the 320 accepted, M-17 1,480); the
    # expert accepts it all with the 500.00 fee: 1,480 credited back, 320 withdrawn, 500 charged.
    contract = refused_collision("1800.00", "PX-02", refused="1480.00")

    execute(contract, accept(outcome="PARTIALLY_ACCEPTED"), ctx(EXPERT_ON))

    events = collected(contract)
    notes = [(c.reason, c.amount) for c in of_type(events, CreditNoteIssued)]
    assert notes == [
        ("DAMAGE_SHORTFALL_WITHDRAWN", eur("1480.00")),
        ("FLAT_FEE_WITHDRAWN", eur("320.00")),
    ]
    assert only(events, FlatDamageFeeCharged).amount == eur("500.00")


def test_L_35_the_expert_refuses_a_claim_the_Lessor_refused_in_part_M_17_on_all() -> None:
    contract = refused_collision("1800.00", "PX-02", refused="1480.00")
    refusal = RecordExpertDecision(
        incident_id="I001", expert_ref="EXP-9", outcome="REFUSED", exclusion_code="PX-02"
    )

    execute(contract, refusal, ctx(EXPERT_ON))

    events = collected(contract)
    assert [(c.reason, c.amount) for c in of_type(events, CreditNoteIssued)] == [
        ("DAMAGE_SHORTFALL_WITHDRAWN", eur("1480.00")),
        ("FLAT_FEE_WITHDRAWN", eur("320.00")),
    ]
    assert only(events, DamageShortfallCharged).amount == eur("1800.00")


def test_L_35_a_refusal_recorded_before_its_charge_was_kept_is_credited_from_the_decision() -> None:
    # A claim refused before the contract kept its M-17 document (an older snapshot): the
    # decision's own charge (ProtectionClaimDecided.customer_share) is credited back.
    contract = refused_collision("4200.00")
    claim = contract.damage_claims["I001"]
    old = {k: v for k, v in claim.items() if k not in ("shortfall", "shortfall_receivable")}
    contract.damage_claims = {"I001": old}

    execute(contract, accept(), ctx(EXPERT_ON))

    credit = only(collected(contract), CreditNoteIssued)
    assert (credit.amount, credit.relates_to) == (eur("4200.00"), None)


def test_L_35_the_damage_register_shows_the_charge_credited_back() -> None:
    [row] = register_after("protection-claim-expert")

    assert (row["status"], row["damage_charged"]) == ("ACCEPTED", Decimal(0))
    assert (row["flat_fee"], row["fee_withdrawn"]) == (Decimal(500), Decimal(500))
    assert (row["third_party_recovered"], row["fee_refunded"]) == (Decimal(2100), Decimal(250))


# --- a theft or total loss --------------------------------------------------------------------

THEFT_REFUSED_ON = THEFT_DATE + ONE_DAY
THEFT_CONTESTED_ON = date(2025, 9, 26)


def refused_theft() -> Contract:
    """REF stolen on 2025-09-20; the Lessor refuses the claim (PX-08, no break-in) the next
    day; the Customer contests it in time."""
    contract = theft_reported()
    refusal = RefuseProtectionClaim("I001", "PX-08", "no signs of break-in")
    execute(contract, refusal, ctx(THEFT_REFUSED_ON))
    contract.collect_events()
    contest(contract, "I001", THEFT_CONTESTED_ON)
    return contract


def test_M_19_the_expert_overturns_a_theft_refusal_after_the_end_the_refund_is_credited() -> None:
    # M-19: theft 2025-09-20 (m = 18) -> 3,000 x 30/48 = 1,875.00, due now the Lessor waives.
    contract = refused_theft()
    run_days(contract, THEFT_CONTESTED_ON, THEFT_RECOVERY_DEADLINE + ONE_DAY)
    assert of_type(collected(contract), AdvanceRefundDetermined) == []

    execute(contract, accept("0.00"), ctx(date(2025, 11, 3)))

    events = collected(contract)
    assert names(events) == [
        "IndependentExpertDecisionRecorded",
        "AdvanceRefundDetermined",
        "CreditNoteIssued",
    ]
    refund = only(events, CreditNoteIssued)
    assert (refund.amount, refund.reason) == (eur("1875.00"), "ADVANCE_REFUND")
    assert protection_covers(contract, THEFT_DATE)


def test_M_19_overturned_while_the_theft_is_pending_the_end_refunds_the_advance() -> None:
    contract = refused_theft()
    execute(contract, accept("0.00"), ctx(date(2025, 10, 1)))
    assert names(collected(contract)) == ["IndependentExpertDecisionRecorded"]

    run_days(contract, date(2025, 10, 1), THEFT_RECOVERY_DEADLINE + ONE_DAY)

    assert only(collected(contract), AdvanceRefundDetermined).amount == eur("1875.00")


def refused_total_loss(payout: str = "33000.00", **overrides: object) -> Contract:
    """REF's total loss of 2025-11-05, declared 2025-11-10 and refused that day (PX-19), the
    refusal contested in time, the insurer paying `payout` on 2025-12-01 (M-18's example:
    33,000)."""
    contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON, **overrides)
    execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
    refusal = RefuseProtectionClaim("I001", "PX-19", "over the alcohol limit")
    execute(contract, refusal, ctx(TOTAL_LOSS_DECLARED_ON))
    contest(contract, "I001", TOTAL_LOSS_DECLARED_ON + ONE_DAY)
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    pay_out(contract, payout)
    contract.collect_events()
    return contract


def test_M_18_the_expert_overturns_a_total_loss_refusal_the_shortfall_is_credited_back() -> None:
    # M-18: RC 36,450 - 33,000 = 3,450.00 charged without the waiver; with it, 0.00: credited.
    # M-19: 3,000 x 29/48 = 1,812.50 (the refusal took the refund back; now it is due).
    contract = refused_total_loss(**NO_GAP)
    [shortfall] = [r for r in contract.receivables.values() if r.category == "TOTAL_LOSS_SHORTFALL"]
    assert shortfall.amount == eur("3450.00")

    execute(contract, accept("0.00"), ctx(EXPERT_ON))

    events = collected(contract)
    notes = {c.reason: c for c in of_type(events, CreditNoteIssued)}
    assert notes["ADVANCE_REFUND"].amount == eur("1812.50")
    waived = notes["LOSS_SHORTFALL_WAIVED"]
    assert_rules(waived, "L-35", "M-18", "M-19")
    assert (waived.amount, waived.relates_to) == (eur("3450.00"), shortfall.receivable_id)
    assert of_type(events, GapPayoutDetermined) == []


def test_M_20_the_expert_s_acceptance_works_the_GAP_payout_again_with_the_waiver() -> None:
    # GAP month 20: base 42,000. Refused: 42,000 - 33,000 (the insurer's payout, A-24(a)) =
    # 9,000.00 credited. Accepted: 42,000 - (3,450 waived + 1,812.50 refund) = 36,737.50, so
    # 27,737.50 more is credited.
    contract = refused_total_loss()
    gap = [r for r in contract.receivables.values() if r.category == "GAP"]
    assert [g.amount for g in gap] == [eur("9000.00")]

    execute(contract, accept("0.00"), ctx(EXPERT_ON))

    events = collected(contract)
    again = only(events, GapPayoutDetermined)
    assert_rules(again, "L-35", "M-20")
    assert (again.waived_amount, again.advance_refund) == (eur("3450.00"), eur("1812.50"))
    assert again.payout == eur("36737.50")
    more = [c for c in of_type(events, CreditNoteIssued) if c.reason == "GAP"]
    assert [c.amount for c in more] == [eur("27737.50")]


def test_L_35_the_expert_upholding_a_loss_refusal_changes_no_amount() -> None:
    contract = refused_total_loss(**NO_GAP)
    upheld = RecordExpertDecision(
        incident_id="I001",
        expert_ref="EXP-9",
        outcome="REFUSED",
        exclusion_code="PX-19",
        expert_costs=eur("600.00"),
    )

    execute(contract, upheld, ctx(EXPERT_ON))

    events = collected(contract)
    assert names(events) == ["IndependentExpertDecisionRecorded", "DebitNoteIssued"]
    assert only(events, DebitNoteIssued).amount == eur("300.00")
    assert not protection_covers(contract, TOTAL_LOSS_EVENT)


def test_L_35_a_loss_is_not_accepted_in_part_nor_with_a_flat_fee() -> None:
    contract = refused_theft()
    on = ctx(date(2025, 10, 1))
    partly = assert_refused(
        contract,
        lambda: execute(contract, accept("0.00", "PARTIALLY_ACCEPTED"), on),
        RuleViolationError,
        "L-35",
    )
    assert "M-18" in partly.message
    assert_refused(
        contract, lambda: execute(contract, accept("500.00"), on), RuleViolationError, "L-35"
    )


def test_M_20_with_nothing_from_the_insurer_the_waiver_takes_the_place_of_the_GAP_paid() -> None:
    # The insurer pays 0.00: refused, M-18 charged 36,450.00 and GAP 42,000 - 0 = 42,000.00
    # (A-24(a)). Accepted: 36,450 credited back and 1,812.50 refunded, GAP 42,000 - (36,450 +
    # 1,812.50) = 3,737.50, so 38,262.50 of the GAP is charged back: the Customer nets nil.
    contract = refused_total_loss("0.00")

    execute(contract, accept("0.00"), ctx(EXPERT_ON))

    events = collected(contract)
    assert only(events, GapPayoutDetermined).payout == eur("3737.50")
    back = only(events, DebitNoteIssued)
    assert (back.debit_category, back.amount) == ("GAP_CORRECTION", eur("38262.50"))
    credited = sum((c.amount for c in of_type(events, CreditNoteIssued)), eur("0"))
    assert credited == eur("38262.50")


def test_L_35_after_the_expert_the_Lessor_cannot_refuse_the_claim() -> None:
    damage, theft = refused_collision("1800.00"), refused_theft()
    execute(damage, accept(), ctx(EXPERT_ON))
    execute(theft, accept("0.00"), ctx(date(2025, 10, 1)))
    again = RefuseProtectionClaim("I001", "PX-01", "gross negligence")

    for contract, on in ((damage, EXPERT_ON), (theft, date(2025, 10, 2))):
        refusal = assert_refused(
            contract, partial(execute, contract, again, ctx(on)), RuleViolationError, "L-35"
        )
        assert "expert" in refusal.message


def test_L_35_the_expert_cannot_make_Protection_cover_a_theft_after_it_ended() -> None:
    # L-32 / PX-14: the Lessor's letter of Mon 2025-06-02 ends cover 2 weeks later (06-16);
    # the theft of 2025-09-20 falls outside it, whatever the expert finds.
    contract = after_protection_letter(LETTER_ON, insured_on=LETTER_ON)
    run_days(contract, LETTER_ON + ONE_DAY, THEFT_DATE)
    execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
    refusal = RefuseProtectionClaim("I001", "PX-14", "Protection ended on 2025-06-16")
    execute(contract, refusal, ctx(THEFT_REFUSED_ON))
    contest(contract, "I001", THEFT_CONTESTED_ON)

    refused = assert_refused(
        contract,
        lambda: execute(contract, accept("0.00"), ctx(date(2025, 10, 1))),
        RuleViolationError,
        "L-35",
    )
    assert "L-32" in refused.message
