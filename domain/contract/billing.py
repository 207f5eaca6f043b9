"""Instalment billing, credits at the end, payments and dunning (M-02..M-09, D-10)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from domain.calendar import billing_period, days_inclusive, deadline_in_days, month_index
from domain.contract.billing_events import (
    CollectionIndemnityCharged,
    CreditNoteIssued,
    CreditsSetOff,
    FormalNoticeCureDeadlineExpired,
    FormalNoticeSent,
    InstalmentInvoiced,
    LateInterestAccrued,
    PaymentReceived,
    RefundPaidToCustomer,
    RegisteredLetterFeeCharged,
)
from domain.contract.command import Command, bounded
from domain.contract.guards import NOT_CLOSED, require, require_status
from domain.contract.ledger import CREDIT_BALANCE, is_overdue
from domain.contract.status import billing_end, is_billable
from domain.money import Money, total
from domain.money_rules import (
    Allocation,
    allocate_payment,
    worked_collection_indemnity,
    worked_end_credit,
    worked_file_costs,
    worked_late_interest,
    worked_pro_rata_instalment,
)
from domain.values import Bucket, NoticeKind
from domain.workings import Working, records, working

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import Receivable

NOTICE_CURE_DAYS = 8  # P-37, D-10, D-12
NOTICE_KINDS = tuple(kind.value for kind in NoticeKind)
NO_INTEREST_BUCKETS = (Bucket.INDEMNITY_5_3, Bucket.INTEREST_5_2)
"""M-06 / A-08: interest accrues on principal only, not on interest or 5.3 indemnities."""


@dataclass(frozen=True)
class InvoicePeriod(Command):
    """Invoice the instalment of one billing period that has begun (the scheduler's work)."""

    name: ClassVar[str] = "invoice_period"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-02", "M-03", "M-04", "L-37")
    public: ClassVar[bool] = False
    period_start: date = bounded()


@dataclass(frozen=True)
class ReceivePayment(Command):
    """A payment by the Customer, allocated to the open documents."""

    name: ClassVar[str] = "receive_payment"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-09", "A-11", "M-06")
    amount: Money = bounded()
    payment_id: str | None = bounded(None)


@dataclass(frozen=True)
class PayRefund(Command):
    """Pay out to the Customer what the Lessor owes (credit notes, credit balance)."""

    name: ClassVar[str] = "pay_refund"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-08", "L-28")
    amount: Money = bounded()
    reason: str = bounded("CREDIT_BALANCE")


@dataclass(frozen=True)
class SendFormalNotice(Command):
    """A formal notice of default, registered or not; arrears notices cover what is overdue."""

    name: ClassVar[str] = "send_formal_notice"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-10", "D-12", "A-06", "A-07")
    kind: str = bounded()
    registered: bool = bounded(True)


def due_periods(c: Contract, today: date) -> list[date]:
    """Starts of the billing periods that have begun by `today` and are not invoiced yet."""
    end = billing_end(c)
    if not is_billable(c) or c.start_date is None or end is None:
        return []
    frequency = c.terms.instalment_frequency
    start, _ = billing_period(c.start_date, frequency)
    last_day = min(today, end)
    invoiced = c.invoiced_months()
    # Periods are whole calendar months from `start` (its 1st): walk them by month index.
    months = range(month_index(start), month_index(last_day) + 1, frequency.months)
    return [date(i // 12, i % 12 + 1, 1) for i in months if i not in invoiced]


def run_billing(c: Contract, ctx: Ctx) -> None:
    """The scheduled billing run: invoice every period that has started (M-02)."""
    for period_start in due_periods(c, ctx.on):
        _invoice(c, ctx, period_start)


def invoice_period(c: Contract, ctx: Ctx, period_start: date) -> None:
    """M-02..M-04: invoice one calendar period in advance; refuses a second invoice."""
    require(is_billable(c), "M-02", f"no instalments are billed in state {c.status.value}")
    require(
        period_start not in c.invoiced_periods, "M-02", f"period {period_start} already invoiced"
    )
    require(period_start in due_periods(c, ctx.on), "L-37", f"period {period_start} is not due")
    _invoice(c, ctx, period_start)


def _invoice(c: Contract, ctx: Ctx, period_start: date) -> None:
    """Invoice a due period: a whole one while running (M-04), to the billing end after (A-16)."""
    end = billing_end(c)
    assert c.start_date is not None and end is not None  # guaranteed by due_periods  # noqa: PT018
    first, last = billing_period(period_start, c.terms.instalment_frequency)
    covered_from = max(first, c.start_date)
    covered_to = last if c.end_kind is None else min(last, end)
    days_in_period = days_inclusive(first, last)
    days_covered = days_inclusive(covered_from, covered_to)
    pro_rata = days_covered < days_in_period
    instalment = c.terms.instalment_amount
    rules = _invoice_rules(pro_rata, first_period=covered_from > first)
    worked = worked_pro_rata_instalment(instalment, days_covered, days_in_period, rules[0])
    c.issue(
        InstalmentInvoiced,
        ctx,
        rules,
        amount=worked.amount,
        workings=records([worked]),
        due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
        instalment=instalment,
        billing_period_start=first,
        period_start=covered_from,
        period_end=covered_to,
        days_covered=days_covered,
        days_in_period=days_in_period,
        pro_rata=pro_rata,
    )


def _invoice_rules(pro_rata: bool, *, first_period: bool) -> list[str]:
    if not pro_rata:
        return ["M-02"]
    return ["M-03"] if first_period else ["M-04", "A-16"]


def credit_after(c: Contract, ctx: Ctx, end: date, reason: str, rule_ids: list[str]) -> None:
    """M-04 (and A-23): credit what instalment invoices billed for days after `end`.

    Credits already issued on an invoice count, so a later, earlier end (K-05) credits only
    the difference.
    """
    credited: dict[str, Money] = {}
    for r in c.receivables.values():
        if r.is_credit and r.relates_to is not None:
            credited[r.relates_to] = credited.get(r.relates_to, Money.zero()) + r.amount
    invoices = [r for r in c.receivables.values() if r.category == "INSTALMENT"]
    for invoice in invoices:
        if invoice.period_end is None or invoice.period_end <= end:
            continue
        already = credited.get(invoice.receivable_id, Money.zero())
        kept = _kept_part(invoice, end, rule_ids[0])
        worked = worked_end_credit(invoice.amount, kept, already, end, rule_ids[0])
        if worked.amount.is_positive:
            c.issue(
                CreditNoteIssued,
                ctx,
                rule_ids,
                amount=worked.amount,
                relates_to=invoice.receivable_id,
                reason=reason,
                workings=records([worked.citing(receivable_id=invoice.receivable_id)]),
            )


def _kept_part(invoice: Receivable, end: date, rule_id: str) -> Working:
    """What the invoice stands for after the end: its days up to `end` (M-04)."""
    assert invoice.period_start is not None and invoice.instalment is not None  # noqa: PT018
    if end < invoice.period_start:
        return working(rule_id, "the end precedes the period: nothing kept", "0", Money.zero())
    covered = days_inclusive(invoice.period_start, end)
    return worked_pro_rata_instalment(
        invoice.instalment, covered, invoice.period_days or 1, rule_id
    )


def receive_payment(c: Contract, ctx: Ctx, amount: Money, payment_id: str | None) -> None:
    """M-09: allocate a payment; M-06: interest on the principal it paid late."""
    require(amount.is_positive, "M-09", "payment amount must be greater than 0")
    require(amount == amount.rounded(), "M-09", "payment amount must be in whole cents")
    require_status(c, NOT_CLOSED, "L-28", "receive_payment")
    allocation = allocate_payment(amount, c.open_items())
    lines = [
        {"receivable_id": a.item_id, "bucket": a.bucket.value, "amount": a.amount}
        for a in allocation.allocations
    ]
    paid_as = payment_id or f"P{c.payments_received + 1:04d}"
    c.emit(
        PaymentReceived,
        ctx,
        ["M-09", "A-11"],
        payment_id=paid_as,
        amount=amount,
        allocations=lines,
        unallocated=allocation.unallocated,
    )
    _charge_interest(c, ctx, allocation.allocations, paid_as)


def _charge_interest(c: Contract, ctx: Ctx, paid: tuple[Allocation, ...], payment_id: str) -> None:
    """M-06: actual/365 interest on each late-paid chunk, from the day after its due date."""
    lines: list[dict[str, Any]] = []
    worked: list[Working] = []
    for chunk in paid:
        item = c.receivables[chunk.item_id]
        if item.bucket in NO_INTEREST_BUCKETS or ctx.on <= item.due_on:  # none: paid in time
            continue
        interest = worked_late_interest(chunk.amount, item.due_on, ctx.on)
        if interest.amount.is_positive:
            worked.append(interest.citing(receivable_id=item.receivable_id, payment_id=payment_id))
            line = {"receivable_id": item.receivable_id, "principal": chunk.amount}
            lines.append({**line, "amount": interest.amount})
    if lines:
        c.issue(
            LateInterestAccrued,
            ctx,
            ["M-06", "A-08"],
            amount=total([w.amount for w in worked]),
            due_date=ctx.on,
            lines=lines,
            workings=records(worked),
        )


def set_off_credits(c: Contract, ctx: Ctx) -> None:
    """M-09 / A-11: what the Lessor owes (credit notes, overpayments) settles what is open."""
    owed = _owed_to_customer(c)
    items = c.open_items() if owed else []  # most days the Lessor owes nothing
    if not items or not owed:
        return
    usable = min(total([amount for _, amount in owed]), total([i.open for i in items]))
    allocation = allocate_payment(usable, items)
    sources = _use(owed, usable)
    c.emit(
        CreditsSetOff,
        ctx,
        ["M-09", "A-11"],
        allocations=[
            {"receivable_id": a.item_id, "bucket": a.bucket.value, "amount": a.amount}
            for a in allocation.allocations
        ],
        sources=sources,
    )


def _owed_to_customer(c: Contract) -> list[tuple[str, Money]]:
    """What the Lessor owes: open credit notes in issue order, then unallocated payments."""
    owed = [
        (r.receivable_id, r.open)
        for r in c.open_documents().values()
        if r.open.is_positive and r.is_credit
    ]
    if c.credit_balance.is_positive:
        owed.append((CREDIT_BALANCE, c.credit_balance))
    return owed


def _use(owed: list[tuple[str, Money]], amount: Money) -> list[dict[str, Any]]:
    sources, left = [], amount
    for source_id, available in owed:
        used = min(available, left)
        if used.is_positive:
            sources.append({"receivable_id": source_id, "amount": used})
        left = left - used
    return sources


def pay_refund(c: Contract, ctx: Ctx, amount: Money, reason: str) -> None:
    """RULES 9.2 RefundPaidToCustomer: pay out credits (M-19 advance, credit balance, ...)."""
    require(amount.is_positive and amount == amount.rounded(), "M-08", "refund must be > 0 cents")
    available = total([a for _, a in _owed_to_customer(c)])
    require(amount <= available, "M-08", f"refund {amount} exceeds what is owed ({available})")
    c.emit(
        RefundPaidToCustomer,
        ctx,
        ["M-08", "L-28"],
        refund_id=f"F{c.refunds_paid + 1:04d}",
        amount=amount,
        reason=reason,
        sources=_use(_owed_to_customer(c), amount),
    )


def overdue_receivables(c: Contract, on: date, kind: NoticeKind) -> list[str]:
    """The overdue documents a notice of this kind covers (D-10, D-12)."""
    instalments = kind in (NoticeKind.INSTALMENT_ARREARS, NoticeKind.SERVICE_ARREARS)
    return [
        r.receivable_id
        for r in c.open_documents().values()
        if not r.is_credit
        and is_overdue(r.open, r.due_on, on)
        and (r.category == "INSTALMENT") == instalments
    ]


def send_formal_notice(c: Contract, ctx: Ctx, kind: str, *, registered: bool) -> None:
    """D-10/D-12: a formal notice; arrears notices cover the overdue documents."""
    require(kind in NOTICE_KINDS, "D-10", f"unknown notice kind {kind}")
    require_status(c, NOT_CLOSED, "D-10", "send_formal_notice")
    notice_kind = NoticeKind(kind)
    arrears = notice_kind.covers_arrears
    covered = overdue_receivables(c, ctx.on, notice_kind) if arrears else []
    require(
        bool(covered) or not arrears,
        "D-10",
        "no overdue receivable to put on notice",
    )
    c.emit(
        FormalNoticeSent,
        ctx,
        ["D-10", "D-12", "A-06", "A-07"] if registered else ["D-10", "A-06"],
        notice_id=f"N{len(c.notices) + 1:03d}",
        kind=kind,
        registered=registered,
        receivable_ids=covered,
        cure_deadline=deadline_in_days(ctx.on, NOTICE_CURE_DAYS, roll=True),
    )


def process_notice_deadlines(c: Contract, ctx: Ctx) -> None:
    """D-10/D-12 timers: at day 9, M-07 indemnity and file costs on unpaid instalments under
    a notice that serves Art. 5.3 (A-07: a registered service-arrears notice does too)."""
    for notice in list(c.notices.values()):
        if notice.expired or ctx.on <= notice.cure_deadline:
            continue
        expiry = ctx.at(notice.cure_deadline + timedelta(days=1))
        unpaid = [
            c.receivables[r] for r in notice.receivable_ids if c.receivables[r].open.is_positive
        ]
        c.emit(
            FormalNoticeCureDeadlineExpired,
            expiry,
            ["D-10", "D-12"],
            notice_id=notice.notice_id,
            unpaid_receivable_ids=[r.receivable_id for r in unpaid],
            unpaid_total=total([r.open for r in unpaid]),
        )
        if notice.kind.serves_art_5_3(registered=notice.registered):
            invoices = [r for r in unpaid if r.category == "INSTALMENT"]
            _charge_collection_costs(c, expiry, notice.notice_id, invoices, notice.registered)


def _charge_collection_costs(
    c: Contract, ctx: Ctx, notice_id: str, unpaid: list[Receivable], registered: bool
) -> None:
    """M-07 once per invoice (A-10), even if another notice covered it too, and EUR 30 per
    registered letter whose trigger is met (A-09)."""
    for invoice in (i for i in unpaid if not i.indemnity_charged):
        worked = worked_collection_indemnity(invoice.open)
        c.issue(
            CollectionIndemnityCharged,
            ctx,
            ["M-07", "A-10"],
            amount=worked.amount,
            due_date=ctx.on,
            for_receivable_id=invoice.receivable_id,
            unpaid_base=invoice.open,
            workings=records(
                [worked.citing(receivable_id=invoice.receivable_id, notice_id=notice_id)]
            ),
        )
    if unpaid and registered:
        fee = worked_file_costs().citing(notice_id=notice_id)
        c.issue(
            RegisteredLetterFeeCharged,
            ctx,
            ["M-07", "A-09"],
            amount=fee.amount,
            due_date=ctx.on,
            notice_id=notice_id,
            workings=records([fee]),
        )


HANDLERS: Handlers = {
    InvoicePeriod: invoice_period,
    ReceivePayment: receive_payment,
    PayRefund: pay_refund,
    SendFormalNotice: send_formal_notice,
}
