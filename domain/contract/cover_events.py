"""Events of guarantees, insurance cover and the ancillary services (RULES 9.4, 9.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


PROTECTION_ENDED = "PROTECTION_ENDED"
"""D-18: the policy type of a lapse notice that says Protection was terminated."""
CEASED, SEARCH_FAILED = "CEASED", "SEARCH_FAILED"
"""T-18.2-i: where a service's supplier stands (`Contract.service_suppliers`)."""


def _earliest(current: date | None, new: date) -> date:
    return new if current is None else min(current, new)


class AncillaryServiceStopped(ContractEvent):
    """L-33: a service linked to the contract stopped (ACTIVE -> STOPPED, never restarted)."""

    service: str
    """PROTECTION, LESSOR_INSURANCE, FUEL_MANAGEMENT or a service of the instalment (P-13)."""
    ground: str
    """L-33: 18.2(i), 18.2(ii), 18.10 or 16.5 (Fuel Management by agreement)."""
    effective_on: date

    def apply_to(self, c: Contract) -> None:
        c.stopped_services = [*c.stopped_services, self.service]
        if self.service == "PROTECTION" and self.ground != "18.10":  # not the end's own stop
            c.protection_ends_on = _earliest(c.protection_ends_on, self.effective_on)


class LessorInsuranceEnded(ContractEvent):
    """D-31 (Art. 11.4, 18.10, A-18): the liability insurance the Lessor provides with
    Protection ended: at the hand-in of the Vehicle at the contract's end, or on the date of
    a dissolution or early termination."""

    policy_ref: str
    effective_at: date
    reason: str
    """HAND_IN, DISSOLUTION, EARLY_TERMINATION or OTHER (an end by law or on death)."""

    def apply_to(self, c: Contract) -> None:
        c.lessor_insurance_ended_on = self.effective_at


class GuaranteeLapsed(ContractEvent):
    """T-18.3-vii: a guarantee for the Customer's obligations lost in whole or in part."""

    guarantee_id: str
    reason: str
    """CANCELLED, VOIDED or REDUCED."""
    remaining_amount: Money

    def apply_to(self, c: Contract) -> None:
        c.lapsed_guarantees = [*c.lapsed_guarantees, self.guarantee_id]
        held = c.guarantees.get(self.guarantee_id)
        if held is not None:  # provided under this contract (M-10): less is left to apply
            c.guarantees = {
                **c.guarantees,
                self.guarantee_id: held.lapsed_to(self.remaining_amount),
            }


class InsuranceLapseNotified(ContractEvent):
    """L-31, D-17: a required policy or the creditor endorsement lapsed; replace in 2 weeks."""

    lapse_id: str
    policy_type: str
    lapse_type: str
    notified_by: str
    replacement_deadline: date

    def apply_to(self, c: Contract) -> None:
        lapse: dict[str, Any] = {"deadline": self.replacement_deadline, "replaced_on": None}
        lapse |= {"expired": False, "policy_type": self.policy_type}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}
        if self.policy_type == PROTECTION_ENDED:  # D-18, A-27: cover ends on that deadline
            c.protection_ends_on = _earliest(c.protection_ends_on, self.replacement_deadline)


class ReplacementInsuranceProvided(ContractEvent):
    """D-17: the lapse is covered again (by the Customer, or announced by the Lessor)."""

    lapse_id: str
    provided_by: str

    def apply_to(self, c: Contract) -> None:
        lapse = {**c.insurance_lapses[self.lapse_id], "replaced_on": self.occurred_on}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}


class InsuranceReplacementDeadlineExpired(ContractEvent):
    """D-17 timer: no replacement within 2 weeks; the insurance is LAPSED (-> 18.3(x))."""

    lapse_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        lapse = {**c.insurance_lapses[self.lapse_id], "expired": True}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}


class ServiceSupplierCeased(ContractEvent):
    """T-18.2-i (HUMAN): the third party supplying an ancillary service stopped supplying it."""

    service: str
    supplier_id: str

    def apply_to(self, c: Contract) -> None:
        c.service_suppliers = {**c.service_suppliers, self.service: CEASED}


class ReplacementSupplierSearchFailed(ContractEvent):
    """T-18.2-i (HUMAN): no other supplier could be found for the service; it may now stop."""

    service: str
    supplier_id: str

    def apply_to(self, c: Contract) -> None:
        c.service_suppliers = {**c.service_suppliers, self.service: SEARCH_FAILED}
