"""P-14 with a term that is not a whole number of billing periods (P-08, M-02..M-04, A-16).

Billing periods are calendar periods (P-15 CALENDAR). The first is pro rata from the Start
Date (M-03). Every period that begins while the contract runs is invoiced in advance in full
(M-02), including the one the contractual end cuts short; when the contract ends, the days
after the end are credited (M-04, A-16), so that period nets to
round2(instalment x daysCovered / daysInBillingPeriod), the same M-03/M-04 formula and the
same half-up rounding per line (A-34) as the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING

from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.calendar import add_months
from domain.contract.billing_events import (
    CreditNoteIssued,
    EarlyTerminationFeeInvoiced,
    InstalmentInvoiced,
    KmSettlementInvoiced,
)
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.contract.termination import RequestEarlyTermination
from domain.contract.termination_events import ContractTermExpired
from domain.money import Money, round2, total
from domain.money_rules import monthly_equivalent
from domain.values import ContractStatus, Frequency
from tests.contract_cases import (
    MONTH_13_FIRST_DAY,
    POLICY,
    assert_rules,
    collected,
    eur,
    of_type,
    only,
)
from tests.factories import REF_START, active_ref_contract, ctx, run_daily, run_days

if TYPE_CHECKING:
    from domain.contract import Contract

ONE_DAY = timedelta(days=1)
SEPTEMBER_20 = date(2025, 9, 20)
RETURN_AFTER_EXPIRY = date(2026, 4, 13)
"""Mon 2026-04-13: the first working day after the contractual end, Sat 2026-04-11 (D-25)."""
QUARTERLY_INSTALMENT = "1950.00"
"""REF's EUR 650.00 a month invoiced quarterly: monthly equivalent 1950 x 4 / 12 = 650 (A-21)."""


@dataclass(frozen=True)
class Billed:
    """One instalment invoice net of the credit notes that relate to it."""

    period_start: date
    period_end: date
    days_in_period: int
    invoiced: Money
    credited: Money

    @property
    def net(self) -> Money:
        return self.invoiced - self.credited


def billed(contract: Contract) -> list[Billed]:
    """The contract's instalment invoices in period order, each net of its credit notes."""
    rows = []
    for invoice in contract.receivables.values():
        if invoice.category != "INSTALMENT":
            continue
        assert invoice.period_start is not None and invoice.period_end is not None  # noqa: PT018
        notes = [
            r.amount
            for r in contract.receivables.values()
            if r.is_credit and r.relates_to == invoice.receivable_id
        ]
        rows.append(
            Billed(
                invoice.period_start,
                invoice.period_end,
                invoice.period_days or 0,
                invoice.amount,
                total(notes) if notes else Money.zero(),
            )
        )
    return sorted(rows, key=lambda row: row.period_start)


def run_to_expiry(contract: Contract, start: date) -> date:
    """The scheduler on the Start Date, on the first day of every month up to the contractual
    end, and on the day after it (ends by law, M-04); returns the contractual end."""
    term = contract.terms.term_months
    end = add_months(start, term) - ONE_DAY
    first_of_month = date(start.year, start.month, 1)
    months = [add_months(first_of_month, k) for k in range(1, term + 1)]
    days = [start, *(day for day in months if day <= end), end + ONE_DAY]
    for day in days:
        run_daily(contract, ctx(day, actor="SYSTEM:scheduler"), POLICY)
    return end


