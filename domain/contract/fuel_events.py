"""Events of Fuel Management (RULES 9, Art. 16): card, provision, statements, settlement."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


def _fuel(c: Contract, **changes: Any) -> None:
    c.fuel = replace(c.fuel, **changes)


class FuelCardIssued(ContractEvent):
    """O-16 (Art. 16.1): the Lessor's Fuel Card put at the Customer's disposal."""

    card_id: str

    def apply_to(self, c: Contract) -> None:
        _fuel(c, card_id=self.card_id, card_status="ACTIVE")


class FuelCardReplaced(ContractEvent):
    """M-27: a new card after the old one was reported lost or stolen (D-04)."""

    card_id: str
    replaces: str | None
    cost: Money

    def apply_to(self, c: Contract) -> None:
        _fuel(c, card_id=self.card_id, card_status="ACTIVE")


class FuelCardReplacementCharged(ReceivableIssued):
    """M-27 (Art. 16.4): the cost of the replacement card, passed on to the Customer."""

    CATEGORY: ClassVar[str] = "FUEL_CARD_REPLACEMENT"

    card_id: str


class FuelCardReturned(ContractEvent):
    """O-16 (Art. 16.5): the card handed back; the Customer's liability for its use ends."""

    card_id: str

    def apply_to(self, c: Contract) -> None:
        _fuel(c, card_status="RETURNED")


class FuelCardBlocked(ContractEvent):
    """O-16 / T-18.10: the Lessor blocked the card (Fuel Management stopped or an early end)."""

    card_id: str
    reason: str

    def apply_to(self, c: Contract) -> None:
        _fuel(c, card_status="BLOCKED")


class FuelProvisionInvoiced(ReceivableIssued):
    """M-25 / D-27: the monthly fuel provision, invoiced for a calendar month."""

    CATEGORY: ClassVar[str] = "FUEL_PROVISION"

    month: date
    inputs: dict[str, str]

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        _fuel(c, provisions={**c.fuel.provisions, self.month.isoformat(): self.amount})


class FuelProvisionAdjusted(ContractEvent):
    """M-25: the provision's criteria changed; later months are invoiced at `amount`."""

    inputs: dict[str, str]
    amount: Money

    def apply_to(self, c: Contract) -> None:
        _fuel(c, adjusted_inputs=dict(self.inputs))


class FuelStatementIssued(ContractEvent):
    """D-27 (Art. 16.2): the statement of the card's fuel purchases for a period, with the
    card and management costs of that period."""

    period_start: date
    period_end: date
    transactions: int
    total: Money
    card_and_management: Money

    def apply_to(self, c: Contract) -> None:
        key = self.period_start.isoformat()
        _fuel(
            c,
            statement_fuel={**c.fuel.statement_fuel, key: self.total},
            statement_fees={**c.fuel.statement_fees, key: self.card_and_management},
        )


class FuelQuarterSettled(ContractEvent):
    """M-26 / D-27: a calendar quarter's actual costs set against its provisions."""

    quarter: date
    actual_costs: Money
    provisions: Money
    difference: Money

    def apply_to(self, c: Contract) -> None:
        _fuel(c, settled=[*c.fuel.settled, self.quarter.isoformat()])


class FuelSettlementInvoiced(ReceivableIssued):
    """M-26: the actual costs of a quarter exceeded its provisions; the rest is invoiced."""

    CATEGORY: ClassVar[str] = "FUEL_SETTLEMENT"

    quarter: date
    actual_costs: Money
    provisions: Money
