"""Contract histories for the billing views' tests: real events from the Contract aggregate.

Each story lives REF (RULES 0.6) day by day through the scheduler's daily run, with the
bank's payments on their days, and saves the contract in the application chapter by chapter,
so a test can project the log after every chapter and compare with the aggregate.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from domain.contract.billing import PayRefund, ReceivePayment, SendFormalNotice
from domain.contract.incidents import DeclareTotalLoss, ReportIncident
from domain.contract.losses import RecordInsurerPayout
from domain.contract.registry import execute
from domain.money import Money
from domain.values import ReceivableKind
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_days

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from domain.application import ContractsApplication
    from domain.contract import Contract
    from projections.engine.rows import Row

    Saved = Callable[[Contract], None]

IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
BANK = "INTEGRATION:bank"


def live(
    contract: Contract, first: date, last: date, payments: Mapping[date, str] | None = None
) -> None:
    """The daily run from `first` to `last`, with the bank's payments after the day's run."""
    day = first
    while day <= last:
        run_days(contract, day, day)
        amount = (payments or {}).get(day)
        if amount is not None:
            execute(contract, ReceivePayment(amount=Money.of(amount)), ctx(day, BANK))
        day += timedelta(days=1)


ON_TIME = {
    REF_START: "419.35",
    date(2024, 4, 1): "650.00",
    date(2024, 5, 1): "1000.00",  # 350.00 too much: set off against June from the balance
    date(2024, 6, 1): "300.00",
} | {date(2024, month, 1): "650.00" for month in range(7, 11)}
"""The bank's payments of the story's first chapter."""


def billing_story(app: ContractsApplication, saved: Saved | None = None) -> Contract:
    """REF from 2024-03-12 to 2025-04-15, saved after each chapter (then `saved(contract)`).

    Paid on time with one overpayment (set off from the balance on the next invoice); Nov 2024
    paid late (M-06 note of 2024); Dec and Jan unpaid, a registered notice on 2025-01-10 that
    expires (M-07 notes), all paid late on 2025-02-03 (M-06 notes of 2025); a collision under
    Protection (M-15 flat fee); a total loss dated back to 2025-03-20 (credit notes on the paid
    March and part-paid April invoices, M-19 advance refund), set off, and the rest refunded.
    """
    contract = handed_over_ref_contract(REF_START)
    for chapter in _chapters(contract):
        chapter()
        app.save(contract)
        if saved is not None:
            saved(contract)
    return contract


def _chapters(c: Contract) -> list[Callable[[], object]]:
    return [
        lambda: live(c, REF_START, date(2024, 10, 31), ON_TIME),
        lambda: live(c, date(2024, 11, 1), date(2024, 11, 20), {date(2024, 11, 20): "650.00"}),
        lambda: live(c, date(2024, 11, 21), date(2025, 1, 9)),
        lambda: execute(c, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(date(2025, 1, 10))),
        lambda: live(c, date(2025, 1, 10), date(2025, 2, 3), {date(2025, 2, 3): "2000.00"}),
        lambda: live(c, date(2025, 2, 4), date(2025, 3, 19), {date(2025, 3, 1): "1000.00"}),
        lambda: execute(
            c,
            ReportIncident(
                kind="COLLISION", incident_on=date(2025, 3, 20), repair_cost=Money.of("1800")
            ),
            ctx(date(2025, 3, 20), "CUSTOMER"),
        ),
        lambda: live(c, date(2025, 3, 20), date(2025, 4, 9)),
        lambda: execute(
            c, DeclareTotalLoss(event_on=date(2025, 3, 20)), ctx(date(2025, 4, 10), "EXPERT")
        ),
        lambda: live(c, date(2025, 4, 10), date(2025, 4, 14)),
        lambda: execute(c, PayRefund(amount=c.open_credits()), ctx(date(2025, 4, 15))),
    ]


LOSS_PAID_ON = date(2025, 12, 1)
"""The day the insurer's payout for the loss story is recorded."""


def loss_story(app: ContractsApplication) -> Contract:
    """REF without Protection, instalments paid on time, totally lost in the accident of
    2025-11-05 (declared 11-10, RULES M-18 example); the insurer pays 33,000.00 on 2025-12-01:
    RC 36,450.00 - 33,000.00 = 3,450.00 charged on a debit note (M-18)."""
    contract = handed_over_ref_contract(REF_START, protection_included=False, flat_damage_fee=None)
    paid = {REF_START: "419.35"} | {
        date(2024 + (month - 1) // 12, (month - 1) % 12 + 1, 1): "650.00" for month in range(4, 24)
    }
    live(contract, REF_START, date(2025, 11, 9), paid)
    execute(
        contract, DeclareTotalLoss(event_on=date(2025, 11, 5)), ctx(date(2025, 11, 10), "EXPERT")
    )
    live(contract, date(2025, 11, 10), LOSS_PAID_ON - timedelta(days=1))
    payout = RecordInsurerPayout(amount=Money.of("33000.00"), insurer="INS-1")
    execute(contract, payout, ctx(LOSS_PAID_ON, "INTEGRATION:insurer"))
    app.save(contract)
    return contract


def assert_open_matches(rows: list[Row], contract: Contract) -> None:
    """The view's documents are the aggregate's, in issue order, with the same amounts."""
    assert [r["receivable_id"] for r in rows] == list(contract.receivables)
    for row, item in zip(rows, contract.receivables.values(), strict=True):
        facts = (
            Money(row["amount"]),
            Money(row["open"]),
            ReceivableKind(row["kind"]),
            row["due_on"],
        )
        assert facts == (item.amount, item.open, item.kind, item.due_on), item.receivable_id


def sequences(rows: list[Row]) -> dict[str, list[int]]:
    """Per `INV-2025`-style sequence, the numbers used, in issue (seq) order."""
    out: dict[str, list[int]] = {}
    for row in sorted(rows, key=lambda r: r["seq"]):
        prefix, _, counter = row["number"].rpartition("-")
        out.setdefault(prefix, []).append(int(counter))
    return out
