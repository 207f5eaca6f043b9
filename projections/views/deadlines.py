"""`deadlines`: the timers of RULES section 5 that contract events open, and how each closed.

One row per deadline, keyed `"{contract_id}:{rule_id}:{opening key}"` (a notice, incident or
document id, else the opening event's version), so a replay gives the same ids and the
scheduler can turn each due deadline into exactly one `DeadlineReached` (DESIGN 5).

Opened by (due date) -> closed MET / EXPIRED / MOOT:
- D-07 (repair within 5 working days): `IncidentReported.repair_due` -> MET / EXPIRED
  `RepairCompleted` in time or late / EXPIRED `RepairDeadlineMissed` / MOOT on an end
  (as is D-19: no Protection is left to end).
- D-19, D-21, D-22 (the windows of a Protection claim decision): projections/views/
  deadline_claims.py.
- D-08, D-09 (Customer insures): ready notice -> MET handover (D-09 also
  `InsuranceProofAccepted`) / `...DeadlineExpired` / handover suspension (the lift reopens
  the ones that were running, with the time left) or an end.
- D-05 (tell the landlord of rented storage): `VehicleHandedOver` with `rented_storage` ->
  MET at once if `landlord_informed`, else EXPIRED (due at the handover; HUMAN breach).
- D-10 (instalment arrears) or D-12 (other registered notice): `FormalNoticeSent.cure_deadline`
  -> MET once every receivable on notice is paid / `FormalNoticeCureDeadlineExpired`.
- D-11 (the Lessor pays what an 18.8(i) notice names) or D-12 (the Lessor's cure period of
  an 18.8(iii)/(iv) notice): `LessorDefaultNoticeSent.cure_deadline` -> MET
  `LessorDefaultRemedied` within it / `LessorCureDeadlineExpired`.
- D-29 (the Customer may object to amended General Terms): `GeneralTermsAmendmentNotified`,
  last day the day before `effective_from` -> MET `...Objected` / EXPIRED `...Applied`.
- D-13: `DissolutionIndemnityInvoiced.due_date` -> MET once the indemnity is paid.
- D-14: dissolution + 15 days -> `VehicleSold` MET within the window, else EXPIRED.
- D-15: `VehicleTheftReported.recovery_deadline` -> MET `StolenVehicleRecovered` /
  `TheftRecoveryDeadlineExpired` / an end that leaves no Vehicle to recover.
- D-39: the replacement vehicle's last day, `ReplacementVehicleProvided.entitled_until` (a
  theft's cap) or `ImmobilisationResolved.return_by` (which replaces it) -> MET
  `ReplacementVehicleReturned` with no overrun, EXPIRED with one.
- D-25: `ContractEnded*.return_due_date` -> MET `VehicleReturned` / - / repossession or K-05.
- D-30: `contractual_end_date` of the handover or an adjustment that moves it -> MET
  `ContractTermExpired` / - / any other end or a new end date.
- D-33: `ContractClosed.retention_until` (no event closes it yet).
`ContractClosed` makes every other open deadline of the contract MOOT.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from domain.contract.amendment_events import (
    GeneralTermsAmendmentApplied,
    GeneralTermsAmendmentNotified,
    GeneralTermsAmendmentObjected,
)
from domain.contract.base_events import ContractConcluded
from domain.contract.billing_events import (
    DissolutionIndemnityInvoiced,
    FormalNoticeCureDeadlineExpired,
    FormalNoticeSent,
)
from domain.contract.cover_events import (
    InsuranceLapseNotified,
    InsuranceReplacementDeadlineExpired,
    ReplacementInsuranceProvided,
)
from domain.contract.formation_events import (
    ContractAdjustmentIssued,
    DeadlineExpired,
    HandoverSuspended,
    HandoverSuspensionLifted,
    InsuranceProofAccepted,
    VehicleHandedOver,
    VehicleReadyForHandoverNotified,
)
from domain.contract.incidents_events import (
    IncidentReported,
    RepairCompleted,
    StolenVehicleRecovered,
    TheftRecoveryDeadlineExpired,
    VehicleTheftReported,
)
from domain.contract.lessor_grounds_events import (
    LessorCureDeadlineExpired,
    LessorDefaultNoticeSent,
    LessorDefaultRemedied,
)
from domain.contract.replacement_events import (
    ImmobilisationResolved,
    ReplacementVehicleProvided,
    ReplacementVehicleReturned,
)
from domain.contract.settlement_events import ContractClosed, VehicleReturned
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    ContractEnded,
    ContractEndSuperseded,
    ContractTermExpired,
    VehicleSold,
)
from domain.values import InsuranceMode, NoticeKind
from projections.engine.base import BatchProjection
from projections.engine.memory_rows import InMemoryRowView
from projections.engine.registry_types import ViewSpec
from projections.engine.rows import PostgresRowView, RowView, Table
from projections.views.contract_state import (
    Dispatch,
    settled_ids,
    touches_receivables,
    track_open_amounts,
)
from projections.views.deadline_book import EXPIRED, MET, MOOT, OPEN, Book
from projections.views.deadline_claims import CLAIM_HANDLERS
from projections.views.receivables import ITEM_COLUMNS, OpenAmounts

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from uuid import UUID

    from projections.engine.rows import Batch, Row

SALE_WINDOW = timedelta(days=15)  # D-14
LESSOR_DEADLINES = ("D-11", "D-12")
HANDOVER = ("D-08", "D-09")

DEADLINES = Table(
    "deadlines",
    ("deadline_id",),
    (
        ("deadline_id", "text"),
        ("contract_id", "uuid"),
        ("rule_id", "text"),
        ("rule_ids", "jsonb"),
        ("subject", "text"),
        ("due_on", "date"),
        ("opened_by", "text"),
        ("opened_version", "bigint"),
        ("opened_on", "date"),
        ("status", "text"),
        ("closed_by", "text"),
        ("closed_on", "date"),
        ("pending", "jsonb"),
    ),
)
"""`pending`: receivables still unpaid for a deadline met by payment (D-10/D-12, D-13)."""
CONTRACTS = Table(
    "contracts",
    ("contract_id",),
    (
        ("contract_id", "uuid"),
        ("open_ids", "jsonb"),
        ("proof_needed", "boolean"),
        ("proof_accepted", "boolean"),
        ("paused", "jsonb"),
    ),
)
RECEIVABLES = Table("receivables", ("contract_id", "receivable_id"), ITEM_COLUMNS)
ITEMS = OpenAmounts("receivables")


class DeadlinesView(RowView):
    """Every deadline the contract events opened, open or closed."""

    tables: ClassVar[tuple[Table, ...]] = (DEADLINES, CONTRACTS, RECEIVABLES)

    def pending(self, before: date | None = None) -> list[Row]:
        """Open deadlines by due date; with `before`, only those due strictly before it."""
        rows = self.select("deadlines", order_by=("due_on", "deadline_id"), status=OPEN)
        return rows if before is None else [r for r in rows if r["due_on"] < before]

    def of_contract(self, contract_id: UUID) -> list[Row]:
        """A contract's deadlines in the order they were opened."""
        return self.select(
            "deadlines", order_by=("opened_version", "deadline_id"), contract_id=contract_id
        )


