"""T-18.10: the services linked to a contract stop automatically when it ends early.

On a dissolution (against the Customer or the Lessor) or an early termination, and, as RULES
reads it [INT], on a termination on death and an end by law on theft or total loss, every
linked service stops on the contract's effective end date (`AncillaryServiceStopped`,
ground 18.10). A-18: the stop date is the end date, although Art. 11.4 keeps insurance
until hand-in; the Customer is to insure the Vehicle until its return.

The services are those the terms record: Protection (P-24), the Lessor's liability
insurance with Protection (P-25), and the services paid through the instalment (P-13).
T-18.2-ii: the Lessor may also stop one service of the instalment on an open 18.2 ground.
T-18.2-i: once its supplier ceased and no other could be found (both HUMAN facts), the Lessor
or the Customer may stop a service of Art. 12-16 ([INT] each party alone, not a joint act).

L-33: each service is ACTIVE until `AncillaryServiceStopped` (grounds 18.2(i), 18.2(ii),
18.10, or 16.5 for Fuel Management by agreement) or the contract's end; STOPPED is final.
[INT] The contract's ordinary end (expiry, km cap) records no stop event: the service ends
with the contract, which `service_status` reads from the contract's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import Command, bounded
from domain.contract.cover_events import (
    SEARCH_FAILED,
    AncillaryServiceStopped,
    LessorInsuranceEnded,
    ReplacementSupplierSearchFailed,
    ServiceSupplierCeased,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED, RUNNING
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
INSURANCE_END_REASONS = {
    EndKind.DISSOLVED_AGAINST_CUSTOMER: "DISSOLUTION",
    EndKind.DISSOLVED_AGAINST_LESSOR: "DISSOLUTION",
    EndKind.EARLY_TERMINATION: "EARLY_TERMINATION",
}
"""D-31: `LessorInsuranceEnded.reason` of an early end (other early ends: OTHER)."""
STOP_GROUNDS = ("18.2(i)", "18.2(ii)", "18.10", "16.5")
"""L-33: the grounds on which an ancillary service stops (16.5: Fuel Management by agreement)."""
ACTIVE, STOPPED = "ACTIVE", "STOPPED"


@dataclass(frozen=True)
class StopAncillaryService(Command):
    """An ancillary service stops on ground 18.2(ii) (the Lessor) or 18.2(i) (the Lessor or
    the Customer); the contract continues."""

    name: ClassVar[str] = "stop_ancillary_service"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.2-ii", "T-18.2-i", "L-33")
    service: str = bounded()
    ground: str = bounded("18.2(ii)", choices=("18.2(i)", "18.2(ii)"))


@dataclass(frozen=True)
class RecordServiceSupplierCeased(Command):
    """T-18.2-i (HUMAN): the supplier of a service of Art. 12-16 stopped supplying it."""

    name: ClassVar[str] = "record_service_supplier_ceased"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.2-i",)
    service: str = bounded()
    supplier_id: str = bounded()


@dataclass(frozen=True)
class RecordReplacementSupplierSearchFailed(Command):
    """T-18.2-i (HUMAN): no replacement supplier was found for a service whose supplier ceased."""

    name: ClassVar[str] = "record_replacement_supplier_search_failed"
    rule_ids: ClassVar[tuple[str, ...]] = ("T-18.2-i",)
    service: str = bounded()
    supplier_id: str = bounded()


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


def chapter_6_services(terms: ContractTerms) -> list[str]:
    """T-18.2-i: the services of Art. 12-16 (those of the instalment, P-13, and Fuel
    Management); Protection and insurance (Art. 10, 11) have their own ends."""
    fuel = ["FUEL_MANAGEMENT"] if terms.fuel_management else []
    return fuel + [s for s in terms.service_components if s not in fuel]


def service_status(c: Contract, service: str) -> str:
    """L-33: STOPPED once a stop was recorded or the contract ended, else ACTIVE."""
    ended = c.status not in NOT_ENDED
    return STOPPED if ended or service in c.stopped_services else ACTIVE


def require_active(c: Contract, service: str, rule: str) -> None:
    """L-33: only an ACTIVE service can stop (STOPPED is final)."""
    require(service_status(c, service) == ACTIVE, rule, f"{service} is already stopped")


def stop_ancillary_service(c: Contract, ctx: Ctx, service: str, ground: str) -> None:
    """T-18.2-ii / T-18.2-i: a service stops from `ctx.on`; the contract goes on.

    18.2(ii) needs an open Art. 18.2 ground (the Lessor); 18.2(i) a supplier that ceased with
    no replacement found (the Lessor or the Customer). [INT] Removing the service's part from
    the instalment is a Contract Adjustment (Art. 2.2(iii)), a separate command.
    """
    rule = "T-18.2-i" if ground == "18.2(i)" else "T-18.2-ii"
    require_status(c, RUNNING, rule, "stop_ancillary_service")
    if rule == "T-18.2-i":
        require_supplier_search_failed(c, service)
        _stop(c, ctx, service, ground, [rule, "L-33"])
        return
    require(
        service in c.terms.service_components,
        rule,
        f"{service} is not a service of the instalment (P-13)",
    )
    require_active(c, service, rule)
    open_grounds = c.open_grounds("18.2(ii)")
    require(bool(open_grounds), rule, "no open Art. 18.2(ii) ground")
    _stop(c, ctx, service, open_grounds[0].ground, [rule, "K-02"])


def require_supplier_search_failed(c: Contract, service: str) -> None:
    require(
        c.service_suppliers.get(service) == SEARCH_FAILED,
        "T-18.2-i",
        f"no failed search for a replacement supplier of {service} is recorded",
    )
    require_active(c, service, "T-18.2-i")


def _stop(c: Contract, ctx: Ctx, service: str, ground: str, rules: list[str]) -> None:
    assert ground in STOP_GROUNDS  # L-33
    c.emit(AncillaryServiceStopped, ctx, rules, service=service, ground=ground, effective_on=ctx.on)


def record_service_supplier_ceased(c: Contract, ctx: Ctx, service: str, supplier_id: str) -> None:
    """T-18.2-i: the supplier's cessation of an ACTIVE service of Art. 12-16 (HUMAN)."""
    require_status(c, RUNNING, "T-18.2-i", "record_service_supplier_ceased")
    require(
        service in chapter_6_services(c.terms),
        "T-18.2-i",
        f"{service} is not a service of Art. 12-16 in this contract",
    )
    require_active(c, service, "T-18.2-i")
    c.emit(ServiceSupplierCeased, ctx, ["T-18.2-i"], service=service, supplier_id=supplier_id)


