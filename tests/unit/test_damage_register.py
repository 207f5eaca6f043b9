"""The damage register's money and decisions: M-16 (flat fee refunded after a third-party
recovery), M-17 (damage outside Protection charged), D-23 (reporting under Protection), L-35."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import CreditNoteIssued, FlatDamageFeeCharged
from domain.contract.damage import NotifyProtectionTermination, RecordThirdPartyRecovery
from domain.contract.damage_events import (
    DamageShortfallCharged,
    ProtectionTerminationNotified,
    ThirdPartyRecoveryReceived,
)
from domain.contract.incidents import ReportIncident
from domain.contract.incidents_events import ProtectionClaimDecided, ReportingDutyBreached
from domain.contract.protection import RefuseProtectionClaim
from domain.contract.registry import execute
from domain.damage_money import worked_damage_shortfall, worked_flat_fee_refund
from domain.errors import RuleViolationError
from domain.money import Money
from infra.simulate.in_process import simulate
from infra.simulate.scenario import load_scenario
from projections.registry import all_specs, build_group
from projections.views.damage_register import DamageRegisterView
from tests.contract_cases import (
    INCIDENT_ON,
    INCIDENT_REPORTED_LATE,
    INCIDENT_REPORTED_ON,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, loaded_from_older_snapshot

FEE = eur("500.00")
LATER = date(2025, 6, 10)
cents = st.integers(min_value=0, max_value=10_000_000).map(lambda n: Money(Decimal(n) / 100))


def damaged(kind: str = "COLLISION", cost: str = "1800.00") -> Contract:
    """REF with a Damage Event of `cost` reported in time (claim accepted, M-15)."""
    contract = running_ref_contract(INCIDENT_REPORTED_ON)
    report = ReportIncident(kind=kind, incident_on=INCIDENT_ON, repair_cost=eur(cost))
    execute(contract, report, ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"))
    contract.collect_events()
    return contract


def recover(contract: Contract, amount: str) -> Sequence[ContractEvent]:
    execute(contract, RecordThirdPartyRecovery(incident_id="I001", amount=eur(amount)), ctx(LATER))
    return collected(contract)


def refuse(code: str = "PX-19") -> RefuseProtectionClaim:
    return RefuseProtectionClaim(incident_id="I001", exclusion_code=code, reason="over the limit")


# --- M-16 -------------------------------------------------------------------------------------


def test_M_16_the_rules_examples() -> None:
    damage = eur("1800.00")
    assert worked_flat_fee_refund(FEE, eur("1800.00"), damage).amount == eur("500.00")
    assert worked_flat_fee_refund(FEE, eur("900.00"), damage).amount == eur("250.00")
    assert worked_flat_fee_refund(FEE, eur("900.00"), damage, eur("250.00")).amount == Money.zero()


@given(fee=cents, damage=cents, first=cents, second=cents)
def test_M_16_never_more_than_the_fee_and_split_recoveries_refund_as_one(
    fee: Money, damage: Money, first: Money, second: Money
) -> None:
    once = worked_flat_fee_refund(fee, first + second, damage).amount
    part = worked_flat_fee_refund(fee, first, damage).amount
    rest = worked_flat_fee_refund(fee, first + second, damage, part).amount
    assert Money.zero() <= once <= fee
    assert part + rest == once


def test_M_16_a_recovery_refunds_the_fee_in_proportion_against_its_note() -> None:
    contract = damaged()
    fee_note = next(r for r in contract.receivables.values() if r.category == "FLAT_DAMAGE_FEE")

    first = recover(contract, "900.00")

    assert names(first) == ["ThirdPartyRecoveryReceived", "CreditNoteIssued"]
    assert_rules(only(first, ThirdPartyRecoveryReceived), "M-16", "L-35")
    refund = only(first, CreditNoteIssued)
    assert_rules(refund, "M-16", "A-25")
    assert (refund.amount, refund.reason, refund.relates_to) == (
        eur("250.00"),
        "FLAT_FEE_REFUND",
        fee_note.receivable_id,
    )
    assert [w["rule_id"] for w in refund.workings] == ["M-16"]
    assert refund.workings[0]["amount"] == "250.00"
    assert only(recover(contract, "900.00"), CreditNoteIssued).amount == eur("250.00")
    assert of_type(recover(contract, "500.00"), CreditNoteIssued) == []  # the fee is all back


def test_M_16_no_refund_where_no_fee_was_charged_nor_for_an_unknown_incident() -> None:
    glass = damaged(kind="GLASS", cost="900.00")  # exempt cause: no fee (M-15)
    assert names(recover(glass, "900.00")) == ["ThirdPartyRecoveryReceived"]

    assert_refused(
        glass,
        lambda: execute(
            glass, RecordThirdPartyRecovery(incident_id="I009", amount=FEE), ctx(LATER)
        ),
        RuleViolationError,
        "M-16",
    )


# --- M-17 -------------------------------------------------------------------------------------


def test_M_17_the_rules_examples() -> None:
    none = Money.zero()
    assert worked_damage_shortfall(eur("4200.00"), none, none).amount == eur("4200.00")
    assert worked_damage_shortfall(eur("2000.00"), eur("1650.00"), none).amount == eur("350.00")


@given(repair=cents, insurer=cents, accepted=cents)
def test_M_17_never_negative_and_never_more_than_the_repair(
    repair: Money, insurer: Money, accepted: Money
) -> None:
    charge = worked_damage_shortfall(repair, insurer, accepted).amount
    assert Money.zero() <= charge <= repair
    assert charge == max(Money.zero(), repair - insurer - accepted)


def test_M_17_a_refused_damage_claim_withdraws_the_fee_and_charges_the_repair() -> None:
    contract = damaged(cost="4200.00")
    fee_note = next(r for r in contract.receivables.values() if r.category == "FLAT_DAMAGE_FEE")

    execute(contract, refuse(), ctx(LATER))
    events = collected(contract)

    assert names(events) == ["ProtectionClaimDecided", "CreditNoteIssued", "DamageShortfallCharged"]
    decided = only(events, ProtectionClaimDecided)
    assert_rules(decided, "M-15", "M-17", "L-35")
    assert (decided.decision, decided.exclusion_codes) == ("REFUSED", ["PX-19"])
    assert (decided.customer_share, decided.waived_amount) == (eur("4200.00"), Money.zero())
    withdrawn = only(events, CreditNoteIssued)
    assert (withdrawn.amount, withdrawn.relates_to) == (FEE, fee_note.receivable_id)
    assert withdrawn.reason == "FLAT_FEE_WITHDRAWN"
    charged = only(events, DamageShortfallCharged)
    assert_rules(charged, "M-17", "PX-19")
    assert charged.amount == eur("4200.00")
    assert [w["rule_id"] for w in charged.workings] == ["M-17"]
    assert contract.protection_refusals == {"I001": "PX-19"}


def test_M_17_a_recovery_before_the_refusal_counts_as_paid_by_an_insurer() -> None:
    contract = damaged()
    recover(contract, "1800.00")  # the whole fee refunded (M-16)

    execute(contract, refuse("PX-01"), ctx(LATER))
    events = collected(contract)

    assert of_type(events, CreditNoteIssued) == []  # nothing of the fee is left to withdraw
    assert of_type(events, DamageShortfallCharged) == []  # 1,800 - (1,800 + 0) = 0


def test_L_35_a_damage_claim_is_refused_once() -> None:
    contract = damaged()
    execute(contract, refuse(), ctx(LATER))
    contract.collect_events()

    assert_refused(
        contract, lambda: execute(contract, refuse(), ctx(LATER)), RuleViolationError, "L-35"
    )


# --- D-23 -------------------------------------------------------------------------------------


def test_D_23_a_late_report_under_protection_breaches_both_duties() -> None:
    contract = running_ref_contract(INCIDENT_REPORTED_LATE)
    report = ReportIncident(kind="COLLISION", incident_on=INCIDENT_ON, repair_cost=FEE)

    execute(contract, report, ctx(INCIDENT_REPORTED_LATE, actor="CUSTOMER"))

    breach = only(collected(contract), ReportingDutyBreached)
    assert_rules(breach, "D-01", "D-23", "T-18.3-viii")
    assert breach.duty == "D-01"


def test_D_23_not_cited_without_protection() -> None:
    contract = running_ref_contract(INCIDENT_REPORTED_LATE, protection_included=False)
    report = ReportIncident(kind="COLLISION", incident_on=INCIDENT_ON, repair_cost=FEE)

    execute(contract, report, ctx(INCIDENT_REPORTED_LATE, actor="CUSTOMER"))

    assert "D-23" not in only(collected(contract), ReportingDutyBreached).rule_ids
    assert of_type(collected(contract), FlatDamageFeeCharged) == []


def test_L_35_a_v11_snapshot_loads_with_an_empty_damage_register() -> None:
    restored = loaded_from_older_snapshot(damaged(), 11, "damage_claims")

    assert restored.damage_claims == {}


# --- the DamageRegister read model (RULES 9.10) -------------------------------------------------


def register_after(scenario: str) -> list[dict[str, object]]:
    """The damage register rows of a pinned scenario's contract, built from its stored events."""
    app = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    path = Path(__file__).parents[1] / "scenarios" / f"{scenario}.json"
    simulate(load_scenario(path), app)
    return register_of(app, load_scenario(path).terms.contract_number)


