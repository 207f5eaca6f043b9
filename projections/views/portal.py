"""`portal`: what a customer sees of their contracts (PT-15, RULES 9.10 ContractOverview).

Per contract: its facts (status, end, start, term, km, fuel, capital, instalment, odometer),
its documents and their open amounts, and a plain-language timeline. `overview(id, on)` adds
the date-dependent figures with the pure domain rules: km allowance to date (M-11), km-cap
headroom (M-12), Remaining Capital (M-01) and the next instalment (M-02..M-04).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractConcluded, ContractEvent
from domain.contract.billing_events import FormalNoticeSent
from domain.contract.formation_events import (
    ContractAdjustmentIssued,
    KmCapDefaulted,
    VehicleHandedOver,
    VehicleSpecificationChanged,
)
from domain.contract.incidents_events import KmCapReached, OdometerReported
from domain.contract.settlement_events import ReturnInspectionCompleted
from domain.km_cap import km_cap
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views import lessor_tasks
from projections.views.contract_state import (
    STATUS_COLUMNS,
    Dispatch,
    follow_contract,
    moves_standing,
    new_status_row,
)
from projections.views.portal_figures import (
    all_documents,
    capital_today,
    km_usage,
    next_instalment,
    open_items,
)
from projections.views.portal_text import sentence
from projections.views.receivables import ITEM_COLUMNS, OpenAmounts

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from uuid import UUID

    from domain.terms import ContractTerms
    from projections.engine.rows import Batch, Row

CONTRACTS = Table(
    "contracts",
    ("contract_id",),
    (
        ("contract_id", "uuid"),
        ("customer_number", "text"),
        ("contract_number", "text"),
        *STATUS_COLUMNS,
        ("concluded_on", "date"),
        ("start_date", "date"),
        ("contractual_end_date", "date"),
        ("term_months", "integer"),
        ("annual_km", "integer"),
        ("fuel_type", "text"),
        ("km_cap", "integer"),
        ("invested_capital", "numeric"),
        ("instalment", "numeric"),
        ("frequency", "text"),
        ("odometer_at_handover", "integer"),
        ("last_odometer", "integer"),
        ("last_odometer_on", "date"),
        ("credit_balance", "numeric"),
        *lessor_tasks.COLUMNS,
    ),
)
RECEIVABLES = Table(
    "receivables",
    ("contract_id", "receivable_id"),
    (*ITEM_COLUMNS, ("period_start", "date"), ("period_end", "date")),
)
DOCUMENTS = Table(
    "documents",
    ("contract_id", "document_id"),
    (
        ("contract_id", "uuid"),
        ("document_id", "text"),
        ("version", "bigint"),
        ("type", "text"),
        ("issued_on", "date"),
    ),
    cached=False,
)
"""Documents without an amount: Special Conditions, adjustments, notices, return reports."""
TIMELINE = Table(
    "timeline",
    ("contract_id", "version"),
    (("contract_id", "uuid"), ("version", "bigint"), ("occurred_on", "date"), ("text", "text")),
    cached=False,
)
ITEMS = OpenAmounts("receivables")
FACTS = tuple(n for n in CONTRACTS.names if n not in ("status_before_theft", "credit_balance"))


class PortalView(RowView):
    """A customer's contracts, documents, open items, km usage and timeline."""

    tables: ClassVar[tuple[Table, ...]] = (CONTRACTS, RECEIVABLES, DOCUMENTS, TIMELINE)

    def contracts_of(self, customer_number: str) -> list[Row]:
        """The customer's contracts (their facts), by contract number."""
        rows = self.select(
            "contracts", order_by=("contract_number",), customer_number=customer_number
        )
        return [{k: row[k] for k in FACTS} for row in rows]

    def contracts_page(self, after: str | None, limit: int, **equal: str | bool) -> list[Row]:
        """Up to `limit` contracts (their facts) numbered after `after`, filtered by the
        columns in `equal` (customer_number, status, awaiting_lessor), by contract number."""
        rows = self.page("contracts", "contract_number", after, limit, **equal)
        return [{k: row[k] for k in FACTS} for row in rows]

    def overview(
        self, contract_id: UUID, on: date, customer_number: str | None = None
    ) -> dict[str, Any]:
        """PT-15 contract overview on business date `on` (KeyError: unknown or not theirs)."""
        found = self.select("contracts", contract_id=contract_id)
        if not found or customer_number not in (None, found[0]["customer_number"]):
            raise KeyError(contract_id)
        row = found[0]
        receivables = self.select("receivables", order_by=("version",), contract_id=contract_id)
        documents = self.select("documents", order_by=("version",), contract_id=contract_id)
        timeline = self.select("timeline", order_by=("version",), contract_id=contract_id)
        return {
            **{k: row[k] for k in FACTS},
            "as_of": on,
            "km": km_usage(row, on),
            "remaining_capital": capital_today(row, on),
            "next_instalment": next_instalment(row, on),
            **open_items(receivables, row["credit_balance"], on),
            "documents": all_documents(documents, receivables),
            "timeline": [{"occurred_on": t["occurred_on"], "text": t["text"]} for t in timeline],
        }


