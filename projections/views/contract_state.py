"""Pure event -> row helpers shared by the customer-facing views (portal, deadlines, exposure).

Each view keeps its own rows (a view never reads another view's tables); these functions only
say how one event changes them: the contract's status (RULES 3.1), mirroring what the Contract
aggregate's event bodies assign, and the open amount of each document of its receivables
ledger, through the one rule of projections/views/receivables.py (M-09, A-11).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from domain.events import (
    CREDIT_BALANCE,
    ContractClosed,
    ContractEnded,
    ContractEndSuperseded,
    ContractSuspended,
    ContractSuspensionLifted,
    CreditNoteIssued,
    CreditsSetOff,
    EarlyTerminationAccepted,
    FinalSettlementStarted,
    HandoverSuspended,
    HandoverSuspensionLifted,
    PaymentReceived,
    ReceivableIssued,
    RefundPaidToCustomer,
    ReturnInspectionCompleted,
    StolenVehicleRecovered,
    VehicleHandedOver,
    VehicleOrdered,
    VehicleReadyForHandoverNotified,
    VehicleTheftReported,
)
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
"""Contract-row columns the STATUS handlers write."""


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


# --- status (RULES 3.1) ---------------------------------------------------------------------


def _to(status: str) -> Callable[[Any, Row], dict[str, Any]]:
    return lambda _event, _row: {"status": status}


def _theft(_event: VehicleTheftReported, row: Row) -> dict[str, Any]:
    return {"status": "THEFT_PENDING", "status_before_theft": row["status"]}


def _recovered(_event: StolenVehicleRecovered, row: Row) -> dict[str, Any]:
    if row["status"] != "THEFT_PENDING":
        return {}
    return {"status": row["status_before_theft"], "status_before_theft": None}


def _ended(event: ContractEnded, _row: Row) -> dict[str, Any]:
    return {
        "status": event.next_status,
        "end_kind": event.end_kind,
        "effective_end_date": event.effective_end_date,
        "return_due_date": event.return_due_date,
    }


def _superseded(event: ContractEndSuperseded, _row: Row) -> dict[str, Any]:
    return {
        "status": "IN_SETTLEMENT",
        "end_kind": event.new_end_kind,
        "effective_end_date": event.new_effective_end_date,
        "return_due_date": None,
    }


STATUS: Dispatch[Callable[[Any, Row], dict[str, Any]]] = Dispatch(
    {
        VehicleOrdered: _to("ORDERED"),
        VehicleReadyForHandoverNotified: _to("READY_FOR_HANDOVER"),
        HandoverSuspended: _to("HANDOVER_SUSPENDED"),
        HandoverSuspensionLifted: _to("READY_FOR_HANDOVER"),
        VehicleHandedOver: _to("ACTIVE"),
        ContractSuspended: _to("SUSPENDED"),
        ContractSuspensionLifted: _to("ACTIVE"),
        EarlyTerminationAccepted: _to("EARLY_TERMINATION_PENDING"),
        ReturnInspectionCompleted: _to("RETURNED"),
        FinalSettlementStarted: _to("IN_SETTLEMENT"),
        ContractClosed: _to("CLOSED"),
        VehicleTheftReported: _theft,
        StolenVehicleRecovered: _recovered,
        ContractEnded: _ended,
        ContractEndSuperseded: _superseded,
    }
)
"""Event class -> the contract-row columns it changes (the aggregate's status transitions)."""


def new_status_row() -> dict[str, Any]:
    """The status columns of a contract just concluded."""
    return {"status": "CONCLUDED"} | {c: None for c, _ in STATUS_COLUMNS[1:]}


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
