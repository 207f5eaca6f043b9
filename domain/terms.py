"""Contract terms: the RULES 2.1 parameters of the Special Conditions, validated (P-49..P-53)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, TypeVar

from domain.errors import TermsError
from domain.fuel_money import FuelInputs
from domain.fuel_terms import parse_fuel_provision, validate_fuel_inputs
from domain.km_cap import km_cap, km_cap_defaulted, own_cap
from domain.money import Money, parsed
from domain.terms_fields import (
    bool_field,
    instant_field,
    int_field,
    money_field,
    non_negative_money,
    opt_int_field,
    opt_money_field,
    opt_text_field,
    positive,
    positive_money,
    text_field,
)
from domain.values import Frequency, FuelType, InsuranceMode

REQUIRED = (
    "contract_number",
    "customer_number",
    "fuel_type",
    "term_months",
    "annual_km",
    "excess_km_price",
    "instalment_amount",
    "instalment_frequency",
    "invested_capital",
)
"""P-49 (and P-01, P-10): without these the contract cannot be formed."""

REFERENCES = {
    "special_conditions_id": "P-03",
    "quote_id": "P-03",
    "signed_at": "P-03",
    "supplier_id": "P-06",
    "sepa_mandate_id": "P-17",
}
"""Optional references of the Special Conditions ([INT] optional: contracts formed before
they were recorded have none), each with its rule."""
ZERO_MONEY = Money(Decimal("0.00"))
REGISTRATION_PLACES = ("LESSOR", "CUSTOMER")  # P-20/P-53: never abroad
BRANDS = ("BMW", "MINI")  # P-04: the brand names the service BMW or MINI Protection


@dataclass(frozen=True)
class ContractTerms:
    """The per-contract parameters (RULES 2.1) that ContractConcluded carries."""

    contract_number: str
    customer_number: str
    fuel_type: FuelType
    term_months: int
    annual_km: int
    excess_km_price: Money
    instalment_amount: Money
    instalment_frequency: Frequency
    invested_capital: Money
    payment_term_days: int = 0
    advance_payment: Money = ZERO_MONEY
    shortfall_km_price: Money | None = None
    shortfall_refund_cap: Money | None = None
    protection_included: bool = False
    flat_damage_fee: Money | None = None
    gap_included: bool = False
    gap_insured_value: Money | None = None
    insurance_mode: InsuranceMode = InsuranceMode.CUSTOMER_OWN
    insurer_theft_recovery_days: int = 30
    registered_in_name_of: str = "LESSOR"
    registration_costs_included_in_instalments: bool = True
    """P-21 (Art. 6.2): if False, registration costs, plates and BIV are invoiced (M-30)."""
    general_terms_version: str = "19-2/HP"
    """P-02: the version of the General Terms the contract follows (amended per D-29)."""
    brand: str = "BMW"
    """P-04: BMW or MINI."""
    instalment_components: tuple[tuple[str, Money], ...] = ()
    """P-13: the instalment's parts that pay for services, e.g. (("MAINTENANCE_REPAIR",
    Money 45.00),); the rest is the lease. Art. 18.2(ii) needs "the part of the
    Instalments relating to the service"."""
    special_conditions_id: str | None = None
    """P-03: the signed Special Conditions (they prevail over the quote, Art. 4.1)."""
    quote_id: str | None = None
    """P-03: the quote the Special Conditions follow."""
    signed_at: str | None = None
    """P-03: the instant of signature (ISO-8601 with its offset); the contract is formed on it."""
    supplier_id: str | None = None
    """P-06: the supplier (dealer) of the Vehicle."""
    sepa_mandate_id: str | None = None
    """P-17: the SEPA direct-debit mandate everything is collected under. The IBAN belongs to
    the mandate: personal data (A-40), checked at intake (domain/iban.py), never in an event."""
    fuel_management: bool = False
    """P-28 fuelManagement (Art. 16): a Fuel Card and a monthly provision on P-29's inputs."""
    fuel_avg_monthly_km: int = 0
    fuel_din_consumption_per_100km: Decimal = Decimal(0)
    fuel_price_per_unit: Decimal = Decimal(0)
    fuel_card_cost: Money = ZERO_MONEY
    fuel_management_fee: Money = ZERO_MONEY
    """P-29 (Art. 16.3): km per month, DIN consumption per 100 km, fuel price per litre (or
    kWh, A-31), card cost and management fee per month (M-25)."""
    agreed_km_cap: int | None = None
    """P-31 / A-15: a km cap written into the Special Conditions; it replaces the fuel type's
    (needed for a type Art. 2.2 does not list, domain/km_cap.py)."""

    @property
    def km_cap(self) -> int:
        """M-12: the odometer reading that ends the contract by law (P-31, A-15)."""
        return km_cap(self.fuel_type, self.agreed_km_cap)

    @property
    def _cap_name(self) -> str:
        return "agreed" if self.agreed_km_cap is not None else self.fuel_type.value

    @property
    def km_cap_defaulted(self) -> bool:
        """A-15(d): no cap for this fuel type and none agreed: 200,000 km is assumed."""
        return km_cap_defaulted(self.fuel_type, self.agreed_km_cap)

    @property
    def fuel_inputs(self) -> FuelInputs | None:
        """P-29 as the provision's inputs; None without Fuel Management."""
        if not self.fuel_management:
            return None
        return FuelInputs(
            self.fuel_avg_monthly_km,
            self.fuel_din_consumption_per_100km,
            self.fuel_price_per_unit,
            self.fuel_card_cost,
            self.fuel_management_fee,
        )

    @property
    def service_components(self) -> dict[str, Money]:
        """P-13 as a mapping: service -> its part of each instalment."""
        return dict(self.instalment_components)

    @property
    def contract_km(self) -> Decimal:
        """P-09: annualKm x termMonths / 12."""
        return Decimal(self.annual_km) * self.term_months / 12

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContractTerms:
        """Parse the snake_case RULES 2.1 fields (scenario and API input), then validate."""
        missing = [name for name in REQUIRED if data.get(name) in (None, "")]
        if missing:
            raise TermsError(missing[0], "P-49", "is required to form the contract")
        protection = _section(data, "protection")
        gap = _section(data, "gap")
        references: dict[str, Any] = {
            name: opt_text_field(data, name, rule) for name, rule in REFERENCES.items()
        }
        terms = cls(
            contract_number=text_field(data, "contract_number"),
            customer_number=text_field(data, "customer_number"),
            fuel_type=_enum(FuelType, data, "fuel_type", "P-07"),
            term_months=int_field(data, "term_months", "P-08"),
            annual_km=int_field(data, "annual_km", "P-09"),
            excess_km_price=money_field(data, "excess_km_price", "P-10"),
            instalment_amount=money_field(data, "instalment_amount", "P-12"),
            instalment_frequency=_enum(Frequency, data, "instalment_frequency", "P-14"),
            invested_capital=money_field(data, "invested_capital", "P-18"),
            payment_term_days=int_field(data, "payment_term_days", "P-16", default=0),
            advance_payment=money_field(data, "advance_payment", "P-23", default="0.00"),
            shortfall_km_price=opt_money_field(data, "shortfall_km_price", "P-11"),
            shortfall_refund_cap=opt_money_field(data, "shortfall_refund_cap", "P-11"),
            protection_included=bool_field(protection, "protection.included", "P-24"),
            flat_damage_fee=opt_money_field(protection, "flat_damage_fee", "P-24"),
            gap_included=bool_field(gap, "gap.included", "P-27"),
            gap_insured_value=_insured_value(gap),
            insurance_mode=_enum(InsuranceMode, data, "insurance_mode", "P-25", "CUSTOMER_OWN"),
            insurer_theft_recovery_days=int_field(data, "insurer_theft_recovery_days", "P-26", 30),
            registered_in_name_of=str(data.get("registered_in_name_of", "LESSOR")),
            registration_costs_included_in_instalments=bool(
                data.get("registration_costs_included_in_instalments", True)
            ),
            general_terms_version=str(data.get("general_terms_version", "19-2/HP")),
            brand=str(data.get("brand", "BMW")),
            instalment_components=_components(data.get("instalment_components", {})),
            **references,
            **parse_fuel_provision(data.get("fuel_provision")),
            agreed_km_cap=opt_int_field(data, "agreed_km_cap", "P-31"),
        )
        terms.validate()
        return terms

    def validate(self) -> None:
        """P-49..P-53 and the ranges of RULES 2.1; raises TermsError naming field and rule."""
        # P-08: any whole number of months; P-14 (Art. 5.1) does not ask for whole billing
        # periods. The period the end cuts short is invoiced in advance like any other and
        # the days after the end are credited when the contract ends (M-02, M-04, A-16).
        positive("term_months", self.term_months, "P-08")
        positive("annual_km", self.annual_km, "P-09")
        positive_money("instalment_amount", self.instalment_amount, "P-12")
        positive_money("invested_capital", self.invested_capital, "P-18")
        non_negative_money("excess_km_price", self.excess_km_price, "P-10")
        non_negative_money("advance_payment", self.advance_payment, "P-23")
        if self.payment_term_days < 0:
            raise TermsError("payment_term_days", "P-16", "must be 0 or more days")
        if not 1 <= self.insurer_theft_recovery_days <= 30:
            raise TermsError("insurer_theft_recovery_days", "P-26", "must be between 1 and 30")
        self._validate_agreed_cap()
        cap = self.km_cap
        if self.contract_km > cap:
            raise TermsError(
                "annual_km",
                "P-50",
                f"{self.annual_km} km/year x {self.term_months} months = "
                f"{self.contract_km:f} km exceeds the {self._cap_name} km cap of {cap}",
            )
        self._validate_options()
        if self.signed_at is not None:
            instant_field("signed_at", self.signed_at, "P-03")
        if self.fuel_inputs is not None:
            validate_fuel_inputs(self.fuel_inputs)

    def _validate_agreed_cap(self) -> None:
        """P-31 / A-15: an agreed cap is positive and never above the type's own cap."""
        if self.agreed_km_cap is None:
            return
        positive("agreed_km_cap", self.agreed_km_cap, "P-31")
        own = own_cap(self.fuel_type)
        if own is not None and self.agreed_km_cap > own:
            raise TermsError(
                "agreed_km_cap",
                "P-31",
                f"{self.agreed_km_cap} km is above the {self.fuel_type.value} km cap of {own}",
            )

    def _validate_options(self) -> None:
        if self.protection_included and self.flat_damage_fee is None:
            raise TermsError("protection.flat_damage_fee", "P-51", "is required with Protection")
        if self.flat_damage_fee is not None:
            non_negative_money("protection.flat_damage_fee", self.flat_damage_fee, "P-51")
        if self.gap_included and self.gap_insured_value is None:
            raise TermsError("gap.insured_value", "P-51", "GAP needs the P-19 insured value")
        lessor_insures = self.insurance_mode is InsuranceMode.LESSOR_MTPL_WITH_PROTECTION
        if lessor_insures and not self.protection_included:
            raise TermsError(
                "insurance_mode", "P-52", "LESSOR_MTPL_WITH_PROTECTION needs Protection"
            )
        if not self.general_terms_version.strip():
            raise TermsError("general_terms_version", "P-02", "is required")
        if self.brand not in BRANDS:
            raise TermsError("brand", "P-04", f"must be one of {', '.join(BRANDS)}")
        if self.registered_in_name_of not in REGISTRATION_PLACES:
            raise TermsError("registered_in_name_of", "P-53", "must be LESSOR or CUSTOMER")
        services = sum((m.amount for _, m in self.instalment_components), Decimal(0))
        if services >= self.instalment_amount.amount:
            raise TermsError(
                "instalment_components", "P-13", "the services must leave a lease part"
            )

    def to_dict(self) -> dict[str, Any]:
        """Flat JSON-safe form (decimal strings, enum values); inverse of `from_flat`.
        Converts the fields `from_flat` reads back, found once (a snapshot writes the terms)."""
        out = {name: getattr(self, name) for name in _field_names()}
        amounts, decimals = _stored_kinds()
        for name in amounts:
            if (amount := out[name]) is not None:
                out[name] = format(amount.amount, "f")
        for name in decimals:
            out[name] = format(out[name], "f")
        for name in ("fuel_type", "instalment_frequency", "insurance_mode"):
            out[name] = out[name].value
        components = self.instalment_components
        out["instalment_components"] = {service: format(m.amount, "f") for service, m in components}
        return out

    @classmethod
    def from_flat(cls, data: dict[str, Any]) -> ContractTerms:
        """Rebuild from `to_dict()` output (stored events and snapshots)."""
        kwargs = dict(data)
        amounts, decimals = _stored_kinds()
        for name in amounts:
            if (value := kwargs.get(name)) is not None:
                kwargs[name] = parsed(value)
        for name in decimals:
            if (value := kwargs.get(name)) is not None:
                kwargs[name] = Decimal(value)
        kwargs["fuel_type"] = FuelType(kwargs["fuel_type"])
        kwargs["instalment_frequency"] = Frequency(kwargs["instalment_frequency"])
        kwargs["insurance_mode"] = InsuranceMode(kwargs["insurance_mode"])
        components = kwargs.get("instalment_components") or {}
        kwargs["instalment_components"] = tuple(
            (service, Money(Decimal(amount))) for service, amount in components.items()
        )
        return cls(**kwargs)


