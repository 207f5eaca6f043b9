"""Small state predicates shared by the deciding modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.values import ContractStatus, EndKind

if TYPE_CHECKING:
    from domain.contract import Contract

BILLABLE_STATUSES = frozenset(
    {
        ContractStatus.ACTIVE,
        ContractStatus.THEFT_PENDING,
        ContractStatus.SUSPENDED,
        ContractStatus.EARLY_TERMINATION_PENDING,
        ContractStatus.ENDED_AWAITING_RETURN,
    }
)

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


def is_billable(c: Contract) -> bool:
    """Instalments run while the contract runs (Art. 5.6, A-19), and for heirs until return."""
    if c.status in RUNNING:
        return True
    return c.status is ContractStatus.ENDED_AWAITING_RETURN and c.end_kind is EndKind.DEATH
