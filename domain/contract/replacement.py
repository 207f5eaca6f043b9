"""Immobilisation and the replacement vehicle (Art. 15; L-36, D-16, D-39, M-28, O-15).

L-36: NONE -> (immobilisation reported, the Lessor fully informed) ENTITLED_FROM informed +
24 h -> PROVIDED -> RETURNED. Only with the service REPLACEMENT_VEHICLE of the instalment
(P-13), not stopped. Readings where the terms are silent, all [INT]:
- the 24 h are kept as a date and an hour: the entitlement starts the next day at that hour;
  whether the immobilisation lasts over 24 h shows in the facts (it is resolved after then);
- with Roadside Assistance (the Mobility Card of the instalment) its first 3 calendar days
  from the immobilisation come first, so the Lessor's replacement starts after them;
- the entitlement's last day is the day the immobilisation is resolved (a stolen Vehicle's
  recovery, `recover_vehicle`, resolves it), on theft at most the theft date + 30 days; a
  replacement still out on a later day runs over by the days between (D-39, M-28).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.charges import CHARGEABLE
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.replacement_events import (
    ImmobilisationReported,
    ImmobilisationResolved,
    LessorFullyInformedOfImmobilisation,
    ReplacementVehicleCharged,
    ReplacementVehicleProvided,
    ReplacementVehicleReturned,
)
from domain.contract.status import RUNNING
from domain.money import Money
from domain.service_money import (
    entitled_from,
    overrun_days,
    theft_cap,
    worked_overrun,
    worked_replacement_damage,
)
from domain.workings import records

if TYPE_CHECKING:
    from typing import Any

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

SERVICE = "REPLACEMENT_VEHICLE"
CAUSES = ("MECHANICAL", "ACCIDENT", "THEFT")
ZERO = Money.of("0.00")


@dataclass(frozen=True)
class ReportImmobilisation(Command):
    """D-16: the Vehicle is immobilised since `since`; the Lessor fully informed of the
    causes on `informed_on` at `informed_hour`."""

    name: ClassVar[str] = "report_immobilisation"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-16", "L-36")
    cause: str = bounded(choices=CAUSES)
    since: date = bounded()
    informed_on: date = bounded()
    informed_hour: int = bounded(0, low=0, high=23)


@dataclass(frozen=True)
class ResolveImmobilisation(Command):
    """D-16: a mechanical or accident immobilisation is resolved on `resolved_on`."""

    name: ClassVar[str] = "resolve_immobilisation"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-16", "L-36")
    immobilisation_id: str = bounded()
    resolved_on: date = bounded()


@dataclass(frozen=True)
class ProvideReplacementVehicle(Command):
    """L-36, O-15: the Lessor hands over a replacement at `address` with its handover form
    (terms of use, insurance, the short-term rental day rate)."""

    name: ClassVar[str] = "provide_replacement_vehicle"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-36", "D-16", "O-15")
    immobilisation_id: str = bounded()
    provided_on: date = bounded()
    short_term_day_rate: Money = bounded()
    address: str = bounded(max_length=MAX_TEXT)
    handover_form_ref: str = bounded()


@dataclass(frozen=True)
class ReturnReplacementVehicle(Command):
    """D-39, O-15, M-28: the replacement is back, with the km driven and any damage."""

    name: ClassVar[str] = "return_replacement_vehicle"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-39", "M-28", "O-15", "L-36")
    replacement_id: str = bounded()
    returned_on: date = bounded()
    km: int = bounded()
    damage_cost: Money = bounded(ZERO)
    at_provision_address: bool = bounded(True)


def _included(c: Contract) -> bool:
    return SERVICE in c.terms.service_components and SERVICE not in c.stopped_services


def _immobilisation(c: Contract, immobilisation_id: str) -> dict[str, Any]:
    known = immobilisation_id in c.immobilisations
    require(known, "D-16", f"no immobilisation {immobilisation_id}")
    return c.immobilisations[immobilisation_id]


def report_immobilisation(
    c: Contract, ctx: Ctx, cause: str, since: date, informed_on: date, informed_hour: int
) -> None:
    """D-16: entitled from informed + 24 h; on theft, to the theft date + 30 days at most."""
    require_status(c, RUNNING, "L-36", "report_immobilisation")
    require(_included(c), "L-36", f"the instalment includes no running {SERVICE} (P-13)")
    when = f"informed on {informed_on}: not between the immobilisation ({since}) and today"
    require(since <= informed_on <= ctx.on, "D-16", when)
    incident_id, cap = None, None
    if cause == "THEFT":
        require(c.theft is not None, "D-16", "no theft reported (report_theft)")
        assert c.theft is not None
        require(since == c.theft.theft_date, "D-16", f"the theft was on {c.theft.theft_date}")
        reported = [r for r in c.immobilisations.values() if r["cause"] == "THEFT"]
        open_theft = any(r["resolved_on"] is None for r in reported)
        require(not open_theft, "D-16", "the theft's immobilisation is already reported")
        incident_id, cap = c.theft.incident_id, theft_cap(c.theft.theft_date)
    mobility_card = "MOBILITY_CARD" in c.terms.service_components
    immobilisation_id = f"V{len(c.immobilisations) + 1:03d}"
    c.emit(
        ImmobilisationReported,
        ctx,
        ["D-16", "L-36"],
        immobilisation_id=immobilisation_id,
        cause=cause,
        since=since,
        incident_id=incident_id,
    )
    c.emit(
        LessorFullyInformedOfImmobilisation,
        ctx,
        ["D-16", "L-36"],
        immobilisation_id=immobilisation_id,
        informed_on=informed_on,
        informed_hour=informed_hour,
        entitled_from=entitled_from(since, informed_on, mobility_card),
        entitled_until_cap=cap,
    )


def resolve_immobilisation(
    c: Contract, ctx: Ctx, immobilisation_id: str, resolved_on: date
) -> None:
    """D-16: the entitlement ends on the day the immobilisation is resolved."""
    require_status(c, CHARGEABLE, "L-36", "resolve_immobilisation")
    row = _immobilisation(c, immobilisation_id)
    require(row["cause"] != "THEFT", "D-16", "a stolen Vehicle is recovered (recover_vehicle)")
    require(row["resolved_on"] is None, "D-16", f"{immobilisation_id} is already resolved")
    when = f"resolved on {resolved_on}: not between {row['since']} and today"
    require(row["since"] <= resolved_on <= ctx.on, "D-16", when)
    _resolve(c, ctx, immobilisation_id, resolved_on, ["D-16"])


def end_theft_immobilisation(c: Contract, ctx: Ctx, recovered_on: date) -> None:
    """D-16: the recovery of a stolen Vehicle ends its theft immobilisation."""
    for immobilisation_id, row in c.immobilisations.items():
        if row["cause"] == "THEFT" and row["resolved_on"] is None:
            _resolve(c, ctx, immobilisation_id, recovered_on, ["D-16", "L-15"])


def _resolve(
    c: Contract, ctx: Ctx, immobilisation_id: str, resolved_on: date, rule_ids: list[str]
) -> None:
    """D-16 ends the entitlement; D-39: a replacement still out is due back by then."""
    out = [
        replacement_id
        for replacement_id, r in c.replacements.items()
        if r["immobilisation_id"] == immobilisation_id and r["returned_on"] is None
    ]
    cap = c.immobilisations[immobilisation_id]["cap"]
    return_by = min(d for d in (resolved_on, cap) if d is not None) if out else None
    c.emit(
        ImmobilisationResolved,
        ctx,
        rule_ids + (["D-39"] if out else []),
        immobilisation_id=immobilisation_id,
        resolved_on=resolved_on,
        replacement_id=out[0] if out else None,
        return_by=return_by,
    )


def provide_replacement_vehicle(
    c: Contract,
    ctx: Ctx,
    immobilisation_id: str,
    provided_on: date,
    short_term_day_rate: Money,
    address: str,
    handover_form_ref: str,
) -> None:
    """L-36 PROVIDED: from the entitlement's first day, while the immobilisation lasts."""
    require_status(c, RUNNING, "L-36", "provide_replacement_vehicle")
    row = _immobilisation(c, immobilisation_id)
    start = row["entitled_from"]
    require(start <= provided_on <= ctx.on, "D-16", f"the entitlement starts on {start}")
    require(_entitled_until(row, provided_on) >= provided_on, "D-16", "the entitlement ended")
    taken = any(r["immobilisation_id"] == immobilisation_id for r in c.replacements.values())
    require(not taken, "L-36", f"{immobilisation_id} already has a replacement vehicle")
    require(short_term_day_rate.is_positive, "M-28", "the handover form's day rate is needed")
    c.emit(
        ReplacementVehicleProvided,
        ctx,
        ["L-36", "D-16", "O-15"],
        replacement_id=f"RV{len(c.replacements) + 1:03d}",
        immobilisation_id=immobilisation_id,
        provider="LESSOR",
        provided_on=provided_on,
        entitled_from=start,
        address=address,
        handover_form_ref=handover_form_ref,
        short_term_day_rate=short_term_day_rate.rounded(),
        entitled_until=row["cap"],
    )


