"""Where a contract stands (RULES 3.1): its status and its end, and how events move it.

Each event class says how it moves the standing (`ContractEvent.standing`); the aggregate
assigns the result when it applies the event, and the read models keep the same facts in
their rows through the same method, so the status a view shows is the aggregate's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from domain.values import ContractStatus, EndKind

if TYPE_CHECKING:
    from datetime import date


@dataclass(frozen=True)
class Standing:
    """A contract's status, the status a theft interrupted, and its effective end."""

    status: ContractStatus
    before_theft: ContractStatus | None = None
    """The status to resume if the stolen Vehicle is found in time (L-15)."""
    end_kind: EndKind | None = None
    effective_end_date: date | None = None
    return_due_date: date | None = None

    def moved_to(self, status: ContractStatus) -> Standing:
        return replace(self, status=status)

    def as_row(self) -> dict[str, Any]:
        """The facts as a view's columns (enum values as text)."""
        return {
            "status": self.status.value,
            "status_before_theft": self.before_theft.value if self.before_theft else None,
            "end_kind": self.end_kind.value if self.end_kind else None,
            "effective_end_date": self.effective_end_date,
            "return_due_date": self.return_due_date,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Standing:
        """The standing a view's row holds (the inverse of `as_row`)."""
        before, kind = row.get("status_before_theft"), row.get("end_kind")
        return cls(
            ContractStatus(row["status"]),
            ContractStatus(before) if before else None,
            EndKind(kind) if kind else None,
            row.get("effective_end_date"),
            row.get("return_due_date"),
        )


CONCLUDED = Standing(ContractStatus.CONCLUDED)
"""Where every contract starts (L-01)."""
