"""Costs passed on to the Customer as debit notes: M-30 (P-21), M-31, M-35, M-36.

RULES.md gives no worked example for these rules; the amounts below are the tests' own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from domain.contract import Contract
from domain.contract.billing import ReceivePayment
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
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.policy import LessorPolicy
from domain.terms import ContractTerms
from domain.values import ContractStatus
from projections.views.document_lines import articles, lines_of
from tests.contract_cases import (
    JANUARY_START,
    M06_DUE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    instalment,
    names,
    only,
    running_ref_contract,
)
from tests.factories import active_ref_contract, ctx, ref_terms, run_days
from tests.unit.test_dissolution import dissolved_ref_contract

if TYPE_CHECKING:
    from projections.engine.rows import Row

ON = date(2024, 4, 2)
"""A business day some weeks after the REF Start Date (2024-03-12)."""


def _no_documents(_: str) -> Row | None:
    return None


def _registration_contract(**overrides: object) -> Contract:
    return running_ref_contract(ON, registration_costs_included_in_instalments=False, **overrides)


class TestRegistrationCosts:
    def test_M_30_costs_plates_and_biv_are_invoiced_separately_and_in_full(self) -> None:
        contract = _registration_contract(payment_term_days=14)
        command = ChargeRegistrationCosts(
            registration_costs=eur("30.00"),
            plate_costs=eur("20.104"),
            registration_tax=eur("1234.56"),
        )

        execute(contract, command, ctx(ON))

        note = only(collected(contract), RegistrationCostsCharged)
        assert_rules(note, "M-30", "P-21")
        assert note.amount == eur("1284.66")  # 30.00 + 20.10 + 1234.56, each to the cent
        assert note.due_date == ON + timedelta(days=14)
        receivable = contract.receivables[note.receivable_id]
        assert (receivable.category, receivable.open) == ("REGISTRATION_COSTS", eur("1284.66"))
        lines = lines_of(note, _no_documents)
        assert [(x["description"], x["amount"]) for x in lines] == [
            ("Registration costs", "30.00"),
            ("Number plates", "20.10"),
            ("Registration tax (BIV)", "1234.56"),
        ]
        assert articles(note.rule_ids) == [
            {"rule_id": "M-30", "article": "Art. 6.2"},
            {"rule_id": "P-21", "article": "Art. 6.2"},
        ]

    def test_M_30_P_21_refused_when_the_instalments_include_the_costs(self) -> None:
        contract = running_ref_contract(ON)
        assert contract.terms.registration_costs_included_in_instalments  # Art. 6.2 default
        command = ChargeRegistrationCosts(registration_costs=eur("30.00"))
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "P-21"
        )

    def test_M_30_is_invoiced_once(self) -> None:
        contract = _registration_contract()
        execute(contract, ChargeRegistrationCosts(plate_costs=eur("20.00")), ctx(ON))
        again = ChargeRegistrationCosts(registration_tax=eur("100.00"))
        assert_refused(
            contract, lambda: execute(contract, again, ctx(ON)), RuleViolationError, "M-30"
        )

    def test_M_30_nothing_to_invoice_is_refused(self) -> None:
        contract = _registration_contract()
        command = ChargeRegistrationCosts()
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "M-30"
        )

    def test_P_21_a_stored_terms_without_the_field_reads_as_included(self) -> None:
        flat = ref_terms(registration_costs_included_in_instalments=False).to_dict()
        del flat["registration_costs_included_in_instalments"]
        assert ContractTerms.from_flat(flat).registration_costs_included_in_instalments

    def test_P_21_the_terms_input_reads_the_flag(self) -> None:
        terms = ref_terms()
        data = {**terms.to_dict(), "registration_costs_included_in_instalments": False}
        data.pop("instalment_components", None)
        parsed = ContractTerms.from_dict(data)
        assert parsed.registration_costs_included_in_instalments is False


class TestRunningCosts:
    def test_M_31_a_fine_linked_to_use_is_charged(self) -> None:
        contract = running_ref_contract(ON)
        command = ChargeRunningCost(
            cost_type="TAX_CHARGE_OR_FINE", amount=eur("58.005"), description="Speeding fine"
        )

        execute(contract, command, ctx(ON))

        note = only(collected(contract), RunningCostCharged)
        assert_rules(note, "M-31")
        assert note.amount == eur("58.01")  # RULES 0.5: half up to the cent
        assert contract.receivables[note.receivable_id].category == "RUNNING_COST"
        [row] = lines_of(note, _no_documents)
        assert (row["description"], row["amount"], row["cost_type"]) == (
            "Speeding fine",
            "58.01",
            "TAX_CHARGE_OR_FINE",
        )
        assert articles(note.rule_ids)[0]["article"] == "Art. 6.3, 8.2, 8.3, 10.4, 12.2, 12.3"

    def test_M_31_maintenance_is_refused_while_maintenance_and_repair_covers_it(self) -> None:
        components = (("MAINTENANCE_REPAIR", eur("45.00")),)
        contract = running_ref_contract(ON, instalment_components=components)
        command = ChargeRunningCost(cost_type="MAINTENANCE_REPAIR", amount=eur("300.00"))
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "M-31"
        )
        security = ChargeRunningCost(cost_type="SECURITY_SYSTEM", amount=eur("12.00"))
        execute(contract, security, ctx(ON))
        assert names(collected(contract)) == ["RunningCostCharged"]

    def test_M_31_maintenance_is_charged_once_the_service_has_stopped(self) -> None:
        components = (("MAINTENANCE_REPAIR", eur("45.00")),)
        contract = active_ref_contract(JANUARY_START, instalment_components=components)
        contract.stopped_services.append("MAINTENANCE_REPAIR")  # as T-18.2-ii records it
        command = ChargeRunningCost(cost_type="MAINTENANCE_REPAIR", amount=eur("300.00"))
        execute(contract, command, ctx(JANUARY_START))
        assert only(collected(contract), RunningCostCharged).amount == eur("300.00")

    def test_M_31_a_zero_cost_is_refused(self) -> None:
        contract = running_ref_contract(ON)
        command = ChargeRunningCost(cost_type="LEGAL_ACCESSORY", amount=eur("0.004"))
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "M-31"
        )

    def test_M_31_nothing_is_charged_on_a_closed_contract(self) -> None:
        contract = running_ref_contract(ON)
        contract.status = ContractStatus.CLOSED
        command = ChargeRunningCost(cost_type="LEGAL_ACCESSORY", amount=eur("10.00"))
        assert_refused(
            contract,
            lambda: execute(contract, command, ctx(ON)),
            InvalidTransitionError,
            "M-31",
        )


class TestPaperSurcharge:
    def test_M_36_the_policy_surcharge_is_charged_per_document(self) -> None:
        contract = expired_ref_contract()
        on = contract.effective_end_date or ON
        policy = LessorPolicy(paper_surcharge=eur("2.50"))
        command = ChargePaperSurcharge(document_ref="INV-2028-000123")

        execute(contract, command, replace(ctx(on), policy=policy))

        note = only(collected(contract), PaperSurchargeCharged)
        assert_rules(note, "M-36")
        assert note.amount == eur("2.50")
        assert note.document_ref == "INV-2028-000123"
        assert contract.receivables[note.receivable_id].category == "PAPER_SURCHARGE"
        assert articles(note.rule_ids) == [{"rule_id": "M-36", "article": "Art. 5.1, 22.3"}]

    def test_M_36_no_surcharge_without_an_amount_in_the_lessor_policy(self) -> None:
        contract = running_ref_contract(ON)
        command = ChargePaperSurcharge(document_ref="INV-2024-000002")
        assert_refused(
            contract, lambda: execute(contract, command, ctx(ON)), RuleViolationError, "M-36"
        )

    def test_M_36_a_negative_surcharge_is_not_a_policy(self) -> None:
        with pytest.raises(RuleViolationError) as refused:
            LessorPolicy(paper_surcharge=eur("-1.00"))
        assert refused.value.rule_id == "M-36"


class TestBankCharges:
    def test_M_35_a_payment_short_by_bank_charges_leaves_the_rest_open(self) -> None:
        contract = active_ref_contract(JANUARY_START)
        run_days(contract, JANUARY_START, M06_DUE)
        january = instalment(contract, JANUARY_START)
        owed = contract.receivables[january].open
        bank_charges = eur("1.50")

        execute(contract, ReceivePayment(amount=owed - bank_charges), ctx(M06_DUE, "CUSTOMER"))

        assert contract.receivables[january].open == bank_charges
        assert contract.status is ContractStatus.ACTIVE


class TestRepossessionCosts:
    def test_M_32_repossession_after_dissolution_charges_its_costs_with_art_18_4(self) -> None:
        contract = dissolved_ref_contract(returned=False)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        contract.collect_events()
        costs = Repossess(odometer=40_012, costs=eur("612.345"), damages=(), missing=())

        execute(contract, costs, ctx(date(2025, 11, 28)))

        note = only(collected(contract), RepossessionCostsCharged)
        assert note.amount == eur("612.35")  # all the costs, to the cent (RULES 0.5)
        assert contract.receivables[note.receivable_id].category == "REPOSSESSION"
        assert articles(note.rule_ids) == [
            {"rule_id": "M-32", "article": "Art. 18.4"},
            {"rule_id": "T-18.4", "article": "Art. 18.4"},
        ]
        assert lines_of(note, _no_documents)[0]["amount"] == "612.35"
