"""`exposure`: all of a customer's contracts together (K-01, RULES 9.10 CustomerExposure).

Grounds 18.3(ii) and (vi) and Art. 3.1/4.5 look at *any* contract of the Customer, so the
rules engine needs, per customer: each contract's status, open and overdue amounts, instalment
arrears, and its grounds (detected, recorded, cleared, exercised on dissolution). A Guarantee
covers all of the Customer's contracts (M-10), so the view also lists the Guarantees provided
under each, with what was applied and what is left. The view keeps its own contract,
receivable, ground and guarantee rows, all carrying the customer number.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractConcluded, ContractEvent
from domain.contract.cover_events import GuaranteeLapsed
from domain.contract.formation_events import ContractAdjustmentIssued, VehicleSpecificationChanged
from domain.contract.guarantee_events import (
    GuaranteeApplied,
    GuaranteeAppliedFromContract,
    GuaranteeAppliedToContract,
    GuaranteeProvided,
    GuaranteeReleased,
)
from domain.contract.ledger import is_overdue
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    DissolutionGroundCleared,
    DissolutionGroundDetected,
    DissolutionGroundRecorded,
)
from domain.money import Money
from domain.money_rules import monthly_equivalent
from domain.values import ContractStatus, Frequency, GroundStatus
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views.contract_state import (
    STATUS_COLUMNS,
    Dispatch,
    follow_contract,
    new_status_row,
)
from projections.views.receivables import CREDIT_NOTE, ITEM_COLUMNS, OpenAmounts

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from projections.engine.rows import Batch, Row

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
"""Amounts are sums of cents: an empty sum reads "0.00", like every other amount."""

CONTRACTS = Table(
    "contracts",
    ("contract_id",),
    (
        ("contract_id", "uuid"),
        ("customer_number", "text"),
        ("contract_number", "text"),
        *STATUS_COLUMNS,
        ("instalment", "numeric"),
        ("frequency", "text"),
        ("credit_balance", "numeric"),
    ),
)
RECEIVABLES = Table(
    "receivables",
    ("contract_id", "receivable_id"),
    (*ITEM_COLUMNS, ("customer_number", "text")),
)
GROUNDS = Table(
    "grounds",
    ("contract_id", "ground_id"),
    (
        ("contract_id", "uuid"),
        ("ground_id", "text"),
        ("customer_number", "text"),
        ("ground", "text"),
        ("source", "text"),
        ("status", "text"),
        ("opened_on", "date"),
        ("closed_on", "date"),
        ("version", "bigint"),
    ),
)
"""source: DETECTED (AUTO-DETECT) or RECORDED (HUMAN); status: OPEN, CLEARED or EXERCISED."""
GUARANTEES = Table(
    "guarantees",
    ("contract_id", "guarantee_id"),
    (
        ("contract_id", "uuid"),
        ("guarantee_id", "text"),
        ("customer_number", "text"),
        ("guarantee_type", "text"),
        ("amount", "numeric"),
        ("applied", "numeric"),
        ("released", "boolean"),
        ("provided_on", "date"),
        ("version", "bigint"),
    ),
)
"""M-10 / P-22: each Guarantee, under the contract it was provided for."""
GUARANTEE_COLUMNS = ("guarantee_id", "guarantee_type", "amount", "applied", "provided_on")
ITEMS = OpenAmounts("receivables")


class ExposureView(RowView):
    """A customer's contracts, amounts and grounds, for "any Contract" rules (K-01)."""

    tables: ClassVar[tuple[Table, ...]] = (CONTRACTS, RECEIVABLES, GROUNDS, GUARANTEES)

    def customer(self, customer_number: str, on: date) -> dict[str, Any]:
        """Per contract and in total: open, overdue (due before `on`), arrears, open grounds."""
        who = {"customer_number": customer_number}
        contracts = self.select("contracts", order_by=("contract_number",), **who)
        receivables = self.select("receivables", order_by=("version",), **who)
        grounds = self.select("grounds", order_by=("version",), **who)
        guarantees = self.select("guarantees", order_by=("version",), **who)
        rows = [
            contract_exposure(
                c,
                [r for r in receivables if r["contract_id"] == c["contract_id"]],
                [g for g in grounds if g["contract_id"] == c["contract_id"]],
                on,
            )
            for c in contracts
        ]
        held = [guarantee_exposure(g, contracts) for g in guarantees]
        return (
            {"customer_number": customer_number, "as_of": on, "contracts": rows}
            | totals(rows)
            | {
                "guarantees": held,
                "guarantees_available": sum((g["available"] for g in held), ZERO),
            }
        )

    def obligations_elsewhere(self, contract_number: str) -> list[str]:
        """M-10: the Customer's other contracts whose obligations are not all fulfilled
        (not closed, L-28, or with a document still open), which keep a Guarantee held
        under `contract_number` from being released; [] for an unknown contract."""
        mine = self.select("contracts", contract_number=contract_number)
        if not mine:
            return []
        who = {"customer_number": mine[0]["customer_number"]}
        receivables = self.select("receivables", **who)
        open_on = {
            r["contract_id"] for r in receivables if r["kind"] != CREDIT_NOTE and r["open"] > 0
        }
        return [
            c["contract_number"]
            for c in self.select("contracts", order_by=("contract_number",), **who)
            if c["contract_number"] != contract_number
            and (c["status"] != ContractStatus.CLOSED.value or c["contract_id"] in open_on)
        ]


