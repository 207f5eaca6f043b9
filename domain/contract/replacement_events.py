"""Events of an immobilisation and its replacement vehicle (RULES 9.5; L-36, D-16, D-39, M-28)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


def _update(table: dict[str, dict[str, Any]], key: str, **changes: Any) -> dict[str, Any]:
    return {**table, key: {**table[key], **changes}}


class ImmobilisationReported(ContractEvent):
    """D-16: the Vehicle is immobilised since `since` (mechanical defect, accident, theft)."""

    immobilisation_id: str
    cause: str
    since: date
    incident_id: str | None = None
    """The theft's incident, for cause THEFT."""

    def apply_to(self, c: Contract) -> None:
        row = {"cause": self.cause, "since": self.since, "resolved_on": None, "cap": None}
        c.immobilisations = {**c.immobilisations, self.immobilisation_id: row}


class LessorFullyInformedOfImmobilisation(ContractEvent):
    """D-16, L-36: the Lessor knows all causes; the entitlement starts on `entitled_from`."""

    immobilisation_id: str
    informed_on: date
    informed_hour: int
    entitled_from: date
    """Informed + 24 h (the same hour of that day); with the Mobility Card, after its 3 days."""
    entitled_until_cap: date | None = None
    """On theft: the theft date + 30 days."""

    def apply_to(self, c: Contract) -> None:
        c.immobilisations = _update(
            c.immobilisations,
            self.immobilisation_id,
            entitled_from=self.entitled_from,
            cap=self.entitled_until_cap,
        )


class ImmobilisationResolved(ContractEvent):
    """D-16: the immobilisation ended (repaired, or the stolen Vehicle recovered)."""

    immobilisation_id: str
    resolved_on: date
    replacement_id: str | None = None
    """The replacement still out on this immobilisation, due back on `return_by` (D-39)."""
    return_by: date | None = None

    def apply_to(self, c: Contract) -> None:
        c.immobilisations = _update(
            c.immobilisations, self.immobilisation_id, resolved_on=self.resolved_on
        )


class ReplacementVehicleProvided(ContractEvent):
    """L-36 PROVIDED, O-15: the replacement handed over, with its form and day rate."""

    replacement_id: str
    immobilisation_id: str
    provider: str
    provided_on: date
    entitled_from: date
    address: str
    handover_form_ref: str
    short_term_day_rate: Money
    entitled_until: date | None = None
    """D-39: the last day already known (a theft's 30-day cap), else None until resolved."""

    def apply_to(self, c: Contract) -> None:
        row = {
            "immobilisation_id": self.immobilisation_id,
            "provided_on": self.provided_on,
            "address": self.address,
            "day_rate": self.short_term_day_rate,
            "returned_on": None,
        }
        c.replacements = {**c.replacements, self.replacement_id: row}


class ReplacementVehicleReturned(ContractEvent):
    """L-36 RETURNED, D-39, O-15: back, with its km (added to the Vehicle's) and overrun."""

    replacement_id: str
    returned_on: date
    entitled_until: date
    km: int
    at_provision_address: bool
    damage_cost: Money
    overrun_days: int

    def apply_to(self, c: Contract) -> None:
        c.replacements = _update(c.replacements, self.replacement_id, returned_on=self.returned_on)
        c.replacement_km += self.km


class ReplacementVehicleCharged(ReceivableIssued):
    """M-28: overrun days at the short-term rental rate, and damage to the replacement."""

    CATEGORY: ClassVar[str] = "REPLACEMENT_VEHICLE"

    replacement_id: str
    overrun_days: int
    short_term_day_rate: Money
    damage_cost: Money
