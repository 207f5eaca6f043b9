"""Test data: the RULES 0.6 reference contract REF, business contexts, contracts made ACTIVE."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

from eventsourcing.domain import Snapshot

from domain.application import ContractsApplication
from domain.contract import Contract, Ctx
from domain.contract.billing import ReceivePayment
from domain.contract.daily import ApplyArticle18, Bill
from domain.contract.formation import (
    HandOverVehicle,
    NotifyVehicleReady,
    OrderVehicle,
    SubmitInsuranceProof,
)
from domain.contract.registry import execute
from domain.decisions import CommandResult, decision
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import ContractTerms
from domain.values import Frequency, FuelType, InsuranceMode

REF_START = date(2024, 3, 12)
"""RULES 0.6: Start Date of REF (Tue 2024-03-12)."""
REF_HANDOVER_ODOMETER = 12
"""Odometer on the Handover Form in the RULES examples (return readings are this plus km driven)."""

ONE_DAY = timedelta(days=1)
CONCLUDED_DAYS_BEFORE_START = 40
ORDERED_DAYS_BEFORE_START = 30
READY_DAYS_BEFORE_START = 7
PROOF_DAYS_BEFORE_START = 3


def random_contract_number() -> str:
    """A fresh contract number, so tests never share an aggregate id."""
    return f"PL-{secrets.token_hex(5).upper()}"


def ref_terms(**overrides: Any) -> ContractTerms:
    """REF (RULES 0.6): DIESEL, 48 months, 20,000 km/y, 650.00 monthly, Protection fee 500.00."""
    terms = ContractTerms(
        contract_number=random_contract_number(),
        customer_number=f"K-{secrets.token_hex(4).upper()}",
        fuel_type=FuelType.DIESEL,
        term_months=48,
        annual_km=20_000,
        excess_km_price=Money.of("0.10"),
        instalment_amount=Money.of("650.00"),
        instalment_frequency=Frequency.MONTHLY,
        invested_capital=Money.of("45000.00"),
        payment_term_days=0,
        advance_payment=Money.of("3000.00"),
        protection_included=True,
        flat_damage_fee=Money.of("500.00"),
        gap_included=True,
        gap_insured_value=Money.of("42000.00"),
        insurance_mode=InsuranceMode.CUSTOMER_OWN,
        insurer_theft_recovery_days=30,
    )
    return replace(terms, **overrides)


def ref_terms_dict(**overrides: Any) -> dict[str, Any]:
    """REF as the snake_case input `ContractTerms.from_dict` parses (API and scenario shape)."""
    data: dict[str, Any] = {
        "contract_number": random_contract_number(),
        "customer_number": f"K-{secrets.token_hex(4).upper()}",
        "fuel_type": "DIESEL",
        "term_months": 48,
        "annual_km": 20_000,
        "excess_km_price": "0.10",
        "instalment_amount": "650.00",
        "instalment_frequency": "MONTHLY",
        "invested_capital": "45000.00",
        "payment_term_days": 0,
        "advance_payment": "3000.00",
        "protection": {"included": True, "flat_damage_fee": "500.00"},
        "gap": {"included": True, "insured_value": "42000.00"},
        "insurance_mode": "CUSTOMER_OWN",
        "insurer_theft_recovery_days": 30,
    }
    data.update(overrides)
    return data


def ctx(on: date, actor: str = "LESSOR_USER") -> Ctx:
    """A command context on business date `on`, with a fresh causation id."""
    return Ctx(on=on, actor=actor, causation_id=f"test-{uuid4()}")


def concluded_ref_contract(start: date = REF_START, **overrides: Any) -> Contract:
    """REF concluded ahead of `start`; its ContractConcluded event is still pending."""
    return Contract.conclude(
        ref_terms(**overrides), ctx(start - timedelta(days=CONCLUDED_DAYS_BEFORE_START))
    )


def handed_over_ref_contract(start: date = REF_START, **overrides: Any) -> Contract:
    """REF walked conclude -> order -> ready -> insurance proof -> hand_over; events pending."""
    contract = concluded_ref_contract(start, **overrides)
    execute(contract, OrderVehicle(), ctx(start - timedelta(days=ORDERED_DAYS_BEFORE_START)))
    execute(contract, NotifyVehicleReady(), ctx(start - timedelta(days=READY_DAYS_BEFORE_START)))
    execute(contract, SubmitInsuranceProof(), ctx(start - timedelta(days=PROOF_DAYS_BEFORE_START)))
    execute(contract, HandOverVehicle(odometer=REF_HANDOVER_ODOMETER), ctx(start))
    return contract


def part_paid_in(app: ContractsApplication, billed_until: date) -> str:
    """REF concluded and handed over through `app` (stored as the service stores it), billed
    for every day up to `billed_until` and paid 500.00 the day after; its number."""
    terms = ref_terms()
    number = terms.contract_number
    app.conclude(terms, ctx(REF_START - timedelta(days=CONCLUDED_DAYS_BEFORE_START)))
    for command, on in (
        (OrderVehicle(), REF_START - timedelta(days=ORDERED_DAYS_BEFORE_START)),
        (NotifyVehicleReady(), REF_START - timedelta(days=READY_DAYS_BEFORE_START)),
        (SubmitInsuranceProof(), REF_START - timedelta(days=PROOF_DAYS_BEFORE_START)),
        (HandOverVehicle(odometer=REF_HANDOVER_ODOMETER), REF_START),
    ):
        app.execute(number, command, ctx(on))
    app.decide(number, lambda c: run_days(c, REF_START, billed_until))
    paid_on = billed_until + timedelta(days=1)
    app.execute(number, ReceivePayment(amount=Money.of("500.00")), ctx(paid_on))
    return number


def active_ref_contract(start: date = REF_START, **overrides: Any) -> Contract:
    """An ACTIVE REF contract handed over on `start` (odometer 12), pending events dropped."""
    contract = handed_over_ref_contract(start, **overrides)
    contract.collect_events()
    return contract


def run_days(
    contract: Contract, first: date, last: date, policy: LessorPolicy | None = None
) -> None:
    """The daily run (`run_daily`) for every day from `first` to `last`."""
    rules = policy if policy is not None else LessorPolicy()
    day = first
    while day <= last:
        run_daily(contract, ctx(day, actor="SYSTEM:scheduler"), rules)
        day += ONE_DAY


def run_daily(contract: Contract, ctx: Ctx, policy: LessorPolicy) -> None:
    """One business day in one step: the Article 18 rules under `policy`, then billing."""
    day = replace(ctx, policy=policy)
    execute(contract, ApplyArticle18(), day)
    execute(contract, Bill(), day)


def run_daily_app(
    app: ContractsApplication, number: str, ctx: Ctx, policy: LessorPolicy
) -> CommandResult:
    """`run_daily` through the application, in one transaction."""
    return app.decide(number, decision(replace(ctx, policy=policy), ApplyArticle18(), Bill()))


def loaded_from_older_snapshot(contract: Contract, version: int, *without: str) -> Contract:
    """`contract` loaded from a snapshot of class version `version`, as one taken before the
    fields `without` existed (the upcasts of domain/contract/upcasts.py fill them in)."""
    snapshot = Snapshot.take(contract)
    state = {k: v for k, v in snapshot.state.items() if k not in without}
    old = Snapshot(
        originator_id=snapshot.originator_id,
        originator_version=snapshot.originator_version,
        timestamp=snapshot.timestamp,
        topic=snapshot.topic,
        state={**state, "class_version": version},
    )
    loaded = old.mutate(None)
    assert isinstance(loaded, Contract)
    return loaded