class InMemoryDeadlinesView(InMemoryRowView, DeadlinesView):
    """Deadlines in memory."""


class PostgresDeadlinesView(PostgresRowView, DeadlinesView):
    """Deadlines in PostgreSQL."""


def _ready(b: Book) -> None:
    e: VehicleReadyForHandoverNotified = b.event
    b.open("D-08", e.collection_deadline)
    if b.contract["proof_needed"] and not b.contract["proof_accepted"]:
        b.open("D-09", e.insurance_proof_deadline)


def _suspended(b: Book) -> None:
    """L-05: the timers pause; the lift reopens those that were running, with the time left."""
    b.contract["paused"] = [r["rule_id"] for r in b.open_rows() if r["rule_id"] in HANDOVER]
    b.close(HANDOVER, MOOT)


def _lifted(b: Book) -> None:
    e: HandoverSuspensionLifted = b.event
    due = {"D-08": e.collection_deadline, "D-09": e.insurance_proof_deadline}
    for rule in b.contract["paused"]:
        when = due[rule]
        if when is not None:
            b.open(rule, when)
    b.contract["paused"] = []


def _proof(b: Book) -> None:
    b.contract["proof_accepted"] = True
    b.close({"D-09"}, MET)


def _handed_over(b: Book) -> None:
    e: VehicleHandedOver = b.event
    b.close(HANDOVER, MET)
    if e.rented_storage:  # D-05: due at the handover, met or missed there
        b.open("D-05", e.start_date)
        b.close({"D-05"}, MET if e.landlord_informed else EXPIRED)
    b.open("D-30", e.contractual_end_date)


