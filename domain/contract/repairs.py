"""Repairs within five working days of the report (D-07, O-05, Art. 8.2).

Repairs are to be done as soon as possible and within 5 working days; RULES reads the start
as the day the need becomes known: the report of the damage [INT]. The due date is recorded
on `IncidentReported.repair_due` (RULES D-07: reported Mon 2025-06-02 -> due Tue 2025-06-10,
Whit Monday skipped) and shown by the deadlines view; `record_repair_completed` meets it, or
records it late (`in_time` false).

The timer (the daily run, after the scheduler's `DeadlineReached`): a repair still awaited
after its due date records `RepairDeadlineMissed` once, dated the day after the due date.
[INT] RULES classes D-07 AUTO-DETECT but its ground, 18.3(vi), HUMAN -> DECIDE: the miss is
recorded as a candidate, evidence on which the Lessor may record the ground
(`record_ground`, or `record_ground_fact` citing the incident); no ground is detected and
nothing is dissolved by itself. A repair done later is still recorded (late). Only while the
contract has not ended: once it ended, the Vehicle's repair is part of the return (M-24).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_working_days
from domain.contract.command import Command, bounded
from domain.contract.guards import require
from domain.contract.incidents_events import RepairCompleted, RepairDeadlineMissed
from domain.contract.status import NOT_ENDED

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


def process_repair_deadlines(c: Contract, ctx: Ctx) -> None:
    """D-07 timer: each repair still awaited after its due date is missed (once)."""
    if c.status not in NOT_ENDED:
        return
    for incident_id, due in list(c.repairs_due.items()):
        due_date = date.fromisoformat(due)
        if ctx.on > due_date and incident_id not in c.missed_repairs:
            c.emit(
                RepairDeadlineMissed,
                ctx.at(due_date + timedelta(days=1)),
                ["D-07", "O-05", "T-18.3-vi"],
                defect_incident_id=incident_id,
                due_date=due_date,
            )


HANDLERS: Handlers = {RecordRepairCompleted: record_repair_completed}
