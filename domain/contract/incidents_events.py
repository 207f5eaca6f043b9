"""Events of usage, incidents, theft, total loss and the reporting duties (RULES 9.3, 9.4)."""

from __future__ import annotations

from dataclasses import field, replace
from typing import TYPE_CHECKING

from domain.contract.base_events import ContractEvent
from domain.contract.state import Theft
from domain.money import Money
from domain.values import ContractStatus

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from domain.contract import Contract
    from domain.contract.standing import Standing


class OdometerReported(ContractEvent):
    """M-11, M-12: an odometer reading."""

    reading: int
    source: str

    def apply_to(self, c: Contract) -> None:
        c.last_odometer = self.reading
        c.last_odometer_on = self.occurred_on
        if c.km_cap_reading is None and self.reading >= c.terms.km_cap:
            # A-15(c): the first reading at the cap dates the end, whatever follows it
            c.km_cap_reading, c.km_cap_reading_on = self.reading, self.occurred_on
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
    """M-12, T-18.1-ii: the first reading at the cap (under LESSOR_DECISION, A-15(b), the
    Lessor's task to decide on)."""

    reading: int
    km_cap: int

    def apply_to(self, c: Contract) -> None:
        c.km_cap_noted = True


class IncidentReported(ContractEvent):
    """D-01: a Damage Event reported to the Lessor."""

    incident_id: str
    kind: str
    incident_on: date
    repair_cost: Money
    repair_due: date | None = None
    """D-07: the last day to have the repair done (5 working days from the report); None on
    events recorded before it."""
    aware_on: date | None = None
    """A-36: the day the Customer could reasonably have known of it, when later than the day
    it happened; the 24 hours ran from then. None when it ran from the day itself."""

    def apply_to(self, c: Contract) -> None:
        c.incidents += 1
        if self.repair_due is not None:
            c.repairs_due[self.incident_id] = self.repair_due.isoformat()


class RepairCompleted(ContractEvent):
    """D-07 (Art. 8.2): the repair of a reported damage was done (late if not `in_time`)."""

    incident_id: str
    due_date: date
    in_time: bool

    def apply_to(self, c: Contract) -> None:
        c.repairs_due.pop(self.incident_id, None)


class RepairDeadlineMissed(ContractEvent):
    """D-07 timer (Art. 8.2): the 5th working day after the report passed with no repair.

    An AUTO-DETECT candidate for ground 18.3(vi), which stays the Lessor's decision (HUMAN):
    the miss is evidence on which `record_ground` may record that ground; nothing follows by
    itself."""

    defect_incident_id: str
    due_date: date

    def apply_to(self, c: Contract) -> None:
        c.missed_repairs = [*c.missed_repairs, self.defect_incident_id]


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
    against: str = "CUSTOMER"
    """Against whom: CUSTOMER (the Lessor's ground 18.3(v)) or LESSOR (a fact of the
    Customer's ground 18.8(iii)); CUSTOMER on events recorded before it was asked."""
    aware_on: date | None = None
    """A-36: the day the Customer could reasonably have known of it, when later than the day
    it happened; the 24 hours ran from then. None when it ran from the day itself."""


class FuelCardLostOrStolen(DutyReport):
    """D-04: the fuel card reported lost or stolen (its issuer blocks it; M-27 replaces it)."""

    aware_on: date | None = None
    """A-36: the day the Customer could reasonably have known of it, when later than the day
    it happened; the 24 hours ran from then. None when it ran from the day itself."""

    def apply_to(self, c: Contract) -> None:
        super().apply_to(c)
        if c.fuel.card_status == "ACTIVE":
            c.fuel = replace(c.fuel, card_status="LOST")


class InsuranceChangeReported(DutyReport):
    """D-24: a change to a required insurance policy reported to the Lessor."""

    change_type: str


class EuExitCertificateIssued(ContractEvent):
    """O-18: the Lessor's certificate that lets the Vehicle leave the EU, or enter the loading
    quays of ports, international stations or airports, for a period and countries."""

    valid_from: date
    valid_to: date
    countries: list[str]


class OdometerReadingRequested(ContractEvent):
    """D-06: the Lessor asks for the odometer reading, due in 5 working days."""

    request_id: str
    due_by: date

    def apply_to(self, c: Contract) -> None:
        request = {"requested_on": self.occurred_on, "due_by": self.due_by, "open": True}
        c.odometer_requests = {**c.odometer_requests, self.request_id: request}


