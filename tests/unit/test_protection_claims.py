"""M-15 (Art. 10.2), M-18, M-19 (Art. 10.8): a refused Protection claim for a theft or total
loss takes away the Protection waiver and the advance refund."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from domain.catalogue import lookup
from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued, DebitNoteIssued
from domain.contract.command import CommandInputError
from domain.contract.incidents import DeclareTotalLoss, ReportTheft
from domain.contract.incidents_events import (
    AdvanceRefundDetermined,
    ProtectionClaimDecided,
    TotalLossSettlementComputed,
)
from domain.contract.losses import RecordInsurerPayout, protection_covers
from domain.contract.protection import PX_CODES, RefuseProtectionClaim
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from domain.values import ContractStatus
from infra.inputs.commands import command_schemas
from infra.simulate.in_process import simulate
from infra.simulate.scenario import parse_scenario
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
from tests.factories import ctx, loaded_from_older_snapshot, run_days

PAID_ON = date(2025, 12, 1)


def refuse(incident: str = "I001", code: str = "PX-08") -> RefuseProtectionClaim:
    return RefuseProtectionClaim(incident_id=incident, exclusion_code=code, reason="no break-in")


def theft_reported() -> Contract:
    contract = running_ref_contract(THEFT_DATE)
    execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
    contract.collect_events()
    return contract


def total_loss_declared() -> Contract:
    contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON)
    execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
    contract.collect_events()
    return contract


def test_M_15_the_24_exclusion_codes_of_article_10_2() -> None:
    assert tuple(f"PX-{n:02d}" for n in range(1, 25)) == PX_CODES
    assert all(lookup(code).article == "Art. 10.2" for code in PX_CODES)
    assert "break-in" in lookup("PX-08").title
    with pytest.raises(CommandInputError, match="exclusion_code"):
        refuse(code="PX-25")
    with pytest.raises(CommandInputError, match="reason"):
        RefuseProtectionClaim(incident_id="I001", exclusion_code="PX-01", reason="x" * 2001)


def test_M_15_a_refusal_is_recorded_as_the_claim_decision() -> None:
    contract = theft_reported()

    execute(contract, refuse(), ctx(THEFT_DATE + ONE_DAY))
    decided = only(collected(contract), ProtectionClaimDecided)

    assert_rules(decided, "M-15", "L-35", "M-19")
    assert (decided.incident_id, decided.cause, decided.decision) == ("I001", "THEFT", "REFUSED")
    assert (decided.exclusion_codes, decided.reason) == (["PX-08"], "no break-in")
    assert contract.protection_refusals == {"I001": "PX-08"}


def test_M_19_a_refused_theft_claim_gives_no_advance_refund() -> None:
    # RULES M-19: theft 2025-09-20 (m = 18) -> 3,000 x 30/48 = 1,875.00, but only where the
    # Lessor waives its recourse (Art. 10.8); theft without break-in is excluded (PX-08).
    accepted, refused = theft_reported(), theft_reported()
    execute(refused, refuse(), ctx(THEFT_DATE + ONE_DAY))
    refused.collect_events()

    for contract in (accepted, refused):
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        assert contract.status is ContractStatus.IN_SETTLEMENT
    accepted_refund = only(collected(accepted), AdvanceRefundDetermined)
    refused_events = collected(refused)

    assert accepted_refund.amount == eur("1875.00")
    assert of_type(refused_events, AdvanceRefundDetermined) == []
    assert "ADVANCE_REFUND" not in [c.reason for c in of_type(refused_events, CreditNoteIssued)]
    assert not protection_covers(refused, THEFT_DATE)


def test_M_18_a_refused_total_loss_claim_leaves_the_shortfall_to_the_customer() -> None:
    # RULES M-18: RC 36,450; the insurer pays 33,000 -> without the waiver EUR 3,450.00 charged.
    contract = total_loss_declared()
    execute(contract, refuse(code="PX-19"), ctx(TOTAL_LOSS_DECLARED_ON))
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    events = collected(contract)
    assert of_type(events, AdvanceRefundDetermined) == []

    execute(contract, RecordInsurerPayout(amount=eur("33000.00"), insurer="INS-1"), ctx(PAID_ON))
    settled = only(collected(contract), TotalLossSettlementComputed)

    assert settled.protection_waived == eur("0")
    assert settled.shortfall == eur("3450.00")


def test_M_19_a_refusal_after_the_refund_was_credited_takes_it_back() -> None:
    # The end by law credited the advance refund; the later refusal reverses it (Art. 10.8).
    contract = total_loss_declared()
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    refund = only(collected(contract), AdvanceRefundDetermined)
    assert refund.amount.is_positive

    execute(contract, refuse(code="PX-01"), ctx(PAID_ON))
    events = collected(contract)

    assert names(events) == ["ProtectionClaimDecided", "DebitNoteIssued"]
    note = only(events, DebitNoteIssued)
    assert_rules(note, "M-19")
    assert (note.amount, note.debit_category) == (refund.amount, "ADVANCE_REFUND_REVERSAL")


def test_L_35_refusing_twice_or_an_unknown_incident_is_refused() -> None:
    contract = theft_reported()
    execute(contract, refuse(), ctx(THEFT_DATE))

    assert_refused(
        contract, lambda: execute(contract, refuse(), ctx(THEFT_DATE)), RuleViolationError, "L-35"
    )
    assert_refused(
        contract,
        lambda: execute(contract, refuse("I009"), ctx(THEFT_DATE)),
        RuleViolationError,
        "M-15",
    )


def test_M_18_no_refusal_after_the_loss_was_settled() -> None:
    contract = total_loss_declared()
    run_days(contract, TOTAL_LOSS_DECLARED_ON + ONE_DAY, PAID_ON)
    execute(contract, RecordInsurerPayout(amount=eur("33000.00"), insurer="INS-1"), ctx(PAID_ON))

    assert_refused(
        contract, lambda: execute(contract, refuse(), ctx(PAID_ON)), RuleViolationError, "M-18"
    )


def test_M_15_no_refusal_without_Protection() -> None:
    contract = running_ref_contract(THEFT_DATE, protection_included=False, flat_damage_fee=None)
    execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))

    assert_refused(
        contract, lambda: execute(contract, refuse(), ctx(THEFT_DATE)), RuleViolationError, "M-15"
    )


def test_M_19_a_snapshot_from_before_v10_loads_with_no_refusal() -> None:
    loaded = loaded_from_older_snapshot(theft_reported(), 9, "protection_refusals")

    assert loaded.protection_refusals == {}


def test_M_15_the_step_lists_the_exclusion_codes_and_bounds_the_reason() -> None:
    schema = command_schemas()["refuse_protection_claim"]

    assert set(schema["required"]) == {"incident_id", "exclusion_code", "reason"}
    assert all(code in str(schema["properties"]["exclusion_code"]) for code in PX_CODES)
    assert "2000" in str(schema["properties"]["reason"])


def test_M_19_the_refusal_step_takes_back_the_refund_of_a_total_loss() -> None:
    # tests/scenarios/total-loss.json (pinned, read only): the end by law on 2025-11-20 credits
    # the advance refund at once; the Lessor's refusal the same day reverses it.
    data = json.loads((Path(__file__).parents[1] / "scenarios" / "total-loss.json").read_text())
    step = {"on": "2025-11-20", "do": "refuse_protection_claim", "incident_id": "I002"}
    data["steps"].append({**step, "exclusion_code": "PX-19", "reason": "over the alcohol limit"})

    out = simulate(parse_scenario(data))

    kinds = [e["type"] for e in out["events"]]
    assert kinds[-3:] == ["ProtectionClaimDecided", "DebitNoteIssued", "CreditsSetOff"]
    refunds = {d["category"]: d["amount"] for d in out["documents"] if "ADVANCE" in d["category"]}
    assert refunds == {"ADVANCE_REFUND": "1812.50", "ADVANCE_REFUND_REVERSAL": "1812.50"}
    assert out["refusals"] == []


@pytest.mark.parametrize("code", PX_CODES)
def test_PX_each_exclusion_code_refuses_a_claim_and_is_recorded_with_it(code: str) -> None:
    """PX-01 .. PX-24 (Art. 10.2): any of the 24 exclusions refuses the claim; the decision
    and the contract keep which one."""
    contract = theft_reported()

    execute(contract, refuse(code=code), ctx(THEFT_DATE + ONE_DAY))

    decided = only(collected(contract), ProtectionClaimDecided)
    assert (decided.decision, decided.exclusion_codes) == ("REFUSED", [code])
    assert contract.protection_refusals == {"I001": code}
