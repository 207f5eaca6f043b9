"""Maintenance & Repair (Art. 12; O-12 with its MR exclusions, O-05, M-31).

Only with the service MAINTENANCE_REPAIR of the instalment (P-13), not stopped; without it
the Customer's own maintenance costs go through `charge_running_cost` (M-31). Readings [INT]:
- O-12 (Art. 12.2): covered work needs the Lessor's approval number; work an exclusion or a
  missing booklet leaves to the Customer may be recorded without one (e.g. MR-o, a workshop
  the Lessor does not accept);
- O-12 (Art. 12.3): the Lessor names at most one MR code per work recorded (one code, one
  reason on the debit note); work under several codes is recorded once per code;
- the Customer's cost is passed on at cost, due after the payment term (Art. 12.3 "payable
  immediately" to the provider or the Lessor: the Lessor's debit note follows D-36 like the
  other running costs of M-31), as a running cost of type EXCLUDED_REPAIR or
  WORK_WITHOUT_BOOKLET.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.catalogue import RULES, Family
from domain.contract.billing_events import RunningCostCharged
from domain.contract.charges import payment_due
from domain.contract.command import Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.maintenance_events import MaintenancePerformed
from domain.contract.status import RUNNING
from domain.money import Money
from domain.workings import passed_on, records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.workings import Working

SERVICE = "MAINTENANCE_REPAIR"
ZERO = Money.of("0.00")
WORK = ("SERVICING", "REPAIR", "FLUIDS")
"""Art. 12.1 (i) servicing, (ii) mechanical and electromechanical repairs, (iii) fluids."""
MR_CODES: tuple[str, ...] = tuple(
    r for r, e in RULES.items() if e.family is Family.MAINTENANCE_EXCLUSION
)


@dataclass(frozen=True)
class RecordMaintenance(Command):
    """O-12: work done under Maintenance & Repair, covered unless an MR code applies."""

    name: ClassVar[str] = "record_maintenance"
    rule_ids: ClassVar[tuple[str, ...]] = ("O-12", "O-05", "M-31")
    workshop_id: str = bounded()
    work: str = bounded(choices=WORK)
    odometer: int = bounded(low=0)
    cost: Money = bounded(low=ZERO)
    approval_number: str = bounded("")
    exclusion_code: str = bounded("", choices=("", *MR_CODES))
    booklet_shown: bool = bounded(True)


def customer_reason(exclusion_code: str, booklet_shown: bool) -> str | None:
    """O-12: why the Customer pays for the work (None when the service covers it)."""
    if exclusion_code:
        title = RULES[exclusion_code].title
        return f"Maintenance & Repair exclusion {exclusion_code} (Art. 12.3): {title}"
    if not booklet_shown:
        return "Work without the maintenance booklet or the contract mentioned (Art. 12.2)"
    return None


def customer_share(cost: Money, exclusion_code: str, booklet_shown: bool) -> Working | None:
    """O-12: the line the Customer pays at cost (None when the service covers the work)."""
    reason = customer_reason(exclusion_code, booklet_shown)
    if reason is None:
        return None
    codes = {"exclusion_code": exclusion_code} if exclusion_code else {}
    return passed_on("O-12", reason, cost, **codes)


def record_maintenance(
    c: Contract,
    ctx: Ctx,
    workshop_id: str,
    work: str,
    odometer: int,
    cost: Money,
    approval_number: str,
    exclusion_code: str,
    booklet_shown: bool,
) -> None:
    """O-12: record the work; pass its cost on when an MR code or the booklet says so."""
    require_status(c, RUNNING, "O-12", "record_maintenance")
    included = SERVICE in c.terms.service_components and SERVICE not in c.stopped_services
    require(included, "O-12", f"the instalment includes no running {SERVICE} (P-13)")
    share = customer_share(cost, exclusion_code, booklet_shown)
    require(
        share is not None or bool(approval_number.strip()),
        "O-12",
        "covered work needs the Lessor's approval number (Art. 12.2)",
    )
    c.emit(
        MaintenancePerformed,
        ctx,
        ["O-12", "O-05", *([exclusion_code] if exclusion_code else [])],
        workshop_id=workshop_id,
        approval_number=approval_number,
        work=work,
        odometer=odometer,
        cost=cost.rounded(),
        covered_by_contract=share is None,
        customer_cost=ZERO if share is None else share.amount,
        exclusion_code=exclusion_code,
        booklet_shown=booklet_shown,
    )
    if share is not None and share.amount.is_positive:
        cost_type = "EXCLUDED_REPAIR" if exclusion_code else "WORK_WITHOUT_BOOKLET"
        c.issue(
            RunningCostCharged,
            ctx,
            ["O-12", "M-31", *([exclusion_code] if exclusion_code else [])],
            amount=share.amount,
            due_date=payment_due(c, ctx),
            cost_type=cost_type,
            description=customer_reason(exclusion_code, booklet_shown) or "",
            workings=records([share.citing(approval_number=approval_number or None)]),
        )


HANDLERS: Handlers = {RecordMaintenance: record_maintenance}