def guarantee_exposure(guarantee: Row, contracts: list[Row]) -> dict[str, Any]:
    """One Guarantee (M-10): provided under which contract, applied, left (0 once released)."""
    numbers = {c["contract_id"]: c["contract_number"] for c in contracts}
    left = ZERO if guarantee["released"] else guarantee["amount"] - guarantee["applied"]
    return {k: guarantee[k] for k in GUARANTEE_COLUMNS} | {
        "contract_number": numbers.get(guarantee["contract_id"]),
        "released": guarantee["released"],
        "available": left,
    }


def contract_exposure(
    contract: Row, receivables: list[Row], grounds: list[Row], on: date
) -> dict[str, Any]:
    """One contract's amounts on `on`; arrears are overdue instalment invoices (A-12)."""
    debits = [r for r in receivables if r["kind"] != CREDIT_NOTE and r["open"] > 0]
    overdue = [r for r in debits if is_overdue(Money(r["open"]), r["due_on"], on)]
    arrears = [r for r in overdue if r["category"] == "INSTALMENT"]
    arrears_amount = sum((r["open"] for r in arrears), ZERO)
    monthly = monthly_equivalent(Money(contract["instalment"]), Frequency(contract["frequency"]))
    owed = [r["open"] for r in receivables if r["kind"] == CREDIT_NOTE and r["open"] > 0]
    return {k: contract[k] for k in ("contract_id", "contract_number", "status", "end_kind")} | {
        "open_amount": sum((r["open"] for r in debits), ZERO),
        "overdue_amount": sum((r["open"] for r in overdue), ZERO),
        "credit_owed": sum(owed, ZERO) + contract["credit_balance"],
        "arrears_amount": arrears_amount,
        "arrears_invoices": len(arrears),
        "arrears_months": (arrears_amount / monthly.amount).quantize(CENT, ROUND_HALF_UP),
        "grounds": [
            {k: g[k] for k in ("ground_id", "ground", "source", "status", "opened_on", "closed_on")}
            for g in grounds
        ],
        "open_grounds": [g["ground"] for g in grounds if g["status"] == GroundStatus.OPEN.value],
    }


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer's totals over all contracts."""
    return {
        "open_amount": sum((r["open_amount"] for r in rows), ZERO),
        "overdue_amount": sum((r["overdue_amount"] for r in rows), ZERO),
        "arrears_amount": sum((r["arrears_amount"] for r in rows), ZERO),
        "contracts_in_arrears": sum(1 for r in rows if r["arrears_invoices"]),
        "open_grounds": [(r["contract_number"], g) for r in rows for g in r["open_grounds"]],
    }


class InMemoryExposureView(InMemoryRowView, ExposureView):
    """Exposure in memory."""


class PostgresExposureView(PostgresRowView, ExposureView):
    """Exposure in PostgreSQL."""


def _concluded(e: ContractConcluded) -> Row:
    return new_status_row() | {
        "contract_id": e.originator_id,
        "customer_number": e.terms.customer_number,
        "contract_number": e.terms.contract_number,
        "instalment": e.terms.instalment_amount.amount,
        "frequency": e.terms.instalment_frequency.value,
        "credit_balance": ZERO,
    }


def _terms(e: VehicleSpecificationChanged | ContractAdjustmentIssued, row: Row, _b: Batch) -> None:
    row.update(
        instalment=e.terms.instalment_amount.amount, frequency=e.terms.instalment_frequency.value
    )