def register_of(app: ContractsApplication, number: str) -> list[dict[str, object]]:
    """The damage register rows of contract `number`, built from the app's stored events."""
    [spec] = all_specs(["damage_register"])
    group = build_group(app, [spec])
    group.catch_up()
    view = group.projections[0].view
    assert isinstance(view, DamageRegisterView)
    return [
        {k: v for k, v in row.items() if k not in ("contract_id", "updated_on")}
        for row in view.register(Contract.create_id(number))
    ]


def test_L_35_M_16_the_register_shows_a_claim_accepted_then_refunded() -> None:
    [row] = register_after("protection-claim-recovered")

    assert row["status"] == "SETTLED"
    assert (row["kind"], row["incident_on"], row["reported_on"]) == (
        "COLLISION",
        date(2024, 5, 9),
        date(2024, 5, 10),
    )
    assert row["exclusion_codes"] == []
    amounts = ("repair_cost", "flat_fee", "waived", "third_party_recovered", "fee_refunded")
    assert [row[k] for k in amounts] == [Decimal(v) for v in ("1800", "500", "1300", "1800", "500")]
    assert row["damage_charged"] == row["fee_withdrawn"] == Decimal(0)


def test_L_35_M_17_the_register_shows_a_claim_refused_with_its_code() -> None:
    [row] = register_after("protection-claim-refused")

    assert (row["status"], row["exclusion_codes"]) == ("REFUSED", ["PX-19"])
    assert (row["flat_fee"], row["fee_withdrawn"]) == (Decimal(500), Decimal(500))
    assert (row["damage_charged"], row["waived"]) == (Decimal(4200), Decimal(0))


