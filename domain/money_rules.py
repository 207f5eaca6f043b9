"""Monetary rules of RULES.md section 4 (M-01 .. M-24, M-33): pure functions, Decimal only.

Every function takes values and returns values; none reads a clock or does I/O. Lines are
rounded half-up to cents with `round2` (RULES 0.5, A-34); intermediate values stay unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.calendar import elapsed_months
from domain.money import Money, money_max, money_min, round2
from domain.values import Bucket, DamageCause, Frequency, KmBand
from domain.workings import Working, percent, text, working

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

ZERO = Money.zero()

REMAINING_CAPITAL_MONTHLY_RATE = Decimal("0.01")  # P-33: 1% of Invested Capital per month
LATE_INTEREST_RATE_PER_MONTH = Decimal("0.002")  # P-34: 0.2% per month
LATE_INTEREST_RATE_PER_YEAR = LATE_INTEREST_RATE_PER_MONTH * 12  # P-34 / A-08: 2.4% per year
INTEREST_DAY_BASIS = Decimal(365)  # M-06 / A-08: actual/365
COLLECTION_TIER_LIMIT = Money.of("500.00")  # P-35: the first EUR 500
COLLECTION_RATE_FIRST_TIER = Decimal("0.10")  # P-35: 10% of the first EUR 500
COLLECTION_RATE_ABOVE_TIER = Decimal("0.025")  # P-35: 2.5% of the part above EUR 500
REGISTERED_LETTER_FEE: Money = Money.of("30.00")  # P-36 / M-07: per registered letter
KM_DEVIATION_THRESHOLD = Decimal("0.15")  # P-32 / A-14: strictly more than 15% is OVER_15
EXEMPT_DAMAGE_CAUSES = frozenset(  # M-15: Art. 10.3 causes without a flat damage fee
    {
        DamageCause.GLASS_BREAKAGE,
        DamageCause.FIRE,
        DamageCause.THEFT,
        DamageCause.ATTEMPTED_THEFT,
        DamageCause.NATURAL_FORCES,
        DamageCause.GAME_COLLISION,
    }
)
REINVESTMENT_RATE = Decimal("0.10")  # P-39: 10% of Remaining Capital
EARLY_TERMINATION_FEE_RATE_MAX = Decimal("0.50")  # P-42: at most 50%
LATE_RETURN_FLAT_PER_DAY = Money.of("50.00")  # P-43: EUR 50 per late day


def non_negative(amount: Money) -> Money:
    return money_max(ZERO, amount)


# --- M-01 .. M-08: capital, invoicing, interest, collection ------------------------------------


def worked_remaining_capital(
    invested: Money, start: date | None, on: date, rule_id: str = "M-01"
) -> Working:
    """M-01: Invested Capital x (1 - 1% x elapsedMonths(on)), linear, floor 0 (A-03).

    L-38 holds by construction: the elapsed months only grow with `on`, so the amount never
    rises over time, and the floor keeps it from going below zero."""
    months = elapsed_months(start, on)
    factor = 1 - REMAINING_CAPITAL_MONTHLY_RATE * months
    amount = non_negative(invested * factor).rounded()
    applied = f"max(0, {invested} x (1 - 1% x {months}))"
    formula = "max(0, invested_capital x (1 - 1% x elapsed_months))"
    return working(
        rule_id, formula, applied, amount, invested_capital=invested, elapsed_months=months, on=on
    )


def remaining_capital(invested: Money, start: date | None, on: date) -> Money:
    """M-01: the amount of `worked_remaining_capital`."""
    return worked_remaining_capital(invested, start, on).amount


def worked_pro_rata_instalment(
    instalment: Money, days_covered: int, days_in_period: int, rule_id: str = "M-04"
) -> Working:
    """M-02..M-04 (also M-33, M-23): round2(instalment x daysCovered / daysInBillingPeriod)."""
    if days_in_period <= 0 or not 0 <= days_covered <= days_in_period:
        raise ValueError(f"M-03: days covered {days_covered} not within period {days_in_period}")
    amount = Money(round2(instalment.amount * days_covered / days_in_period))
    return working(
        rule_id,
        "instalment x days_covered / days_in_period",
        f"{instalment} x {days_covered} / {days_in_period}",
        amount,
        instalment=instalment,
        days_covered=days_covered,
        days_in_period=days_in_period,
    )


def pro_rata_instalment(instalment: Money, days_covered: int, days_in_period: int) -> Money:
    """M-03/M-04 (also M-33): the amount of `worked_pro_rata_instalment`."""
    return worked_pro_rata_instalment(instalment, days_covered, days_in_period).amount


def worked_end_credit(
    invoiced: Money, kept: Working, already: Money, end: date, rule_id: str
) -> Working:
    """M-04 (A-16, A-23): the credit on an instalment invoice for the days after the end: what
    was invoiced, less the part kept up to the end (`kept`), less what was credited before."""
    return working(
        rule_id,
        "invoiced - kept_part - already_credited",
        f"{invoiced} - {kept.amount} - {already}",
        invoiced - kept.amount - already,
        invoiced=invoiced,
        end=end,
        kept_part=kept.applied,
        already_credited=already,
    )


def worked_late_interest(principal: Money, from_exclusive: date, to_inclusive: date) -> Working:
    """M-06: simple interest P x 2.4% x days / 365, rounded to cents, from the day after the
    due date to the payment date inclusive (A-08); nothing for no days or no principal."""
    days = (to_inclusive - from_exclusive).days
    amount = ZERO
    if days > 0 and principal.is_positive:
        exact = principal.amount * LATE_INTEREST_RATE_PER_YEAR * days / INTEREST_DAY_BASIS
        amount = Money(round2(exact))
    rate, basis = percent(LATE_INTEREST_RATE_PER_YEAR), text(INTEREST_DAY_BASIS)
    return working(
        "M-06",
        f"principal x {rate} x days / {basis}",
        f"{principal} x {rate} x {max(days, 0)} / {basis}",
        amount,
        principal=principal,
        due_on=from_exclusive,
        paid_on=to_inclusive,
        days=max(days, 0),
    )


def late_interest(principal: Money, from_exclusive: date, to_inclusive: date) -> Money:
    """M-06: the amount of `worked_late_interest`."""
    return worked_late_interest(principal, from_exclusive, to_inclusive).amount


def worked_collection_indemnity(unpaid: Money) -> Working:
    """M-07: round2(10% x min(U, 500) + 2.5% x max(0, U - 500)) on one invoice (A-10)."""
    base = non_negative(unpaid)
    first_tier = money_min(base, COLLECTION_TIER_LIMIT)
    above = non_negative(base - COLLECTION_TIER_LIMIT)
    indemnity = first_tier * COLLECTION_RATE_FIRST_TIER + above * COLLECTION_RATE_ABOVE_TIER
    low, high = percent(COLLECTION_RATE_FIRST_TIER), percent(COLLECTION_RATE_ABOVE_TIER)
    limit = COLLECTION_TIER_LIMIT
    return working(
        "M-07",
        f"{low} x min(unpaid, {limit}) + {high} x max(0, unpaid - {limit})",
        f"{low} x {first_tier} + {high} x {above}",
        indemnity.rounded(),
        unpaid=unpaid,
    )


def collection_indemnity(unpaid: Money) -> Money:
    """M-07: the amount of `worked_collection_indemnity`."""
    return worked_collection_indemnity(unpaid).amount


def worked_file_costs(registered_letters: int = 1) -> Working:
    """M-07 / A-09: EUR 30 of file costs per registered letter (P-36)."""
    amount = REGISTERED_LETTER_FEE * registered_letters
    return working(
        "M-07",
        "fee_per_registered_letter x registered_letters",
        f"{REGISTERED_LETTER_FEE} x {registered_letters}",
        amount,
        fee_per_registered_letter=REGISTERED_LETTER_FEE,
        registered_letters=registered_letters,
    )


# --- M-09 / M-10: allocation of payments and Guarantees -------------------------------------


@dataclass(frozen=True)
class OpenItem:
    """M-09: an open receivable; seq is the issue order (tie-break within a due date)."""

    item_id: str
    bucket: Bucket
    due_on: date
    open: Money
    seq: int


@dataclass(frozen=True)
class Allocation:
    """M-09: the part of a payment applied to one open item."""

    item_id: str
    bucket: Bucket
    amount: Money


@dataclass(frozen=True)
class PaymentAllocation:
    """M-09: how one payment was applied, and what is left unallocated."""

    allocations: tuple[Allocation, ...]
    unallocated: Money


def _allocation_order(items: Sequence[OpenItem], targeted_item_id: str | None) -> list[OpenItem]:
    """M-09 / A-11: targeted item first, then bucket order, oldest due date, issue order."""
    payable = [item for item in items if item.open.is_positive]
    ordered = sorted(payable, key=lambda item: (item.bucket.rank, item.due_on, item.seq))
    targeted = [item for item in ordered if item.item_id == targeted_item_id]
    return targeted + [item for item in ordered if item.item_id != targeted_item_id]


def allocate_payment(
    amount: Money, items: Sequence[OpenItem], targeted_item_id: str | None = None
) -> PaymentAllocation:
    """M-09: apply a payment to indemnities, interest, instalments, then other items (A-11)."""
    if not amount.is_positive:
        raise ValueError(f"M-09: payment amount must be positive, got {amount}")
    left = amount
    allocations: list[Allocation] = []
    for item in _allocation_order(items, targeted_item_id):
        if not left.is_positive:
            break
        paid = money_min(left, item.open)
        allocations.append(Allocation(item.item_id, item.bucket, paid))
        left -= paid
    return PaymentAllocation(tuple(allocations), left)


# --- M-11 / M-12: kilometres ----------------------------------------------------------------


def expected_km(annual_km: int, months: Decimal) -> Decimal:
    """M-11: expectedKm = annualKm / 12 x monthsCovered (unrounded; multiplied first)."""
    return Decimal(annual_km) * months / 12


@dataclass(frozen=True)
class KmSettlement:
    """M-11: deviation of actual against expected km, its band and its money line."""

    expected_km: Decimal
    actual_km: int
    deviation_km: Decimal
    deviation_pct: Decimal
    band: KmBand
    charge: Money
    credit: Money
    charge_working: Working
    credit_working: Working


def _shortfall_credit(shortfall_km: Decimal, price: Money | None, cap: Money | None) -> Working:
    """M-11 / A-14: credit for under-mileage only if a shortfall price is agreed, capped."""
    if price is None or shortfall_km <= 0:
        return working("M-11", "no shortfall price agreed, or no shortfall", "0", ZERO)
    credit = price * shortfall_km
    amount = (credit if cap is None else money_min(credit, cap)).rounded()
    km, unit = text(shortfall_km), text(price.amount)
    formula, applied = "shortfall_km x shortfall_km_price", f"{km} x {unit}"
    if cap is not None:
        formula, applied = f"min({formula}, shortfall_refund_cap)", f"min({applied}, {cap})"
    inputs = {"shortfall_km": shortfall_km, "shortfall_km_price": unit, "cap": cap or "none"}
    return working("M-11", formula, applied, amount, **inputs)


def _excess_charge(actual_km: int, expected: Decimal, price: Money) -> Working:
    """M-11: round2(excess km x price per km), nothing for no excess."""
    deviation = Decimal(actual_km) - expected
    amount = (price * deviation).rounded() if deviation > 0 else ZERO
    unit = text(price.amount)
    return working(
        "M-11",
        "excess_km_price x max(0, actual_km - expected_km)",
        f"{unit} x max(0, {actual_km} - {text(expected)})",
        amount,
        actual_km=actual_km,
        expected_km=expected,
        excess_km_price=unit,
    )


def km_settlement(
    actual_km: int,
    expected: Decimal,
    excess_km_price: Money,
    shortfall_km_price: Money | None = None,
    shortfall_refund_cap: Money | None = None,
) -> KmSettlement:
    """M-11: charge excess km, credit shortfall if agreed; OVER_15 only above 15% (A-14)."""
    deviation = Decimal(actual_km) - expected
    pct = deviation / expected if expected != 0 else Decimal(0)
    band = KmBand.OVER_15 if abs(pct) > KM_DEVIATION_THRESHOLD else KmBand.UNDER_15
    charge = _excess_charge(actual_km, expected, excess_km_price)
    credit = _shortfall_credit(-deviation, shortfall_km_price, shortfall_refund_cap)
    return KmSettlement(
        expected, actual_km, deviation, pct, band, charge.amount, credit.amount, charge, credit
    )


# --- M-15 .. M-20: damage, loss, advance, GAP -----------------------------------------------


@dataclass(frozen=True)
class DamageShare:
    """M-15: what the Customer pays and what the Lessor waives for one Damage Event."""

    customer_share: Money
    lessor_waived: Money
    working: Working
    """How the Customer's share was found (the line a flat damage fee invoice carries)."""


