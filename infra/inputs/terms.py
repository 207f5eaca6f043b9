"""The contract terms (RULES 2.1) and the Lessor policy as input models.

The models bound each field's type and size; the domain then checks what the terms mean
(`ContractTerms.from_dict`: P-49..P-53, with rule IDs) and what the policy may do
(`LessorPolicy`: P-42, K-02, K-08). Scenario files use them today, the HTTP API next.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from domain.contract.command import MAX_LIST
from domain.iban import iban_problem
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import REQUIRED, ContractTerms
from domain.values import KmCapEndMode
from infra.inputs.types import (
    Amount,
    Count,
    Identifier,
    Kilometres,
    Quantity,
    Rate,
    Strict,
    UnitPrice,
    _plain,
)
from infra.portal.contact import (
    MAX_ADDRESS,
    MAX_EMAIL,
    MAX_MOBILE_INPUT,
    ContactError,
    CustomerContact,
)

MAX_IBAN_INPUT = 42
"""34 characters, printed in groups of four: 8 spaces at most."""
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


class FuelProvisionInput(Strict):
    """P-28 / P-29: Fuel Management and the inputs of its monthly provision (M-25)."""

    avg_monthly_km: Kilometres
    din_consumption_per_100km: Quantity
    fuel_price_per_unit: Quantity
    fuel_card_cost: Amount = Field(default="0.00", validate_default=True)
    management_fee: Amount = Field(default="0.00", validate_default=True)


class CustomerContactInput(Strict):
    """P-30: where the Customer is reached (personal data: kept by the portal's contact store,
    never in an event). The rules are `CustomerContact.parse`'s; the sizes here only bound
    the input before it runs."""

    postal_address: Annotated[str, StringConstraints(max_length=MAX_ADDRESS)]
    email: Annotated[str, StringConstraints(max_length=MAX_EMAIL)]
    mobile_number: Annotated[str, StringConstraints(max_length=MAX_MOBILE_INPUT)]
    """E.164, spaces allowed: `+32 470 00 00 00`."""
    language: Literal["nl", "fr", "en"]

    @model_validator(mode="after")
    def _valid(self) -> CustomerContactInput:
        try:
            self.contact()
        except ContactError as err:
            raise ValueError(f"{err.field} {err.message}") from None
        return self

    def contact(self) -> CustomerContact:
        """The contact as the portal keeps it (the mobile number without spaces)."""
        return CustomerContact.parse(self.model_dump())


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
    special_conditions_id: Identifier | None = None
    quote_id: Identifier | None = None
    signed_at: Identifier | None = None
    """P-03: ISO-8601 with its offset, e.g. 2024-02-20T10:15:00+01:00."""
    supplier_id: Identifier | None = None
    sepa_mandate_id: Identifier | None = None
    iban: Annotated[str, StringConstraints(max_length=MAX_IBAN_INPUT)] | None = None
    """P-17: the mandate's IBAN, checked (ISO 13616) but, personal data (A-40), not a term:
    never in an event; the contract keeps `sepa_mandate_id`, the mandate keeps the IBAN."""
    fuel_provision: FuelProvisionInput | None = None
    """P-28 / P-29: present when the contract includes Fuel Management."""
    agreed_km_cap: Kilometres | None = None
    """P-31 / A-15: a km cap written into the Special Conditions (any fuel type)."""
    customer_contact: CustomerContactInput | None = None
    """P-30: the Customer's contact for the portal; not a term: never in an event."""

    @model_validator(mode="after")
    def _valid_iban(self) -> ContractTermsInput:
        problem = None if self.iban is None else iban_problem(self.iban)
        if problem is not None:
            raise ValueError(f"iban {problem} (P-17)")
        return self

    def to_terms(self) -> ContractTerms:
        """The domain's terms; TermsError (P-49..P-53) names the field and the rule. The
        customer contact and the IBAN are left out (personal data stays out of the event
        payload, A-40)."""
        fields = self.model_dump(
            mode="json", exclude_unset=True, exclude={"customer_contact", "iban"}
        )
        return ContractTerms.from_dict(fields)


class LessorPolicyInput(Strict):
    """K-02, P-42: the grounds the Lessor acts on by itself, the early-termination fee rate."""

    auto_dissolve_grounds: Grounds = Field(default_factory=list)
    auto_suspend_grounds: Grounds = Field(default_factory=list)
    early_termination_fee_rate: Rate = Field(default="0.50", validate_default=True)
    paper_surcharge: Amount = Field(default="0.00", validate_default=True)
    km_cap_end_mode: Literal["BY_LAW", "LESSOR_DECISION"] = "BY_LAW"
    """A-15(b): the km cap ends the contract by law, or the Lessor decides (`end_on_km_cap`)."""

    def to_policy(self) -> LessorPolicy:
        """The domain's policy; RuleViolationError (K-02, K-08, P-42) names the rule."""
        return LessorPolicy(
            auto_dissolve_grounds=tuple(self.auto_dissolve_grounds),
            auto_suspend_grounds=tuple(self.auto_suspend_grounds),
            early_termination_fee_rate=Decimal(self.early_termination_fee_rate),
            paper_surcharge=Money.of(_plain(self.paper_surcharge)),
            km_cap_end_mode=KmCapEndMode(self.km_cap_end_mode),
        )