class TestTwentyFiveMonthsQuarterly:
    """REF's start (Tue 2024-03-12) with 25 months billed quarterly at EUR 1,950.00."""

    def expired(self) -> Contract:
        contract = active_ref_contract(
            term_months=25,
            instalment_frequency=Frequency.QUARTERLY,
            instalment_amount=eur(QUARTERLY_INSTALMENT),
        )
        run_to_expiry(contract, REF_START)
        return contract

    def test_P_14_M_04_the_25th_month_is_the_pro_rata_last_invoice(self) -> None:
        """Worked by hand (RULES 0.5, M-02..M-04, A-16, A-34):

        contractualEndDate = addMonths(2024-03-12, 25) - 1 day = Sat 2026-04-11.
        Q1 2024 (1 Jan - 31 Mar, 31 + 29 + 31 = 91 days): 12-31 March = 20 days,
            M-03: 1950 x 20/91 = 428.571... -> 428.57.
        Q2 2024 .. Q1 2026: 8 whole quarters in advance, M-02: 8 x 1950.00 = 15,600.00.
        Q2 2026 (1 Apr - 30 Jun, 30 + 31 + 30 = 91 days): invoiced in advance on 2026-04-01
            at 1950.00 (M-02, the contract runs); it ends on 2026-04-11, so 1-11 April = 11
            days are kept, M-04: 1950 x 11/91 = 235.714... -> 235.71, and the credit note is
            1950.00 - 235.71 = 1,714.29.
        Net billed: 428.57 + 15,600.00 + 235.71 = 16,264.28.

        That is not 25 x 650.00 = 16,250.00: the catalogue pro-rates the first and the last
        invoice by actual days over the days of the calendar quarter (M-03, M-04, A-16), and
        20 + 11 = 31 days of 91-day quarters is 31/91 of a quarter (1.022 months), not the one
        contract month that 12 March..11 April is. The difference, 14.28, is the formula's,
        not rounding's (rounding is one half-up step per line, A-34).
        """
        contract = self.expired()
        rows = billed(contract)

        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.contractual_end_date == date(2026, 4, 11)
        first, *whole, last = rows
        assert (first.period_start, first.period_end, first.days_in_period) == (
            REF_START,
            date(2024, 3, 31),
            91,
        )
        assert first.net == eur("428.57")
        assert len(whole) == 8
        assert all(row.net == eur("1950.00") and not row.credited.is_positive for row in whole)
        assert (last.period_start, last.days_in_period) == (date(2026, 4, 1), 91)
        assert (last.invoiced, last.credited, last.net) == (
            eur("1950.00"),
            eur("1714.29"),
            eur("235.71"),
        )
        assert total([row.net for row in rows]) == eur("16264.28")
        assert total([row.net for row in rows]) - eur("650.00") * 25 == eur("14.28")

    def test_P_14_M_04_the_credit_for_the_days_after_the_end_cites_M_04(self) -> None:
        contract = self.expired()
        events = collected(contract)

        assert only(events, ContractTermExpired).contractual_end_date == date(2026, 4, 11)
        credit = only(events, CreditNoteIssued)
        assert_rules(credit, "M-04", "A-16")
        assert credit.amount == eur("1714.29")
        assert len(of_type(events, InstalmentInvoiced)) == 10

    def test_M_22_A_21_early_termination_counts_remaining_months_not_quarters(self) -> None:
        """Requested on 2025-03-12 (month 13, D-28), Vehicle returned Sat 2025-09-20:

        M-04: Q3 2025 (1 Jul - 30 Sep, 92 days) was invoiced 1950.00 on 1 July; 1 Jul - 20 Sep
            = 82 days kept: 1950 x 82/92 = 1738.043... -> 1738.04, credit 211.96.
        M-22/A-21: monthly equivalent 1950 x 4/12 = 650.00; monthsCovered(2025-09-20) = 18 +
            9/30 = 18.3 (RULES 0.5); remaining 25 - 18.3 = 6.7 months -> 650 x 6.7 = 4,355.00;
            50% (P-42) = 2,177.50. km: 30,500 driven = 20,000/12 x 18.3 expected, no excess.
        """
        contract = active_ref_contract(
            term_months=25,
            instalment_frequency=Frequency.QUARTERLY,
            instalment_amount=eur(QUARTERLY_INSTALMENT),
        )
        run_days(contract, REF_START, MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, SEPTEMBER_20)
        contract.collect_events()

        execute(contract, ReturnVehicle(odometer=12 + 30_500), ctx(SEPTEMBER_20))
        events = collected(contract)

        assert only(events, CreditNoteIssued).amount == eur("211.96")
        fee = only(events, EarlyTerminationFeeInvoiced)
        assert fee.remaining_months == Decimal("6.7")
        assert fee.remaining_instalments == eur("4355.00")
        assert (fee.base_fee, fee.excess_km, fee.amount) == (
            eur("2177.50"),
            Decimal(0),
            eur("2177.50"),
        )

    def test_M_11_P_09_km_settled_against_25_months_of_allowance(self) -> None:
        """Returned Mon 2026-04-13 (D-25) at 42,667 km driven; P-09 contract km = 20,000 x
        25/12 = 41,666.67; excess 1,000.33 km x 0.10 = 100.033 -> 100.03 (M-11)."""
        contract = active_ref_contract(
            term_months=25,
            instalment_frequency=Frequency.QUARTERLY,
            instalment_amount=eur(QUARTERLY_INSTALMENT),
        )
        run_days(contract, REF_START, RETURN_AFTER_EXPIRY)
        contract.collect_events()

        execute(contract, ReturnVehicle(odometer=12 + 42_667), ctx(RETURN_AFTER_EXPIRY))
        km = only(collected(contract), KmSettlementInvoiced)

        assert km.expected_km.quantize(Decimal("0.01")) == Decimal("41666.67")
        assert km.amount == eur("100.03")