def _entitled_until(row: dict[str, Any], returned_on: date) -> date:
    """D-16: the last day of the entitlement (the return day while nothing ended it)."""
    ends = [d for d in (row["resolved_on"], row["cap"]) if d is not None]
    return min(ends) if ends else returned_on


def return_replacement_vehicle(
    c: Contract,
    ctx: Ctx,
    replacement_id: str,
    returned_on: date,
    km: int,
    damage_cost: Money,
    at_provision_address: bool,
) -> None:
    """D-39, O-15: km added to the Vehicle's; M-28: overrun days and damage charged."""
    require_status(c, CHARGEABLE, "D-39", "return_replacement_vehicle")
    require(replacement_id in c.replacements, "D-39", f"no replacement vehicle {replacement_id}")
    out = c.replacements[replacement_id]
    require(out["returned_on"] is None, "D-39", f"{replacement_id} is already returned")
    when = f"returned on {returned_on}: not between {out['provided_on']} and today"
    require(out["provided_on"] <= returned_on <= ctx.on, "D-39", when)
    until = _entitled_until(c.immobilisations[out["immobilisation_id"]], returned_on)
    days = overrun_days(until, returned_on)
    c.emit(
        ReplacementVehicleReturned,
        ctx,
        ["D-39", "O-15", "M-11"],
        replacement_id=replacement_id,
        returned_on=returned_on,
        entitled_until=until,
        km=km,
        at_provision_address=at_provision_address,
        damage_cost=damage_cost.rounded(),
        overrun_days=days,
    )
    lines = [worked_overrun(days, out["day_rate"])] if days else []
    if damage_cost.rounded().is_positive:
        lines.append(worked_replacement_damage(damage_cost))
    if lines:
        c.issue(
            ReplacementVehicleCharged,
            ctx,
            ["M-28", "D-39"],
            amount=sum((w.amount for w in lines), ZERO),
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            replacement_id=replacement_id,
            overrun_days=days,
            short_term_day_rate=out["day_rate"],
            damage_cost=damage_cost.rounded(),
            workings=records([w.citing(replacement_id=replacement_id) for w in lines]),
        )


HANDLERS: Handlers = {
    ReportImmobilisation: report_immobilisation,
    ResolveImmobilisation: resolve_immobilisation,
    ProvideReplacementVehicle: provide_replacement_vehicle,
    ReturnReplacementVehicle: return_replacement_vehicle,
}
