"""Arrears on a date, from the facts a view stores: pure functions (L-34, M-06, D-10, A-12).

A view keeps each document's due date, bucket and open amount, and each formal notice; what
depends on the date asked about (overdue, days and months in arrears, M-06 interest accrued so
far, whether a cure period is over) is computed here, so a query can ask about any date.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.calendar import elapsed_months
from domain.contract.billing import NO_INTEREST_BUCKETS
from domain.contract.ledger import is_overdue
from domain.money import Money, total
from domain.money_rules import late_interest
from domain.values import Bucket
from projections.views.receivables import CREDIT_NOTE

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from projections.engine.rows import Row


def is_debit(item: Row) -> bool:
    return bool(item["kind"] != CREDIT_NOTE)


def overdue_items(items: Iterable[Row], on: date) -> list[Row]:
    """Open debit documents whose due date has passed on `on` (L-34, as `Contract.overdue`)."""
    return [i for i in items if is_debit(i) and is_overdue(Money(i["open"]), i["due_on"], on)]


def open_sum(items: Iterable[Row]) -> Money:
    return Money(sum((Decimal(i["open"]) for i in items), Decimal(0)))


def oldest_due_on(items: Iterable[Row], on: date) -> date | None:
    """The due date of the oldest overdue document on `on`, if any."""
    return min((i["due_on"] for i in overdue_items(items, on)), default=None)


def interest_lines(items: Iterable[Row], on: date) -> list[tuple[str, Money]]:
    """M-06 (A-08): interest accrued to `on` on each overdue principal, from its due date.

    Interest or 5.3 indemnities bear none; chunks paid late were charged when paid.
    """
    return [
        (i["receivable_id"], late_interest(Money(i["open"]), i["due_on"], on))
        for i in overdue_items(items, on)
        if Bucket(i["bucket"]) not in NO_INTEREST_BUCKETS
    ]


@dataclass(frozen=True)
class Arrears:
    """A contract's arrears on a date (L-34, M-06, T-18.3-ii/iii)."""

    on: date
    overdue: Money
    overdue_instalments: Money
    """Overdue instalment principal (A-12 amount test of 18.3(ii))."""
    oldest_due_on: date | None
    days: int
    """Calendar days from the oldest overdue due date to `on`."""
    months: int
    """Completed months from the oldest overdue due date to `on` (`elapsed_months`)."""
    interest: Money
    """M-06 interest accrued to `on` on what is still open (not yet charged)."""


def arrears_on(items: list[Row], on: date) -> Arrears:
    """The arrears figures of a contract's items on `on`."""
    overdue = overdue_items(items, on)
    instalments = [i for i in overdue if i["bucket"] == Bucket.INSTALMENT.value]
    oldest = oldest_due_on(items, on)
    return Arrears(
        on=on,
        overdue=open_sum(overdue),
        overdue_instalments=open_sum(instalments),
        oldest_due_on=oldest,
        days=(on - oldest).days if oldest is not None else 0,
        months=elapsed_months(oldest, on) if oldest is not None else 0,
        interest=total([amount for _, amount in interest_lines(items, on)]),
    )


@dataclass(frozen=True)
class Dunning:
    """A formal notice and where it stands on a date (D-10, D-12)."""

    notice_id: str
    kind: str
    registered: bool
    dispatch_date: date
    cure_deadline: date
    receivable_ids: tuple[str, ...]
    """The documents the notice covers."""
    expired: bool
    """The cure deadline expired (recorded by `FormalNoticeCureDeadlineExpired`)."""
    cure_period_over: bool
    """`on` is after the cure deadline."""
    unpaid: Money
    """What the covered documents still have open now."""
    unpaid_at_expiry: Money | None


def dunning_on(notice: Row, items: list[Row], on: date) -> Dunning:
    """Where one notice stands on `on`, given the contract's items."""
    covered = set(notice["receivable_ids"])
    unpaid = [i for i in items if i["receivable_id"] in covered]
    at_expiry = notice["unpaid_total"]
    return Dunning(
        notice_id=notice["notice_id"],
        kind=notice["kind"],
        registered=notice["registered"],
        dispatch_date=notice["dispatch_date"],
        cure_deadline=notice["cure_deadline"],
        receivable_ids=tuple(notice["receivable_ids"]),
        expired=notice["expired"],
        cure_period_over=on > notice["cure_deadline"],
        unpaid=open_sum(unpaid),
        unpaid_at_expiry=Money(at_expiry) if at_expiry is not None else None,
    )
