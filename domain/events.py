"""Events of the Contract aggregate (RULES.md section 9). Bodies only assign state.

Every event carries business time (`occurred_on`, Europe/Brussels date), the actor, the
RULES.md IDs it applied and a causation id, besides the recorded time the library stamps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.money import Money
from domain.state import Dissolution, Ground, Notice, Receivable, Theft
from domain.values import Bucket, ContractStatus, EndKind

CREDIT_BALANCE = "BALANCE"
"""Source id of the unallocated part of payments in a set-off."""

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from domain.contract import Contract
    from domain.terms import ContractTerms


class ContractEvent(Aggregate.Event):
    """Envelope fields every contract event carries (DESIGN 4, RULES 9.0)."""

    occurred_on: date
    actor: str
    rule_ids: list[str]
    causation_id: str

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)

    def apply_to(self, c: Contract) -> None:
        """Assign the event's facts to the contract (no rules, no clock)."""


class ContractConcluded(Aggregate.Created, ContractEvent):
    """L-01: the contract is formed with its Special Conditions (P-01..P-30)."""

    terms: ContractTerms

    def apply_to(self, c: Contract) -> None:
        c.initialise(self.terms, self.occurred_on)


class VehicleSpecificationChanged(ContractEvent):
    """L-03: before delivery, with both consents and new Special Conditions."""

    terms: ContractTerms
    special_conditions_id: str

    def apply_to(self, c: Contract) -> None:
        c.terms = self.terms


class ContractAdjustmentIssued(ContractEvent):
    """L-30, M-13: new term, km or instalment from `effective_from`; timers follow."""

    adjustment_id: str
    reason: str
    terms: ContractTerms
    effective_from: date
    contractual_end_date: date

    def apply_to(self, c: Contract) -> None:
        c.terms = self.terms
        c.contractual_end_date = self.contractual_end_date
        c.adjustments += 1


class CustomerWithdrawalIntentRecorded(ContractEvent):
    """L-29: the Customer says they do not want the contract (ground 18.3(xi), A-20)."""

    channel: str

    def apply_to(self, c: Contract) -> None:
        c.withdrawal_intent_on = self.occurred_on


class VehicleOrdered(ContractEvent):
    """L-02."""

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.ORDERED


class VehicleReadyForHandoverNotified(ContractEvent):
    """L-04: starts D-08 (collection, 14 days) and D-09 (insurance proof, 1 month)."""

    collection_deadline: date
    insurance_proof_deadline: date

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.READY_FOR_HANDOVER
        c.ready_notified_on = self.occurred_on
        c.collection_deadline = self.collection_deadline
        c.insurance_proof_deadline = self.insurance_proof_deadline


class InsuranceProofAccepted(ContractEvent):
    """L-07(a), D-09."""

    def apply_to(self, c: Contract) -> None:
        c.insurance_proof_accepted = True


class HandoverSuspended(ContractEvent):
    """L-05."""

    ground: str

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.HANDOVER_SUSPENDED
        c.handover_suspended_on = self.occurred_on


class HandoverSuspensionLifted(ContractEvent):
    """L-06: the D-08/D-09 timers resume with the time they had left (GAP)."""

    collection_deadline: date | None
    insurance_proof_deadline: date | None

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.READY_FOR_HANDOVER
        c.collection_deadline = self.collection_deadline
        c.insurance_proof_deadline = self.insurance_proof_deadline
        c.handover_suspended_on = None


class DeadlineExpired(ContractEvent):
    """A timer of RULES section 5 ran out (D-08, D-09): its id is remembered (idempotent)."""

    deadline_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        c.expired_deadlines.append(self.deadline_id)


class VehicleCollectionDeadlineExpired(DeadlineExpired):
    """D-08 expired: treated as a refusal of the Vehicle (T-18.3-i)."""


class InsuranceProofDeadlineExpired(DeadlineExpired):
    """D-09 expired: treated as a refusal of the Vehicle (T-18.3-i)."""


class VehicleHandedOver(ContractEvent):
    """L-07: Start Date fixed, risk passes, billing starts (G-11, M-02)."""

    start_date: date
    odometer_at_handover: int
    contractual_end_date: date

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.ACTIVE
        c.start_date = self.start_date
        c.contractual_end_date = self.contractual_end_date
        c.odometer_at_handover = self.odometer_at_handover
        c.last_odometer = self.odometer_at_handover