def _adjusted(b: Book) -> None:
    e: ContractAdjustmentIssued = b.event
    current = [r for r in b.open_rows() if r["rule_id"] == "D-30"]
    if any(r["due_on"] != e.contractual_end_date for r in current):
        b.close({"D-30"}, MOOT)
        b.open("D-30", e.contractual_end_date)


def _notice(b: Book) -> None:
    e: FormalNoticeSent = b.event
    rule = "D-12" if e.registered and e.kind != NoticeKind.INSTALMENT_ARREARS.value else "D-10"
    rows = [b.batch.get("receivables", e.originator_id, r) for r in e.receivable_ids]
    unpaid = [r["receivable_id"] for r in rows if r is not None and r["open"] > 0]
    cited = [r for r in e.rule_ids if r in ("D-10", "D-12")] or [rule]
    b.open(
        rule,
        e.cure_deadline,
        e.notice_id,
        subject=e.notice_id,
        rule_ids=cited,
        pending=unpaid if e.receivable_ids else None,
    )


def _repair(b: Book) -> None:
    """D-07: a reported damage is to be repaired within 5 working days."""
    e: IncidentReported = b.event
    if e.repair_due is not None:
        b.open("D-07", e.repair_due, e.incident_id, subject=e.incident_id)


def _lessor_notice(b: Book) -> None:
    """D-11 / D-12: the Lessor's last day to pay or remedy what the Customer's notice names."""
    e: LessorDefaultNoticeSent = b.event
    cited = [r for r in e.rule_ids if r in LESSOR_DEADLINES]
    rule = cited[0] if cited else "D-12"
    key = e.notice_id
    b.open(rule, e.cure_deadline, key, subject=key, rule_ids=cited or [rule])


def _ended(b: Book) -> None:
    e: ContractEnded = b.event
    b.close((*HANDOVER, "D-07", "D-19"), MOOT)
    b.close({"D-30"}, MET if e.end_kind == "TERM_EXPIRED" else MOOT)
    if e.next_status != "ENDED_AWAITING_RETURN":  # no Vehicle to recover for this contract
        b.close({"D-15"}, MOOT)
    if e.return_due_date is not None:
        b.open("D-25", e.return_due_date)


def _dissolved(b: Book) -> None:
    _ended(b)
    b.open("D-14", b.event.effective_end_date + SALE_WINDOW)


def _closed(b: Book) -> None:
    for row in b.open_rows():
        b.close_row(row, MOOT)
    b.open("D-33", b.event.retention_until)


def _replacement_due(b: Book) -> None:
    """D-39: open (or move) the return deadline of a replacement vehicle still out."""
    e = b.event
    replacement_id = e.replacement_id
    due = e.entitled_until if isinstance(e, ReplacementVehicleProvided) else e.return_by
    if replacement_id is None or due is None:
        return
    b.close({"D-39"}, MOOT, replacement_id)
    b.open("D-39", due, replacement_id, subject=replacement_id)


def _replacement_back(b: Book) -> None:
    """D-39: met when returned by its last day; expired (an overrun, M-28) after it."""
    status = EXPIRED if b.event.overrun_days else MET
    b.close({"D-39"}, status, b.event.replacement_id)


def _closes(rules: set[str], status: str, subject: str | None = None) -> Callable[[Book], None]:
    """A handler that closes these rules' open deadlines (subject: an event field name)."""
    return lambda b: b.close(rules, status, getattr(b.event, subject) if subject else None)


