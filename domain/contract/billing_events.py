"""Events of the receivables ledger: documents, payments, set-off, refunds, notices (RULES 9.2)."""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.base_events import ContractEvent
from domain.contract.ledger import OpenChange, open_change
from domain.contract.state import Notice, Receivable
from domain.money import Money
from domain.values import Bucket, NoticeKind, ReceivableKind

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from domain.contract import Contract


class ReceivableIssued(ContractEvent):
    """Base of every event that issues a debit document (invoice or debit note)."""

    KIND: ClassVar[ReceivableKind] = ReceivableKind.DEBIT_NOTE
    CATEGORY: ClassVar[str] = "OTHER"
    BUCKET: ClassVar[Bucket] = Bucket.OTHER

    receivable_id: str
    amount: Money
    due_date: date
    workings: tuple[dict[str, Any], ...] = field(default=(), kw_only=True)
    """How each line's amount was worked out, one per document line (domain/workings.py);
    empty on documents issued before workings were recorded."""

    def category(self) -> str:
        return self.CATEGORY

    def apply_to(self, c: Contract) -> None:
        c.add_receivable(self.document())

    def document(self) -> Receivable:
        """The document this event issues, with all of its amount open."""
        return Receivable(
            receivable_id=self.receivable_id,
            kind=self.KIND,
            category=self.category(),
            bucket=self.BUCKET,
            issued_on=self.occurred_on,
            due_on=self.due_date,
            amount=self.amount,
            open=self.amount,
            rule_ids=list(self.rule_ids),
            **self.period(),
        )

    def period(self) -> dict[str, Any]:
        return {}


class InstalmentInvoiced(ReceivableIssued):
    """M-02..M-04: an instalment invoiced in advance for a calendar billing period."""

    KIND: ClassVar[ReceivableKind] = ReceivableKind.INVOICE
    CATEGORY: ClassVar[str] = "INSTALMENT"
    BUCKET: ClassVar[Bucket] = Bucket.INSTALMENT

    instalment: Money
    """The periodic instalment the amount was computed from."""
    billing_period_start: date
    """First day of the calendar billing period (the key that refuses a second invoice)."""
    period_start: date
    period_end: date
    days_covered: int
    days_in_period: int
    pro_rata: bool

    def period(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start,
            "period_end": self.period_end,
            "period_days": self.days_in_period,
            "instalment": self.instalment,
        }

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        c.add_invoiced_period(self.billing_period_start)


class DebitNoteIssued(ReceivableIssued):
    """RULES 9.2: a debit note of a given category (damage, missing items, ...)."""

    debit_category: str

    def category(self) -> str:
        return self.debit_category


class LateInterestAccrued(ReceivableIssued):
    """M-06: interest on principal paid after its due date, charged as a debit note."""

    CATEGORY: ClassVar[str] = "INTEREST"
    BUCKET: ClassVar[Bucket] = Bucket.INTEREST_5_2

    lines: list[dict[str, Any]]


class CollectionIndemnityCharged(ReceivableIssued):
    """M-07: the tiered indemnity on an instalment invoice unpaid 8 days after notice."""

    CATEGORY: ClassVar[str] = "COLLECTION_INDEMNITY"
    BUCKET: ClassVar[Bucket] = Bucket.INDEMNITY_5_3

    for_receivable_id: str
    unpaid_base: Money

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        c.receivables[self.for_receivable_id].indemnity_charged = True


class RegisteredLetterFeeCharged(ReceivableIssued):
    """M-07: EUR 30 file costs per registered letter (A-09)."""

    CATEGORY: ClassVar[str] = "FILE_COSTS"
    BUCKET: ClassVar[Bucket] = Bucket.INDEMNITY_5_3

    notice_id: str


class FlatDamageFeeCharged(ReceivableIssued):
    """M-15: the Customer's share of a Damage Event under Protection."""

    CATEGORY: ClassVar[str] = "FLAT_DAMAGE_FEE"

    incident_id: str

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        claim = c.damage_claims.get(self.incident_id)
        if claim is not None:  # M-16: the document a refund relates to
            claim = {**claim, "fee": self.amount, "fee_receivable": self.receivable_id}
            c.damage_claims = {**c.damage_claims, self.incident_id: claim}


class TotalLossShortfallCharged(ReceivableIssued):
    """M-18 (Art. 7.8(ii)): the Remaining Capital at the end of a total loss or theft that
    neither the insurer's payout nor a Protection waiver covers."""

    CATEGORY: ClassVar[str] = "TOTAL_LOSS_SHORTFALL"

    incident_id: str | None
    remaining_capital: Money
    insurer_payout: Money
    protection_waived: Money


class DissolutionIndemnityInvoiced(ReceivableIssued):
    """M-21: a + b - c, due 15 days after the written notification (D-13)."""

    CATEGORY: ClassVar[str] = "DISSOLUTION_INDEMNITY"

    remaining_capital: Money
    reinvestment: Money
    market_value_deducted: Money

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        if c.dissolution is not None:
            c.dissolution.remaining_capital = self.remaining_capital
            c.dissolution.reinvestment = self.reinvestment
            c.dissolution.value_deducted = self.market_value_deducted
            c.dissolution.amount = self.amount
            c.dissolution.receivable_id = self.receivable_id


class EarlyTerminationFeeInvoiced(ReceivableIssued):
    """M-22: the fee on early termination, with km, damage and missing items."""

    CATEGORY: ClassVar[str] = "EARLY_TERMINATION_FEE"

    rate: Decimal
    remaining_months: Decimal
    remaining_instalments: Money
    base_fee: Money
    excess_km: Decimal
    excess_km_charge: Money
    damage_charge: Money
    missing_items_charge: Money