class VehicleHandoverRefused(ContractEvent):
    """L-08/L-09: the Customer did not sign the Handover Form."""

    reason: str

    def apply_to(self, c: Contract) -> None:
        c.refused_on = self.occurred_on


class HandoverRefusalAssessed(ContractEvent):
    """L-08 (founded: T-4.4 end by law) or L-09 (unfounded: ground 18.3(i))."""

    founded: bool

    def apply_to(self, c: Contract) -> None:
        c.refusal_founded = self.founded


# --- receivables -------------------------------------------------------------------------


class ReceivableIssued(ContractEvent):
    """Base of every event that issues a debit document (invoice or debit note)."""

    KIND: ClassVar[str] = "DEBIT_NOTE"
    CATEGORY: ClassVar[str] = "OTHER"
    BUCKET: ClassVar[Bucket] = Bucket.OTHER

    receivable_id: str
    amount: Money
    due_date: date

    def category(self) -> str:
        return self.CATEGORY

    def apply_to(self, c: Contract) -> None:
        c.add_receivable(
            Receivable(
                receivable_id=self.receivable_id,
                kind=self.KIND,
                category=self.category(),
                bucket=self.BUCKET.value,
                issued_on=self.occurred_on,
                due_on=self.due_date,
                amount=self.amount,
                open=self.amount,
                rule_ids=list(self.rule_ids),
                **self.period(),
            )
        )

    def period(self) -> dict[str, Any]:
        return {}


class InstalmentInvoiced(ReceivableIssued):
    """M-02..M-04: an instalment invoiced in advance for a calendar billing period."""

    KIND: ClassVar[str] = "INVOICE"
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
        c.invoiced_periods.append(self.billing_period_start)


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


class RegisteredLetterFeeCharged(ReceivableIssued):
    """M-07: EUR 30 file costs per registered letter (A-09)."""

    CATEGORY: ClassVar[str] = "FILE_COSTS"
    BUCKET: ClassVar[Bucket] = Bucket.INDEMNITY_5_3

    notice_id: str


class FlatDamageFeeCharged(ReceivableIssued):
    """M-15: the Customer's share of a Damage Event under Protection."""

    CATEGORY: ClassVar[str] = "FLAT_DAMAGE_FEE"

    incident_id: str


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


class CreditNoteIssued(ContractEvent):
    """RULES 9.2: a credit, netted first against the document it relates to."""

    receivable_id: str
    amount: Money
    relates_to: str | None
    reason: str

    def apply_to(self, c: Contract) -> None:
        c.add_credit(
            Receivable(
                receivable_id=self.receivable_id,
                kind="CREDIT_NOTE",
                category=self.reason,
                bucket=Bucket.OTHER.value,
                issued_on=self.occurred_on,
                due_on=self.occurred_on,
                amount=self.amount,
                open=self.amount,
                rule_ids=list(self.rule_ids),
                relates_to=self.relates_to,
            )
        )


class PaymentReceived(ContractEvent):
    """M-09: a Customer payment and its allocation over the open items."""

    payment_id: str
    amount: Money
    allocations: list[dict[str, Any]]
    unallocated: Money

    def apply_to(self, c: Contract) -> None:
        for line in self.allocations:
            item = c.receivables[line["receivable_id"]]
            item.open = item.open - line["amount"]
        c.credit_balance = c.credit_balance + self.unallocated
        c.payments_received += 1


class CreditsSetOff(ContractEvent):
    """M-09 / A-11: open credits (credit notes, unallocated payments) settle open debits."""

    allocations: list[dict[str, Any]]
    """Debit documents reduced: receivable_id, bucket, amount."""
    sources: list[dict[str, Any]]
    """Credits used: receivable_id (or BALANCE for unallocated payments), amount."""

    def apply_to(self, c: Contract) -> None:
        for line in self.allocations:
            item = c.receivables[line["receivable_id"]]
            item.open = item.open - line["amount"]
        self.use_sources(c, self.sources)

    @staticmethod
    def use_sources(c: Contract, sources: list[dict[str, Any]]) -> None:
        for source in sources:
            if source["receivable_id"] == CREDIT_BALANCE:
                c.credit_balance = c.credit_balance - source["amount"]
            else:
                credit = c.receivables[source["receivable_id"]]
                credit.open = credit.open - source["amount"]


