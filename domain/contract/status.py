"""Small state predicates shared by the deciding modules."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.calendar import billing_period, month_index
from domain.values import ContractStatus, EndKind

if TYPE_CHECKING:
    from collections.abc import Iterator

    from domain.contract import Contract

RUNNING = frozenset(
    {
        ContractStatus.ACTIVE,
        ContractStatus.THEFT_PENDING,
        ContractStatus.SUSPENDED,
        ContractStatus.EARLY_TERMINATION_PENDING,
    }
)
"""The contract has started and not ended."""

NOT_ENDED = RUNNING | {
    ContractStatus.CONCLUDED,
    ContractStatus.ORDERED,
    ContractStatus.READY_FOR_HANDOVER,
    ContractStatus.HANDOVER_SUSPENDED,
}


def billing_end(c: Contract) -> date | None:
    """L-37 / M-04 (A-16): the last day instalments run to.

    While the contract runs, its contractual end; once ended, the effective end, except that
    heirs pay until the Vehicle is handed in (M-33). None before the Start Date.
    """
    if c.start_date is None or c.contractual_end_date is None:
        return None
    if c.end_kind is None:
        return c.contractual_end_date
    if c.end_kind is EndKind.DEATH:
        return c.returned_on or c.contractual_end_date
    assert c.effective_end_date is not None  # every end records one
    return min(c.effective_end_date, c.contractual_end_date)


def is_billable(c: Contract) -> bool:
    """Instalments run from the Start Date to the billing end (Art. 5.1, 5.6, A-19)."""
    return c.status is not ContractStatus.CLOSED and billing_end(c) is not None


def uninvoiced_periods(c: Contract) -> Iterator[date]:
    """Starts of the billing periods up to the billing end not invoiced yet, in order (M-02)."""
    end = billing_end(c)
    if not is_billable(c) or c.start_date is None or end is None:
        return
    frequency = c.terms.instalment_frequency
    start, _ = billing_period(c.start_date, frequency)
    invoiced = set(c.invoiced_periods)
    # Periods are whole calendar months from `start` (its 1st): walk them by month index.
    for i in range(month_index(start), month_index(end) + 1, frequency.months):
        period = date(i // 12, i % 12 + 1, 1)
        if period not in invoiced:
            yield period
