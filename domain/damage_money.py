"""Money of a Damage Event beyond the flat fee (M-16, M-17): pure functions, Decimal only.

M-15's flat fee itself is `money_rules.flat_damage_fee`. Lines are rounded half-up to cents.
"""

from __future__ import annotations

from domain.money import Money, money_max, money_min, round2
from domain.workings import Working, working

ZERO = Money.zero()


def worked_flat_fee_refund(
    fee_charged: Money, recovered: Money, damage: Money, refunded: Money = ZERO
) -> Working:
    """M-16 (Art. 10.3, A-25): min(fee, round2(fee x recovered / damage)), proportional, less
    what earlier recoveries of the same Damage Event already refunded.

    `recovered` is all that liable third parties paid back for the Damage Event so far; a
    damage of 0.00 charged no fee, so nothing is refunded."""
    share = ZERO
    if damage.is_positive:
        share = Money(round2(fee_charged.amount * recovered.amount / damage.amount))
    refund = money_max(ZERO, money_min(fee_charged, share) - refunded)
    formula = "min(fee_charged, round2(fee_charged x third_party_recovery / damage))"
    applied = f"min({fee_charged}, round2({fee_charged} x {recovered} / {damage}))"
    if refunded.is_positive:
        formula, applied = f"{formula} - already_refunded", f"{applied} - {refunded}"
    return working(
        "M-16",
        formula,
        applied,
        refund,
        fee_charged=fee_charged,
        third_party_recovery=recovered,
        damage=damage,
        already_refunded=refunded,
    )


def worked_damage_shortfall(repair_cost: Money, insurer_paid: Money, accepted: Money) -> Working:
    """M-17 (Art. 7.7, 7.8(i), 10.2, 11.8): repair cost less what the insurer paid and what
    Protection accepted, floor 0."""
    charge = money_max(ZERO, repair_cost - (insurer_paid + accepted)).rounded()
    return working(
        "M-17",
        "repair_cost - (insurer_paid + accepted_under_protection)",
        f"{repair_cost} - ({insurer_paid} + {accepted})",
        charge,
        repair_cost=repair_cost,
        insurer_paid=insurer_paid,
        accepted_under_protection=accepted,
    )