class ProtectionClaimDecided(ContractEvent):
    """M-15, L-35: the claim decided under Protection: accepted with the Customer's share, or
    refused under Art. 10.2 with its PX codes (a refused theft or total loss carries 0.00
    amounts here; what it costs the Customer is settled by M-18)."""

    incident_id: str
    cause: str
    damage_amount: Money
    customer_share: Money
    waived_amount: Money
    decision: str = "ACCEPTED"
    """ACCEPTED or REFUSED (RULES 9.4); events stored before the refusal existed accepted."""
    exclusion_codes: list[str] = field(default_factory=list)
    """The Art. 10.2 codes (PX-01..PX-24) of a refusal."""
    reason: str = ""
    """The Lessor's free-text reason for a refusal."""
    contest_by: date | None = None
    """D-21: the Customer's last day to contest this decision (None on older events)."""
    terminate_by: date | None = None
    """D-19: the last day of a letter ending Protection after this claim (None: older)."""
    documents_by: date | None = None
    """D-22: a Damage Event's last day for its documents and repair invoice (None: none)."""

    def apply_to(self, c: Contract) -> None:
        if self.decision == "REFUSED":
            code = self.exclusion_codes[0] if self.exclusion_codes else ""
            c.protection_refusals = {**c.protection_refusals, self.incident_id: code}
        claim = c.damage_claims.get(self.incident_id) or {"recovered": Money.zero()}
        claim = {**claim, "cause": self.cause, "damage": self.damage_amount}
        claim |= {"decision": self.decision, "charged": self.customer_share}
        # A new decision opens new D-19 and D-21 windows; the documents' D-22 runs on.
        documents_by = self.documents_by or claim.get("documents_by")
        closed = [r for r in claim.get("closed", []) if r == "D-22"]
        claim |= {"contest_by": self.contest_by, "terminate_by": self.terminate_by}
        claim |= {"documents_by": documents_by, "closed": closed, "contested": False}
        claim |= {"decided_version": self.originator_version}  # its D-21 row (deadlines view)
        c.damage_claims = {**c.damage_claims, self.incident_id: claim}


class VehicleTheftReported(ContractEvent):
    """L-14, D-15: theft reported; the recovery window runs."""

    incident_id: str
    theft_date: date
    recovery_deadline: date
    aware_on: date | None = None
    """A-36: the day the Customer could reasonably have known of it, when later than the day
    it happened; the 24 hours ran from then. None when it ran from the day itself."""

    def standing(self, s: Standing) -> Standing:
        return replace(s, status=ContractStatus.THEFT_PENDING, before_theft=s.status)

    def apply_to(self, c: Contract) -> None:
        c.theft = Theft(self.incident_id, self.theft_date, self.recovery_deadline, c.status)
        c.incidents += 1


class StolenVehicleRecovered(ContractEvent):
    """L-15: recovered within the window; back to the state before the theft."""

    incident_id: str

    def standing(self, s: Standing) -> Standing:
        if s.status is ContractStatus.THEFT_PENDING and s.before_theft is not None:
            return replace(s, status=s.before_theft, before_theft=None)
        return replace(s, before_theft=None)

    def apply_to(self, c: Contract) -> None:
        c.theft = None


class TheftRecoveryDeadlineExpired(ContractEvent):
    """T-18.1-iii: the Vehicle was not recovered in time."""

    incident_id: str
    deadline: date

    def apply_to(self, c: Contract) -> None:
        c.loss_incident_id = self.incident_id  # M-18: the loss the insurer pays for


class TotalLossDeclared(ContractEvent):
    """L-17, T-18.1-iv: the expert (or the Lessor under Protection) declared a total loss."""

    incident_id: str
    event_date: date

    def apply_to(self, c: Contract) -> None:
        c.total_loss_on = self.event_date
        c.loss_incident_id = self.incident_id  # M-18: the loss the insurer pays for
        c.incidents += 1


class InsurerPayoutReceived(ContractEvent):
    """M-18: what the insurer paid the Lessor, as beneficiary, for a total loss or theft."""

    incident_id: str | None
    """The theft or total loss paid for (None on a contract recorded before v8)."""
    insurer: str
    amount: Money


class TotalLossSettlementComputed(ContractEvent):
    """M-18 (Art. 7.8(ii), 11.1): the Remaining Capital at the end against what the insurer
    paid and Protection waived; the shortfall is charged, the insurer's surplus credited."""

    incident_id: str | None
    remaining_capital: Money
    insurer_payout: Money
    protection_waived: Money
    shortfall: Money
    surplus_to_customer: Money

    def apply_to(self, c: Contract) -> None:
        c.loss_settled = True


class GapPayoutDetermined(ContractEvent):
    """M-20 (Art. 11.7, P-45, A-24): the GAP payout to the Customer, worked out when the loss
    is settled against the insurer's payout (M-18); credited to the Customer if positive."""

    incident_id: str | None
    insured_value: Money
    contract_month_number: int
    base: Money
    waived_amount: Money
    """Term (ii): the Protection waiver, or the insurer's payout where Protection does not
    cover the loss (A-24(a))."""
    advance_refund: Money
    payout: Money


class AdvanceRefundDetermined(ContractEvent):
    """M-19: the advance refund on total loss or theft (outside VAT)."""

    amount: Money
    term_months: int
    elapsed_months: int
