"""Events of the tyres service (RULES 9.5; O-13, D-26, M-37, A-32)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


class TyresReplaced(ContractEvent):
    """O-13: tyres repaired or replaced under an approval number."""

    approval_number: str
    reason: str
    tyre_count: int
    within_limits: bool
    cost: Money


class WinterTyresMounted(ContractEvent):
    """D-26: winter tyres (or a winter kit) mounted in a season; `chargeable` past the first."""

    season: str
    mounted_on: date
    winter_kit: bool
    chargeable: bool

    def apply_to(self, c: Contract) -> None:
        _count(c, self.season, "mounted")


class WinterTyresDemounted(ContractEvent):
    """D-26: winter tyres demounted for a season; `chargeable` past the first."""

    season: str
    demounted_on: date
    chargeable: bool

    def apply_to(self, c: Contract) -> None:
        _count(c, self.season, "demounted")


def _count(c: Contract, season: str, what: str) -> None:
    done = c.winter_seasons.get(season, {})
    c.winter_seasons = {**c.winter_seasons, season: {**done, what: done.get(what, 0) + 1}}


class TyreCostCharged(ReceivableIssued):
    """O-13, M-37, A-32: tyre costs the service leaves to the Customer, at cost."""

    CATEGORY: ClassVar[str] = "TYRES"

    cost_type: str
    """BEYOND_LIMITS (O-13), WINTER_KIT_RIMS (M-37), EXTRA_MOUNT or EXTRA_DEMOUNT (A-32)."""
    season: str | None = None
