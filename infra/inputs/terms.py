"""The contract terms (RULES 2.1) and the Lessor policy as input models.

The models bound each field's type and size; the domain then checks what the terms mean
(`ContractTerms.from_dict`: P-49..P-53, with rule IDs) and what the policy may do
(`LessorPolicy`: P-42, K-02, K-08). Scenario files use them today, the HTTP API next.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

from domain.contract.command import MAX_LIST
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import REQUIRED, ContractTerms
from infra.inputs.types import (
    Amount,
    Count,
    Identifier,
    Kilometres,
    Rate,
    Strict,
    UnitPrice,
    _plain,
)

Grounds = Annotated[list[Identifier], Field(max_length=MAX_LIST)]
"""A list of Article 18 grounds, e.g. ["18.3(ii)"]."""


class ProtectionInput(Strict):
    """P-24: the Protection option and its flat damage fee (P-51)."""

    included: bool = False
    flat_damage_fee: Amount | None = None


class GapInput(Strict):
    """P-27: the GAP option and its insured value (P-19), given or computed."""

    included: bool = False
    insured_value: Amount | None = None
    purchase_price_ex_vat: Amount | None = None
    lessor_bore_registration_tax_and_costs: bool = True
    registration_tax: Amount | None = None
    registration_costs: Amount | None = None


class ContractTermsInput(Strict):
    """The Special Conditions of one contract, by their RULES 2.1 snake_case names.

    The P-49 fields are optional here only so that a missing one is reported with its rule
    (`is required to form the contract (P-49)`); the JSON Schema lists them as required.
    """

    model_config = Strict.model_config | {"json_schema_extra": {"required": list(REQUIRED)}}

    contract_number: Identifier | None = None
    customer_number: Identifier | None = None
    fuel_type: Identifier | None = None
    term_months: Count | None = None
    annual_km: Kilometres | None = None
    excess_km_price: UnitPrice | None = None
    instalment_amount: Amount | None = None
    instalment_frequency: Identifier | None = None
    invested_capital: Amount | None = None
    payment_term_days: Count = 0
    advance_payment: Amount = Field(default="0.00", validate_default=True)
    shortfall_km_price: UnitPrice | None = None
    shortfall_refund_cap: Amount | None = None
    protection: ProtectionInput = Field(default_factory=ProtectionInput)
    gap: GapInput = Field(default_factory=GapInput)
    insurance_mode: Identifier = "CUSTOMER_OWN"
    insurer_theft_recovery_days: Count = 30
    registered_in_name_of: Identifier = "LESSOR"
    registration_costs_included_in_instalments: bool = True
    general_terms_version: Identifier = "19-2/HP"
    brand: Identifier = "BMW"
    instalment_components: Annotated[dict[Identifier, Amount], Field(max_length=MAX_LIST)] = Field(
        default_factory=dict
    )

    def to_terms(self) -> ContractTerms:
        """The domain's terms; TermsError (P-49..P-53) names the field and the rule."""
        return ContractTerms.from_dict(self.model_dump(mode="json", exclude_unset=True))


class LessorPolicyInput(Strict):
    """K-02, P-42: the grounds the Lessor acts on by itself, the early-termination fee rate."""

    auto_dissolve_grounds: Grounds = Field(default_factory=list)
    auto_suspend_grounds: Grounds = Field(default_factory=list)
    early_termination_fee_rate: Rate = Field(default="0.50", validate_default=True)
    paper_surcharge: Amount = Field(default="0.00", validate_default=True)

    def to_policy(self) -> LessorPolicy:
        """The domain's policy; RuleViolationError (K-02, K-08, P-42) names the rule."""
        return LessorPolicy(
            auto_dissolve_grounds=tuple(self.auto_dissolve_grounds),
            auto_suspend_grounds=tuple(self.auto_suspend_grounds),
            early_termination_fee_rate=Decimal(self.early_termination_fee_rate),
            paper_surcharge=Money.of(_plain(self.paper_surcharge)),
        )
