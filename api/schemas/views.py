"""Response models of the queries (API.md 4): rows of the views, and the figures computed
from them on a business date (overview, ledger, exposure)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from api.schemas.rows import DecimalText, Response, row_model
from projections.views import deadlines, history, invoices, ledger, portal

Document = row_model("Document", invoices.DOCUMENTS)
Event = row_model("Event", history.EVENTS)
Deadline = row_model("Deadline", deadlines.DEADLINES)
LedgerItem = row_model("LedgerItem", ledger.ITEMS)
ContractFacts = row_model(
    "ContractFacts", portal.CONTRACTS, without=("status_before_theft", "credit_balance")
)


class KmUsage(Response):
    """M-11 km allowance to date against the km driven, M-12 headroom to the km cap."""

    allowance_to_date: int
    driven: int
    over_allowance: int
    last_odometer: int
    last_reported_on: date | None
    km_cap: int
    cap_headroom: int


class NextInstalment(Response):
    period_start: date
    amount: DecimalText


class OpenItem(Response):
    receivable_id: str
    kind: str
    category: str | None
    issued_on: date
    due_on: date
    amount: DecimalText
    open: DecimalText
    overdue: bool


class DocumentRef(Response):
    document_id: str
    version: int
    type: str
    issued_on: date
    amount: DecimalText | None
    open: DecimalText | None


class TimelineLine(Response):
    occurred_on: date
    text: str


class Overview(ContractFacts):  # type: ignore[misc, valid-type]
    """A contract on a business date: its facts and what they mean today (PT-15, M-01)."""

    as_of: date
    km: KmUsage | None
    remaining_capital: DecimalText
    next_instalment: NextInstalment | None
    open_items: list[OpenItem]
    open_total: DecimalText
    overdue_total: DecimalText
    credit_owed: DecimalText
    documents: list[DocumentRef]
    timeline: list[TimelineLine]


class Arrears(Response):
    on: date
    overdue: DecimalText
    overdue_instalments: DecimalText
    oldest_due_on: date | None
    days: int
    months: int
    interest: DecimalText


class Notice(Response):
    notice_id: str
    kind: str
    registered: bool
    dispatch_date: date
    cure_deadline: date
    receivable_ids: list[str]
    expired: bool
    cure_period_over: bool
    unpaid: DecimalText
    unpaid_at_expiry: DecimalText | None


class Ledger(Response):
    """Open items, arrears, accrued interest and formal notices on a date (L-34, M-06)."""

    contract_number: str
    as_of: date
    balance: DecimalText
    credit_balance: DecimalText
    open_items: list[LedgerItem]  # type: ignore[valid-type]
    arrears: Arrears
    notices: list[Notice]


class Ground(Response):
    ground_id: str
    ground: str
    source: str
    status: str
    opened_on: date
    closed_on: date | None


class ContractExposure(Response):
    contract_id: UUID
    contract_number: str
    status: str | None
    end_kind: str | None
    open_amount: DecimalText
    overdue_amount: DecimalText
    credit_owed: DecimalText
    arrears_amount: DecimalText
    arrears_invoices: int
    arrears_months: DecimalText
    grounds: list[Ground]
    open_grounds: list[str]


class GuaranteeHeld(Response):
    """A deposit or surety (P-22) and what is left of it after its uses (M-10)."""

    guarantee_id: str
    guarantee_type: str
    amount: DecimalText
    applied: DecimalText
    provided_on: date
    contract_number: str | None
    released: bool
    available: DecimalText


class Exposure(Response):
    """A customer's contracts, arrears, open grounds and guarantees (K-01 "any Contract")."""

    customer_number: str
    as_of: date
    contracts: list[ContractExposure]
    open_amount: DecimalText
    overdue_amount: DecimalText
    arrears_amount: DecimalText
    contracts_in_arrears: int
    open_grounds: list[tuple[str, str]]
    guarantees: list[GuaranteeHeld]
    guarantees_available: DecimalText


class ContractPage(Response):
    """One page of contracts; `next_cursor` fetches the next (null on the last page)."""

    contracts: list[ContractFacts]  # type: ignore[valid-type]
    next_cursor: str | None
