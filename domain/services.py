"""T-18.10: the services linked to a contract stop automatically when it ends early.

On a dissolution (against the Customer or the Lessor) or an early termination, and, as RULES
reads it [INT], on a termination on death and an end by law on theft or total loss, every
linked service stops on the contract's effective end date (`AncillaryServiceStopped`,
ground 18.10). A-18: the stop date is the end date, although Art. 11.4 keeps insurance
until hand-in; the Customer is to insure the Vehicle until its return.

The services the terms record are Protection (P-24) and the Lessor's liability insurance
with Protection (P-25); the other services of RULES 6.7 are not part of the terms yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.events import AncillaryServiceStopped
from domain.values import EndKind, InsuranceMode

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
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


def linked_services(terms: ContractTerms) -> list[str]:
    """The services the contract's terms link to it."""
    services = []
    if terms.protection_included:
        services.append("PROTECTION")
    if terms.insurance_mode is InsuranceMode.LESSOR_MTPL_WITH_PROTECTION:
        services.append("LESSOR_INSURANCE")
    return services


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
