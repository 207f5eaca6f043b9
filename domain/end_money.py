"""Money at the end of a contract (RULES 4: M-18..M-24): pure functions, Decimal only.

Total loss and theft against the Remaining Capital, the advance refund, the GAP payout, the
dissolution indemnity and its corrections after a sale, the early-termination fee, late-return
compensation and return charges. Lines are rounded half-up to cents (RULES 0.5, A-34).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.money import Money, money_min, round2, total
from domain.money_rules import (
    EARLY_TERMINATION_FEE_RATE_MAX,
    LATE_RETURN_FLAT_PER_DAY,
    REINVESTMENT_RATE,
    ZERO,
    expected_km,
    non_negative,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date


@dataclass(frozen=True)
class LossSettlement:
    """M-18: total loss / theft against the Remaining Capital at the end date."""

    remaining_capital: Money
    insurer_payout: Money
    protection_waived: Money
    covered: Money
    shortfall: Money
    surplus: Money


def protection_waiver(remaining_capital: Money, insurer_payout: Money) -> Money:
    """M-18 with Protection (Art. 10.1, 7.8(ii)): the Lessor waives its recourse for what the
    insurer does not pay (Art. 10.2 excludes damage an insurer compensates), never more than
    the Remaining Capital, itself at most the Invested Capital (Art. 10.2)."""
    return non_negative(remaining_capital - insurer_payout)


def total_loss_settlement(
    remaining_capital: Money, insurer_payout: Money, protection_waived: Money
) -> LossSettlement:
    """M-18: shortfall = max(0, RC - covered) charged; surplus = max(0, payout - RC) paid."""
    covered = insurer_payout + protection_waived
    shortfall = non_negative(remaining_capital - covered)
    surplus = non_negative(insurer_payout - remaining_capital)
    return LossSettlement(
        remaining_capital,
        insurer_payout,
        protection_waived,
        covered,
        shortfall.rounded(),
        surplus.rounded(),
    )


def advance_refund(advance: Money, term_months: int, elapsed: int) -> Money:
    """M-19: round2(advance x (term - elapsedMonths) / term), floor 0 (A-26), outside VAT."""
    if term_months <= 0:
        raise ValueError(f"M-19: term must be at least one month, got {term_months}")
    refund = Money(advance.amount * (term_months - elapsed) / term_months)
    return non_negative(refund).rounded()


# --- M-21: Dissolution Indemnity ------------------------------------------------------------


@dataclass(frozen=True)
class DissolutionIndemnity:
    """M-21: a = RC(D), b = 10% of a, c = value deducted, amount = max(0, a + b - c)."""

    remaining_capital: Money
    reinvestment: Money
    value_deducted: Money
    amount: Money


def _indemnity(remaining_capital: Money, reinvestment: Money, value: Money) -> DissolutionIndemnity:
    amount = non_negative(remaining_capital + reinvestment - value).rounded()
    return DissolutionIndemnity(remaining_capital, reinvestment, value, amount)


def dissolution_indemnity(
    remaining_capital: Money, market_value: Money | None
) -> DissolutionIndemnity:
    """M-21: I0 = max(0, a + b - c); c = EMV, or 0 if the Vehicle is not in the Lessor's hands."""
    reinvestment = (remaining_capital * REINVESTMENT_RATE).rounded()
    value = market_value if market_value is not None else ZERO
    return _indemnity(remaining_capital, reinvestment, value)


def indemnity_after_sale_within_window(
    ind: DissolutionIndemnity, sale_price: Money
) -> DissolutionIndemnity:
    """M-21 15-day sale rule (D-14): only a sale price P above c replaces c."""
    if sale_price <= ind.value_deducted:
        return ind
    return _indemnity(ind.remaining_capital, ind.reinvestment, sale_price)


@dataclass(frozen=True)
class IndemnityCorrection:
    """M-21 later sale correction: the corrected indemnity and the surplus above a + b."""

    indemnity: DissolutionIndemnity
    surplus: Money


def indemnity_after_later_sale(
    ind: DissolutionIndemnity, net_proceeds: Money
) -> IndemnityCorrection:
    """M-21 later sale: c := min(NP, a + b); surplus = max(0, NP - (a + b)) (M-10 order)."""
    ceiling = ind.remaining_capital + ind.reinvestment
    corrected = _indemnity(
        ind.remaining_capital, ind.reinvestment, money_min(net_proceeds, ceiling)
    )
    return IndemnityCorrection(corrected, non_negative(net_proceeds - ceiling))


# --- M-22 .. M-24: early termination, late return, return charges ---------------------------


@dataclass(frozen=True)
class EarlyTerminationFee:
    """M-22: the Early Termination Fee and its lines."""

    rate: Decimal
    remaining_months: Decimal
    remaining_instalments: Money
    base_fee: Money
    expected_km: Decimal
    excess_km: Decimal
    excess_km_charge: Money
    damage_charge: Money
    missing_items_charge: Money
    amount: Money


def early_termination_fee(
    monthly_instalment: Money,
    term_months: int,
    months_covered_at_end: Decimal,
    rate: Decimal,
    actual_km: int,
    annual_km: int,
    excess_km_price: Money,
    damage: Money,
    missing_items: Money,
) -> EarlyTerminationFee:
    """M-22: round2(rate x remaining instalments) + excess km + damage + missing items."""
    if not Decimal(0) <= rate <= EARLY_TERMINATION_FEE_RATE_MAX:
        raise ValueError(f"P-42: early termination fee rate must be within 0..0.50, got {rate}")
    remaining_months = max(Decimal(0), term_months - months_covered_at_end)
    remaining = monthly_instalment * remaining_months
    base_fee = (remaining * rate).rounded()
    expected = expected_km(annual_km, months_covered_at_end)
    excess = max(Decimal(0), actual_km - expected)
    excess_charge = (excess_km_price * excess).rounded()
    damage_line, missing_line = damage.rounded(), missing_items.rounded()
    return EarlyTerminationFee(
        rate=rate,
        remaining_months=remaining_months,
        remaining_instalments=remaining,
        base_fee=base_fee,
        expected_km=expected,
        excess_km=excess,
        excess_km_charge=excess_charge,
        damage_charge=damage_line,
        missing_items_charge=missing_line,
        amount=total([base_fee, excess_charge, damage_line, missing_line]),
    )


def late_days(return_due: date, returned_on: date) -> int:
    """M-23: calendar days after the return due date (D-25), never negative."""
    return max(0, (returned_on - return_due).days)


def late_return_compensation(
    last_instalment: Money, days_in_last_period: int, late_days: int
) -> tuple[Money, Money, Money]:
    """M-23: (round2(instalment x late / period days), 50 x late, total) (A-17)."""
    if days_in_last_period <= 0:
        raise ValueError(f"M-23: billing period must have days, got {days_in_last_period}")
    days = max(0, late_days)
    pro_rata = Money(round2(last_instalment.amount * days / days_in_last_period))
    flat = LATE_RETURN_FLAT_PER_DAY * days
    return pro_rata, flat, pro_rata + flat


def return_charges(lines: Sequence[Money]) -> Money:
    """M-24: damage (RENTA), missing items and modifications: the sum of rounded lines."""
    return total([line.rounded() for line in lines])
