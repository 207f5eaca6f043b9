"""The Fuel Card (Art. 7.9, 16.1, 16.4, 16.5): issued, replaced, returned or blocked.

- O-16: the Lessor issues its card (`issue_fuel_card`); the Customer answers for all its use
  until it is handed back (`return_fuel_card`), at the end of the contract or when Fuel
  Management stops; the Lessor may block it (`block_fuel_card`), and an early end blocks it
  (T-18.10). L-28: a contract with its card still out does not close.
- M-27 (Art. 16.4): a card replacing one reported lost or stolen (D-04) is charged at cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.charges import CHARGEABLE
from domain.contract.command import Command, bounded
from domain.contract.fuel import SERVICE, is_running, require_fuel
from domain.contract.fuel_events import (
    FuelCardBlocked,
    FuelCardIssued,
    FuelCardReplaced,
    FuelCardReplacementCharged,
    FuelCardReturned,
)
from domain.contract.guards import require, require_status
from domain.contract.services import CASCADE_ENDS
from domain.contract.status import NOT_ENDED, RUNNING
from domain.money import Money
from domain.workings import passed_on, records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

ZERO = Money.of("0.00")
CARD_OUT = ("ACTIVE",)
"""O-16 / L-28: a card in the Customer's hands, neither returned nor blocked; [INT] a card
reported lost or stolen is blocked by its issuer on the D-04 notice."""


@dataclass(frozen=True)
class IssueFuelCard(Command):
    """O-16: the Lessor puts its Fuel Card at the Customer's disposal."""

    name: ClassVar[str] = "issue_fuel_card"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-16",)
    card_id: str = bounded()


@dataclass(frozen=True)
class ReplaceFuelCard(Command):
    """M-27: a new Fuel Card; charged at `cost` when it replaces a lost or stolen one."""

    name: ClassVar[str] = "replace_fuel_card"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-27", "O-16")
    card_id: str = bounded()
    cost: Money = bounded(ZERO, low=ZERO)


@dataclass(frozen=True)
class ReturnFuelCard(Command):
    """O-16: the Customer hands the Fuel Card back."""

    name: ClassVar[str] = "return_fuel_card"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-16",)


@dataclass(frozen=True)
class BlockFuelCard(Command):
    """O-16: the Lessor blocks the Fuel Card."""

    name: ClassVar[str] = "block_fuel_card"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-16",)
    reason: str = bounded("", max_length=200)


def issue_fuel_card(c: Contract, ctx: Ctx, card_id: str) -> None:
    """O-16: one card at a time, while the service runs and the contract has not ended."""
    require_status(c, NOT_ENDED, "O-16", "issue_fuel_card")
    require_fuel(c, "O-16")
    require(is_running(c), "O-16", "Fuel Management has stopped")
    require(c.fuel.card_status not in CARD_OUT, "O-16", f"card {c.fuel.card_id} is still out")
    c.emit(FuelCardIssued, ctx, ["O-16"], card_id=card_id)


def replace_fuel_card(c: Contract, ctx: Ctx, card_id: str, cost: Money) -> None:
    """M-27: the replacement of a card reported lost or stolen (D-04) is charged at cost;
    [INT] a card replaced for another reason (a defect) costs the Customer nothing."""
    require_status(c, RUNNING, "M-27", "replace_fuel_card")
    require_fuel(c, "M-27")
    require(is_running(c), "M-27", "Fuel Management has stopped")
    require(c.fuel.card_id is not None, "M-27", "no Fuel Card was issued")
    lost, old = c.fuel.card_status == "LOST", c.fuel.card_id
    charged = cost.rounded() if lost else ZERO
    c.emit(FuelCardReplaced, ctx, ["M-27", "O-16"], card_id=card_id, replaces=old, cost=charged)
    if charged.is_positive:
        worked = passed_on("M-27", "replacement Fuel Card", charged).citing(card_id=card_id)
        c.issue(
            FuelCardReplacementCharged,
            ctx,
            ["M-27"],
            amount=charged,
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            card_id=card_id,
            workings=records([worked]),
        )


def return_fuel_card(c: Contract, ctx: Ctx) -> None:
    """O-16: the card comes back; [INT] accepted until the contract is closed."""
    require_status(c, CHARGEABLE, "O-16", "return_fuel_card")
    require(c.fuel.card_status in CARD_OUT, "O-16", "no Fuel Card is out")
    assert c.fuel.card_id is not None  # an ACTIVE card has an id
    c.emit(FuelCardReturned, ctx, ["O-16"], card_id=c.fuel.card_id)


def block_fuel_card(c: Contract, ctx: Ctx, reason: str) -> None:
    """O-16: the Lessor blocks the card the Customer still holds."""
    require_status(c, CHARGEABLE, "O-16", "block_fuel_card")
    require(c.fuel.card_status in CARD_OUT, "O-16", "no Fuel Card is out")
    assert c.fuel.card_id is not None  # an ACTIVE card has an id
    c.emit(FuelCardBlocked, ctx, ["O-16"], card_id=c.fuel.card_id, reason=reason)


def block_card_on_early_end(c: Contract, ctx: Ctx) -> None:
    """T-18.10: the services stop with an early end, and the card still out is blocked."""
    early_end = c.end_kind in CASCADE_ENDS and SERVICE in c.stopped_services
    if early_end and c.fuel.card_status in CARD_OUT:
        assert c.fuel.card_id is not None  # an ACTIVE card has an id
        c.emit(FuelCardBlocked, ctx, ["T-18.10", "O-16"], card_id=c.fuel.card_id, reason="18.10")


HANDLERS: Handlers = {
    IssueFuelCard: issue_fuel_card,
    ReplaceFuelCard: replace_fuel_card,
    ReturnFuelCard: return_fuel_card,
    BlockFuelCard: block_fuel_card,
}
