"""Events of formation, order and handover (RULES 9.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent
from domain.values import ContractStatus

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.terms import ContractTerms


class KmCapDefaulted(ContractEvent):
    """A-15(d), P-31: the fuel type has no cap in Art. 2.2 and the Special Conditions agree
    none, so the combustion cap is assumed; the back office should confirm it or agree one."""

    fuel_type: str
    km_cap: int


def warn_defaulted_km_cap(c: Contract, ctx: Ctx) -> None:
    """Record `KmCapDefaulted` when the contract's terms leave the km cap to the default."""
    if c.terms.km_cap_defaulted:
        c.emit(
            KmCapDefaulted,
            ctx,
            ["A-15", "P-31"],
            fuel_type=c.terms.fuel_type.value,
            km_cap=c.terms.km_cap,
        )


class VehicleSpecificationChanged(ContractEvent):
    """L-03: before delivery, with both consents and new Special Conditions."""

    terms: ContractTerms
    special_conditions_id: str

    def apply_to(self, c: Contract) -> None:
        c.terms = self.terms


class ContractAdjustmentIssued(ContractEvent):
    """L-30, M-13: new term, km or instalment from `effective_from`; timers follow."""

    adjustment_id: str
    reason: str
    terms: ContractTerms
    effective_from: date
    contractual_end_date: date

    def apply_to(self, c: Contract) -> None:
        c.terms = self.terms
        c.contractual_end_date = self.contractual_end_date
        c.adjustments += 1


class CustomerWithdrawalIntentRecorded(ContractEvent):
    """L-29: the Customer says they do not want the contract (ground 18.3(xi), A-20)."""

    channel: str

    def apply_to(self, c: Contract) -> None:
        c.withdrawal_intent_on = self.occurred_on


class VehicleOrdered(ContractEvent):
    """L-02."""

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.ORDERED


class VehicleReadyForHandoverNotified(ContractEvent):
    """L-04: starts D-08 (collection, 14 days) and D-09 (insurance proof, 1 month)."""

    collection_deadline: date
    insurance_proof_deadline: date

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.READY_FOR_HANDOVER

    def apply_to(self, c: Contract) -> None:
        c.ready_notified_on = self.occurred_on
        c.collection_deadline = self.collection_deadline
        c.insurance_proof_deadline = self.insurance_proof_deadline


class InsuranceProofAccepted(ContractEvent):
    """L-07(a), D-09."""

    def apply_to(self, c: Contract) -> None:
        c.insurance_proof_accepted = True


class HandoverSuspended(ContractEvent):
    """L-05."""

    ground: str

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.HANDOVER_SUSPENDED

    def apply_to(self, c: Contract) -> None:
        c.handover_suspended_on = self.occurred_on


class HandoverSuspensionLifted(ContractEvent):
    """L-06: the D-08/D-09 timers resume with the time they had left (GAP)."""

    collection_deadline: date | None
    insurance_proof_deadline: date | None

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.READY_FOR_HANDOVER

    def apply_to(self, c: Contract) -> None:
        c.collection_deadline = self.collection_deadline
        c.insurance_proof_deadline = self.insurance_proof_deadline
        c.handover_suspended_on = None


class DeadlineExpired(ContractEvent):
    """A timer of RULES section 5 ran out (D-08, D-09): its id is remembered (idempotent)."""

    deadline_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        c.expired_deadlines.append(self.deadline_id)


class VehicleCollectionDeadlineExpired(DeadlineExpired):
    """D-08 expired: treated as a refusal of the Vehicle (T-18.3-i)."""


class InsuranceProofDeadlineExpired(DeadlineExpired):
    """D-09 expired: treated as a refusal of the Vehicle (T-18.3-i)."""


class VehicleHandedOver(ContractEvent):
    """L-07: Start Date fixed, risk passes, billing starts (G-11, M-02)."""

    start_date: date
    odometer_at_handover: int
    contractual_end_date: date
    rented_storage: bool = False
    """D-05 checklist (Art. 9.4): kept in rented premises (False on events before it)."""
    landlord_informed: bool = False
    """D-05 checklist: the landlord knows the Lessor owns the Vehicle."""

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.ACTIVE

    def apply_to(self, c: Contract) -> None:
        c.start_date = self.start_date
        c.contractual_end_date = self.contractual_end_date
        c.odometer_at_handover = self.odometer_at_handover
        c.last_odometer = self.odometer_at_handover


class VehicleHandoverRefused(ContractEvent):
    """L-08/L-09: the Customer did not sign the Handover Form."""

    reason: str

    def apply_to(self, c: Contract) -> None:
        c.refused_on = self.occurred_on


class HandoverRefusalAssessed(ContractEvent):
    """L-08 (founded: T-4.4 end by law) or L-09 (unfounded: ground 18.3(i))."""

    founded: bool

    def apply_to(self, c: Contract) -> None:
        c.refusal_founded = self.founded