class RefundPaidToCustomer(ContractEvent):
    """RULES 9.2: the Lessor pays out what it owes (credit notes first, then overpayments)."""

    refund_id: str
    amount: Money
    reason: str
    sources: list[dict[str, Any]]

    def apply_to(self, c: Contract) -> None:
        CreditsSetOff.use_sources(c, self.sources)
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
            kind=self.kind,
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


# --- usage, incidents --------------------------------------------------------------------


class OdometerReported(ContractEvent):
    """M-11, M-12: an odometer reading."""

    reading: int
    source: str

    def apply_to(self, c: Contract) -> None:
        c.last_odometer = self.reading
        c.last_odometer_on = self.occurred_on
        c.odometer_requests = {  # D-06: a reading answers every open request
            i: {**r, "open": False} for i, r in c.odometer_requests.items()
        }


class KmDeviationAssessed(ContractEvent):
    """M-11: deviation of more than 15% (a Lessor task to consider an adjustment)."""

    expected_km: Decimal
    actual_km: int
    deviation_km: Decimal
    deviation_pct: Decimal
    band: str


class KmCapReached(ContractEvent):
    """M-12, T-18.1-ii."""

    reading: int
    km_cap: int


class IncidentReported(ContractEvent):
    """D-01: a Damage Event reported to the Lessor."""

    incident_id: str
    kind: str
    incident_on: date
    repair_cost: Money

    def apply_to(self, c: Contract) -> None:
        c.incidents += 1


class ReportingDutyBreached(ContractEvent):
    """D-01/D-02 -> T-18.3-viii: a report made later than its duty allows (AUTO-DETECT)."""

    breach_id: str
    duty: str
    """The reporting duty: D-01 (damage, accident) or D-02 (theft)."""
    subject_id: str
    """The incident reported late."""
    happened_on: date
    due_by: date

    def apply_to(self, c: Contract) -> None:
        c.reporting_breaches = [*c.reporting_breaches, self.breach_id]
        if self.subject_id in c.odometer_requests:  # D-06: the request is closed, breached
            closed = {**c.odometer_requests[self.subject_id], "open": False}
            c.odometer_requests = {**c.odometer_requests, self.subject_id: closed}


class AncillaryServiceStopped(ContractEvent):
    """T-18.10: a service linked to the contract stopped with its early end."""

    service: str
    """PROTECTION or LESSOR_INSURANCE."""
    ground: str
    effective_on: date

    def apply_to(self, c: Contract) -> None:
        c.stopped_services = [*c.stopped_services, self.service]


class GuaranteeLapsed(ContractEvent):
    """T-18.3-vii: a guarantee for the Customer's obligations lost in whole or in part."""

    guarantee_id: str
    reason: str
    """CANCELLED, VOIDED or REDUCED."""
    remaining_amount: Money

    def apply_to(self, c: Contract) -> None:
        c.lapsed_guarantees = [*c.lapsed_guarantees, self.guarantee_id]


class InsuranceLapseNotified(ContractEvent):
    """L-31, D-17: a required policy or the creditor endorsement lapsed; replace in 2 weeks."""

    lapse_id: str
    policy_type: str
    lapse_type: str
    notified_by: str
    replacement_deadline: date

    def apply_to(self, c: Contract) -> None:
        lapse = {"deadline": self.replacement_deadline, "replaced_on": None, "expired": False}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}


class ReplacementInsuranceProvided(ContractEvent):
    """D-17: the lapse is covered again (by the Customer, or announced by the Lessor)."""

    lapse_id: str
    provided_by: str

    def apply_to(self, c: Contract) -> None:
        lapse = {**c.insurance_lapses[self.lapse_id], "replaced_on": self.occurred_on}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}


class InsuranceReplacementDeadlineExpired(ContractEvent):
    """D-17 timer: no replacement within 2 weeks; the insurance is LAPSED (-> 18.3(x))."""

    lapse_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        lapse = {**c.insurance_lapses[self.lapse_id], "expired": True}
        c.insurance_lapses = {**c.insurance_lapses, self.lapse_id: lapse}


class DutyReport(ContractEvent):
    """A report the Customer owes the Lessor (Art. 9, 11.3); counted for report ids."""

    report_id: str
    happened_on: date

    def apply_to(self, c: Contract) -> None:
        c.reports_made += 1


