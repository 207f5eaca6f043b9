"""The Lessor's configurable policy (K-02, P-42): what the rules engine may do by itself."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from domain.catalogue import RULES
from domain.errors import RuleViolationError
from domain.money import Money
from domain.money_rules import EARLY_TERMINATION_FEE_RATE_MAX
from domain.values import KmCapEndMode

LEGAL_REVIEW_GROUNDS = frozenset({"18.3(iv)"})
"""K-08 / A-44: grounds that need legal review and never auto-execute."""
_GROUND_RULE = re.compile(r"^T-(18\.[23])-([ivx]+)$")
LESSOR_GROUNDS = frozenset(
    f"{found[1]}({found[2]})" for rule_id in RULES if (found := _GROUND_RULE.match(rule_id))
)
"""K-02: the grounds of Art. 18.2 and 18.3 the rule catalogue knows (`T-18.3-ii` -> `18.3(ii)`),
the only ones a policy can name."""

NO_SURCHARGE = Money(Decimal("0.00"))
"""M-36 [GAP]: no paper surcharge unless the Lessor sets one."""


@dataclass(frozen=True)
class LessorPolicy:
    """Grounds the Lessor acts on automatically, and the early-termination fee rate."""

    auto_dissolve_grounds: tuple[str, ...] = ()
    auto_suspend_grounds: tuple[str, ...] = ()
    early_termination_fee_rate: Decimal = EARLY_TERMINATION_FEE_RATE_MAX
    paper_surcharge: Money = NO_SURCHARGE
    """M-36 [GAP]: the supplement per document sent by a non-electronic channel the Customer
    chose over electronic communication; the terms give no amount, so none unless set."""
    km_cap_end_mode: KmCapEndMode = KmCapEndMode.BY_LAW
    """A-15(b): the km cap ends the contract by law, or is a ground the Lessor decides on."""

    def __post_init__(self) -> None:
        rate = self.early_termination_fee_rate
        if not Decimal(0) <= rate <= EARLY_TERMINATION_FEE_RATE_MAX:
            raise RuleViolationError("P-42", f"early_termination_fee_rate {rate} must be 0..0.50")
        if self.paper_surcharge.amount < 0:
            raise RuleViolationError("M-36", "paper_surcharge must not be negative")
        for name in ("auto_dissolve_grounds", "auto_suspend_grounds"):
            unknown = [g for g in getattr(self, name) if g not in LESSOR_GROUNDS]
            if unknown:
                msg = f"{name}: {unknown[0]!r} is not a ground of Art. 18.2 or 18.3"
                raise RuleViolationError("K-02", msg)
        blocked = LEGAL_REVIEW_GROUNDS & set(self.auto_dissolve_grounds + self.auto_suspend_grounds)
        if blocked:
            raise RuleViolationError("K-08", f"ground {min(blocked)} needs legal review")


STANDARD_POLICY = LessorPolicy()
"""No ground acted on automatically, the maximum early-termination fee rate (P-42)."""
