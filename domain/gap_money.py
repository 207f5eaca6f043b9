"""The GAP payout on a theft or total loss (M-20, Art. 11.7; P-45, A-24): pure, Decimal only.

n = contractMonthNumber(E) = elapsedMonths(E) + 1 (RULES 0.5):
- n <= 24: base = Insured Value (P-19);
- 25 <= n <= 60: base = Insured Value x (1 - 1% x elapsedMonths(E)) [INT: all elapsed months
  count, the literal reading of A-24(b)];
- n > 60: no GAP payout (A-24(c)).

payout = max(0, base - (waived + advance refund)) (A-24(d): floor 0). Term (ii) is the amount
the Lessor waives under Art. 10 plus what Art. 10.8 refunded; where Protection does not cover
the loss (not included, ended, or the claim refused), A-24(a) puts the insurer's payout to
the Lessor in its place and there is no advance refund.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.money import Money
from domain.money_rules import non_negative
from domain.workings import Working, percent, working

GAP_FULL_VALUE_MONTHS = 24  # P-45: the full Insured Value up to contract month 24
GAP_DEPRECIATION_END_MONTH = 60  # P-45 / A-24(c): no GAP payout after contract month 60
GAP_DEPRECIATION_RATE = Decimal("0.01")  # P-45: 1% per elapsed contract month


@dataclass(frozen=True)
class GapPayout:
    """M-20: the base for the contract month and what is deducted from it."""

    month_number: int
    base: Money
    deducted: Money
    """Term (ii): the Protection waiver, or the insurer's payout (A-24(a)), plus the refund."""
    payout: Money
    working: Working


def gap_base(insured_value: Money, elapsed: int) -> Money | None:
    """M-20 / P-45: the GAP base in contract month elapsed + 1 (None after month 60)."""
    month_number = elapsed + 1
    if month_number > GAP_DEPRECIATION_END_MONTH:
        return None
    if month_number <= GAP_FULL_VALUE_MONTHS:
        return insured_value
    return Money(insured_value.amount * (1 - GAP_DEPRECIATION_RATE * elapsed)).rounded()


def gap_payout(
    insured_value: Money, elapsed: int, waived_or_paid: Money, advance_refund: Money
) -> GapPayout | None:
    """M-20: max(0, base - (waived_or_paid + advance_refund)); None after month 60 (A-24)."""
    base = gap_base(insured_value, elapsed)
    if base is None:
        return None
    deducted = waived_or_paid + advance_refund
    payout = non_negative(base - deducted).rounded()
    month_number = elapsed + 1
    if month_number <= GAP_FULL_VALUE_MONTHS:
        base_formula, base_applied = "insured_value", str(insured_value)
    else:
        rate = percent(GAP_DEPRECIATION_RATE)
        base_formula = f"insured_value x (1 - {rate} x elapsed_months)"
        base_applied = f"{insured_value} x (1 - {rate} x {elapsed})"
    worked = working(
        "M-20",
        f"max(0, {base_formula} - (waived_or_insurer_paid + advance_refund))",
        f"max(0, {base_applied} - ({waived_or_paid} + {advance_refund}))",
        payout,
        insured_value=insured_value,
        elapsed_months=elapsed,
        contract_month_number=month_number,
        waived_or_insurer_paid=waived_or_paid,
        advance_refund=advance_refund,
    )
    return GapPayout(month_number, base, deducted, payout, worked)
