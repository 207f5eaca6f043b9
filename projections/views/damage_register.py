"""`damage_register`: RULES 9.10 DamageRegister, one row per Damage Event of a contract with
its Protection claim (L-35): decision and exclusion codes, the flat fee (M-15), what third
parties paid back and the fee refunded (M-16), and the damage charged when refused (M-17).

`status` is REPORTED (no claim: the contract has no Protection), ACCEPTED, PARTIALLY_ACCEPTED
(refused in part, M-17 charging the part) or REFUSED, and
SETTLED once an accepted claim's whole fee was refunded. Amounts are Decimals of euros.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.billing_events import CreditNoteIssued, FlatDamageFeeCharged
from domain.contract.claim_window_events import IndependentExpertDecisionRecorded
from domain.contract.damage_events import DamageShortfallCharged, ThirdPartyRecoveryReceived
from domain.contract.incidents_events import IncidentReported, ProtectionClaimDecided
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views.contract_state import Dispatch

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from projections.engine.rows import Batch, Row

ZERO = Decimal("0.00")
AMOUNTS: tuple[str, ...] = ("repair_cost", "flat_fee", "waived", "third_party_recovered")
AMOUNTS += ("fee_refunded", "fee_withdrawn", "damage_charged")

CLAIMS = Table(
    "claims",
    ("contract_id", "incident_id"),
    (
        ("contract_id", "uuid"),
        ("incident_id", "text"),
        ("kind", "text"),
        ("incident_on", "date"),
        ("reported_on", "date"),
        ("status", "text"),
        ("exclusion_codes", "jsonb"),
        ("fee_document", "text"),
        *((name, "numeric") for name in AMOUNTS),
        ("updated_on", "date"),
    ),
)

FEES = Table(
    "fees",
    ("contract_id", "receivable_id"),
    (("contract_id", "uuid"), ("receivable_id", "text"), ("incident_id", "text")),
)
"""The Damage Event of each flat fee (and M-17 charge) document, for the credit notes against
it."""


class DamageRegisterView(RowView):
    """Every contract's Damage Events and their claims."""

    tables: ClassVar[tuple[Table, ...]] = (CLAIMS, FEES)

    def register(self, contract_id: UUID) -> list[Row]:
        """A contract's Damage Events in the order they were reported."""
        return self.select("claims", order_by=("incident_id",), contract_id=contract_id)


class InMemoryDamageRegisterView(InMemoryRowView, DamageRegisterView):
    """The damage register in memory."""


class PostgresDamageRegisterView(PostgresRowView, DamageRegisterView):
    """The damage register in PostgreSQL."""


def _reported(e: IncidentReported, row: Row) -> None:
    row.update(kind=e.kind, incident_on=e.incident_on, reported_on=e.occurred_on)
    row.update(status="REPORTED", repair_cost=e.repair_cost.amount)


def _decided(e: ProtectionClaimDecided, row: Row) -> None:
    row.update(status=e.decision, exclusion_codes=list(e.exclusion_codes))
    row.update(waived=e.waived_amount.amount, repair_cost=e.damage_amount.amount)


def _expert(e: IndependentExpertDecisionRecorded, row: Row) -> None:
    """L-35: the expert's binding decision replaces the Lessor's (its fee follows)."""
    row["status"] = "REFUSED" if e.outcome == "REFUSED" else "ACCEPTED"
    if e.exclusion_codes:
        row["exclusion_codes"] = list(e.exclusion_codes)


def _fee(e: FlatDamageFeeCharged, row: Row) -> None:
    row.update(flat_fee=e.amount.amount, fee_document=e.receivable_id)


def _recovered(e: ThirdPartyRecoveryReceived, row: Row) -> None:
    row["third_party_recovered"] += e.amount.amount


def _charged(e: DamageShortfallCharged, row: Row) -> None:
    row["damage_charged"] += e.amount.amount


def _credited(e: CreditNoteIssued, row: Row) -> None:
    if e.reason == "DAMAGE_SHORTFALL_WITHDRAWN":  # L-35: the expert accepted a refused claim
        row["damage_charged"] -= e.amount.amount
        return
    column = "fee_refunded" if e.reason == "FLAT_FEE_REFUND" else "fee_withdrawn"
    row[column] += e.amount.amount
    if row["status"] == "ACCEPTED" and row["fee_refunded"] >= row["flat_fee"] > ZERO:
        row["status"] = "SETTLED"


_UPDATES: Dispatch[Callable[[Any, Row], None]] = Dispatch(
    {
        IncidentReported: _reported,
        ProtectionClaimDecided: _decided,
        IndependentExpertDecisionRecorded: _expert,
        FlatDamageFeeCharged: _fee,
        ThirdPartyRecoveryReceived: _recovered,
        DamageShortfallCharged: _charged,
    }
)


class DamageRegisterProjection(BatchProjection[DamageRegisterView]):
    """One row per Damage Event, moved by its claim's events (theft and total loss have their
    own rows only where a claim was decided on them)."""

    name = "damage_register"

    def apply(self, event: Any, batch: Batch) -> None:
        if isinstance(event, CreditNoteIssued):
            self._credit(event, batch)
            return
        update = _UPDATES.get(event)
        if update is None:
            return
        key = (event.originator_id, event.incident_id)
        row = batch.get("claims", *key) or _new_row(event.originator_id, event.incident_id)
        self._put(event, row, update, batch)
        if isinstance(event, FlatDamageFeeCharged | DamageShortfallCharged):
            fee = {"receivable_id": event.receivable_id, "incident_id": event.incident_id}
            batch.put("fees", {"contract_id": event.originator_id, **fee})

    def _credit(self, event: CreditNoteIssued, batch: Batch) -> None:
        """A refund (M-16) or withdrawal (M-17) of a flat fee, found by the fee's document."""
        fee = batch.get("fees", event.originator_id, event.relates_to or "")
        if fee is None:  # not a credit against a flat fee
            return
        row = batch.get("claims", event.originator_id, fee["incident_id"])
        if row is not None:
            self._put(event, row, _credited, batch)

    @staticmethod
    def _put(event: Any, row: Row, update: Callable[[Any, Row], None], batch: Batch) -> None:
        update(event, row)
        row["updated_on"] = event.occurred_on
        batch.put("claims", row)


def _new_row(contract_id: UUID, incident_id: str) -> Row:
    row: Row = {"contract_id": contract_id, "incident_id": incident_id, "status": "REPORTED"}
    row.update(kind=None, incident_on=None, reported_on=None, fee_document=None)
    row.update(exclusion_codes=[], **dict.fromkeys(AMOUNTS, ZERO))
    return row


SPEC = ViewSpec(
    "damage_register",
    DamageRegisterProjection,
    PostgresDamageRegisterView,
    InMemoryDamageRegisterView,
)
