"""The deadlines view's unit of change: one event's effect on one contract's deadlines.

A contract row lists the ids of its OPEN deadlines, so closing by rule needs no query; rows
are copied before they change (the batch hands out copies of committed rows).
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import date

    from projections.engine.rows import Batch, Row


class DeadlineState(Enum):
    """Where a timer of RULES section 5 stands in the deadlines view."""

    OPEN = "OPEN"
    MET = "MET"
    """What it waited for happened in time."""
    MOOT = "MOOT"
    """It no longer applies (the contract moved on)."""
    EXPIRED = "EXPIRED"


OPEN, MET, MOOT, EXPIRED = (state.value for state in DeadlineState)
"""The states as the view's `status` column holds them."""
EMPTY: dict[str, Any] = dict.fromkeys(
    ("subject", "closed_by", "closed_on", "pending"),
)
"""Columns a newly opened deadline leaves empty (unless the opener sets them)."""


class Book:
    """One event's changes to one contract's deadlines."""

    def __init__(self, batch: Batch, event: Any) -> None:
        self.batch, self.event = batch, event
        contract = batch.get("contracts", event.originator_id)
        assert contract is not None  # every contract starts with ContractConcluded
        self.contract = contract

    @property
    def ref(self) -> str:
        return f"{self.event.originator_id}:{self.event.originator_version}"

    def open(self, rule_id: str, due_on: date, key: str | None = None, **fields: Any) -> None:
        """Open a deadline; `fields` may set subject, pending and rule_ids."""
        e = self.event
        deadline_id = f"{e.originator_id}:{rule_id}:{key or e.originator_version}"
        row = EMPTY | {
            "deadline_id": deadline_id,
            "contract_id": e.originator_id,
            "rule_id": rule_id,
            "rule_ids": [rule_id],
            "due_on": due_on,
            "opened_by": self.ref,
            "opened_version": e.originator_version,
            "opened_on": e.occurred_on,
            "status": OPEN,
        }
        self.batch.put("deadlines", row | fields)
        self.contract["open_ids"] = [*self.contract["open_ids"], deadline_id]

    def open_rows(self) -> list[Row]:
        rows = [self.batch.get("deadlines", i) for i in self.contract["open_ids"]]
        return [r for r in rows if r is not None]

    def close(self, rules: Collection[str], status: str, subject: str | None = None) -> None:
        """Close the open deadlines of these rules (and this subject, if given)."""
        for row in self.open_rows():
            if row["rule_id"] in rules and subject in (None, row["subject"]):
                self.close_row(row, status)

    def close_row(self, row: Row, status: str) -> None:
        row.update(status=status, closed_by=self.ref, closed_on=self.event.occurred_on)
        self.batch.put("deadlines", row)
        self.contract["open_ids"] = [
            i for i in self.contract["open_ids"] if i != row["deadline_id"]
        ]

    def paid(self, touched: set[str]) -> None:
        """Deadlines met by payment: MET once nothing they wait for is open any more."""
        for row in self.open_rows():
            if row["pending"] is None or not touched.intersection(row["pending"]):
                continue
            row["pending"] = [r for r in row["pending"] if self._unpaid(r)]
            if row["pending"]:
                self.batch.put("deadlines", row)
            else:
                self.close_row(row, MET)

    def _unpaid(self, receivable_id: str) -> bool:
        item = self.batch.get("receivables", self.event.originator_id, receivable_id)
        return item is not None and item["open"] > 0
