"""The daily run's billing does less work per command, with the same results (issue 14)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import add_months, billing_period
from domain.contract import Contract
from domain.contract.billing import due_periods
from domain.contract.status import billing_end
from domain.values import Frequency
from tests.factories import active_ref_contract


def due_by_walking(c: Contract, today: date) -> list[date]:
    """M-02 as `due_periods` read before: walk period by period through `billing_period`."""
    end = billing_end(c)
    assert c.start_date is not None and end is not None  # noqa: PT018
    frequency = c.terms.instalment_frequency
    start, _ = billing_period(c.start_date, frequency)
    due = []
    while start <= min(today, end):
        if start not in c.invoiced_periods:
            due.append(start)
        start = billing_period(start, frequency)[1] + timedelta(days=1)
    return due


@settings(max_examples=150, deadline=None)
@given(
    start=st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    frequency=st.sampled_from(list(Frequency)),
    invoiced=st.sets(st.integers(0, 60), max_size=40),
    days=st.integers(-40, 2000),
)
def test_M_02_the_periods_due_are_those_begun_and_not_invoiced(
    start: date, frequency: Frequency, invoiced: set[int], days: int
) -> None:
    c = active_ref_contract(start, instalment_frequency=frequency)
    first, _ = billing_period(start, frequency)
    for i in sorted(invoiced):
        c.add_invoiced_period(add_months(first, i * frequency.months))
    today = start + timedelta(days=days)

    assert due_periods(c, today) == due_by_walking(c, today)


def test_M_02_on_the_start_date_the_first_period_is_due_then_none_once_invoiced() -> None:
    c = active_ref_contract(date(2024, 3, 12))

    assert due_periods(c, date(2024, 3, 12)) == [date(2024, 3, 1)]
    c.add_invoiced_period(date(2024, 3, 1))  # what InstalmentInvoiced does
    assert due_periods(c, date(2024, 3, 31)) == []
    assert due_periods(c, date(2024, 5, 1)) == [date(2024, 4, 1), date(2024, 5, 1)]
