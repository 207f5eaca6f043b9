"""Reporting duties of the Customer (Art. 2.2, 9, 11.3): reported late is a breach.

Each duty has its time limit; a report after it records `ReportingDutyBreached`, which the
rules turn into ground 18.3(viii) (K-02, AUTO-DETECT on lateness):
- D-01 damage and D-02 theft (domain/contract/incidents.py), D-03 a third-party claim or seizure,
  D-04 a lost or stolen fuel card: within 24 h. On business dates the next day may still
  be within 24 h of the occurrence, so a report two or more days later is late.
- D-24 a change to the insurance policies: within 3 working days of the change.
- D-06 the odometer reading on the Lessor's request: within 5 working days of the request;
  a request still open after that expires as a breach (a timer, run by the rules).

O-18 (Art. 22.4): the Lessor's certificate for a trip outside the EU (or onto the loading quays
of ports, international stations or airports) is recorded with its period and countries; a trip
without one is a breach an operator records (ground 18.3(vi), HUMAN).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import add_working_days
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import (
    EuExitCertificateIssued,
    FuelCardLostOrStolen,
    InsuranceChangeReported,
    OdometerReadingRequested,
    ReportingDutyBreached,
    ThirdPartyClaimReported,
)
from domain.contract.status import RUNNING
from domain.contract.termination_events import DissolutionGroundDetected

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

WITHIN_24_HOURS = timedelta(days=1)  # D-01..D-04
INSURANCE_CHANGE_WORKING_DAYS = 3  # D-24
ODOMETER_REQUEST_WORKING_DAYS = 5  # D-06
CLAIM_KINDS = ("CLAIM", "SEIZURE")
CLAIM_AGAINST = ("CUSTOMER", "LESSOR")
CHANGE_TYPES = ("PREMIUM", "COVERAGE", "ADDRESS", "DAMAGE", "OTHER")


@dataclass(frozen=True)
class ReportThirdPartyClaim(Command):
    """A claim by a third party or a seizure of the Vehicle, that happened on a date."""

    name: ClassVar[str] = "report_third_party_claim"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-03", "T-18.3-v", "T-18.8-iii", "A-36")
    kind: str = bounded()
    happened_on: date = bounded()
    against: str = bounded("CUSTOMER", choices=CLAIM_AGAINST)
    aware_on: date | None = bounded(None)


@dataclass(frozen=True)
class ReportFuelCardLost(Command):
    """The fuel card was lost or stolen on a date."""

    name: ClassVar[str] = "report_fuel_card_lost"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-04", "A-36")
    happened_on: date = bounded()
    aware_on: date | None = bounded(None)


@dataclass(frozen=True)
class ReportInsuranceChange(Command):
    """A change to the Customer's insurance policies, made on a date."""

    name: ClassVar[str] = "report_insurance_change"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-24",)
    change_type: str = bounded()
    changed_on: date = bounded()


@dataclass(frozen=True)
class RequestOdometerReading(Command):
    """The Lessor asks the Customer for the odometer reading."""

    name: ClassVar[str] = "request_odometer_reading"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-06",)


@dataclass(frozen=True)
class IssueEuExitCertificate(Command):
    """O-18: the Lessor certifies that the Vehicle may leave the EU from one date to another."""

    name: ClassVar[str] = "issue_eu_exit_certificate"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-18",)
    valid_from: date = bounded()
    valid_to: date = bounded()
    countries: tuple[str, ...] = bounded()


def issue_eu_exit_certificate(
    c: Contract, ctx: Ctx, valid_from: date, valid_to: date, countries: tuple[str, ...]
) -> None:
    """O-18: recorded while the contract runs, for a period that has not ended yet."""
    require_status(c, RUNNING, "O-18", "issue_eu_exit_certificate")
    require(bool(countries), "O-18", "the certificate names at least one country")
    require(valid_from <= valid_to, "O-18", "the certificate ends before it starts")
    require(valid_to >= ctx.on, "O-18", "the certificate's period is already over")
    c.emit(
        EuExitCertificateIssued,
        ctx,
        ["O-18"],
        valid_from=valid_from,
        valid_to=valid_to,
        countries=list(countries),
    )


def check_reported_in_time(
    c: Contract,
    ctx: Ctx,
    duty: str,
    subject_id: str,
    happened_on: date,
    due_by: date,
    also: tuple[str, ...] = (),
) -> None:
    """A report on `ctx.on` after `due_by` breaches the duty (-> T-18.3-viii, which Art. 6.1
    links to every reporting duty: T-6.1); `also` names the rules that set the same duty
    (D-23 under Protection)."""
    if ctx.on <= due_by:
        return
    c.emit(
        ReportingDutyBreached,
        ctx,
        [duty, *also, "T-18.3-viii", "T-6.1"],
        breach_id=f"B{len(c.reporting_breaches) + 1:03d}",
        duty=duty,
        subject_id=subject_id,
        happened_on=happened_on,
        due_by=due_by,
    )


def within_24_hours(happened_on: date, aware_on: date | None, reported_on: date) -> date:
    """D-01..D-04, A-36: the last day of a 24-hour duty. It runs from the day it happened, or
    from the later day the Customer could reasonably have known of it (`aware_on`), which
    lies between that day and the report's."""
    if aware_on is None:
        return happened_on + WITHIN_24_HOURS
    require(aware_on >= happened_on, "A-36", f"aware_on {aware_on} is before {happened_on}")
    require(aware_on <= reported_on, "A-36", f"aware_on {aware_on} is after the report")
    return aware_on + WITHIN_24_HOURS


