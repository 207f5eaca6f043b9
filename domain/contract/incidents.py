"""Usage and incidents: odometer, Damage Events, theft, total loss (M-11, M-15, L-14..L-17)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import months_covered
from domain.contract.command import Command, bounded
from domain.contract.damage import accept_damage_claim, protection_covers_damage
from domain.contract.guards import require, require_status
from domain.contract.incidents_events import (
    IncidentReported,
    KmDeviationAssessed,
    OdometerReported,
    StolenVehicleRecovered,
    TotalLossDeclared,
    VehicleTheftReported,
)
from domain.contract.repairs import repair_due
from domain.contract.replacement import end_theft_immobilisation
from domain.contract.reporting import check_reported_in_time, within_24_hours
from domain.contract.status import RUNNING
from domain.money import Money
from domain.money_rules import expected_km, km_settlement
from domain.values import ContractStatus, DamageCause, KmBand

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

THEFT_MAX_RECOVERY_DAYS = 30  # P-46, D-15

INCIDENT_KINDS = {
    "COLLISION": DamageCause.COLLISION,
    "GLASS": DamageCause.GLASS_BREAKAGE,
    "FIRE": DamageCause.FIRE,
    "VANDALISM": DamageCause.VANDALISM,
    "GAME": DamageCause.GAME_COLLISION,
    "NATURAL_FORCES": DamageCause.NATURAL_FORCES,
    "ATTEMPTED_THEFT": DamageCause.ATTEMPTED_THEFT,
    "ANIMAL": DamageCause.ANIMAL_COLLISION,
}
"""SCENARIOS.md `report_incident.kind` to the M-15 cause."""

AT_RISK = RUNNING | {ContractStatus.ENDED_AWAITING_RETURN}
"""L-43: the Customer carries the risk from the Start Date until the Return Report."""


@dataclass(frozen=True)
class ReportOdometer(Command):
    """An odometer reading (by the Customer, telematics or a workshop)."""

    name: ClassVar[str] = "report_odometer"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-11", "M-12", "A-14", "L-19")
    odometer: int = bounded()
    source: str = bounded("CUSTOMER")


@dataclass(frozen=True)
class ReportIncident(Command):
    """A Damage Event of a kind, on a date, with its repair cost."""

    name: ClassVar[str] = "report_incident"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-01", "D-23", "M-15", "L-35", "L-43", "A-36")
    kind: str = bounded()
    incident_on: date = bounded()
    repair_cost: Money = bounded()
    aware_on: date | None = bounded(None)


@dataclass(frozen=True)
class ReportTheft(Command):
    """The Vehicle was stolen on `theft_on`; the recovery window opens."""

    name: ClassVar[str] = "report_theft"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-14", "D-02", "D-15", "A-36")
    theft_on: date = bounded()
    aware_on: date | None = bounded(None)


@dataclass(frozen=True)
class RecoverVehicle(Command):
    """The stolen Vehicle was found on `recovered_on`."""

    name: ClassVar[str] = "recover_vehicle"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-15",)
    recovered_on: date = bounded()


@dataclass(frozen=True)
class DeclareTotalLoss(Command):
    """An expert declares the Vehicle a total loss after an event on `event_on`."""

    name: ClassVar[str] = "declare_total_loss"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-17",)
    event_on: date = bounded()


def report_odometer(c: Contract, ctx: Ctx, odometer: int, source: str) -> None:
    """M-11/M-12: record a reading; flag a deviation of more than 15% (A-14)."""
    require_status(c, AT_RISK, "L-19", "report_odometer")
    reading, last = odometer, c.last_odometer or 0
    require(reading >= last, "M-11", f"odometer {reading} is below the last reading {last}")
    c.emit(OdometerReported, ctx, ["M-11", "M-12"], reading=reading, source=source)
    assert c.start_date is not None  # AT_RISK states have a start date
    expected = expected_km(c.terms.annual_km, months_covered(c.start_date, ctx.on))
    actual = c.driven_km(reading)
    assessed = km_settlement(actual, expected, c.terms.excess_km_price)
    if assessed.band is KmBand.OVER_15:
        c.emit(
            KmDeviationAssessed,
            ctx,
            ["M-11", "A-14"],
            expected_km=assessed.expected_km,
            actual_km=actual,
            deviation_km=assessed.deviation_km,
            deviation_pct=assessed.deviation_pct,
            band=assessed.band.value,
        )


def report_incident(
    c: Contract, ctx: Ctx, kind: str, incident_on: date, repair_cost: Money, aware_on: date | None
) -> None:
    """D-01/D-23 and M-15: a Damage Event; under Protection the claim is accepted with the
    Customer's flat fee share until the Lessor refuses it (`refuse_protection_claim`, M-17)."""
    require_status(c, AT_RISK, "L-43", "report_incident")
    require(kind in INCIDENT_KINDS, "M-15", f"unknown incident kind {kind}")
    cost = repair_cost
    require(_within_risk(c, incident_on, ctx.on), "L-43", f"{incident_on} outside the risk period")
    require(cost.amount >= 0, "M-15", "repair_cost must not be negative")
    due_by = within_24_hours(incident_on, aware_on, ctx.on)
    incident_id = f"I{c.incidents + 1:03d}"
    c.emit(
        IncidentReported,
        ctx,
        ["D-01", "M-15"],
        incident_id=incident_id,
        kind=kind,
        incident_on=incident_on,
        repair_cost=cost,
        repair_due=repair_due(ctx.on),  # D-07
        aware_on=aware_on,
    )
    under_protection = ("D-23",) if c.terms.protection_included else ()
    check_reported_in_time(c, ctx, "D-01", incident_id, incident_on, due_by, under_protection)
    if protection_covers_damage(c, incident_on) and c.terms.flat_damage_fee is not None:
        accept_damage_claim(c, ctx, incident_id, INCIDENT_KINDS[kind], cost, incident_on)