def _ground(source: str) -> Callable[[Any, Row, Batch], None]:
    def opened(
        e: DissolutionGroundDetected | DissolutionGroundRecorded, row: Row, b: Batch
    ) -> None:
        b.put(
            "grounds",
            {
                "contract_id": e.originator_id,
                "ground_id": e.ground_id,
                "customer_number": row["customer_number"],
                "ground": e.ground,
                "source": source,
                "status": GroundStatus.OPEN.value,
                "opened_on": e.occurred_on,
                "closed_on": None,
                "version": e.originator_version,
            },
        )

    return opened


def _set_grounds(b: Batch, e: ContractEvent, ground_ids: list[str], status: str) -> None:
    for ground_id in ground_ids:
        ground = b.get("grounds", e.originator_id, ground_id)
        if ground is not None:
            b.put("grounds", ground | {"status": status, "closed_on": e.occurred_on})


def _provided(e: GuaranteeProvided, row: Row, b: Batch) -> None:
    b.put(
        "guarantees",
        {
            "contract_id": e.originator_id,
            "guarantee_id": e.guarantee_id,
            "customer_number": row["customer_number"],
            "guarantee_type": e.guarantee_type,
            "amount": e.amount.amount,
            "applied": ZERO,
            "released": False,
            "provided_on": e.occurred_on,
            "version": e.originator_version,
        },
    )


def _applied(e: GuaranteeApplied, _row: Row, b: Batch) -> None:
    _use(b, e, sum((line["amount"].amount for line in e.allocations), ZERO))


def _applied_elsewhere(e: GuaranteeAppliedToContract, _row: Row, b: Batch) -> None:
    """M-10: part of the Guarantee went to another contract of the Customer."""
    _use(b, e, e.amount.amount)


def _applied_from_elsewhere(_e: GuaranteeAppliedFromContract, _row: Row, _b: Batch) -> None:
    """M-10: another contract's Guarantee settled documents here (the open amounts follow
    the event's `open_change`; the Guarantee's row moves with the holder's event)."""


def _use(b: Batch, e: GuaranteeApplied | GuaranteeAppliedToContract, used: Decimal) -> None:
    held = b.get("guarantees", e.originator_id, e.guarantee_id)
    if held is not None:
        b.put("guarantees", held | {"applied": held["applied"] + used})


def _lapsed(e: GuaranteeLapsed, _row: Row, b: Batch) -> None:
    """T-18.3-vii: at most the remaining amount is still available."""
    held = b.get("guarantees", e.originator_id, e.guarantee_id)
    if held is not None:
        left = max(min(held["amount"] - held["applied"], e.remaining_amount.amount), ZERO)
        b.put("guarantees", held | {"amount": held["applied"] + left})


def _released(e: GuaranteeReleased, _row: Row, b: Batch) -> None:
    held = b.get("guarantees", e.originator_id, e.guarantee_id)
    if held is not None:
        b.put("guarantees", held | {"released": True})


UPDATES: Dispatch[Callable[[Any, Row, Batch], None]] = Dispatch(
    {
        VehicleSpecificationChanged: _terms,
        ContractAdjustmentIssued: _terms,
        DissolutionGroundDetected: _ground("DETECTED"),
        DissolutionGroundRecorded: _ground("RECORDED"),
        DissolutionGroundCleared: lambda e, _r, b: _set_grounds(
            b, e, [e.ground_id], GroundStatus.CLEARED.value
        ),
        ContractDissolvedAgainstCustomer: lambda e, _r, b: _set_grounds(
            b, e, e.ground_ids, GroundStatus.EXERCISED.value
        ),
        GuaranteeProvided: _provided,
        GuaranteeApplied: _applied,
        GuaranteeAppliedToContract: _applied_elsewhere,
        GuaranteeAppliedFromContract: _applied_from_elsewhere,
        GuaranteeReleased: _released,
        GuaranteeLapsed: _lapsed,
    }
)


class ExposureProjection(BatchProjection[ExposureView]):
    """Contract status, open amounts and grounds per customer."""

    name = "exposure"

    def apply(self, event: Any, batch: Batch) -> None:
        if isinstance(event, ContractConcluded):
            batch.put("contracts", _concluded(event))
            return
        follow_contract(
            event, batch, UPDATES, ITEMS, lambda row: {"customer_number": row["customer_number"]}
        )


SPEC = ViewSpec("exposure", ExposureProjection, PostgresExposureView, InMemoryExposureView)
