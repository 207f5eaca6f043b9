"""Events of the return, the final settlement and the closure (RULES 9.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued
from domain.values import ContractStatus

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract


class RepossessionOrdered(ContractEvent):
    """T-18.4: the Lessor takes the Vehicle back wherever it is."""

    reason: str


class RepossessionCostsCharged(ReceivableIssued):
    """M-32: the costs of taking the Vehicle back."""

    CATEGORY: ClassVar[str] = "REPOSSESSION"


class VehicleReturned(ContractEvent):
    """L-26: the Vehicle is back with the Lessor (returned or repossessed)."""

    returned_by: str

    def apply_to(self, c: Contract) -> None:
        c.returned_on = self.occurred_on


class ReturnInspectionCompleted(ContractEvent):
    """L-26, M-24: the Return Report signed by the Lessor; the Customer's risk ends."""

    odometer: int
    damages: list[dict[str, Any]]
    missing_items: list[dict[str, Any]]

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.RETURNED

    def apply_to(self, c: Contract) -> None:
        c.last_odometer = self.odometer
        c.last_odometer_on = self.occurred_on


class FinalSettlementStarted(ContractEvent):
    """L-27."""

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.IN_SETTLEMENT


class ContractClosed(ContractEvent):
    """L-28, D-33: all balances zero; the 10-year retention clock starts."""

    retention_until: date

    MOVES_TO: ClassVar[ContractStatus | None] = ContractStatus.CLOSED
