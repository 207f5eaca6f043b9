"""What waits on a decision of the Lessor, per contract, for the back office (A-15).

Two facts of the km cap leave the Lessor something to do, and are otherwise only in the
contract's history and on the stream:
- `KmCapDefaulted`: the fuel type has no cap of its own and the Special Conditions agreed
  none, so the combustion cap was assumed; the Lessor confirms it or agrees one. The task
  closes when new Special Conditions or an adjustment agree a cap.
- `KmCapReached` under the policy `LESSOR_DECISION`: a reading reached the cap and the
  contract runs on until the Lessor ends it (`end_on_km_cap`). Under `BY_LAW` the same
  reading ends the contract at once, which closes the task in the same batch.
Every task closes when the contract ends, however it ends. The portal view keeps the list on
the contract's row (`lessor_tasks`) with a flag to filter on (`awaiting_lessor`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.contract.status import NOT_ENDED

if TYPE_CHECKING:
    from datetime import date

    from domain.contract.formation_events import KmCapDefaulted
    from domain.contract.incidents_events import KmCapReached
    from domain.terms import ContractTerms
    from projections.engine.rows import Row

COLUMNS: tuple[tuple[str, str], ...] = (("awaiting_lessor", "boolean"), ("lessor_tasks", "jsonb"))
"""The contract-row columns of the tasks."""
DEFAULTED = "KM_CAP_DEFAULTED"
REACHED = "KM_CAP_REACHED"
OPEN_STATUSES = frozenset(s.value for s in NOT_ENDED)


def no_tasks() -> Row:
    """The columns of a contract with nothing waiting."""
    return {"awaiting_lessor": False, "lessor_tasks": []}


def _set(row: Row, tasks: list[dict[str, Any]]) -> None:
    row.update(awaiting_lessor=bool(tasks), lessor_tasks=tasks)


def _open(row: Row, reason: str, on: date, detail: str) -> None:
    task = {"rule_id": "A-15", "reason": reason, "since": on.isoformat(), "detail": detail}
    tasks = [t for t in row["lessor_tasks"] if t["reason"] != reason]
    _set(row, [*tasks, task])


def _close(row: Row, reason: str) -> None:
    if any(t["reason"] == reason for t in row["lessor_tasks"]):
        _set(row, [t for t in row["lessor_tasks"] if t["reason"] != reason])


def cap_defaulted(e: KmCapDefaulted, row: Row) -> None:
    detail = f"{e.fuel_type}: no cap of its own or agreed, {e.km_cap} km assumed"
    _open(row, DEFAULTED, e.occurred_on, detail)


def cap_reached(e: KmCapReached, row: Row) -> None:
    detail = f"reading {e.reading} km at or over the cap of {e.km_cap} km: end_on_km_cap or not"
    _open(row, REACHED, e.occurred_on, detail)


def terms_changed(terms: ContractTerms, row: Row) -> None:
    """New Special Conditions or an adjustment that agree a cap settle a defaulted one."""
    if terms.agreed_km_cap is not None:
        _close(row, DEFAULTED)


def standing_moved(row: Row) -> None:
    """Every task closes once the contract has ended."""
    if row["lessor_tasks"] and row["status"] not in OPEN_STATUSES:
        _set(row, [])
