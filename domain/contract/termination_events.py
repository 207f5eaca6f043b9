"""Events of the ends of a contract and of Article 18 (RULES 9.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.standing import Standing
from domain.contract.state import Dissolution, Ground
from domain.errors import RecordedRefusalError
from domain.money import Money
from domain.values import ContractStatus, EndKind, GroundStatus

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract

WITHIN_FIRST_12_MONTHS = "WITHIN_FIRST_12_MONTHS"
"""L-22/T-18.6: an EarlyTerminationRejected reason (RULES 9.6)."""
DISSOLUTION_GROUND_OPEN = "DISSOLUTION_GROUND_OPEN"
"""L-22/T-18.7: an EarlyTerminationRejected reason (RULES 9.6)."""


class ContractEnded(ContractEvent):
    """Base of the events that end the contract (one effective end, L-39)."""

    end_kind: str
    effective_end_date: date
    return_due_date: date | None
    next_status: str

    def standing(self, s: Standing) -> Standing:
        kind = EndKind(self.end_kind)
        return Standing(
            ContractStatus(self.next_status),
            None if kind is EndKind.THEFT else s.before_theft,
            kind,
            self.effective_end_date,
            self.return_due_date,
        )

    def apply_to(self, c: Contract) -> None:
        if self.end_kind == EndKind.THEFT.value:
            c.theft = None


class ContractEndSuperseded(ContractEvent):
    """K-05: a later-recorded end with an earlier effective date replaces the recorded one."""

    previous_end_kind: str
    previous_effective_end_date: date
    new_end_kind: str
    new_effective_end_date: date

    def standing(self, s: Standing) -> Standing:
        kind = EndKind(self.new_end_kind)
        return Standing(
            ContractStatus.IN_SETTLEMENT,
            None if kind is EndKind.THEFT else s.before_theft,
            kind,
            self.new_effective_end_date,
            None,
        )

    def apply_to(self, c: Contract) -> None:
        if self.new_end_kind == EndKind.THEFT.value:
            c.theft = None


class ContractTermExpired(ContractEvent):
    """D-30: the timer at the end of the contractual end date (precedes the end by law)."""

    contractual_end_date: date


class ContractEndedByLaw(ContractEnded):
    """T-18.1-i..iv, T-4.4: the contract ends by operation of law."""

    trigger: str


class ContractDissolvedAgainstCustomer(ContractEnded):
    """L-10, T-18.3-i..xiv: dissolution by the Lessor on established grounds."""

    ground_ids: list[str]
    written_notification_date: date

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        for ground_id in self.ground_ids:
            c.grounds[ground_id].status = GroundStatus.EXERCISED
        zero = Money.zero()
        c.dissolution = Dissolution(
            self.effective_end_date, self.written_notification_date, zero, zero, zero, zero
        )


class ContractDissolvedAgainstLessor(ContractEnded):
    """L-25, T-18.8-i..v: dissolution by the Customer on an 18.8 ground."""

    ground: str


class ContractTerminatedOnDeath(ContractEnded):
    """L-24, T-18.9: no termination costs; instalments run until the return (M-33)."""

    terminated_by: str


class ContractTerminatedEarlyByCustomer(ContractEnded):
    """L-23, T-18.7: effective on the return date (A-21)."""


class DissolutionGroundRecorded(ContractEvent):
    """K-02: a HUMAN ground recorded with its rationale."""

    ground_id: str
    ground: str
    rationale: str

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id] = Ground(
            self.ground_id, self.ground, self.occurred_on, rationale=self.rationale
        )


class DissolutionGroundDetected(ContractEvent):
    """K-02: an AUTO-DETECT ground became true, with its evidence."""

    ground_id: str
    ground: str
    evidence: list[str]
    cure_deadline: date | None

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id] = Ground(
            self.ground_id,
            self.ground,
            self.occurred_on,
            cure_deadline=self.cure_deadline,
            evidence=list(self.evidence),
        )


class DissolutionGroundCleared(ContractEvent):
    """K-02: the ground stopped being true (e.g. arrears paid)."""

    ground_id: str
    reason: str

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id].status = GroundStatus.CLEARED


class ContractSuspended(ContractEvent):
    """L-11, T-18.3-S."""

    ground_ids: list[str]

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.SUSPENDED


class ContractSuspensionLifted(ContractEvent):
    """L-12."""

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.ACTIVE


class VehicleMarketValueEstimated(ContractEvent):
    """M-21 (A-22 c): the Lessor's estimate of the Vehicle's market value."""

    amount: Money

    def apply_to(self, c: Contract) -> None:
        c.market_value = self.amount


class VehicleSold(ContractEvent):
    """M-21: the sale after dissolution, inside or after the 15-day window (D-14)."""

    sale_date: date
    gross_price: Money
    net_proceeds: Money
    within_window: bool

    def apply_to(self, c: Contract) -> None:
        if c.dissolution is not None:
            c.dissolution.sold = True


class DissolutionIndemnityCorrected(ContractEvent):
    """M-21: the indemnity recomputed from the sale price."""

    previous_amount: Money
    new_amount: Money
    basis: str
    market_value_deducted: Money
    surplus: Money

    def apply_to(self, c: Contract) -> None:
        if c.dissolution is not None:
            c.dissolution.amount = self.new_amount
            c.dissolution.value_deducted = self.market_value_deducted


class EarlyTerminationRequested(ContractEvent):
    """L-20."""


class EarlyTerminationAccepted(ContractEvent):
    """L-21, T-18.7: from the first day of month 13 with no open 18.3 ground."""

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.EARLY_TERMINATION_PENDING


class EarlyTerminationRejected(ContractEvent):
    """L-22, T-18.6/T-18.7: the request is rejected and the contract stays ACTIVE.

    `earliest_date` (WITHIN_FIRST_12_MONTHS) is addMonths(StartDate, 12), the first day a
    request is allowed (D-28); `open_grounds` (DISSOLUTION_GROUND_OPEN) are the open 18.3
    grounds, empty when the contract is suspended without one listed."""

    reason: str
    earliest_date: date | None
    open_grounds: list[str]

    def refusal(self) -> RecordedRefusalError:
        return early_termination_refusal(self.reason, self.earliest_date, self.open_grounds)


def early_termination_refusal(
    reason: str, earliest_date: date | None, open_grounds: list[str]
) -> RecordedRefusalError:
    """What the Customer is told of an EarlyTerminationRejected: the rule and why."""
    if reason == WITHIN_FIRST_12_MONTHS:
        allowed = f"allowed from {earliest_date}"
        return RecordedRefusalError("T-18.6", f"within first 12 months ({allowed})")
    if open_grounds:
        return RecordedRefusalError("T-18.7", f"dissolution ground open: {', '.join(open_grounds)}")
    return RecordedRefusalError("T-18.7", "dissolution ground open (contract suspended)")


class CustomerDeathRecorded(ContractEvent):
    """L-24."""

    date_of_death: date

    def apply_to(self, c: Contract) -> None:
        c.death_on = self.date_of_death