def flat_damage_fee(
    cause: DamageCause, damage: Money, flat_fee: Money, invested_capital: Money
) -> DamageShare:
    """M-15: min(damage, flat fee) unless the cause is exempt; waiver capped at Invested Capital."""
    exempt = cause in EXEMPT_DAMAGE_CAUSES
    share = ZERO if exempt else money_min(damage, flat_fee)
    waived = non_negative(money_min(damage, invested_capital) - share)
    formula = f"0 (cause {cause.value} is exempt)" if exempt else "min(damage, flat_damage_fee)"
    applied = "0" if exempt else f"min({damage}, {flat_fee})"
    worked = working(
        "M-15",
        formula,
        applied,
        share.rounded(),
        cause=cause.value,
        damage=damage,
        flat_damage_fee=flat_fee,
    )
    return DamageShare(share.rounded(), waived.rounded(), worked)


def monthly_equivalent(instalment: Money, frequency: Frequency) -> Money:
    """A-21 (also A-12): instalment x periods per year / 12, unrounded."""
    return Money(instalment.amount * frequency.periods_per_year / 12)


# --- M-14: levy handling fees -------------------------------------------------------------------

LEVY_FEE_MINIMUM_INITIAL = Money.of("15.00")  # P-38: first processing of a Levy
LEVY_FEE_MINIMUM_SUBSEQUENT = Money.of("50.00")  # P-38: each later processing


def worked_levy_fee(sequence: int, actual_cost: Money) -> Working:
    """M-14 / P-38: the processing fee is the actual cost, at least EUR 15 for the first
    processing of a Levy and EUR 50 for each later one."""
    minimum = LEVY_FEE_MINIMUM_INITIAL if sequence == 1 else LEVY_FEE_MINIMUM_SUBSEQUENT
    fee = money_max(actual_cost.rounded(), minimum)
    return working(
        "M-14",
        "max(actual_cost, minimum)",
        f"max({actual_cost.rounded()}, {minimum})",
        fee,
        sequence=sequence,
        actual_cost=actual_cost,
        minimum=minimum,
    )
