"""T-18.10: the services linked to a contract stop automatically when it ends early.

On a dissolution (against the Customer or the Lessor) or an early termination, and, as RULES
reads it [INT], on a termination on death and an end by law on theft or total loss, every
linked service stops on the contract's effective end date (`AncillaryServiceStopped`,
ground 18.10). A-18: the stop date is the end date, although Art. 11.4 keeps insurance
until hand-in; the Customer is to insure the Vehicle until its return.

The services are those the terms record: Protection (P-24), the Lessor's liability
insurance with Protection (P-25), and the services paid through the instalment (P-13).
T-18.2-ii: the Lessor may also stop one service of the instalment on an open 18.2 ground.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import Command, bounded
from domain.contract.cover_events import AncillaryServiceStopped
from domain.contract.guards import require, require_status
from domain.contract.status import RUNNING
from domain.values import EndKind, InsuranceMode

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.terms import ContractTerms

CASCADE_ENDS = frozenset(
    {
        EndKind.DISSOLVED_AGAINST_CUSTOMER,
        EndKind.DISSOLVED_AGAINST_LESSOR,
        EndKind.EARLY_TERMINATION,
        EndKind.DEATH,
        EndKind.THEFT,
        EndKind.TOTAL_LOSS,
    }
)
"""Ends that stop the linked services (T-18.10, with its [INT] extension)."""


@dataclass(frozen=True)
class StopAncillaryService(Command):
    """The Lessor stops an ancillary service (on ground 18.2(ii)); the contract continues."""

    name: ClassVar[str] = "stop_ancillary_service"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.2-ii",)
    service: str = bounded()


def linked_services(terms: ContractTerms) -> list[str]:
    """The services the contract's terms link to it (P-24, P-25, P-28's Fuel Management, and
    those of P-13)."""
    services = []
    if terms.protection_included:
        services.append("PROTECTION")
    if terms.insurance_mode is InsuranceMode.LESSOR_MTPL_WITH_PROTECTION:
        services.append("LESSOR_INSURANCE")
    if terms.fuel_management:
        services.append("FUEL_MANAGEMENT")
    return services + [s for s in terms.service_components if s not in services]


def stop_ancillary_service(c: Contract, ctx: Ctx, service: str) -> None:
    """T-18.2-ii: on an open 18.2 ground the Lessor stops a service; the contract goes on.

    [INT] Removing the service's part from the instalment is a Contract Adjustment (Art.
    2.2(iii)), a separate command.
    """
    require_status(c, RUNNING, "T-18.2-ii", "stop_ancillary_service")
    require(
        service in c.terms.service_components,
        "T-18.2-ii",
        f"{service} is not a service of the instalment (P-13)",
    )
    require(service not in c.stopped_services, "T-18.2-ii", f"{service} is already stopped")
    open_grounds = c.open_grounds("18.2")
    require(bool(open_grounds), "T-18.2-ii", "no open Art. 18.2 ground")
    c.emit(
        AncillaryServiceStopped,
        ctx,
        ["T-18.2-ii", "K-02"],
        service=service,
        ground=open_grounds[0].ground,
        effective_on=ctx.on,
    )


def stop_linked_services(c: Contract, ctx: Ctx) -> None:
    """T-18.10: stop each linked service still running, once, on the effective end date."""
    if c.end_kind not in CASCADE_ENDS or c.effective_end_date is None:
        return
    for service in linked_services(c.terms):
        if service not in c.stopped_services:
            c.emit(
                AncillaryServiceStopped,
                ctx,
                ["T-18.10", "A-18"],
                service=service,
                ground="18.10",
                effective_on=c.effective_end_date,
            )


HANDLERS: Handlers = {StopAncillaryService: stop_ancillary_service}
