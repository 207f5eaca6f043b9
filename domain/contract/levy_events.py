"""Events of the Levies the Lessor receives and passes on (RULES 9.1, M-14, D-37)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import ReceivableIssued
from domain.contract.state import Levy

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract
    from domain.money import Money


def _update(c: Contract, levy_id: str, **changes: Any) -> None:
    c.levies = {**c.levies, levy_id: replace(c.levies[levy_id], **changes)}


class LevyReceived(ContractEvent):
    """Art. 8.4: a Levy addressed to the Lessor for the Vehicle."""

    levy_id: str
    authority: str
    levy_type: str
    amount: Money
    offence_on: date | None = None

    def apply_to(self, c: Contract) -> None:
        c.levies = {**c.levies, self.levy_id: Levy(self.levy_id, self.amount)}


class LevyForwardedToCustomer(ContractEvent):
    """M-14: the Levy (n-th processing) forwarded to the Customer, to pay at once (D-37)."""

    levy_id: str
    sequence: int
    pay_by: date

    def apply_to(self, c: Contract) -> None:
        _update(c, self.levy_id, forwarded=self.sequence)


class LevyProcessingFeeCharged(ReceivableIssued):
    """M-14 / P-38: the Lessor's fee for one processing of a Levy."""

    CATEGORY: ClassVar[str] = "LEVY_FEE"

    levy_id: str
    sequence: int
    actual_cost: Money
    minimum: Money


class LevyOppositionReceived(ContractEvent):
    """M-14: the Customer's written reasons to contest a Levy, as the Lessor assessed them."""

    levy_id: str
    reasons: str
    in_time: bool
    well_founded: bool = True

    def apply_to(self, c: Contract) -> None:
        contested = self.in_time and self.well_founded
        _update(c, self.levy_id, contested=contested)


class LevyPaidByLessor(ContractEvent):
    """M-14: the Lessor paid the Levy itself; rechargeable unless contested in time."""

    levy_id: str
    amount: Money
    rechargeable: bool

    def apply_to(self, c: Contract) -> None:
        _update(c, self.levy_id, paid=True)


class LevyRecharged(ReceivableIssued):
    """M-14 / D-37: the Levy the Lessor paid, passed on to the Customer, due at once."""

    CATEGORY: ClassVar[str] = "LEVY"

    levy_id: str