class InMemoryPortalView(InMemoryRowView, PortalView):
    """Portal in memory."""


class PostgresPortalView(PostgresRowView, PortalView):
    """Portal in PostgreSQL."""


def _terms(terms: ContractTerms) -> Row:
    return {
        "term_months": terms.term_months,
        "annual_km": terms.annual_km,
        "fuel_type": terms.fuel_type.value,
        "km_cap": km_cap(terms.fuel_type, terms.agreed_km_cap),  # as agreed, if agreed
        "invested_capital": terms.invested_capital.amount,
        "instalment": terms.instalment_amount.amount,
        "frequency": terms.instalment_frequency.value,
    }


def _concluded(e: ContractConcluded) -> Row:
    empty = dict.fromkeys(CONTRACTS.names)
    return (
        empty
        | new_status_row()
        | lessor_tasks.no_tasks()
        | _terms(e.terms)
        | {
            "contract_id": e.originator_id,
            "customer_number": e.terms.customer_number,
            "contract_number": e.terms.contract_number,
            "concluded_on": e.occurred_on,
            "credit_balance": Decimal(0),
        }
    )


def _document(batch: Batch, e: ContractEvent, kind: str, document_id: str) -> None:
    batch.put(
        "documents",
        {
            "contract_id": e.originator_id,
            "document_id": document_id,
            "version": e.originator_version,
            "type": kind,
            "issued_on": e.occurred_on,
        },
    )


def _specification(e: VehicleSpecificationChanged, row: Row, batch: Batch) -> None:
    row.update(_terms(e.terms))
    lessor_tasks.terms_changed(e.terms, row)
    _document(batch, e, "SPECIAL_CONDITIONS", e.special_conditions_id)


def _adjusted(e: ContractAdjustmentIssued, row: Row, batch: Batch) -> None:
    row.update(_terms(e.terms), contractual_end_date=e.contractual_end_date)
    lessor_tasks.terms_changed(e.terms, row)
    _document(batch, e, "CONTRACT_ADJUSTMENT", e.adjustment_id)


def _handed_over(e: VehicleHandedOver, row: Row, _batch: Batch) -> None:
    row.update(
        start_date=e.start_date,
        contractual_end_date=e.contractual_end_date,
        odometer_at_handover=e.odometer_at_handover,
        last_odometer=e.odometer_at_handover,
        last_odometer_on=e.start_date,
    )


def _odometer(e: OdometerReported, row: Row, _batch: Batch) -> None:
    row.update(last_odometer=e.reading, last_odometer_on=e.occurred_on)


def _inspected(e: ReturnInspectionCompleted, row: Row, batch: Batch) -> None:
    row.update(last_odometer=e.odometer, last_odometer_on=e.occurred_on)
    _document(batch, e, "RETURN_REPORT", f"RR{e.originator_version}")


def _notice(e: FormalNoticeSent, _row: Row, batch: Batch) -> None:
    _document(batch, e, "NOTICE", e.notice_id)


UPDATES: Dispatch[Callable[[Any, Row, Batch], None]] = Dispatch(
    {
        VehicleSpecificationChanged: _specification,
        ContractAdjustmentIssued: _adjusted,
        VehicleHandedOver: _handed_over,
        OdometerReported: _odometer,
        ReturnInspectionCompleted: _inspected,
        FormalNoticeSent: _notice,
        KmCapDefaulted: lambda e, row, _batch: lessor_tasks.cap_defaulted(e, row),
        KmCapReached: lambda e, row, _batch: lessor_tasks.cap_reached(e, row),
    }
)


class PortalProjection(BatchProjection[PortalView]):
    """Contract facts, documents, open amounts and timeline sentences from contract events."""

    name = "portal"

    def apply(self, event: Any, batch: Batch) -> None:
        if not isinstance(event, ContractEvent):
            return
        if isinstance(event, ContractConcluded):
            batch.put("contracts", _concluded(event))
            _document(batch, event, "SPECIAL_CONDITIONS", f"SC-{event.terms.contract_number}")
        else:
            self._update(event, batch)
        text = sentence(event)
        if text is not None:
            batch.put(
                "timeline",
                {
                    "contract_id": event.originator_id,
                    "version": event.originator_version,
                    "occurred_on": event.occurred_on,
                    "text": text,
                },
            )

    @staticmethod
    def _update(event: ContractEvent, batch: Batch) -> None:
        period = {
            "period_start": getattr(event, "period_start", None),
            "period_end": getattr(event, "period_end", None),
        }
        follow_contract(event, batch, UPDATES, ITEMS, lambda _row: period)
        if moves_standing(event):
            row = batch.get("contracts", event.originator_id)
            if row is not None and row["lessor_tasks"]:
                lessor_tasks.standing_moved(row)
                batch.put("contracts", row)


SPEC = ViewSpec("portal", PortalProjection, PostgresPortalView, InMemoryPortalView)
