"""`ledger`: each contract's open items, arrears, late interest and dunning (RULES 9.10).

The view stores facts only: every document with its due date, bucket and open amount (kept
as the aggregate keeps `Receivable.open`, projections/views/receivables.py), the unallocated
balance of overpayments, and the formal notices with their cure deadlines. Whatever depends
on a date (overdue, days and months in arrears, M-06 interest accrued so far, whether a cure
period is over) is computed by the queries, on the date they are asked for, with the pure
functions of projections/views/arrears.py. Article 18.2(ii)/18.3(ii)/(iii) detection reads
`overdue_instalments`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractConcluded
from domain.contract.billing_events import FormalNoticeCureDeadlineExpired, FormalNoticeSent
from domain.money import Money
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views.arrears import (
    Arrears,
    Dunning,
    arrears_on,
    dunning_on,
    interest_lines,
    is_debit,
    open_sum,
)
from projections.views.receivables import ITEM_COLUMNS, OpenAmounts, issued_item

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from projections.engine.rows import Batch, Row

ITEMS = Table("items", ("contract_id", "receivable_id"), ITEM_COLUMNS)
CONTRACTS = Table(
    "contracts",
    ("contract_id",),
    (
        ("contract_id", "uuid"),
        ("contract_number", "text"),
        ("customer_number", "text"),
        ("credit_balance", "numeric"),
    ),
)
"""`credit_balance`: the unallocated part of payments not yet set off or refunded (M-09)."""
NOTICES = Table(
    "notices",
    ("contract_id", "notice_id"),
    (
        ("contract_id", "uuid"),
        ("notice_id", "text"),
        ("kind", "text"),
        ("registered", "boolean"),
        ("dispatch_date", "date"),
        ("cure_deadline", "date"),
        ("receivable_ids", "jsonb"),
        ("expired", "boolean"),
        ("unpaid_receivable_ids", "jsonb"),
        ("unpaid_total", "numeric"),
    ),
)
"""Formal notices (D-10, D-12); `unpaid_*` as recorded when the cure deadline expired."""


class LedgerView(RowView):
    """Open items, arrears, interest and dunning of every contract."""

    tables: ClassVar[tuple[Table, ...]] = (ITEMS, CONTRACTS, NOTICES)

    def items(self, contract_id: UUID) -> list[Row]:
        """All the contract's documents, in issue order."""
        return self.select("items", order_by=("version",), contract_id=contract_id)

    def open_items(self, contract_id: UUID) -> list[Row]:
        """Documents with something open: debits to pay, credit notes still owed, issue order."""
        return [i for i in self.items(contract_id) if i["open"] > 0]

    def credit_balance(self, contract_id: UUID) -> Money:
        """Unallocated overpayments the Lessor still holds (M-09)."""
        rows = self.select("contracts", contract_id=contract_id)
        return Money(rows[0]["credit_balance"]) if rows else Money.zero()

    def balance(self, contract_id: UUID) -> Money:
        """What the Customer owes (negative: what is owed to the Customer)."""
        items = self.items(contract_id)
        owed = open_sum(i for i in items if is_debit(i))
        owing = open_sum(i for i in items if not is_debit(i))
        return owed - owing - self.credit_balance(contract_id)

    def arrears(self, contract_id: UUID, on: date) -> Arrears:
        """All arrears figures on `on` from one read."""
        return arrears_on(self.items(contract_id), on)

    def overdue(self, contract_id: UUID, on: date) -> Money:
        return self.arrears(contract_id, on).overdue

    def overdue_instalments(self, contract_id: UUID, on: date) -> Money:
        """Overdue instalment principal on `on` (18.2(ii), 18.3(ii)/(iii) detection)."""
        return self.arrears(contract_id, on).overdue_instalments

    def days_in_arrears(self, contract_id: UUID, on: date) -> int:
        return self.arrears(contract_id, on).days

    def months_in_arrears(self, contract_id: UUID, on: date) -> int:
        return self.arrears(contract_id, on).months

    def interest_accrued(self, contract_id: UUID, on: date) -> Money:
        """M-06 interest accrued to `on` on the open overdue principal."""
        return self.arrears(contract_id, on).interest

    def interest_by_item(self, contract_id: UUID, on: date) -> dict[str, Money]:
        """M-06 interest accrued to `on`, per overdue document."""
        return dict(interest_lines(self.items(contract_id), on))

    def dunning(self, contract_id: UUID, on: date) -> list[Dunning]:
        """The contract's formal notices in dispatch order, as they stand on `on`."""
        notices = self.select("notices", order_by=("notice_id",), contract_id=contract_id)
        items = self.items(contract_id)
        return [dunning_on(notice, items, on) for notice in notices]


class InMemoryLedgerView(InMemoryRowView, LedgerView):
    """Ledger in memory."""


class PostgresLedgerView(PostgresRowView, LedgerView):
    """Ledger in PostgreSQL."""


OPEN = OpenAmounts("items")


class LedgerProjection(BatchProjection[LedgerView]):
    """Items with their open amounts, the unallocated balance, and formal notices."""

    name = "ledger"

    def apply(self, event: Any, batch: Batch) -> None:
        item = issued_item(event)
        if item is not None:
            OPEN.issue(batch, item)
        elif isinstance(event, ContractConcluded):
            batch.put("contracts", _contract(event))
        elif isinstance(event, FormalNoticeSent):
            batch.put("notices", _notice(event))
        elif isinstance(event, FormalNoticeCureDeadlineExpired):
            _expire(event, batch)
        else:
            change = OPEN.settle(event, batch)
            if change:
                _add_to_balance(batch, event.originator_id, change)


def _contract(event: ContractConcluded) -> Row:
    return {
        "contract_id": event.originator_id,
        "contract_number": event.terms.contract_number,
        "customer_number": event.terms.customer_number,
        "credit_balance": Decimal(0),
    }


def _notice(event: FormalNoticeSent) -> Row:
    return {
        "contract_id": event.originator_id,
        "notice_id": event.notice_id,
        "kind": event.kind,
        "registered": event.registered,
        "dispatch_date": event.occurred_on,
        "cure_deadline": event.cure_deadline,
        "receivable_ids": list(event.receivable_ids),
        "expired": False,
        "unpaid_receivable_ids": None,
        "unpaid_total": None,
    }


def _expire(event: FormalNoticeCureDeadlineExpired, batch: Batch) -> None:
    notice = batch.get("notices", event.originator_id, event.notice_id)
    if notice is None:  # pragma: no cover - a notice expires only after it was sent
        return
    notice["expired"] = True
    notice["unpaid_receivable_ids"] = list(event.unpaid_receivable_ids)
    notice["unpaid_total"] = event.unpaid_total.amount
    batch.put("notices", notice)


def _add_to_balance(batch: Batch, contract_id: UUID, change: Decimal) -> None:
    contract = batch.get("contracts", contract_id)
    if contract is None:  # pragma: no cover - every contract starts with ContractConcluded
        return
    contract["credit_balance"] += change
    batch.put("contracts", contract)


SPEC = ViewSpec("ledger", LedgerProjection, PostgresLedgerView, InMemoryLedgerView)