# --- L-32, D-20: the annual end of Protection ---------------------------------------------------


def terminate(by: str, letter_on: date) -> NotifyProtectionTermination:
    return NotifyProtectionTermination(by=by, letter_on=letter_on)


def test_D_20_a_letter_dated_30_september_is_valid_1_october_too_late() -> None:
    contract = running_ref_contract(date(2025, 10, 1))

    assert_refused(
        contract,
        lambda: execute(contract, terminate("CUSTOMER", date(2025, 10, 1)), ctx(date(2025, 10, 1))),
        RuleViolationError,
        "D-20",
    )
    execute(contract, terminate("CUSTOMER", date(2025, 9, 30)), ctx(date(2025, 10, 1)))

    notified = only(collected(contract), ProtectionTerminationNotified)
    assert_rules(notified, "L-32", "D-20")
    assert (notified.effective_date, notified.cover_ends_on) == (
        date(2025, 12, 31),
        date(2026, 1, 1),
    )
    assert contract.protection_ends_on == date(2026, 1, 1)


def test_L_32_a_damage_event_after_protection_ended_gets_no_claim() -> None:
    contract = running_ref_contract(date(2026, 1, 2))
    execute(contract, terminate("CUSTOMER", date(2025, 9, 30)), ctx(date(2026, 1, 2)))
    contract.collect_events()

    for day in (date(2025, 12, 31), date(2026, 1, 1)):
        report = ReportIncident(kind="COLLISION", incident_on=day, repair_cost=eur("1800.00"))
        execute(contract, report, ctx(date(2026, 1, 2), actor="CUSTOMER"))

    fees = of_type(collected(contract), FlatDamageFeeCharged)
    assert [f.incident_id for f in fees] == ["I001"]  # 31 Dec covered, 1 Jan not


