"""The portal overview's date-dependent figures: pure functions over the view's own rows.

Km allowance to date (M-11) and headroom to the km cap (M-12), Remaining Capital (M-01), the
next instalment (M-02..M-04), open items and documents (PT-15).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from domain.calendar import billing_period, months_covered
from domain.contract.ledger import is_overdue
from domain.contract.status import RUNNING
from domain.money import Money
from domain.money_rules import expected_km, remaining_capital
from domain.values import Frequency
from projections.views.receivables import CREDIT_NOTE

if TYPE_CHECKING:
    from projections.engine.rows import Row

ACTIVE_STATUSES = frozenset(s.value for s in RUNNING)
"""The contract runs: instalments fall due (ACTIVE, THEFT_PENDING, SUSPENDED, ...)."""
KM = Decimal(1)


def km_usage(row: Row, on: date) -> dict[str, Any] | None:
    """M-11/M-12: km allowance to date against the km driven, and the headroom to the cap."""
    start, handover, last = row["start_date"], row["odometer_at_handover"], row["last_odometer"]
    if start is None or handover is None or last is None:
        return None
    until = min(on, row["effective_end_date"] or row["contractual_end_date"])
    allowance = expected_km(row["annual_km"], months_covered(start, until))
    driven = last - handover
    cap: int = row["km_cap"]
    return {
        "allowance_to_date": int(allowance.quantize(KM, ROUND_HALF_UP)),
        "driven": driven,
        "over_allowance": int((driven - allowance).quantize(KM, ROUND_HALF_UP)),
        "last_odometer": last,
        "last_reported_on": row["last_odometer_on"],
        "km_cap": cap,
        "cap_headroom": cap - last,
    }


def capital_today(row: Row, on: date) -> Decimal:
    """M-01 on `on`, or on the effective end once the contract ended."""
    until = min(on, row["effective_end_date"]) if row["effective_end_date"] else on
    return remaining_capital(Money(row["invested_capital"]), row["start_date"], until).amount


def next_instalment(row: Row, on: date) -> dict[str, Any] | None:
    """M-02: the next billing period's start and its invoice while the contract runs.

    A period that begins while the contract runs is invoiced in advance in full, also the last
    one that the contractual end cuts short (P-14: the term need not be whole periods); its
    days after the end are credited when the contract ends (M-04, A-16). So the amount is the
    instalment, as `domain.contract.billing.invoice_period` will invoice it.
    """
    end = row["contractual_end_date"]
    if row["status"] not in ACTIVE_STATUSES or end is None:
        return None
    start = billing_period(on, Frequency(row["frequency"]))[1] + timedelta(days=1)
    if start > end:
        return None
    return {"period_start": start, "amount": Money(row["instalment"]).amount}


def open_items(receivables: list[Row], balance: Decimal, on: date) -> dict[str, Any]:
    """Open debit documents (overdue when due before `on`) and what is owed to the customer."""
    debits = [r for r in receivables if r["kind"] != CREDIT_NOTE and r["open"] > 0]
    owed = [r["open"] for r in receivables if r["kind"] == CREDIT_NOTE and r["open"] > 0]
    items = [
        {k: r[k] for k in ("receivable_id", "kind", "category", "issued_on", "due_on", "amount")}
        | {"open": r["open"], "overdue": is_overdue(Money(r["open"]), r["due_on"], on)}
        for r in debits
    ]
    return {
        "open_items": items,
        "open_total": sum((r["open"] for r in debits), Decimal(0)),
        "overdue_total": sum((r["open"] for r in debits if r["due_on"] < on), Decimal(0)),
        "credit_owed": sum(owed, Decimal(0)) + balance,
    }


def all_documents(documents: list[Row], receivables: list[Row]) -> list[Row]:
    """PT-15(a): every document, in the order it was issued."""
    money = [
        {"document_id": r["receivable_id"], "version": r["version"], "type": r["kind"]}
        | {"issued_on": r["issued_on"], "amount": r["amount"], "open": r["open"]}
        for r in receivables
    ]
    others = [
        {k: d[k] for k in ("document_id", "version", "type", "issued_on")}
        | {"amount": None, "open": None}
        for d in documents
    ]
    return sorted(money + others, key=lambda d: d["version"])