# --- property: any term, any frequency -------------------------------------------------------

MONTHS_PER_PERIOD = {f: f.months for f in Frequency}
DAY_BASIS_SLACK = Decimal("0.11")
"""How far, in monthly instalments, the day-based first and last invoices can stray from the
contract months they span: at most (31 - 1) x (1/28 - 1/31) = 0.104 for monthly billing (a
31-day start month, a 28-day end month); the worst found over every start in 2023-2026 (a
leap-year cycle) and every term 1..72 is 0.093 (monthly), 0.067 (quarterly), 0.072
(half-yearly), 0.079 (yearly)."""


def calendar_period(day: date, frequency: Frequency) -> tuple[int, int]:
    """The calendar period of `day` by its index, computed without `billing_period`."""
    return day.year, (day.month - 1) // MONTHS_PER_PERIOD[frequency]


def oracle(
    start: date, end: date, frequency: Frequency, instalment: Money
) -> dict[tuple[int, int], Money]:
    """What M-02..M-04 bill for each calendar period, counted day by day: period ->
    round2(instalment x days of the term in the period / days of the period)."""
    covered: dict[tuple[int, int], int] = {}
    length: dict[tuple[int, int], int] = {}
    day, last = date(start.year, 1, 1), date(end.year, 12, 31)
    while day <= last:
        key = calendar_period(day, frequency)
        length[key] = length.get(key, 0) + 1
        if start <= day <= end:
            covered[key] = covered.get(key, 0) + 1
        day += ONE_DAY
    return {
        key: Money(round2(instalment.amount * days / length[key])) for key, days in covered.items()
    }


@settings(max_examples=100, deadline=None)
@example(term=24, frequency=Frequency.QUARTERLY, start=date(2024, 1, 1), instalment_cents=195_000)
@example(term=25, frequency=Frequency.QUARTERLY, start=REF_START, instalment_cents=195_000)
@example(term=1, frequency=Frequency.ANNUAL, start=date(2024, 12, 31), instalment_cents=100)
@given(
    term=st.integers(min_value=1, max_value=72),
    frequency=st.sampled_from(Frequency),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    instalment_cents=st.integers(min_value=100, max_value=500_000),
)
def test_P_14_billed_periods_tile_any_term_and_net_to_the_M_03_M_04_pro_rata(
    term: int, frequency: Frequency, start: date, instalment_cents: int
) -> None:
    """Whatever the term (P-08) and frequency (P-14), once the term expired:

    - the invoiced periods are contiguous, start on the Start Date and the last covers the end,
      each inside one calendar billing period (P-15);
    - each nets (invoice minus its credit notes) to round2(instalment x days of the term in
      the period / days of the period) (M-03, M-04, A-16, A-34), counted day by day here;
    - so the net total is that sum of rounded lines. It equals term x monthly instalment
      exactly when the term is whole periods from a period's first day; otherwise the day
      basis of the two partial periods moves it by less than DAY_BASIS_SLACK of a month.
    """
    instalment = Money(Decimal(instalment_cents) / 100)
    contract = active_ref_contract(
        start, term_months=term, instalment_frequency=frequency, instalment_amount=instalment
    )
    end = run_to_expiry(contract, start)
    rows = billed(contract)

    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
    assert rows[0].period_start == start
    for before, after in pairwise(rows):
        assert after.period_start == before.period_end + ONE_DAY
    assert rows[-1].period_start <= end <= rows[-1].period_end
    for row in rows:
        key = calendar_period(row.period_start, frequency)
        assert calendar_period(row.period_end, frequency) == key
        assert calendar_period(row.period_end + ONE_DAY, frequency) != key

    expected = oracle(start, end, frequency, instalment)
    assert {calendar_period(row.period_start, frequency): row.net for row in rows} == expected
    net = total([row.net for row in rows])
    monthly = monthly_equivalent(instalment, frequency)
    whole_periods = start.day == 1 and (start.month - 1) % frequency.months == 0
    if whole_periods and term % frequency.months == 0:
        assert net == instalment * (term // frequency.months) == (monthly * term).rounded()
    assert abs((net - monthly * term).amount) <= monthly.amount * DAY_BASIS_SLACK + Decimal("0.01")
