"""Parts of the contract's state that events build up (kept on the aggregate, snapshotted)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from domain.values import Bucket, GroundStatus, NoticeKind, ReceivableKind

if TYPE_CHECKING:
    from datetime import date

    from domain.money import Money
    from domain.values import ContractStatus


@dataclass
class Receivable:
    """One document of the contract's receivables ledger: invoice, debit note or credit note."""

    receivable_id: str
    kind: ReceivableKind
    category: str
    """INSTALMENT for invoices, the RULES 9.2 category (debit) or reason (credit)."""
    bucket: Bucket
    """M-09 bucket the open amount is allocated in."""
    issued_on: date
    due_on: date
    amount: Money
    open: Money
    rule_ids: list[str]
    period_start: date | None = None
    period_end: date | None = None
    period_days: int | None = None
    """Days in the calendar billing period (M-03/M-04/M-23 denominators)."""
    relates_to: str | None = None
    instalment: Money | None = None
    """The periodic instalment an invoice was computed from (M-04, M-23)."""
    indemnity_charged: bool = False
    """M-07 / A-10: the collection indemnity was charged on this instalment invoice (once)."""

    @property
    def is_credit(self) -> bool:
        return self.kind is ReceivableKind.CREDIT_NOTE


@dataclass
class Ground:
    """A ground for dissolution or suspension (K-02), detected or recorded."""

    ground_id: str
    ground: str
    detected_on: date
    status: GroundStatus = GroundStatus.OPEN
    rationale: str = ""
    cure_deadline: date | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass
class Notice:
    """A formal notice of default (D-10, D-12) and its cure period."""

    notice_id: str
    kind: NoticeKind
    registered: bool
    dispatch_date: date
    cure_deadline: date
    receivable_ids: list[str] = field(default_factory=list)
    expired: bool = False


@dataclass
class LessorNotice:
    """The Customer's formal notice to the Lessor under Art. 18.8(i)(iii)(iv) (D-12)."""

    notice_id: str
    ground: str
    registered: bool
    dispatch_date: date
    cure_deadline: date
    remedied_on: date | None = None


@dataclass
class Theft:
    """A reported theft while its recovery window runs (L-14, D-15)."""

    incident_id: str
    theft_date: date
    recovery_deadline: date
    prior_status: ContractStatus


@dataclass
class Dissolution:
    """The dissolution decision and its indemnity (M-21), for later sale corrections."""

    decision_date: date
    notification_date: date
    remaining_capital: Money
    reinvestment: Money
    value_deducted: Money
    amount: Money
    receivable_id: str | None = None
    sold: bool = False


@dataclass
class Guarantee:
    """A Guarantee the Customer provided (P-22, M-10), what was applied and whether released."""

    guarantee_id: str
    kind: str
    amount: Money
    provider_ref: str
    provided_on: date
    applied: Money
    released: bool = False

    @property
    def available(self) -> Money:
        """What is left to apply (nothing once released)."""
        return self.amount - self.applied if not self.released else self.amount - self.amount

    def lapsed_to(self, remaining: Money) -> Guarantee:
        """T-18.3-vii: the same Guarantee with at most `remaining` still available."""
        left = min(self.available, remaining) if remaining.is_positive else remaining - remaining
        return replace(self, amount=self.applied + left)


@dataclass
class Levy:
    """A Levy addressed to the Lessor (Art. 8.4, M-14): how often it was processed, whether
    the Customer contested it in time on founded reasons, whether the Lessor paid it."""

    levy_id: str
    amount: Money
    forwarded: int = 0
    contested: bool = False
    paid: bool = False


@dataclass
class FuelAccount:
    """Fuel Management (Art. 16): the card, the provision's inputs once adjusted, and what was
    invoiced, stated and settled, keyed by the ISO date of the month, period or quarter start.
    """

    card_id: str | None = None
    card_status: str = "NONE"
    """NONE, ACTIVE, LOST (reported, D-04), RETURNED or BLOCKED (O-16)."""
    adjusted_inputs: dict[str, str] = field(default_factory=dict)
    """M-25: the inputs of the last `FuelProvisionAdjusted` (empty: the P-29 terms)."""
    provisions: dict[str, Money] = field(default_factory=dict)
    statement_fuel: dict[str, Money] = field(default_factory=dict)
    statement_fees: dict[str, Money] = field(default_factory=dict)
    settled: list[str] = field(default_factory=list)
