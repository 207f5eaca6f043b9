"""Bitemporal replay: a contract as it stood on a business date, as the service knew it then.

Two times cut a contract's stored events (DESIGN 9, issue 12):

- `known_at` (recorded time, timezone-aware): only the events the service had recorded by
  then, `event.timestamp <= known_at`. Events are recorded in version order, so this is a
  prefix of the contract's history: what the service believed at that moment.
- `as_of` (business time): of those, only the events that happened by then,
  `event.occurred_on <= as_of`. Usually a prefix too; a fact booked with an earlier business
  date than events recorded before it (a bank payment's `received_on`) stays in while the
  later-dated events recorded before it drop out.

"What did we believe on 15 March about 1 March?" is `known_at=15 March, as_of=1 March`.

The kept events are applied, in recorded (version) order and with their stored versions and
timestamps untouched, to fresh in-memory copies of the live read models, through the SAME
projections (projections/views/). No aggregate is rebuilt: the library rebuilds an aggregate
only from a gap-free version sequence, and a cut by `as_of` may leave gaps; the projections
need no such sequence, and what the overview, ledger, deadlines and grounds show is what the
read models show live. So versions in the timeline and deadline ids are the stored ones.

Documents keep the number the service gave them: numbers are one sequence per kind and
year over every contract, assigned in log order and never changed afterwards, so the number
a document has in the live invoices view is the number it had at any `known_at` after its
issue. Given the live numbers (`numbers`), the replay uses them; without them (one contract
in memory, as `lease simulate`) it numbers the contract's documents itself, which is the
same when the log holds only that contract. A document is shown if its issuing event is
kept (issued by `as_of`, recorded by `known_at`); its open amount counts the payments,
credit notes and set-offs kept with it.

Known limit: an amount allocated to a document that the cut leaves out (a payment dated
before the invoice it paid) does not show on `as_of`, neither as paid nor as credit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking

from domain.contract import Contract
from domain.contract.base_events import ContractConcluded, ContractEvent
from domain.errors import ContractNotFoundError
from projections.plain import plain
from projections.registry import all_specs
from projections.views.deadlines import DeadlinesView
from projections.views.exposure import ExposureView
from projections.views.history import HistoryView
from projections.views.invoices import InvoicesProjection, InvoicesView
from projections.views.ledger import LedgerView
from projections.views.portal import PortalView

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime
    from uuid import UUID

    from domain.application import ContractsApplication
    from projections.engine.base import BatchProjection
    from projections.engine.rows import Batch, Row, RowView

OPEN = "OPEN"


class NaiveTimestampError(ValueError):
    """`known_at` without a timezone: a recorded time must say which one."""


class NotKnownError(LookupError):
    """The cut keeps no conclusion of the contract: it did not exist yet, or was not known."""

    def __init__(self, number: str, cut: Cut) -> None:
        super().__init__(f"contract {number} is not known {cut.describe()}")
        self.number = number


@dataclass(frozen=True)
class Cut:
    """Which events a replay keeps: happened by `as_of`, recorded by `known_at`."""

    as_of: date | None = None
    known_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.known_at is not None and self.known_at.utcoffset() is None:
            msg = "known_at needs a timezone, e.g. 2025-03-15T12:00:00Z or +01:00"
            raise NaiveTimestampError(msg)

    def keeps(self, event: ContractEvent) -> bool:
        return (self.known_at is None or event.timestamp <= self.known_at) and (
            self.as_of is None or event.occurred_on <= self.as_of
        )

    def describe(self) -> str:
        parts = [f"as of {self.as_of.isoformat()}"] if self.as_of else []
        if self.known_at is not None:
            parts.append(f"as known at {self.known_at.isoformat()}")
        return " ".join(parts) or "now"


def select(events: Iterable[object], cut: Cut) -> list[ContractEvent]:
    """The contract events the cut keeps, in recorded order."""
    return [e for e in events if isinstance(e, ContractEvent) and cut.keeps(e)]


class KeptNumbers(InvoicesProjection):
    """The invoices projection; a document then gets the number the service gave it."""

    def __init__(self, view: InvoicesView, numbers: Mapping[str, str]) -> None:
        super().__init__(view)
        self.numbers = numbers

    def apply(self, event: Any, batch: Batch) -> None:
        super().apply(event, batch)
        receivable_id = getattr(event, "receivable_id", None)
        number = self.numbers.get(receivable_id) if isinstance(receivable_id, str) else None
        row = batch.get("documents", event.originator_id, receivable_id) if number else None
        if row is not None and row["number"] != number:
            batch.delete("numbers", row["number"])
            row["number"] = number
            batch.put("documents", row)
            ref = {"number": number, "contract_id": event.originator_id}
            batch.put("numbers", ref | {"receivable_id": receivable_id})


@dataclass
class Replay:
    """One contract's read models rebuilt in memory from the events a cut keeps."""

    number: str
    cut: Cut
    events: list[ContractEvent]
    views: dict[str, RowView] = field(default_factory=dict)

    @property
    def contract_id(self) -> UUID:
        return Contract.create_id(self.number)

    def view(self, name: str, kind: type[Any]) -> Any:
        found = self.views[name]
        assert isinstance(found, kind)
        return found

    def overview(self, on: date) -> dict[str, Any]:
        """The portal view's overview (PT-15) on `on`."""
        found: dict[str, Any] = self.view("portal", PortalView).overview(self.contract_id, on)
        return found

    def documents(self) -> list[Row]:
        """The documents in issue order, as the invoices view holds them."""
        rows: list[Row] = self.view("invoices", InvoicesView).documents(self.contract_id)
        return rows

    def ledger(self, on: date) -> dict[str, Any]:
        """Balance, open items, arrears and notices on `on`, as the ledger route gives them."""
        view: LedgerView = self.view("ledger", LedgerView)
        cid = self.contract_id
        return {
            "contract_number": self.number,
            "as_of": on,
            "balance": view.balance(cid).amount,
            "credit_balance": view.credit_balance(cid).amount,
            "open_items": [i for i in view.items(cid) if i["open"] > Decimal(0)],
            "arrears": plain(view.arrears(cid, on)),
            "notices": plain(view.dunning(cid, on)),
        }

    def grounds(self) -> list[Row]:
        """The contract's grounds (detected, recorded, cleared, exercised), as exposure has them."""
        view: ExposureView = self.view("exposure", ExposureView)
        by_version = ("version",)
        rows: list[Row] = view.select("grounds", order_by=by_version, contract_id=self.contract_id)
        return rows

    def deadlines(self, *, pending: bool = False) -> list[Row]:
        """The deadlines the kept events opened (with `pending`, those still open)."""
        rows: list[Row] = self.view("deadlines", DeadlinesView).of_contract(self.contract_id)
        return [r for r in rows if r["status"] == OPEN] if pending else rows

    def timeline(self) -> list[Row]:
        """The kept events as the history view shows them (stored versions)."""
        rows: list[Row] = self.view("history", HistoryView).timeline(self.contract_id)
        return rows


def replay(
    number: str,
    events: Iterable[object],
    cut: Cut,
    numbers: Mapping[str, str] | None = None,
) -> Replay:
    """The contract's read models from the events `cut` keeps; NotKnownError if none."""
    kept = select(events, cut)
    if not kept or not isinstance(kept[0], ContractConcluded):
        raise NotKnownError(number, cut)
    done = Replay(number, cut, kept)
    for spec in all_specs():
        view = spec.memory()
        projection: BatchProjection[Any] = (
            KeptNumbers(view, numbers)
            if isinstance(view, InvoicesView) and numbers
            else spec.projection(view)
        )
        projection.process_batch(kept, Tracking("replay", kept[-1].originator_version))
        done.views[spec.name] = view
    return done


def replay_contract(
    app: ContractsApplication,
    number: str,
    cut: Cut,
    numbers: Mapping[str, str] | None = None,
) -> Replay:
    """`replay` of the contract's stored events; ContractNotFoundError if none are stored."""
    events = list(app.events.get(Contract.create_id(number)))
    if not events:
        raise ContractNotFoundError(number)
    return replay(number, events, cut, numbers)