class ThirdPartyClaimReported(DutyReport):
    """D-03: a third party's claim on the Vehicle, or a seizure, reported to the Lessor."""

    kind: str
    """CLAIM or SEIZURE."""


class FuelCardLostOrStolen(DutyReport):
    """D-04: the fuel card reported lost or stolen."""


class InsuranceChangeReported(DutyReport):
    """D-24: a change to a required insurance policy reported to the Lessor."""

    change_type: str


class OdometerReadingRequested(ContractEvent):
    """D-06: the Lessor asks for the odometer reading, due in 5 working days."""

    request_id: str
    due_by: date

    def apply_to(self, c: Contract) -> None:
        request = {"requested_on": self.occurred_on, "due_by": self.due_by, "open": True}
        c.odometer_requests = {**c.odometer_requests, self.request_id: request}


class ProtectionClaimDecided(ContractEvent):
    """M-15: the claim accepted under Protection, with the Customer's share."""

    incident_id: str
    cause: str
    damage_amount: Money
    customer_share: Money
    waived_amount: Money


class VehicleTheftReported(ContractEvent):
    """L-14, D-15: theft reported; the recovery window runs."""

    incident_id: str
    theft_date: date
    recovery_deadline: date

    def apply_to(self, c: Contract) -> None:
        c.theft = Theft(self.incident_id, self.theft_date, self.recovery_deadline, c.status)
        c.incidents += 1
        c.status = ContractStatus.THEFT_PENDING


class StolenVehicleRecovered(ContractEvent):
    """L-15: recovered within the window; back to the state before the theft."""

    incident_id: str

    def apply_to(self, c: Contract) -> None:
        if c.theft is not None and c.status is ContractStatus.THEFT_PENDING:
            c.status = c.theft.prior_status
        c.theft = None


class TheftRecoveryDeadlineExpired(ContractEvent):
    """T-18.1-iii: the Vehicle was not recovered in time."""

    incident_id: str
    deadline: date


class TotalLossDeclared(ContractEvent):
    """L-17, T-18.1-iv: the expert (or the Lessor under Protection) declared a total loss."""

    incident_id: str
    event_date: date

    def apply_to(self, c: Contract) -> None:
        c.total_loss_on = self.event_date
        c.incidents += 1


class AdvanceRefundDetermined(ContractEvent):
    """M-19: the advance refund on total loss or theft (outside VAT)."""

    amount: Money
    term_months: int
    elapsed_months: int


# --- ends --------------------------------------------------------------------------------


class ContractEnded(ContractEvent):
    """Base of the events that end the contract (one effective end, L-39)."""

    end_kind: str
    effective_end_date: date
    return_due_date: date | None
    next_status: str

    def apply_to(self, c: Contract) -> None:
        c.end_kind = EndKind(self.end_kind)
        c.effective_end_date = self.effective_end_date
        c.return_due_date = self.return_due_date
        c.status = ContractStatus(self.next_status)
        if self.end_kind == EndKind.THEFT.value:
            c.theft = None


class ContractEndSuperseded(ContractEvent):
    """K-05: a later-recorded end with an earlier effective date replaces the recorded one."""

    previous_end_kind: str
    previous_effective_end_date: date
    new_end_kind: str
    new_effective_end_date: date

    def apply_to(self, c: Contract) -> None:
        c.end_kind = EndKind(self.new_end_kind)
        c.effective_end_date = self.new_effective_end_date
        c.return_due_date = None
        c.status = ContractStatus.IN_SETTLEMENT
        if self.new_end_kind == EndKind.THEFT.value:
            c.theft = None


class ContractTermExpired(ContractEvent):
    """D-30: the timer at the end of the contractual end date (precedes the end by law)."""

    contractual_end_date: date


class ContractEndedByLaw(ContractEnded):
    """T-18.1-i..iv, T-4.4: the contract ends by operation of law."""

    trigger: str


class ContractDissolvedAgainstCustomer(ContractEnded):
    """L-10, T-18.3: dissolution by the Lessor on established grounds."""

    ground_ids: list[str]
    written_notification_date: date

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        for ground_id in self.ground_ids:
            c.grounds[ground_id].status = "EXERCISED"
        zero = Money.zero()
        c.dissolution = Dissolution(
            self.effective_end_date, self.written_notification_date, zero, zero, zero, zero
        )


class ContractDissolvedAgainstLessor(ContractEnded):
    """L-25, T-18.8: dissolution by the Customer on an 18.8 ground."""

    ground: str


