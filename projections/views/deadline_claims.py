"""The deadlines view's timers of a Protection claim decision (D-19, D-21, D-22) and of a
repair (D-07): how the events of domain/contract/claim_windows.py and repairs.py open and
close them. Keyed by incident id and the deciding event's version, so a second decision on
the same claim (a refusal after the acceptance) opens its own D-19 and D-21 windows.

- D-21 (contest within 7 days) and D-19 (end Protection within a month): opened by
  `ProtectionClaimDecided.contest_by` / `.terminate_by`; MET `ProtectionDecisionContested`
  in time (also after the timer made it EXPIRED: the letter's date counts) / the AFTER_CLAIM
  `ProtectionTerminationNotified`; EXPIRED
  `ProtectionDecisionBecameFinal` / `ProtectionTerminationWindowClosed`; a new decision on
  the claim makes the open ones MOOT.
- D-22 (documents within 6 months of the accident): `ProtectionClaimDecided.documents_by`
  -> MET / EXPIRED `ProtectionClaimDocumentsSubmitted` (in time or not) /
  `ProtectionDocumentsDeadlineExpired`.
- D-07: EXPIRED by `RepairDeadlineMissed`; MOOT once the contract ended.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract.claim_window_events import (
    ProtectionClaimDeadlineExpired,
    ProtectionClaimDocumentsSubmitted,
    ProtectionDecisionContested,
)
from domain.contract.damage_events import ProtectionTerminationNotified
from domain.contract.incidents_events import ProtectionClaimDecided, RepairDeadlineMissed
from projections.views.deadline_book import EXPIRED, MET, MOOT

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.views.deadline_book import Book

DECISION_WINDOWS = (("D-21", "contest_by"), ("D-19", "terminate_by"))


def _decided(b: Book) -> None:
    e: ProtectionClaimDecided = b.event
    incident = e.incident_id
    b.close({rule for rule, _ in DECISION_WINDOWS}, MOOT, incident)
    for rule, field in DECISION_WINDOWS:
        last_day = getattr(e, field)
        if last_day is not None:
            b.open(rule, last_day, f"{incident}@{e.originator_version}", subject=incident)
    running = any(r["rule_id"] == "D-22" and r["subject"] == incident for r in b.open_rows())
    if e.documents_by is not None and not running:
        b.open("D-22", e.documents_by, incident, subject=incident)


def _contested(b: Book) -> None:
    """D-21 MET by a contest in time, also when the letter is recorded after the timer
    marked the decision final (the row it made EXPIRED reads MET)."""
    e: ProtectionDecisionContested = b.event
    if not e.in_time:
        return
    b.close({"D-21"}, MET, e.incident_id)
    if e.decision_version is not None:
        key = f"{e.originator_id}:D-21:{e.incident_id}@{e.decision_version}"
        row = b.batch.get("deadlines", key)
        if row is not None and row["status"] == EXPIRED:
            b.close_row(row, MET)


def _terminated(b: Book) -> None:
    claim = b.event.claim_incident_id
    if claim is not None:
        b.close({"D-19"}, MET, claim)


CLAIM_HANDLERS: dict[type[object], Callable[[Book], None]] = {
    ProtectionClaimDecided: _decided,
    ProtectionDecisionContested: _contested,
    ProtectionClaimDocumentsSubmitted: lambda b: b.close(
        {"D-22"}, MET if b.event.in_time else EXPIRED, b.event.incident_id
    ),
    ProtectionClaimDeadlineExpired: lambda b: b.close({b.event.RULE}, EXPIRED, b.event.incident_id),
    ProtectionTerminationNotified: _terminated,
    RepairDeadlineMissed: lambda b: b.close({"D-07"}, EXPIRED, b.event.defect_incident_id),
}
"""Handlers merged into the deadlines view's (projections/views/deadlines.py)."""