@functools.cache
def _field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ContractTerms))


@functools.cache
def _stored_kinds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms' Money fields (but the components, a dict) and Decimal fields, read once:
    `from_flat` runs for every snapshot a load reads."""
    found = fields(ContractTerms)
    amounts = [f.name for f in found if "Money" in str(f.type)]
    decimals = [f.name for f in found if f.type == "Decimal"]
    return tuple(n for n in amounts if n != "instalment_components"), tuple(decimals)


def _section(data: dict[str, Any], name: str) -> dict[str, Any]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise TermsError(name, "P-24" if name == "protection" else "P-27", "must be an object")
    return section


SERVICES = (
    "PROTECTION",
    "LESSOR_INSURANCE",
    "MAINTENANCE_REPAIR",
    "TYRES",
    "MOBILITY_CARD",
    "REPLACEMENT_VEHICLE",
    "FUEL_MANAGEMENT",
)
"""The Ancillary Services an instalment can include (P-13, Art. 12-16)."""


def _components(value: Any) -> tuple[tuple[str, Money], ...]:
    """P-13: {service: "amount"}, each a known service with a positive amount."""
    if not isinstance(value, dict):
        raise TermsError("instalment_components", "P-13", "must be an object of amounts")
    parts = []
    for service in sorted(value):
        where = f"instalment_components.{service}"
        if service not in SERVICES:
            raise TermsError(where, "P-13", f"must be one of {', '.join(SERVICES)}")
        money = money_field(value, service, "P-13")
        if not money.is_positive:
            raise TermsError(where, "P-13", "must be greater than 0")
        parts.append((service, money))
    return tuple(parts)


E = TypeVar("E", FuelType, Frequency, InsuranceMode)


def _enum(
    kind: type[E], data: dict[str, Any], name: str, rule: str, default: str | None = None
) -> E:
    value = data.get(name, default)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise TermsError(name, rule, f"must be one of {allowed}, got {value!r}") from None


def _insured_value(gap: dict[str, Any]) -> Money | None:
    """P-19: price excl. VAT, plus BIV and registration costs when borne by the Lessor."""
    if "insured_value" in gap:
        return money_field(gap, "insured_value", "P-19")
    if "purchase_price_ex_vat" not in gap:
        return None
    value = money_field(gap, "purchase_price_ex_vat", "P-19")
    if gap.get("lessor_bore_registration_tax_and_costs", True):
        value = value + money_field(gap, "registration_tax", "P-19", "0")
        value = value + money_field(gap, "registration_costs", "P-19", "0")
    return value