def _within_risk(c: Contract, day: date, today: date) -> bool:
    return c.start_date is not None and c.start_date <= day <= today


def report_theft(c: Contract, ctx: Ctx, theft_on: date, aware_on: date | None) -> None:
    """L-14, D-15: the recovery window is min(insurer days, 30) from the theft date."""
    require_status(c, {ContractStatus.ACTIVE, ContractStatus.SUSPENDED}, "L-14", "report_theft")
    require(
        _within_risk(c, theft_on, ctx.on), "L-14", f"theft date {theft_on} not in the risk period"
    )
    days = min(c.terms.insurer_theft_recovery_days, THEFT_MAX_RECOVERY_DAYS)
    due_by = within_24_hours(theft_on, aware_on, ctx.on)
    incident_id = f"I{c.incidents + 1:03d}"
    c.emit(
        VehicleTheftReported,
        ctx,
        ["L-14", "D-15", "D-02"],
        incident_id=incident_id,
        theft_date=theft_on,
        recovery_deadline=theft_on + timedelta(days=days),
        aware_on=aware_on,
    )
    check_reported_in_time(c, ctx, "D-02", incident_id, theft_on, due_by)


def recover_vehicle(c: Contract, ctx: Ctx, recovered_on: date) -> None:
    """L-15: recovered within the window; the contract goes on as before."""
    allowed = {ContractStatus.THEFT_PENDING, ContractStatus.ENDED_AWAITING_RETURN}
    require_status(c, allowed, "L-15", "recover_vehicle")
    require(c.theft is not None, "L-15", "no theft pending")
    assert c.theft is not None
    deadline = c.theft.recovery_deadline
    require(
        c.theft.theft_date <= recovered_on <= min(deadline, ctx.on),
        "L-15",
        f"recovery on {recovered_on} is outside {c.theft.theft_date}..{deadline}",
    )
    c.emit(
        StolenVehicleRecovered,
        ctx.at(recovered_on),
        ["L-15", "D-15"],
        incident_id=c.theft.incident_id,
    )
    end_theft_immobilisation(c, ctx.at(recovered_on), recovered_on)


def declare_total_loss(c: Contract, ctx: Ctx, event_on: date) -> None:
    """L-17: the expert's declaration; the end by law follows (T-18.1-iv)."""
    require_status(c, AT_RISK, "L-17", "declare_total_loss")  # K-05 when already ended
    require(c.total_loss_on is None, "L-17", "total loss already declared")
    require(
        _within_risk(c, event_on, ctx.on), "L-17", f"event date {event_on} not in the risk period"
    )
    c.emit(
        TotalLossDeclared,
        ctx,
        ["L-17", "T-18.1-iv"],
        incident_id=f"I{c.incidents + 1:03d}",
        event_date=event_on,
    )


HANDLERS: Handlers = {
    ReportOdometer: report_odometer,
    ReportIncident: report_incident,
    ReportTheft: report_theft,
    RecoverVehicle: recover_vehicle,
    DeclareTotalLoss: declare_total_loss,
}