class ContractTerminatedOnDeath(ContractEnded):
    """L-24, T-18.9: no termination costs; instalments run until the return (M-33)."""

    terminated_by: str


class ContractTerminatedEarlyByCustomer(ContractEnded):
    """L-23, T-18.7: effective on the return date (A-21)."""


class DissolutionGroundRecorded(ContractEvent):
    """K-02: a HUMAN ground recorded with its rationale."""

    ground_id: str
    ground: str
    rationale: str

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id] = Ground(
            self.ground_id, self.ground, self.occurred_on, rationale=self.rationale
        )


class DissolutionGroundDetected(ContractEvent):
    """K-02: an AUTO-DETECT ground became true, with its evidence."""

    ground_id: str
    ground: str
    evidence: list[str]
    cure_deadline: date | None

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id] = Ground(
            self.ground_id,
            self.ground,
            self.occurred_on,
            cure_deadline=self.cure_deadline,
            evidence=list(self.evidence),
        )


class DissolutionGroundCleared(ContractEvent):
    """K-02: the ground stopped being true (e.g. arrears paid)."""

    ground_id: str
    reason: str

    def apply_to(self, c: Contract) -> None:
        c.grounds[self.ground_id].status = "CLEARED"


class ContractSuspended(ContractEvent):
    """L-11, T-18.3-S."""

    ground_ids: list[str]

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.SUSPENDED


class ContractSuspensionLifted(ContractEvent):
    """L-12."""

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.ACTIVE


class VehicleMarketValueEstimated(ContractEvent):
    """M-21 (A-22 c): the Lessor's estimate of the Vehicle's market value."""

    amount: Money

    def apply_to(self, c: Contract) -> None:
        c.market_value = self.amount


class VehicleSold(ContractEvent):
    """M-21: the sale after dissolution, inside or after the 15-day window (D-14)."""

    sale_date: date
    gross_price: Money
    net_proceeds: Money
    within_window: bool

    def apply_to(self, c: Contract) -> None:
        if c.dissolution is not None:
            c.dissolution.sold = True


class DissolutionIndemnityCorrected(ContractEvent):
    """M-21: the indemnity recomputed from the sale price."""

    previous_amount: Money
    new_amount: Money
    basis: str
    market_value_deducted: Money
    surplus: Money

    def apply_to(self, c: Contract) -> None:
        if c.dissolution is not None:
            c.dissolution.amount = self.new_amount
            c.dissolution.value_deducted = self.market_value_deducted


class EarlyTerminationRequested(ContractEvent):
    """L-20."""


class EarlyTerminationAccepted(ContractEvent):
    """L-21, T-18.7: from the first day of month 13 with no open 18.3 ground."""

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.EARLY_TERMINATION_PENDING


class CustomerDeathRecorded(ContractEvent):
    """L-24."""

    date_of_death: date

    def apply_to(self, c: Contract) -> None:
        c.death_on = self.date_of_death


# --- return, settlement, closure ----------------------------------------------------------


class RepossessionOrdered(ContractEvent):
    """T-18.4: the Lessor takes the Vehicle back wherever it is."""

    reason: str


class RepossessionCostsCharged(ReceivableIssued):
    """M-32: the costs of taking the Vehicle back."""

    CATEGORY: ClassVar[str] = "REPOSSESSION"


class VehicleReturned(ContractEvent):
    """L-26: the Vehicle is back with the Lessor (returned or repossessed)."""

    returned_by: str

    def apply_to(self, c: Contract) -> None:
        c.returned_on = self.occurred_on


class ReturnInspectionCompleted(ContractEvent):
    """L-26, M-24: the Return Report signed by the Lessor; the Customer's risk ends."""

    odometer: int
    damages: list[dict[str, Any]]
    missing_items: list[dict[str, Any]]

    def apply_to(self, c: Contract) -> None:
        c.last_odometer = self.odometer
        c.last_odometer_on = self.occurred_on
        c.status = ContractStatus.RETURNED


class FinalSettlementStarted(ContractEvent):
    """L-27."""

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.IN_SETTLEMENT


class ContractClosed(ContractEvent):
    """L-28, D-33: all balances zero; the 10-year retention clock starts."""

    retention_until: date

    def apply_to(self, c: Contract) -> None:
        c.status = ContractStatus.CLOSED
