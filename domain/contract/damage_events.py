"""Events of the damage register beyond the claim decision (RULES 9.4: M-16, M-17)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.money import Money


class ThirdPartyRecoveryReceived(ContractEvent):
    """M-16: a liable third party (or its insurer) paid the Lessor back for a Damage Event."""

    incident_id: str
    payer: str
    amount: Money

    def apply_to(self, c: Contract) -> None:
        claim = c.damage_claims[self.incident_id]
        recovered = claim["recovered"] + self.amount
        c.damage_claims = {**c.damage_claims, self.incident_id: {**claim, "recovered": recovered}}


class DamageShortfallCharged(ReceivableIssued):
    """M-17 (Art. 7.7, 7.8(i), 10.2): the repair cost that neither an insurer nor Protection
    covers, e.g. a Damage Event whose Protection claim was refused under Art. 10.2."""

    CATEGORY: ClassVar[str] = "DAMAGE_SHORTFALL"

    incident_id: str
    repair_cost: Money
    insurer_paid: Money
    protection_accepted: Money