HANDLERS: Dispatch[Callable[[Book], None]] = Dispatch(
    {
        VehicleReadyForHandoverNotified: _ready,
        HandoverSuspensionLifted: _lifted,
        InsuranceProofAccepted: _proof,
        HandoverSuspended: _suspended,
        DeadlineExpired: lambda b: b.close({b.event.deadline_id}, EXPIRED),
        VehicleHandedOver: _handed_over,
        ContractAdjustmentIssued: _adjusted,
        ContractTermExpired: _closes({"D-30"}, MET),
        FormalNoticeSent: _notice,
        FormalNoticeCureDeadlineExpired: _closes({"D-10", "D-12"}, EXPIRED, "notice_id"),
        DissolutionIndemnityInvoiced: lambda b: b.open(
            "D-13", b.event.due_date, b.event.receivable_id, pending=[b.event.receivable_id]
        ),
        ContractEnded: _ended,
        ContractDissolvedAgainstCustomer: _dissolved,
        ContractEndSuperseded: _closes({"D-25", "D-15"}, MOOT),
        VehicleSold: lambda b: b.close({"D-14"}, MET if b.event.within_window else EXPIRED),
        VehicleTheftReported: lambda b: b.open(
            "D-15", b.event.recovery_deadline, b.event.incident_id, subject=b.event.incident_id
        ),
        StolenVehicleRecovered: _closes({"D-15"}, MET, "incident_id"),
        IncidentReported: _repair,
        RepairCompleted: lambda b: b.close(
            {"D-07"}, MET if b.event.in_time else EXPIRED, b.event.incident_id
        ),
        InsuranceLapseNotified: lambda b: b.open(
            "D-17", b.event.replacement_deadline, b.event.lapse_id, subject=b.event.lapse_id
        ),
        ReplacementInsuranceProvided: _closes({"D-17"}, MET, "lapse_id"),
        InsuranceReplacementDeadlineExpired: _closes({"D-17"}, EXPIRED, "lapse_id"),
        TheftRecoveryDeadlineExpired: _closes({"D-15"}, EXPIRED, "incident_id"),
        VehicleReturned: lambda b: b.close(
            {"D-25"}, MOOT if b.event.returned_by == "REPOSSESSION" else MET
        ),
        ReplacementVehicleProvided: _replacement_due,
        ImmobilisationResolved: _replacement_due,
        ReplacementVehicleReturned: _replacement_back,
        LessorDefaultNoticeSent: _lessor_notice,
        LessorDefaultRemedied: lambda b: b.close(
            set(LESSOR_DEADLINES),
            MET if b.event.within_cure_period else EXPIRED,
            b.event.notice_id,
        ),
        LessorCureDeadlineExpired: _closes(set(LESSOR_DEADLINES), EXPIRED, "notice_id"),
        GeneralTermsAmendmentNotified: lambda b: b.open(
            "D-29",
            b.event.effective_from - timedelta(days=1),
            b.event.new_version,
            subject=b.event.new_version,
        ),
        GeneralTermsAmendmentObjected: _closes({"D-29"}, MET, "new_version"),
        GeneralTermsAmendmentApplied: _closes({"D-29"}, EXPIRED, "new_version"),
        ContractClosed: _closed,
        **CLAIM_HANDLERS,
    }
)


class DeadlinesProjection(BatchProjection[DeadlinesView]):
    """Opens and closes deadlines as the contract events record them."""

    name = "deadlines"

    def apply(self, event: Any, batch: Batch) -> None:
        handler, money = HANDLERS.get(event), touches_receivables(event)
        if isinstance(event, ContractConcluded):
            batch.put("contracts", _contract(event))
            return
        if handler is None and not money:
            return
        book = Book(batch, event)
        if money:
            track_open_amounts(event, batch, ITEMS)
            book.paid(set(settled_ids(event)))
        if handler is not None:
            handler(book)
        batch.put("contracts", book.contract)


def _contract(e: ContractConcluded) -> Row:
    terms = e.terms
    return {
        "contract_id": e.originator_id,
        "open_ids": [],
        "proof_needed": terms.insurance_mode is InsuranceMode.CUSTOMER_OWN,
        "proof_accepted": False,
        "paused": [],
    }


SPEC = ViewSpec("deadlines", DeadlinesProjection, PostgresDeadlinesView, InMemoryDeadlinesView)