def test_L_32_PX_14_a_lessor_letter_ends_cover_two_weeks_after_it() -> None:
    contract = running_ref_contract(date(2025, 6, 2))

    execute(contract, terminate("LESSOR", date(2025, 6, 2)), ctx(date(2025, 6, 2)))

    notified = only(collected(contract), ProtectionTerminationNotified)
    assert_rules(notified, "L-32", "D-20", "D-18", "PX-14")
    assert notified.cover_ends_on == date(2025, 6, 16)
    assert_refused(
        contract,
        lambda: execute(contract, terminate("CUSTOMER", date(2025, 6, 2)), ctx(date(2025, 6, 2))),
        RuleViolationError,
        "L-32",
    )


# --- L-32 (Art. 10.6): the grounds only one party has ------------------------------------------


@pytest.mark.parametrize(
    ("by", "ground"),
    [
        ("LESSOR", "MISSTATEMENT"),
        ("LESSOR", "NOT_ROADWORTHY_OR_REQUISITIONED"),
        ("LESSOR", "CONTRACT_ENDED"),
        ("CUSTOMER", "TERMS_CHANGED"),
    ],
)
def test_L_32_a_one_party_ground_ends_cover_two_weeks_after_the_letter(
    by: str, ground: str
) -> None:
    contract = running_ref_contract(date(2025, 6, 2))
    letter = NotifyProtectionTermination(by=by, letter_on=date(2025, 6, 2), ground=ground)

    execute(contract, letter, ctx(date(2025, 6, 2)))

    notified = only(collected(contract), ProtectionTerminationNotified)
    assert (notified.ground, notified.cover_ends_on) == (ground, date(2025, 6, 16))
    assert contract.protection_ends_on == date(2025, 6, 16)
    # a Lessor's letter also excludes damage from two weeks on (PX-14); the Customer's does not
    assert ("PX-14" in notified.rule_ids) is (by == "LESSOR")


@pytest.mark.parametrize(
    ("by", "ground"),
    [("CUSTOMER", "MISSTATEMENT"), ("CUSTOMER", "CONTRACT_ENDED"), ("LESSOR", "TERMS_CHANGED")],
)
def test_L_32_a_ground_of_the_other_party_is_refused_naming_it(by: str, ground: str) -> None:
    contract = running_ref_contract(date(2025, 6, 2))
    letter = NotifyProtectionTermination(by=by, letter_on=date(2025, 6, 2), ground=ground)

    error = assert_refused(
        contract,
        lambda: execute(contract, letter, ctx(date(2025, 6, 2))),
        RuleViolationError,
        "L-32",
    )
    assert f"ground: {ground}" in str(error)


def test_L_32_a_one_party_ground_cites_no_claim() -> None:
    contract = running_ref_contract(date(2025, 6, 2))
    letter = NotifyProtectionTermination(
        by="LESSOR", letter_on=date(2025, 6, 2), ground="MISSTATEMENT", claim="I001"
    )

    assert_refused(
        contract,
        lambda: execute(contract, letter, ctx(date(2025, 6, 2))),
        RuleViolationError,
        "L-32",
    )
