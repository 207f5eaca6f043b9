"""Events of the supplier's compensation for non-conformity (M-05, Art. 4.4; RULES 9)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.contract.base_events import ContractEvent

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.money import Money


class SupplierCompensationReceived(ContractEvent):
    """M-05: the supplier paid the Lessor compensation for a non-conforming Vehicle."""

    amount: Money
    supplier: str


class SupplierCompensationAllocated(ContractEvent):
    """M-05: how the Lessor deducts it from the instalments: one credit note now
    (LUMP_CREDIT, `credit_note_ids`) or one share on each of the next invoices (SPREAD)."""

    allocation: str
    shares: list[dict[str, Any]]
    """SPREAD: the working of the share credited on each next instalment invoice, in order
    (domain/workings.py records; empty for a lump credit)."""
    credit_note_ids: list[str]

    def apply_to(self, c: Contract) -> None:
        if self.allocation == "SPREAD":
            c.compensation_shares = [*c.compensation_shares, *self.shares]