class LateReturnCompensationCharged(ReceivableIssued):
    """M-23: pro-rata instalment plus EUR 50 per late day."""

    CATEGORY: ClassVar[str] = "LATE_RETURN"

    return_due_date: date
    returned_on: date
    late_days: int
    pro_rata_part: Money
    flat_part: Money


class KmSettlementInvoiced(ReceivableIssued):
    """M-11: excess km at the price per km."""

    CATEGORY: ClassVar[str] = "KM_EXCESS"

    expected_km: Decimal
    actual_km: int
    deviation_km: Decimal


class ReturnDamageCharged(ReceivableIssued):
    """M-24: damage beyond RENTA norms found at the return inspection."""

    CATEGORY: ClassVar[str] = "DAMAGE"

    lines: list[dict[str, Any]]


class MissingItemsCharged(ReceivableIssued):
    """M-24: items missing at the return inspection."""

    CATEGORY: ClassVar[str] = "MISSING_ITEMS"

    lines: list[dict[str, Any]]


class RegistrationCostsCharged(ReceivableIssued):
    """M-30 (P-21): registration costs, plates and BIV passed on separately and in full."""

    CATEGORY: ClassVar[str] = "REGISTRATION_COSTS"

    registration_costs: Money
    plate_costs: Money
    registration_tax: Money


class InsurancePremiumRecharged(ReceivableIssued):
    """M-29 (Art. 11.6): a premium the Lessor paid an insurer for the Vehicle, recovered."""

    CATEGORY: ClassVar[str] = "INSURANCE_PREMIUM"

    policy_ref: str
    period_start: date
    period_end: date


class RunningCostCharged(ReceivableIssued):
    """M-31: a running cost the Customer bears (no contract service covers it)."""

    CATEGORY: ClassVar[str] = "RUNNING_COST"

    cost_type: str
    description: str


class PaperSurchargeCharged(ReceivableIssued):
    """M-36: the Lessor's supplement for a non-electronic channel the Customer asked for."""

    CATEGORY: ClassVar[str] = "PAPER_SURCHARGE"

    document_ref: str


class CreditNoteIssued(ContractEvent):
    """RULES 9.2: a credit, netted first against the document it relates to."""

    receivable_id: str
    amount: Money
    relates_to: str | None
    reason: str
    workings: tuple[dict[str, Any], ...] = field(default=(), kw_only=True)
    """How the credit was worked out (domain/workings.py); empty on older credit notes."""

    def apply_to(self, c: Contract) -> None:
        c.add_credit(self.document())

    def document(self) -> Receivable:
        """The credit note, all of it still owed (before netting against `relates_to`)."""
        return Receivable(
            receivable_id=self.receivable_id,
            kind=ReceivableKind.CREDIT_NOTE,
            category=self.reason,
            bucket=Bucket.OTHER,
            issued_on=self.occurred_on,
            due_on=self.occurred_on,
            amount=self.amount,
            open=self.amount,
            rule_ids=list(self.rule_ids),
            relates_to=self.relates_to,
        )


class PaymentReceived(ContractEvent):
    """M-09: a Customer payment and its allocation over the open items."""

    payment_id: str
    amount: Money
    allocations: list[dict[str, Any]]
    unallocated: Money

    def open_change(self) -> OpenChange:
        return open_change(self.allocations, [], self.unallocated)

    def apply_to(self, c: Contract) -> None:
        c.settle(self.open_change())
        c.payments_received += 1


class CreditsSetOff(ContractEvent):
    """M-09 / A-11: open credits (credit notes, unallocated payments) settle open debits."""

    allocations: list[dict[str, Any]]
    """Debit documents reduced: receivable_id, bucket, amount."""
    sources: list[dict[str, Any]]
    """Credits used: receivable_id (or BALANCE for unallocated payments), amount."""

    def open_change(self) -> OpenChange:
        return open_change(self.allocations, self.sources, Money.zero())

    def apply_to(self, c: Contract) -> None:
        c.settle(self.open_change())


class RefundPaidToCustomer(ContractEvent):
    """RULES 9.2: the Lessor pays out what it owes (credit notes first, then overpayments)."""

    refund_id: str
    amount: Money
    reason: str
    sources: list[dict[str, Any]]

    def open_change(self) -> OpenChange:
        return open_change([], self.sources, Money.zero())

    def apply_to(self, c: Contract) -> None:
        c.settle(self.open_change())
        c.refunds_paid += 1


class FormalNoticeSent(ContractEvent):
    """D-10/D-12: a (registered) formal notice and its 8-day cure deadline."""

    notice_id: str
    kind: str
    registered: bool
    receivable_ids: list[str]
    cure_deadline: date

    def apply_to(self, c: Contract) -> None:
        c.notices[self.notice_id] = Notice(
            notice_id=self.notice_id,
            kind=NoticeKind(self.kind),
            registered=self.registered,
            dispatch_date=self.occurred_on,
            cure_deadline=self.cure_deadline,
            receivable_ids=list(self.receivable_ids),
        )


class FormalNoticeCureDeadlineExpired(ContractEvent):
    """D-10/D-12: the cure period ended with these items still unpaid."""

    notice_id: str
    unpaid_receivable_ids: list[str]
    unpaid_total: Money

    def apply_to(self, c: Contract) -> None:
        c.notices[self.notice_id].expired = True
