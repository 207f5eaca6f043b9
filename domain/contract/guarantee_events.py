"""Events of the Guarantees the Customer provides (RULES 9.1, P-22, M-10, D-40)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from domain.contract.base_events import ContractEvent
from domain.contract.ledger import OpenChange, open_change
from domain.contract.state import Guarantee
from domain.money import Money, total

if TYPE_CHECKING:
    from domain.contract import Contract


class GuaranteeProvided(ContractEvent):
    """D-40 / P-22: a Guarantee provided for the Customer's obligations."""

    guarantee_id: str
    guarantee_type: str
    amount: Money
    provider_ref: str

    def apply_to(self, c: Contract) -> None:
        guarantee = Guarantee(
            self.guarantee_id,
            self.guarantee_type,
            self.amount,
            self.provider_ref,
            self.occurred_on,
            Money.zero(),
        )
        c.guarantees = {**c.guarantees, self.guarantee_id: guarantee}


class GuaranteeApplied(ContractEvent):
    """M-10: the Guarantee applied to open documents, in the order of Art. 3.4."""

    guarantee_id: str
    allocations: list[dict[str, Any]]
    """bucket (M-10 class), receivable_id, amount."""

    def open_change(self) -> OpenChange:
        return open_change(self.allocations, [], Money.zero())

    def apply_to(self, c: Contract) -> None:
        c.settle(self.open_change())
        _use(c, self.guarantee_id, total([line["amount"] for line in self.allocations]))


class GuaranteeAppliedToContract(ContractEvent):
    """M-10 / K-01: part of a Guarantee held under this contract went to the open documents
    of another contract of the same Customer (that contract records where it went)."""

    guarantee_id: str
    contract_number: str
    """The contract the amount was applied to."""
    amount: Money

    def apply_to(self, c: Contract) -> None:
        _use(c, self.guarantee_id, self.amount)


class GuaranteeAppliedFromContract(ContractEvent):
    """M-10 / K-01: a Guarantee held under another contract of the same Customer, applied to
    this contract's open documents in the order of Art. 3.4."""

    guarantee_id: str
    contract_number: str
    """The contract that holds the Guarantee."""
    allocations: list[dict[str, Any]]
    """bucket (M-10 class), receivable_id, amount."""

    def open_change(self) -> OpenChange:
        return open_change(self.allocations, [], Money.zero())

    def apply_to(self, c: Contract) -> None:
        c.settle(self.open_change())


class GuaranteeReleased(ContractEvent):
    """M-10 / L-28: what is left of the Guarantee goes back to its provider."""

    guarantee_id: str
    amount_returned: Money

    def apply_to(self, c: Contract) -> None:
        held = c.guarantees[self.guarantee_id]
        c.guarantees = {
            **c.guarantees,
            self.guarantee_id: replace(held, released=True),
        }


def _use(c: Contract, guarantee_id: str, used: Money) -> None:
    """`used` more of the contract's Guarantee `guarantee_id` is applied."""
    held = c.guarantees[guarantee_id]
    c.guarantees = {**c.guarantees, guarantee_id: replace(held, applied=held.applied + used)}
