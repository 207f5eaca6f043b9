"""Pure event -> row helpers shared by the customer-facing views (portal, deadlines, exposure).

Each view keeps its own rows (a view never reads another view's tables); these functions only
say how one event changes them: the contract's standing (status and end, RULES 3.1) through
the event's own `standing`, which the Contract aggregate applies too, and the open amount of
each document of its receivables ledger through domain/contract/ledger.py (M-09, A-11).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import (
    CreditNoteIssued,
    CreditsSetOff,
    PaymentReceived,
    ReceivableIssued,
    RefundPaidToCustomer,
)
from domain.contract.ledger import CREDIT_BALANCE
from domain.contract.standing import CONCLUDED, Standing
from domain.money import Money
from projections.views.receivables import issued_item

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from projections.engine.rows import Batch, Row
    from projections.views.receivables import OpenAmounts

H = TypeVar("H")
ZERO = Decimal(0)

STATUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "text"),
    ("status_before_theft", "text"),
    ("end_kind", "text"),
    ("effective_end_date", "date"),
    ("return_due_date", "date"),
)
"""Contract-row columns of the standing (`Standing.as_row`)."""


class Dispatch(Generic[H]):
    """Handlers by event class, resolved once per concrete class along its MRO (fast apply)."""

    def __init__(self, handlers: Mapping[type[Any], H]) -> None:
        self._handlers = dict(handlers)
        self._resolved: dict[type[Any], H | None] = {}

    def get(self, event: object) -> H | None:
        cls = type(event)
        try:
            return self._resolved[cls]
        except KeyError:
            found = next((self._handlers[k] for k in cls.__mro__ if k in self._handlers), None)
            self._resolved[cls] = found
            return found


def amount_of(value: Money | Decimal | str) -> Decimal:
    """The Decimal of a Money (allocation lines carry Money)."""
    return value.amount if isinstance(value, Money) else Decimal(value)


# --- status (RULES 3.1): the events' own `standing`, as the aggregate applies it ------------------


_MOVES: dict[type[Any], bool] = {}


def moves_standing(event: object) -> bool:
    """Whether the event may change where the contract stands (decided once per class)."""
    cls = type(event)
    moves = _MOVES.get(cls)
    if moves is None:
        moves = _MOVES[cls] = issubclass(cls, ContractEvent) and (
            cls.MOVES_TO is not None or cls.standing is not ContractEvent.standing
        )
    return moves


def standing_update(event: ContractEvent, row: Row) -> dict[str, Any]:
    """The status columns of `row` after `event` (ContractEvent.standing, RULES 3.1)."""
    return event.standing(Standing.from_row(row)).as_row()


def new_status_row() -> dict[str, Any]:
    """The status columns of a contract just concluded."""
    return CONCLUDED.as_row()


# --- open amounts (M-09, A-11): projections/views/receivables.py keeps them -------------------

MONEY_EVENTS = (
    ReceivableIssued,
    CreditNoteIssued,
    PaymentReceived,
    CreditsSetOff,
    RefundPaidToCustomer,
)
"""Events that change a contract's documents or their open amounts."""
_MONEY: Dispatch[bool] = Dispatch(dict.fromkeys(MONEY_EVENTS, True))


def touches_receivables(event: object) -> bool:
    """Whether the event issues a document or changes an open amount (fast, cached by class)."""
    return _MONEY.get(event) is not None


def track_open_amounts(
    event: object, batch: Batch, amounts: OpenAmounts, extra: Row | None = None
) -> Decimal | None:
    """Apply the event to the item table `amounts` keeps (ITEM_COLUMNS + `extra`).

    Returns the change of the unallocated credit balance, or None when the event does not
    touch the receivables ledger.
    """
    item = issued_item(event)
    if item is not None:
        amounts.issue(batch, item | (extra or {}))
        return ZERO
    return amounts.settle(event, batch)


def settled_ids(event: object) -> list[str]:
    """The documents whose open amount the event may have brought to zero."""
    if isinstance(event, CreditNoteIssued):
        return [event.receivable_id] + ([event.relates_to] if event.relates_to else [])
    lines = [*getattr(event, "allocations", ()), *getattr(event, "sources", ())]
    return [line["receivable_id"] for line in lines if line["receivable_id"] != CREDIT_BALANCE]


def follow_contract(
    event: ContractEvent,
    batch: Batch,
    updates: Dispatch[Callable[[Any, Row, Batch], None]],
    items: OpenAmounts,
    item_extra: Callable[[Row], Row],
) -> None:
    """Move a view's `contracts` row with one event: its standing, the view's own `updates`,
    the open amounts of its `items` (with `item_extra(row)` on a new item) and the credit
    balance."""
    moves, update = moves_standing(event), updates.get(event)
    if not moves and update is None and not touches_receivables(event):
        return
    row = batch.get("contracts", event.originator_id)
    if row is None:  # pragma: no cover - every contract starts with ContractConcluded
        return
    if moves:
        row.update(standing_update(event, row))
    if update is not None:
        update(event, row, batch)
    balance = track_open_amounts(event, batch, items, item_extra(row))
    if balance is not None:
        row["credit_balance"] += balance
    batch.put("contracts", row)
