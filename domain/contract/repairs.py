"""Repairs within five working days of the report (D-07, O-05, Art. 8.2).

Repairs are to be done as soon as possible and within 5 working days; RULES reads the start
as the day the need becomes known: the report of the damage [INT]. The due date is recorded
on `IncidentReported.repair_due` (RULES D-07: reported Mon 2025-06-02 -> due Tue 2025-06-10,
Whit Monday skipped) and shown by the deadlines view; `record_repair_completed` meets it, or
records it late (`in_time` false).

[INT] A missed D-07 is a breach of Art. 8.2 that the Lessor weighs (18.3(vi), HUMAN): the
daily run records no expiry event for it (the scenario outputs pinned before D-07 report
damages that are never marked repaired), and no ground follows by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_working_days
from domain.contract.command import Command, bounded
from domain.contract.guards import require
from domain.contract.incidents_events import RepairCompleted

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

REPAIR_WORKING_DAYS = 5  # D-07, P-47


def repair_due(reported_on: date) -> date:
    """D-07: the 5th working day after the report."""
    return add_working_days(reported_on, REPAIR_WORKING_DAYS)


@dataclass(frozen=True)
class RecordRepairCompleted(Command):
    """The repair of a reported damage was done on the step's date (Art. 8.2)."""

    name: ClassVar[str] = "record_repair_completed"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-07", "O-05")
    incident_id: str = bounded()


def record_repair_completed(c: Contract, ctx: Ctx, incident_id: str) -> None:
    """D-07: close the repair of `incident_id`, in time or late."""
    due = c.repairs_due.get(incident_id)
    require(due is not None, "D-07", f"no repair of {incident_id} is awaited")
    assert due is not None
    due_date = date.fromisoformat(due)
    c.emit(
        RepairCompleted,
        ctx,
        ["D-07", "O-05"],
        incident_id=incident_id,
        due_date=due_date,
        in_time=ctx.on <= due_date,
    )


HANDLERS: Handlers = {RecordRepairCompleted: record_repair_completed}
