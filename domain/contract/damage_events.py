"""Events of the damage register beyond the claim decision (RULES 9.4: M-16, M-17)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued
from domain.contract.claim_window_events import close_window
from domain.money import Money

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract


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

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        claim = c.damage_claims.get(self.incident_id)
        if claim is not None:  # L-35: what an expert's acceptance credits back, and against what
            charged = claim.get("shortfall", Money.zero()) + self.amount
            document = claim.get("shortfall_receivable") or self.receivable_id
            claim = {**claim, "shortfall": charged, "shortfall_receivable": document}
            c.damage_claims = {**c.damage_claims, self.incident_id: claim}


class ProtectionTerminationNotified(ContractEvent):
    """L-32, D-20 (Art. 10.6): Protection terminated by registered letter; cover ends on
    `cover_ends_on` (the first day not covered)."""

    by: str
    """LESSOR or CUSTOMER."""
    ground: str
    registered_letter_date: date
    effective_date: date
    """The last day of Protection (the day before `cover_ends_on`)."""
    cover_ends_on: date
    claim_incident_id: str | None = None
    """AFTER_CLAIM (D-19): the claim the letter follows; None for ANNUAL."""

    def apply_to(self, c: Contract) -> None:
        ends = c.protection_ends_on
        c.protection_ends_on = self.cover_ends_on if ends is None else min(ends, self.cover_ends_on)
        if self.claim_incident_id is not None:  # D-19: the window of that claim is used
            close_window(c, self.claim_incident_id, "D-19")
