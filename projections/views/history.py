"""`history`: the auditor's timeline, one row per contract event (DESIGN 9, issue 3).

Event type, business date, recorded time, actor, rule IDs, causation id and a one-line
description; keyed by (contract, version), so it is exactly the stored history.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table

if TYPE_CHECKING:
    from uuid import UUID

    from projections.engine.rows import Batch, Row

EVENTS = Table(
    "events",
    ("contract_id", "version"),
    (
        ("contract_id", "uuid"),
        ("version", "bigint"),
        ("event_type", "text"),
        ("occurred_on", "date"),
        ("recorded_at", "timestamptz"),
        ("actor", "text"),
        ("rule_ids", "jsonb"),
        ("causation_id", "text"),
        ("description", "text"),
    ),
    cached=False,
)


class HistoryView(RowView):
    """The timeline of every contract."""

    tables: ClassVar[tuple[Table, ...]] = (EVENTS,)

    def timeline(self, contract_id: UUID) -> list[Row]:
        """A contract's events in order."""
        return self.select("events", order_by=("version",), contract_id=contract_id)


class InMemoryHistoryView(InMemoryRowView, HistoryView):
    """History in memory."""


class PostgresHistoryView(PostgresRowView, HistoryView):
    """History in PostgreSQL."""


class HistoryProjection(BatchProjection[HistoryView]):
    """One history row per contract event."""

    name = "history"

    def apply(self, event: Any, batch: Batch) -> None:
        if not isinstance(event, ContractEvent):
            return
        batch.put(
            "events",
            {
                "contract_id": event.originator_id,
                "version": event.originator_version,
                "event_type": type(event).__name__,
                "occurred_on": event.occurred_on,
                "recorded_at": event.timestamp,
                "actor": event.actor,
                "rule_ids": list(event.rule_ids),
                "causation_id": event.causation_id,
                "description": describe(event),
            },
        )


WORD = re.compile(r"(?<!^)(?=[A-Z])")


def describe(event: ContractEvent) -> str:
    """A one-line, plain-language description: 'Instalment invoiced: 650.00 (M-02)'."""
    words = WORD.sub(" ", type(event).__name__).lower().capitalize()
    details = [
        str(getattr(event, name))
        for name in ("amount", "end_kind", "ground", "kind", "reading")
        if getattr(event, name, None) is not None
    ]
    rules = ", ".join(event.rule_ids)
    return f"{words}: {', '.join(details)} ({rules})" if details else f"{words} ({rules})"


SPEC = ViewSpec("history", HistoryProjection, PostgresHistoryView, InMemoryHistoryView)