def record_replacement_supplier_search_failed(
    c: Contract, ctx: Ctx, service: str, supplier_id: str
) -> None:
    """T-18.2-i: after the cessation, the search for another supplier failed (HUMAN)."""
    require_status(c, RUNNING, "T-18.2-i", "record_replacement_supplier_search_failed")
    require(
        service in c.service_suppliers,
        "T-18.2-i",
        f"no cessation of the supplier of {service} is recorded",
    )
    require_active(c, service, "T-18.2-i")
    c.emit(
        ReplacementSupplierSearchFailed,
        ctx,
        ["T-18.2-i"],
        service=service,
        supplier_id=supplier_id,
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


def end_lessor_insurance(c: Contract, ctx: Ctx) -> None:
    """D-31 (Art. 11.4, 18.10, A-18): the Lessor's liability insurance ends once, on the
    date of a dissolution or early termination (and, as T-18.10 reads it [INT], of an end on
    death, theft or total loss: OTHER), else at the hand-in of the Vehicle. Only where the
    Lessor provides it (P-25) and the Vehicle was handed over (it was never insured before)."""
    lessor_insures = c.terms.insurance_mode is InsuranceMode.LESSOR_MTPL_WITH_PROTECTION
    if not lessor_insures or c.start_date is None or c.lessor_insurance_ended_on is not None:
        return
    if c.end_kind in CASCADE_ENDS and c.effective_end_date is not None:
        reason, ended_at = INSURANCE_END_REASONS.get(c.end_kind, "OTHER"), c.effective_end_date
        rules = ["D-31", "T-18.10", "A-18"]
    elif c.returned_on is not None:
        reason, ended_at, rules = "HAND_IN", c.returned_on, ["D-31"]
    else:
        return
    c.emit(
        LessorInsuranceEnded, ctx, rules, policy_ref=c.number, effective_at=ended_at, reason=reason
    )


HANDLERS: Handlers = {
    StopAncillaryService: stop_ancillary_service,
    RecordServiceSupplierCeased: record_service_supplier_ceased,
    RecordReplacementSupplierSearchFailed: record_replacement_supplier_search_failed,
}