def report_third_party_claim(
    c: Contract, ctx: Ctx, kind: str, happened_on: date, against: str, aware_on: date | None
) -> None:
    """D-03: a third party's claim on the Vehicle, or a seizure, reported within 24 h.

    O-10: the Customer tells the Lessor of anyone claiming or seizing the Vehicle in 24 h
    (its written statement of the Lessor's ownership to the claimant is not seen here).
    T-18.3-v: a claim or seizure against the Customer is itself the Lessor's ground 18.3(v)
    (evidence: the report's id), whether reported in time or not; a late report is also a
    breach (D-03). T-18.8-iii: one against the Lessor (its creditors, a seizure on it) is no
    ground against the Customer; it is the fact of the Customer's own ground 18.8(iii), which
    the Lessor records with the report as evidence (`record_lessor_ground`, HUMAN).
    """
    require_status(c, RUNNING, "D-03", "report_third_party_claim")
    require(kind in CLAIM_KINDS, "D-03", f"kind must be one of {CLAIM_KINDS}")
    require(happened_on <= ctx.on, "D-03", "a claim cannot be reported before it happened")
    due_by = within_24_hours(happened_on, aware_on, ctx.on)
    claim_id = f"C{c.reports_made + 1:03d}"
    c.emit(
        ThirdPartyClaimReported,
        ctx,
        ["D-03", "T-18.3-v" if against == "CUSTOMER" else "T-18.8-iii"],
        report_id=claim_id,
        kind=kind,
        happened_on=happened_on,
        against=against,
        aware_on=aware_on,
    )
    if against == "CUSTOMER":
        _ground_18_3_v(c, ctx, claim_id)
    check_reported_in_time(c, ctx, "D-03", claim_id, happened_on, due_by)


def _ground_18_3_v(c: Contract, ctx: Ctx, claim_id: str) -> None:
    c.emit(
        DissolutionGroundDetected,
        ctx,
        ["K-02", "T-18.3-v"],
        ground_id=f"G{len(c.grounds) + 1:03d}",
        ground="18.3(v)",
        evidence=[claim_id],
        cure_deadline=None,
    )


def report_fuel_card_lost(c: Contract, ctx: Ctx, happened_on: date, aware_on: date | None) -> None:
    """D-04: a lost or stolen fuel card reported within 24 h (Art. 7.9: liable until then).

    O-16: the Customer answers for every use of the card until it is reported or returned;
    the PIN's secrecy is not observable here.
    """
    require_status(c, RUNNING, "D-04", "report_fuel_card_lost")
    require(happened_on <= ctx.on, "D-04", "a loss cannot be reported before it happened")
    due_by = within_24_hours(happened_on, aware_on, ctx.on)
    report_id = f"F{c.reports_made + 1:03d}"
    c.emit(
        FuelCardLostOrStolen,
        ctx,
        ["D-04"],
        report_id=report_id,
        happened_on=happened_on,
        aware_on=aware_on,
    )
    check_reported_in_time(c, ctx, "D-04", report_id, happened_on, due_by)


def report_insurance_change(c: Contract, ctx: Ctx, change_type: str, changed_on: date) -> None:
    """D-24: a change to a required policy reported within 3 working days."""
    require_status(c, RUNNING, "D-24", "report_insurance_change")
    require(change_type in CHANGE_TYPES, "D-24", f"change_type must be one of {CHANGE_TYPES}")
    require(changed_on <= ctx.on, "D-24", "a change cannot be reported before it happened")
    report_id = f"R{c.reports_made + 1:03d}"
    c.emit(
        InsuranceChangeReported,
        ctx,
        ["D-24"],
        report_id=report_id,
        change_type=change_type,
        happened_on=changed_on,
    )
    due_by = add_working_days(changed_on, INSURANCE_CHANGE_WORKING_DAYS)
    check_reported_in_time(c, ctx, "D-24", report_id, changed_on, due_by)


def request_odometer_reading(c: Contract, ctx: Ctx) -> None:
    """D-06, O-19: the Lessor asks for the odometer; the Customer answers in 5 working days."""
    require_status(c, RUNNING, "D-06", "request_odometer_reading")
    c.emit(
        OdometerReadingRequested,
        ctx,
        ["D-06"],
        request_id=f"Q{len(c.odometer_requests) + 1:03d}",
        due_by=add_working_days(ctx.on, ODOMETER_REQUEST_WORKING_DAYS),
    )


def process_odometer_requests(c: Contract, ctx: Ctx) -> None:
    """D-06 timer: a request not answered by its last day is a reporting breach."""
    for request_id, request in list(c.odometer_requests.items()):
        due_by: date = request["due_by"]
        if request["open"] and ctx.on > due_by:
            expired = ctx.at(due_by + timedelta(days=1))
            requested_on: date = request["requested_on"]
            check_reported_in_time(c, expired, "D-06", request_id, requested_on, due_by)


HANDLERS: Handlers = {
    ReportThirdPartyClaim: report_third_party_claim,
    ReportFuelCardLost: report_fuel_card_lost,
    ReportInsuranceChange: report_insurance_change,
    RequestOdometerReading: request_odometer_reading,
    IssueEuExitCertificate: issue_eu_exit_certificate,
}
