"""Every charge explained (issue 12): the working recorded with each charge, rule by rule.

The RULES.md worked examples are the pinned scenarios' numbers (tests/scenarios/README.md);
each test reads the working the issuing event recorded, through the explanation, and checks
its formula as applied and that its result is what the document charges.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from domain.application import ContractsApplication
from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import (
    PaperSurchargeCharged,
    RegistrationCostsCharged,
    RunningCostCharged,
)
from domain.contract.charges import (
    ChargePaperSurcharge,
    ChargeRegistrationCosts,
    ChargeRunningCost,
)
from domain.contract.registry import execute
from domain.contract.settlement import Repossess
from domain.contract.settlement_events import RepossessionCostsCharged
from domain.end_money import total_loss_settlement
from domain.money_rules import km_settlement
from domain.policy import LessorPolicy
from infra.explanation import explain_document
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.billing_stories import loss_story
from tests.contract_cases import (
    collected,
    eur,
    expired_ref_contract,
    only,
    running_ref_contract,
)
from tests.explained import NAMES, applied, documents_of, explained, lines_under
from tests.factories import ctx

if TYPE_CHECKING:
    from domain.contract.billing_events import ReceivableIssued

ON = date(2024, 4, 2)


def _one_working(event: ReceivableIssued) -> dict[str, Any]:
    [working] = event.workings
    assert working["amount"] == str(event.amount)
    return working


class TestInstalments:
    def test_M_02_a_full_period_is_the_instalment(self) -> None:
        assert "650.00 x 30 / 30 = 650.00" in applied("ref-term-expiry-return", "M-02")

    def test_M_03_first_invoice_pro_rata_from_the_start_date(self) -> None:
        [line] = lines_under("ref-term-expiry-return", "M-03")
        assert line["applied"] == "650.00 x 20 / 31 = 419.35"
        assert (line["amount"], line["result"]) == ("419.35", "419.35")
        assert line["inputs"] == {
            "instalment": "650.00",
            "days_covered": "20",
            "days_in_period": "31",
        }
        assert line["rules"] == [line["rules"][0] | {"rule_id": "M-03", "article": "Art. 5.1"}]

    def test_M_04_the_days_after_the_end_are_credited(self) -> None:
        [line] = lines_under("ref-term-expiry-return", "M-04")
        assert line["applied"] == "650.00 - 230.65 - 0.00 = 419.35"
        assert line["inputs"]["kept_part"] == "650.00 x 11 / 31 = 230.65"
        assert line["amount"] == "419.35"
        [credited] = line["events"][1:]
        assert (credited["type"], credited["document"]) == ("InstalmentInvoiced", "INV-2028-000003")

    def test_M_33_heirs_pay_up_to_the_return(self) -> None:
        assert applied("termination-on-death", "M-04") == ["650.00 - 464.29 - 0.00 = 185.71"]


class TestArrears:
    def test_M_06_interest_per_late_paid_invoice_actual_365(self) -> None:
        lines = lines_under("arrears-formal-notice", "M-06")
        assert [line["applied"] for line in lines] == [
            "650.00 x 2.4% x 79 / 365 = 3.38",
            "650.00 x 2.4% x 48 / 365 = 2.05",
            "650.00 x 2.4% x 20 / 365 = 0.85",
        ]
        cited = {(e["cites"], e["type"]) for line in lines for e in line["events"][1:]}
        assert cited == {("receivable_id", "InstalmentInvoiced"), ("payment_id", "PaymentReceived")}

    def test_M_07_collection_indemnity_and_file_costs(self) -> None:
        assert applied("arrears-formal-notice", "M-07") == [
            "10% x 500.00 + 2.5% x 150.00 = 53.75",
            "10% x 500.00 + 2.5% x 150.00 = 53.75",
            "30.00 x 1 = 30.00",
        ]
        notice = lines_under("arrears-formal-notice", "M-07")[-1]["events"][1]
        assert (notice["cites"], notice["type"]) == ("notice_id", "FormalNoticeSent")


class TestEnds:
    def test_M_11_excess_km_at_the_end_of_the_term(self) -> None:
        assert applied("ref-term-expiry-return", "M-11") == [
            "0.10 x max(0, 88000 - 80000) = 800.00"
        ]

    def test_M_11_pro_rata_expected_km_at_the_km_cap(self) -> None:
        [worked] = applied("km-cap", "M-11")
        assert worked.startswith("0.10 x max(0, 140288 - 96693.548")
        assert worked.endswith(" = 4359.45")

    def test_M_15_the_flat_fee_is_the_smaller_of_damage_and_fee(self) -> None:
        assert applied("total-loss", "M-15") == ["min(1800.00, 500.00) = 500.00"]

    def test_M_18_shortfall_is_the_remaining_capital_less_the_payout(self) -> None:
        app = ContractsApplication(env=IN_MEMORY_ENV)
        contract = loss_story(app)
        [note] = [
            d for d in documents_of(app, contract.id) if d["category"] == "TOTAL_LOSS_SHORTFALL"
        ]
        [explanation] = [
            e for e in explained_rows(app, contract.id) if e["document"]["number"] == note["number"]
        ]
        assert [line["applied"] for line in explanation["lines"]] == [
            "max(0, 45000.00 x (1 - 1% x 19)) = 36450.00",
            "insurer payout deducted: -33000.00",
        ]
        assert explanation["document"]["amount"] == "3450.00"

    def test_M_19_advance_refunded_pro_rata(self) -> None:
        assert applied("theft-not-recovered", "M-19") == [
            "max(0, 3000.00 x (48 - 18) / 48) = 1875.00"
        ]

    def test_M_21_indemnity_and_its_corrections(self) -> None:
        assert applied("dissolution-later-sale", "M-21") == [
            "max(0, 45000.00 x (1 - 1% x 20)) = 36000.00",
            "10% x 36000.00 = 3600.00",
            "|max(0, 36000.00 + 3600.00 - 30000.00) - 39600.00| = 30000.00",
            "|max(0, 36000.00 + 3600.00 - 28000.00) - 9600.00| = 2000.00",
        ]
        assert applied("dissolution-sale-within-window", "M-21")[-1] == (
            "|max(0, 36000.00 + 3600.00 - 31000.00) - 9600.00| = 1000.00"
        )

    def test_M_22_early_termination_fee_lines(self) -> None:
        assert applied("early-termination", "M-22") == [
            "0.50 x 650.00 x 18 = 5850.00",
            "0.10 x max(0, 56000 - 50000) = 600.00",
        ]
        assert applied("early-termination", "M-24") == [
            "passed on at cost: 750.00",
            "passed on at cost: 300.00",
        ]

    def test_M_23_late_return_per_late_day(self) -> None:
        assert applied("late-return", "M-23") == ["650.00 x 4 / 31 = 83.87", "50.00 x 4 = 200.00"]

    def test_M_24_damage_and_missing_items_passed_on(self) -> None:
        assert applied("late-return", "M-24") == [
            "passed on at cost: 480.00",
            "passed on at cost: 300.00",
            "passed on at cost: 650.00",
        ]


class TestChargesPassedOn:
    def test_M_30_each_registration_item_passed_on_to_the_cent(self) -> None:
        contract = running_ref_contract(ON, registration_costs_included_in_instalments=False)
        command = ChargeRegistrationCosts(
            registration_costs=eur("30.00"), plate_costs=eur("20.104"), registration_tax=eur("0")
        )
        execute(contract, command, ctx(ON))
        note = only(collected(contract), RegistrationCostsCharged)
        assert [(w["rule_id"], w["applied"]) for w in note.workings] == [
            ("M-30", "passed on at cost: 30.00"),
            ("M-30", "passed on at cost: 20.10"),
        ]

    def test_M_31_a_running_cost_passed_on(self) -> None:
        contract = running_ref_contract(ON)
        command = ChargeRunningCost(
            cost_type="TAX_CHARGE_OR_FINE", amount=eur("58.005"), description="Speeding fine"
        )
        execute(contract, command, ctx(ON))
        working = _one_working(only(collected(contract), RunningCostCharged))
        assert (working["rule_id"], working["applied"]) == ("M-31", "passed on at cost: 58.01")
        assert working["inputs"]["amount"] == "58.005"

    def test_M_32_repossession_costs_passed_on(self) -> None:
        contract = expired_ref_contract()
        on = contract.effective_end_date or ON
        execute(
            contract,
            Repossess(odometer=80_000, costs=eur("612.345"), damages=(), missing=()),
            ctx(on),
        )
        working = _one_working(only(collected(contract), RepossessionCostsCharged))
        assert working["applied"] == "passed on at cost: 612.35"

    def test_M_36_the_policy_paper_surcharge(self) -> None:
        contract = expired_ref_contract()
        on = contract.effective_end_date or ON
        policy = LessorPolicy(paper_surcharge=eur("2.50"))
        execute(
            contract, ChargePaperSurcharge(document_ref="INV-1"), replace(ctx(on), policy=policy)
        )
        working = _one_working(only(collected(contract), PaperSurchargeCharged))
        assert (working["rule_id"], working["applied"]) == (
            "M-36",
            "paper surcharge of the Lessor policy: 2.50",
        )


def explained_rows(app: ContractsApplication, contract_id: Any) -> list[dict[str, Any]]:
    rows = documents_of(app, contract_id)
    events = [e for e in app.events.get(contract_id) if isinstance(e, ContractEvent)]
    return [explain_document(row, events) for row in rows]


@pytest.mark.parametrize("name", NAMES)
def test_every_line_of_every_pinned_document_has_the_working_of_its_amount(name: str) -> None:
    """One recorded working per document line, each with the line's amount, its formula as
    applied ending in that amount, and a rule the registry knows."""
    for explanation in explained(name):
        assert explanation["workings_recorded"], explanation["document"]
        for line in explanation["lines"]:
            assert line["working_recorded"]
            assert line["result"] == line["amount"], line
            assert line["applied"].endswith(f" {line['amount']}"), line
            assert line["rules"][0]["article"], line


class TestCredits:
    def test_M_11_shortfall_credit_capped_when_a_shortfall_price_is_agreed(self) -> None:
        settled = km_settlement(70_000, Decimal(80_000), eur("0.10"), eur("0.05"), eur("300.00"))
        assert settled.credit_working.applied == "min(10000 x 0.05, 300.00) = 300.00"
        assert settled.credit_working.amount == settled.credit
        assert settled.charge_working.applied == "0.10 x max(0, 70000 - 80000) = 0.00"

    def test_M_18_insurer_surplus_credited(self) -> None:
        settled = total_loss_settlement(eur("36450.00"), eur("38000.00"), eur("0.00"))
        working = settled.surplus_working()
        assert working.applied == "max(0, 38000.00 - 36450.00) = 1550.00"
        assert working.amount == settled.surplus
