"""Events of the Maintenance & Repair service (RULES 9.5; O-12, O-05)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from domain.money import Money


class MaintenancePerformed(ContractEvent):
    """O-12: servicing, a repair or fluids done by a workshop, covered by the service or not.

    `customer_cost` is what the Customer bears (the whole `cost` when not covered: an MR
    exclusion, or the booklet not shown or the contract not mentioned; else 0)."""

    workshop_id: str
    approval_number: str
    work: str
    odometer: int
    cost: Money
    covered_by_contract: bool
    customer_cost: Money
    exclusion_code: str = ""
    booklet_shown: bool = True
