"""D-22 (Art. 10.5): documents not sent within 6 months of the accident let the Lessor refuse
a Damage Event's claim wholly or in part, citing D-22; M-15/M-17: a claim refused in part keeps
the flat fee on the accepted part and charges the refused part.

Examples from RULES.md: accident 2025-03-31 -> documents by 2025-09-30 (D-22); collision
damage 1,800 (M-15, flat fee 500); a collision of 320 -> fee 320.00 (M-15); M-17's
repair cost less (insurer + accepted under Protection); M-16's recovery of 900 on 1,800."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued, FlatDamageFeeCharged
from domain.contract.claim_window_events import ProtectionDocumentsDeadlineExpired
from domain.contract.command import CommandInputError
from domain.contract.damage import RecordThirdPartyRecovery
from domain.contract.damage_events import DamageShortfallCharged
from domain.contract.incidents_events import ProtectionClaimDecided
from domain.contract.protection import RefuseProtectionClaim
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from infra.inputs.commands import command_schemas
from tests.contract_cases import (
    ONE_DAY,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
)
from tests.factories import ctx
from tests.unit.test_claim_windows import ACCIDENT, DOCUMENTS_BY, daily, decided_on, documents
from tests.unit.test_damage_register import register_after
from tests.unit.test_protection_claims import theft_reported

LATE = DOCUMENTS_BY + ONE_DAY  # 2025-10-01: the window has run out
WHY = "no repair invoice within six months"


def late_refusal(refused: str | None = None, code: str = "D-22") -> RefuseProtectionClaim:
    amount = None if refused is None else eur(refused)
    return RefuseProtectionClaim("I001", code, WHY, refused_amount=amount)


def undocumented() -> Contract:
    """REF's collision of 1,800.00 on 2025-03-31, accepted with the 500.00 fee; no documents
    by 2025-09-30 (the daily run of 1 October records the expiry)."""
    contract = decided_on(ACCIDENT)
    assert only(daily(contract, LATE), ProtectionDocumentsDeadlineExpired).deadline == DOCUMENTS_BY
    return contract


def test_D_22_a_claim_without_documents_refused_in_part_keeps_the_fee_on_the_accepted_part() -> (
    None
):
    # 1,800 damage, 1,480 of it refused: 320 stays accepted, whose fee is 320.00 (M-15's
    # example); M-17: 1,800 - (0 + 320) = 1,480.00 charged.
    contract = undocumented()

    execute(contract, late_refusal("1480.00"), ctx(LATE))

    events = collected(contract)
    assert names(events) == [
        "ProtectionClaimDecided",
        "CreditNoteIssued",
        "FlatDamageFeeCharged",
        "DamageShortfallCharged",
    ]
    decided = only(events, ProtectionClaimDecided)
    assert_rules(decided, "M-15", "M-17", "L-35", "D-22")
    assert (decided.decision, decided.exclusion_codes) == ("PARTIALLY_ACCEPTED", ["D-22"])
    assert (decided.customer_share, decided.waived_amount) == (eur("320.00"), eur("0.00"))
    withdrawn = only(events, CreditNoteIssued)
    assert (withdrawn.amount, withdrawn.reason) == (eur("500.00"), "FLAT_FEE_WITHDRAWN")
    assert only(events, FlatDamageFeeCharged).amount == eur("320.00")
    charged = only(events, DamageShortfallCharged)
    assert_rules(charged, "M-17", "D-22")
    assert (charged.amount, charged.protection_accepted) == (eur("1480.00"), eur("320.00"))
    assert contract.damage_claims["I001"]["decision"] == "PARTIALLY_ACCEPTED"


def test_D_22_a_claim_without_documents_refused_wholly_charges_the_repair_cost_M_17() -> None:
    contract = undocumented()

    execute(contract, late_refusal(), ctx(LATE))

    events = collected(contract)
    assert only(events, ProtectionClaimDecided).decision == "REFUSED"
    assert only(events, CreditNoteIssued).amount == eur("500.00")
    assert only(events, DamageShortfallCharged).amount == eur("1800.00")
    assert contract.protection_refusals == {"I001": "D-22"}


def test_D_22_no_refusal_for_documents_before_30_september_or_sent_in_time() -> None:
    waiting = decided_on(ACCIDENT)
    refusal = assert_refused(
        waiting,
        lambda: execute(waiting, late_refusal(), ctx(DOCUMENTS_BY)),
        RuleViolationError,
        "D-22",
    )
    assert "2025-09-30" in refusal.message
    documented = decided_on(ACCIDENT)
    sent = documents()
    execute(documented, sent, ctx(DOCUMENTS_BY, actor="CUSTOMER"))
    assert_refused(
        documented,
        lambda: execute(documented, late_refusal(), ctx(LATE)),
        RuleViolationError,
        "D-22",
    )


def test_D_22_documents_sent_late_still_let_the_Lessor_refuse() -> None:
    contract = undocumented()
    sent = documents()
    execute(contract, sent, ctx(LATE + ONE_DAY, actor="CUSTOMER"))
    contract.collect_events()

    execute(contract, late_refusal("1480.00"), ctx(LATE + ONE_DAY))

    assert only(collected(contract), DamageShortfallCharged).amount == eur("1480.00")


def test_M_17_an_exclusion_refuses_the_affected_part_only() -> None:
    # Art. 10.2 / M-15: "the claim (or the affected part)". Headlights (PX-16) are 400 of the
    # 1,800: the 1,400 accepted still carries the 500.00 fee (unchanged), M-17 charges 400.00.
    contract = decided_on(date(2025, 12, 10))

    execute(contract, late_refusal("400.00", code="PX-16"), ctx(date(2025, 12, 10)))

    events = collected(contract)
    assert names(events) == ["ProtectionClaimDecided", "DamageShortfallCharged"]
    decided = only(events, ProtectionClaimDecided)
    assert (decided.customer_share, decided.waived_amount) == (eur("500.00"), eur("900.00"))
    assert_rules(decided, "M-15", "M-17")
    assert "D-22" not in decided.rule_ids
    assert only(events, DamageShortfallCharged).amount == eur("400.00")


def test_M_16_a_recovery_on_a_claim_refused_in_part_refunds_the_fee_of_the_accepted_part() -> None:
    # The 320.00 fee of the accepted part; the third party pays 900 of the 1,800:
    # min(320, round2(320 x 900 / 1,800)) = 160.00 (M-16's proportional refund).
    contract = undocumented()
    execute(contract, late_refusal("1480.00"), ctx(LATE))
    contract.collect_events()

    recovery = RecordThirdPartyRecovery(incident_id="I001", amount=eur("900.00"))
    execute(contract, recovery, ctx(LATE + ONE_DAY))

    refund = only(collected(contract), CreditNoteIssued)
    assert (refund.amount, refund.reason) == (eur("160.00"), "FLAT_FEE_REFUND")


def test_L_35_a_claim_refused_in_part_is_not_refused_again() -> None:
    contract = undocumented()
    execute(contract, late_refusal("1480.00"), ctx(LATE))

    refusal = assert_refused(
        contract,
        lambda: execute(contract, late_refusal(), ctx(LATE)),
        RuleViolationError,
        "L-35",
    )
    assert "PARTIALLY_ACCEPTED" in refusal.message


def test_M_17_the_refused_part_is_more_than_nothing_and_at_most_the_damage() -> None:
    contract = undocumented()
    assert_refused(
        contract,
        lambda: execute(contract, late_refusal("1800.01"), ctx(LATE)),
        RuleViolationError,
        "M-17",
    )
    with pytest.raises(CommandInputError, match="refused_amount"):
        late_refusal("0.00")


def test_D_22_and_a_part_refusal_are_a_Damage_Event_s_not_a_theft_s() -> None:
    theft = theft_reported()
    on = ctx(date(2025, 9, 21))
    assert_refused(theft, lambda: execute(theft, late_refusal(), on), RuleViolationError, "D-22")
    part = late_refusal("100.00", code="PX-08")
    assert_refused(theft, lambda: execute(theft, part, on), RuleViolationError, "M-18")
    assert of_type(collected(theft), ProtectionClaimDecided) == []


def test_D_22_the_refusal_step_takes_the_reason_code_and_the_refused_part() -> None:
    schema = command_schemas()["refuse_protection_claim"]

    assert set(schema["required"]) == {"incident_id", "exclusion_code", "reason"}
    assert "D-22" in str(schema["properties"]["exclusion_code"])
    assert "refused_amount" in schema["properties"]


def test_D_22_documents_recorded_before_their_timeliness_was_kept_count_as_in_time() -> None:
    # A claim from an older snapshot: its documents are submitted, not whether in time.
    contract = undocumented()
    sent = documents()
    execute(contract, sent, ctx(LATE, actor="CUSTOMER"))
    claim = contract.damage_claims["I001"]
    old = {k: v for k, v in claim.items() if k != "documents_in_time"}
    contract.damage_claims = {"I001": old}

    assert_refused(
        contract, lambda: execute(contract, late_refusal(), ctx(LATE)), RuleViolationError, "D-22"
    )


def test_D_22_the_damage_register_shows_the_part_refused_and_the_new_fee() -> None:
    [row] = register_after("protection-claim-late-documents")

    assert (row["status"], row["exclusion_codes"]) == ("PARTIALLY_ACCEPTED", ["D-22"])
    assert (row["flat_fee"], row["fee_withdrawn"]) == (Decimal(320), Decimal(500))
    assert row["damage_charged"] == Decimal(1480)
