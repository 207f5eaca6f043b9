"""The tyres service with winter tyres (Art. 13; O-13, D-26, M-37, A-32).

Only with the service TYRES of the instalment (P-13), not stopped. Readings [INT]:
- O-13: a repair or replacement needs the Lessor's approval number (Art. 13.2); what the
  Special Conditions' limits do not cover is passed on to the Customer at cost;
- D-26: winter tyres are mounted from 1 November to 31 March (Art. 13.1 "moeten geplaatst
  worden tussen"); a mount outside the window is refused; a demount may come any day and
  belongs to the season last mounted;
- A-32: one mount and one demount a season are the Lessor's; another is passed on at the
  fitting's cost;
- M-37: with a winter kit the rims are passed on at cost, the tyres and fitting are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.status import RUNNING
from domain.contract.tyres_events import (
    TyreCostCharged,
    TyresReplaced,
    WinterTyresDemounted,
    WinterTyresMounted,
)
from domain.money import Money
from domain.service_money import (
    winter_season,
    worked_extra_fitting,
    worked_tyres_beyond_limits,
    worked_winter_kit_rims,
)
from domain.workings import records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.workings import Working

SERVICE = "TYRES"
ZERO = Money.of("0.00")


@dataclass(frozen=True)
class ReplaceTyres(Command):
    """O-13: tyres repaired or replaced for wear or damage under an approval number."""

    name: ClassVar[str] = "replace_tyres"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-13",)
    approval_number: str = bounded()
    reason: str = bounded(choices=("WEAR", "DAMAGE"))
    tyre_count: int = bounded(low=1, high=8)
    within_limits: bool = bounded(True)
    cost: Money = bounded(ZERO)


@dataclass(frozen=True)
class MountWinterTyres(Command):
    """D-26, A-32, M-37: winter tyres (or a winter kit with its rims) mounted."""

    name: ClassVar[str] = "mount_winter_tyres"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-26", "A-32", "M-37")
    mounted_on: date = bounded()
    winter_kit: bool = bounded(False)
    rims_cost: Money = bounded(ZERO)
    fitting_cost: Money = bounded(ZERO)


@dataclass(frozen=True)
class DemountWinterTyres(Command):
    """D-26, A-32: winter tyres demounted."""

    name: ClassVar[str] = "demount_winter_tyres"
    rule_ids: ClassVar[tuple[str, ...]] = ("D-26", "A-32")
    demounted_on: date = bounded()
    fitting_cost: Money = bounded(ZERO)


def _require_tyres(c: Contract, command: str) -> None:
    require_status(c, RUNNING, "O-13", command)
    included = SERVICE in c.terms.service_components and SERVICE not in c.stopped_services
    require(included, "O-13", f"the instalment includes no running {SERVICE} (P-13)")


def _charge(
    c: Contract, ctx: Ctx, cost_type: str, lines: list[Working], season: str | None
) -> None:
    """Pass the lines on at cost on one debit note, due after the payment term."""
    lines = [w for w in lines if w.amount.is_positive]
    if lines:
        c.issue(
            TyreCostCharged,
            ctx,
            sorted({w.rule_id for w in lines}),
            amount=sum((w.amount for w in lines), ZERO),
            due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
            cost_type=cost_type,
            season=season,
            workings=records(lines),
        )


def replace_tyres(
    c: Contract,
    ctx: Ctx,
    approval_number: str,
    reason: str,
    tyre_count: int,
    within_limits: bool,
    cost: Money,
) -> None:
    """O-13: the Lessor's within the limits; beyond them the Customer's, at cost."""
    _require_tyres(c, "replace_tyres")
    require(bool(approval_number.strip()), "O-13", "an approval number is needed (Art. 13.2)")
    c.emit(
        TyresReplaced,
        ctx,
        ["O-13"],
        approval_number=approval_number,
        reason=reason,
        tyre_count=tyre_count,
        within_limits=within_limits,
        cost=cost.rounded(),
    )
    if not within_limits:
        worked = worked_tyres_beyond_limits(cost).citing(approval_number=approval_number)
        _charge(c, ctx, "BEYOND_LIMITS", [worked], None)


def mount_winter_tyres(
    c: Contract, ctx: Ctx, mounted_on: date, winter_kit: bool, rims_cost: Money, fitting_cost: Money
) -> None:
    """D-26: inside the season's window; A-32: a second mount charged; M-37: kit rims."""
    _require_tyres(c, "mount_winter_tyres")
    season = winter_season(mounted_on)
    require(season is not None, "D-26", "winter tyres are mounted from 1 November to 31 March")
    require(mounted_on <= ctx.on, "D-26", f"mounted on {mounted_on}, after today")
    assert season is not None
    chargeable = c.winter_seasons.get(season, {}).get("mounted", 0) >= 1
    c.emit(
        WinterTyresMounted,
        ctx,
        ["D-26", "A-32"] + (["M-37"] if winter_kit else []),
        season=season,
        mounted_on=mounted_on,
        winter_kit=winter_kit,
        chargeable=chargeable,
    )
    lines = [worked_extra_fitting("mount", fitting_cost)] if chargeable else []
    if winter_kit:
        lines.append(worked_winter_kit_rims(rims_cost))
    _charge(c, ctx, "WINTER_KIT_RIMS" if winter_kit else "EXTRA_MOUNT", lines, season)


def demount_winter_tyres(c: Contract, ctx: Ctx, demounted_on: date, fitting_cost: Money) -> None:
    """D-26: the season last mounted; A-32: a second demount in it is charged."""
    _require_tyres(c, "demount_winter_tyres")
    require(bool(c.winter_seasons), "D-26", "no winter tyres were mounted")
    require(demounted_on <= ctx.on, "D-26", f"demounted on {demounted_on}, after today")
    season = max(c.winter_seasons)
    chargeable = c.winter_seasons[season].get("demounted", 0) >= 1
    c.emit(
        WinterTyresDemounted,
        ctx,
        ["D-26", "A-32"],
        season=season,
        demounted_on=demounted_on,
        chargeable=chargeable,
    )
    if chargeable:
        _charge(c, ctx, "EXTRA_DEMOUNT", [worked_extra_fitting("demount", fitting_cost)], season)


HANDLERS: Handlers = {
    ReplaceTyres: replace_tyres,
    MountWinterTyres: mount_winter_tyres,
    DemountWinterTyres: demount_winter_tyres,
}
