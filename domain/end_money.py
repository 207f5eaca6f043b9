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
from domain.workings import Working, passed_on, percent, stated, text, working

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

    def line_workings(self, capital: Working) -> list[Working]:
        """The workings of the shortfall's lines: the Remaining Capital (`capital`, M-01),
        less the insurer's payout and the Protection waiver where there are any."""
        lines = [capital]
        if self.insurer_payout.is_positive:
            lines.append(stated("M-18", "insurer payout deducted", -self.insurer_payout))
        if self.protection_waived.is_positive:
            waived = self.protection_waived.rounded()
            lines.append(
                working(
                    "M-18",
                    "-max(0, remaining_capital - insurer_payout) (Protection waiver)",
                    f"-max(0, {self.remaining_capital} - {self.insurer_payout})",
                    -waived,
                    remaining_capital=self.remaining_capital,
                    insurer_payout=self.insurer_payout,
                )
            )
        return lines

    def surplus_working(self) -> Working:
        """M-18 (Art. 11.1): what the insurer paid above the Remaining Capital."""
        return working(
            "M-18",
            "max(0, insurer_payout - remaining_capital)",
            f"max(0, {self.insurer_payout} - {self.remaining_capital})",
            self.surplus,
            insurer_payout=self.insurer_payout,
            remaining_capital=self.remaining_capital,
        )


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


def worked_advance_refund(advance: Money, term_months: int, elapsed: int) -> Working:
    """M-19: round2(advance x (term - elapsedMonths) / term), floor 0 (A-26), outside VAT."""
    if term_months <= 0:
        raise ValueError(f"M-19: term must be at least one month, got {term_months}")
    refund = Money(advance.amount * (term_months - elapsed) / term_months)
    return working(
        "M-19",
        "max(0, advance_payment x (term_months - elapsed_months) / term_months)",
        f"max(0, {advance} x ({term_months} - {elapsed}) / {term_months})",
        non_negative(refund).rounded(),
        advance_payment=advance,
        term_months=term_months,
        elapsed_months=elapsed,
    )


def advance_refund(advance: Money, term_months: int, elapsed: int) -> Money:
    """M-19: the amount of `worked_advance_refund`."""
    return worked_advance_refund(advance, term_months, elapsed).amount


# --- M-21: Dissolution Indemnity ------------------------------------------------------------


@dataclass(frozen=True)
class DissolutionIndemnity:
    """M-21: a = RC(D), b = 10% of a, c = value deducted, amount = max(0, a + b - c)."""

    remaining_capital: Money
    reinvestment: Money
    value_deducted: Money
    amount: Money

    def line_workings(self, capital: Working) -> list[Working]:
        """The workings of the indemnity's lines: a (`capital`, M-01), b, and c if any."""
        lines = [
            capital,
            working(
                "M-21",
                f"{percent(REINVESTMENT_RATE)} x remaining_capital",
                f"{percent(REINVESTMENT_RATE)} x {self.remaining_capital}",
                self.reinvestment,
                remaining_capital=self.remaining_capital,
            ),
        ]
        if self.value_deducted.is_positive:
            c = stated("M-21", "market value of the Vehicle deducted", -self.value_deducted)
            lines.append(c)
        return lines

    def correction_working(self, previous: DissolutionIndemnity) -> Working:
        """M-21 (D-14, A-22): the difference a sale makes, booked as a debit or credit note
        (a credit note states the difference as a positive amount)."""
        difference = self.amount - previous.amount
        a, b, c = self.remaining_capital, self.reinvestment, self.value_deducted
        return working(
            "M-21",
            "|max(0, a + b - c_new) - previous_indemnity|",
            f"|max(0, {a} + {b} - {c}) - {previous.amount}|",
            Money(abs(difference.amount)),
            remaining_capital=a,
            reinvestment=b,
            value_deducted=c,
            previous_indemnity=previous.amount,
        )


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
    workings: tuple[Working, ...] = ()
    """One per line of the fee's document: the fee, then excess km, damage, missing items
    (those that are not zero)."""


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
    lines = [
        working(
            "M-22",
            "rate x monthly_instalment x remaining_months",
            f"{text(rate)} x {text(monthly_instalment.amount)} x {text(remaining_months)}",
            base_fee,
            rate=rate,
            monthly_instalment=monthly_instalment.amount,
            term_months=term_months,
            months_covered=months_covered_at_end,
            remaining_months=remaining_months,
        ),
        working(
            "M-22",
            "excess_km_price x max(0, actual_km - annual_km / 12 x months_covered)",
            f"{text(excess_km_price.amount)} x max(0, {actual_km} - {text(expected)})",
            excess_charge,
            actual_km=actual_km,
            annual_km=annual_km,
            months_covered=months_covered_at_end,
            expected_km=expected,
        ),
        passed_on("M-24", "damage at the return (RENTA)", damage_line),
        passed_on("M-24", "missing items at the return", missing_line),
    ]
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
        workings=(lines[0], *[w for w in lines[1:] if not w.amount.is_zero]),
    )


def late_days(return_due: date, returned_on: date) -> int:
    """M-23: calendar days after the return due date (D-25), never negative."""
    return max(0, (returned_on - return_due).days)


def worked_late_return_compensation(
    last_instalment: Money, days_in_last_period: int, late_days: int
) -> tuple[Working, Working]:
    """M-23: round2(instalment x late days / period days) and EUR 50 x late days (A-17)."""
    if days_in_last_period <= 0:
        raise ValueError(f"M-23: billing period must have days, got {days_in_last_period}")
    days = max(0, late_days)
    flat = LATE_RETURN_FLAT_PER_DAY * days
    return (
        _late_days_part(last_instalment, days, days_in_last_period),
        working(
            "M-23",
            f"{LATE_RETURN_FLAT_PER_DAY} x late_days",
            f"{LATE_RETURN_FLAT_PER_DAY} x {days}",
            flat,
            late_days=days,
        ),
    )


def _late_days_part(instalment: Money, days: int, days_in_period: int) -> Working:
    """M-23: the instalment of the last invoice per late day, rounded to cents (A-17)."""
    amount = Money(round2(instalment.amount * days / days_in_period))
    return working(
        "M-23",
        "instalment x late_days / days_in_period",
        f"{instalment} x {days} / {days_in_period}",
        amount,
        instalment=instalment,
        late_days=days,
        days_in_period=days_in_period,
    )


def late_return_compensation(
    last_instalment: Money, days_in_last_period: int, late_days: int
) -> tuple[Money, Money, Money]:
    """M-23: (round2(instalment x late / period days), 50 x late, total) (A-17)."""
    pro_rata, flat = worked_late_return_compensation(
        last_instalment, days_in_last_period, late_days
    )
    return pro_rata.amount, flat.amount, pro_rata.amount + flat.amount


def worked_return_charges(lines: Sequence[tuple[str, Money]]) -> list[Working]:
    """M-24: each damage or missing item, passed on at its stated cost, to the cent."""
    return [passed_on("M-24", item, amount, item=item) for item, amount in lines]


def return_charges(lines: Sequence[Money]) -> Money:
    """M-24: damage (RENTA), missing items and modifications: the sum of rounded lines."""
    return total([line.rounded() for line in lines])
