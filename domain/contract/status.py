"""Small state predicates shared by the deciding modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.values import ContractStatus, EndKind

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract

RUNNING = frozenset(
    {
        ContractStatus.ACTIVE,
        ContractStatus.THEFT_PENDING,
        ContractStatus.SUSPENDED,
        ContractStatus.EARLY_TERMINATION_PENDING,
    }
)
"""The contract has started and not ended."""

NOT_ENDED = RUNNING | {
    ContractStatus.CONCLUDED,
    ContractStatus.ORDERED,
    ContractStatus.READY_FOR_HANDOVER,
    ContractStatus.HANDOVER_SUSPENDED,
}


def billing_end(c: Contract) -> date | None:
    """L-37 / M-04 (A-16): the last day instalments run to.

    While the contract runs, its contractual end; once ended, the effective end, except that
    heirs pay until the Vehicle is handed in (M-33). None before the Start Date.
    """
    if c.start_date is None or c.contractual_end_date is None:
        return None
    if c.end_kind is None:
        return c.contractual_end_date
    if c.end_kind is EndKind.DEATH:
        return c.returned_on or c.contractual_end_date
    assert c.effective_end_date is not None  # every end records one
    return min(c.effective_end_date, c.contractual_end_date)


def is_billable(c: Contract) -> bool:
    """Instalments run from the Start Date to the billing end (Art. 5.1, 5.6, A-19)."""
    return c.status is not ContractStatus.CLOSED and billing_end(c) is not None
