"""Formation, order and handover of the Vehicle (RULES 3.2 L-02..L-09, D-08, D-09)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from domain.calendar import ONE_DAY, contractual_end_date, deadline_in_days, deadline_in_months
from domain.contract.command import Command, bounded
from domain.contract.formation_events import (
    CustomerWithdrawalIntentRecorded,
    HandoverRefusalAssessed,
    HandoverSuspended,
    HandoverSuspensionLifted,
    InsuranceProofAccepted,
    InsuranceProofDeadlineExpired,
    VehicleCollectionDeadlineExpired,
    VehicleHandedOver,
    VehicleHandoverRefused,
    VehicleOrdered,
    VehicleReadyForHandoverNotified,
    VehicleSpecificationChanged,
)
from domain.contract.guards import require, require_status
from domain.money import Money
from domain.values import ContractStatus, InsuranceMode

if TYPE_CHECKING:
    from datetime import date

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

COLLECTION_DAYS = 14  # D-08 / P-47
INSURANCE_PROOF_MONTHS = 1  # D-09 / P-47
HANDOVER_SUSPENSION_GROUNDS = frozenset(
    {
        "GUARANTEE_MISSING",
        "INSURANCE_DATA_MISSING",
        "DEFAULT_OTHER_CONTRACT",
        "TRUST_SHAKEN",
        "INFORMATION_WITHHELD",
    }
)
"""L-05 (Art. 4.5)."""

PRE_HANDOVER = (
    ContractStatus.CONCLUDED,
    ContractStatus.ORDERED,
    ContractStatus.READY_FOR_HANDOVER,
    ContractStatus.HANDOVER_SUSPENDED,
)


@dataclass(frozen=True)
class OrderVehicle(Command):
    """The Lessor orders the Vehicle from the supplier."""

    name: ClassVar[str] = "order_vehicle"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-02",)


@dataclass(frozen=True)
class NotifyVehicleReady(Command):
    """The Vehicle is ready: the collection and insurance-proof timers start."""

    name: ClassVar[str] = "notify_vehicle_ready"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-04", "D-08", "D-09")


@dataclass(frozen=True)
class SubmitInsuranceProof(Command):
    """The Customer's proof of insurance is accepted."""

    name: ClassVar[str] = "submit_insurance_proof"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-07", "D-09")


@dataclass(frozen=True)
class SuspendHandover(Command):
    """The Lessor suspends the handover on a ground of Art. 4.5 or an open 18.3 ground."""

    name: ClassVar[str] = "suspend_handover"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-05", "T-4.5")
    ground: str = bounded()


@dataclass(frozen=True)
class LiftHandoverSuspension(Command):
    """The handover suspension ends; the paused timers resume."""

    name: ClassVar[str] = "lift_handover_suspension"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-06", "D-08", "D-09")


@dataclass(frozen=True)
class HandOverVehicle(Command):
    """The Handover Form is signed at this odometer reading: the contract starts."""

    name: ClassVar[str] = "hand_over"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-07", "G-11", "M-02", "D-05")
    odometer: int = bounded()
    rented_storage: bool = bounded(False)
    """D-05 checklist: the Vehicle will be kept in rented premises (Art. 9.4)."""
    landlord_informed: bool = bounded(False)
    """D-05 checklist: the landlord was told in time that the Lessor owns the Vehicle."""


@dataclass(frozen=True)
class RefuseHandover(Command):
    """The Customer refuses the Vehicle; `founded` is the Lessor's assessment."""

    name: ClassVar[str] = "refuse_handover"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-08", "L-09", "T-4.4", "T-18.3-i")
    founded: bool = bounded()
    reason: str = bounded("", max_length=2000)


@dataclass(frozen=True)
class ChangeVehicleSpecification(Command):
    """A new specification before delivery, with new Special Conditions."""

    name: ClassVar[str] = "change_vehicle_specification"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-03", "P-05")
    instalment: Money = bounded()
    invested_capital: Money = bounded()
    special_conditions_id: str = bounded()


@dataclass(frozen=True)
class RecordWithdrawalIntent(Command):
    """The Customer wishes to withdraw before delivery (ground 18.3(xi))."""

    name: ClassVar[str] = "record_withdrawal_intent"
    rule_ids: ClassVar[tuple[str, ...]] = ("L-29", "T-18.3-xi", "A-20")
    channel: str = bounded()


def order_vehicle(c: Contract, ctx: Ctx) -> None:
    """L-02: the Lessor orders the Vehicle from the supplier."""
    require_status(c, {ContractStatus.CONCLUDED}, "L-02", "order_vehicle")
    c.emit(VehicleOrdered, ctx, ["L-02"])


def notify_vehicle_ready(c: Contract, ctx: Ctx) -> None:
    """L-04: ready notice; starts the D-08 and D-09 timers (customer-side, rolled forward)."""
    require_status(c, {ContractStatus.ORDERED}, "L-04", "notify_vehicle_ready")
    c.emit(
        VehicleReadyForHandoverNotified,
        ctx,
        ["L-04", "D-08", "D-09"],
        collection_deadline=deadline_in_days(ctx.on, COLLECTION_DAYS, roll=True),
        insurance_proof_deadline=deadline_in_months(ctx.on, INSURANCE_PROOF_MONTHS, roll=True),
    )


def accept_insurance_proof(c: Contract, ctx: Ctx) -> None:
    """L-07(a), D-09: the Lessor accepts the Customer's proof of insurance (Art. 11.3)."""
    require_status(c, PRE_HANDOVER, "L-07", "submit_insurance_proof")
    require(not c.insurance_proof_accepted, "L-07", "insurance proof already accepted")
    c.emit(InsuranceProofAccepted, ctx, ["L-07", "D-09"])


def suspend_handover(c: Contract, ctx: Ctx, *, ground: str) -> None:
    """L-05: the Lessor suspends the handover on an Art. 4.5 ground. T-4.5: the facts of an
    Art. 18.3 ground allow it too, so an open 18.3 ground of the contract (e.g. "18.3(vii)",
    a guarantee lost before delivery) is also accepted as the ground."""
    require_status(c, {ContractStatus.READY_FOR_HANDOVER}, "L-05", "suspend_handover")
    open_18_3 = {g.ground for g in c.open_grounds() if g.ground.startswith("18.3(")}
    require(
        ground in HANDOVER_SUSPENSION_GROUNDS or ground in open_18_3,
        "L-05",
        f"unknown handover ground {ground} (an Art. 4.5 ground or an open 18.3 ground, T-4.5)",
    )
    c.emit(
        HandoverSuspended, ctx, ["L-05", *(["T-4.5"] if ground in open_18_3 else [])], ground=ground
    )


def lift_handover_suspension(c: Contract, ctx: Ctx) -> None:
    """L-06."""
    require_status(c, {ContractStatus.HANDOVER_SUSPENDED}, "L-06", "lift_handover_suspension")
    paused = (ctx.on - (c.handover_suspended_on or ctx.on)).days
    c.emit(
        HandoverSuspensionLifted,
        ctx,
        ["L-06", "D-08", "D-09"],
        collection_deadline=_resumed(c.collection_deadline, paused),
        insurance_proof_deadline=_resumed(c.insurance_proof_deadline, paused),
    )


def _resumed(deadline: date | None, paused_days: int) -> date | None:
    """L-06 [GAP]: a paused customer-side timer resumes with its remaining time (rolled)."""
    return None if deadline is None else deadline_in_days(deadline, paused_days, roll=True)


def hand_over(
    c: Contract,
    ctx: Ctx,
    *,
    odometer: int,
    rented_storage: bool = False,
    landlord_informed: bool = False,
) -> None:
    """L-07: the Handover Form is signed; the Start Date is fixed (G-11).

    D-05 (Art. 9.4): the form's checklist records whether the Vehicle is kept in rented
    premises and, if so, whether the landlord was told by now that the Lessor owns it. [INT]
    Not telling the landlord is a HUMAN breach (it does not stop the handover); the Lessor
    may record it as a ground fact (OBLIGATION_BREACHED, T-18.3-vi)."""
    require_status(c, {ContractStatus.READY_FOR_HANDOVER}, "L-07", "hand_over")
    own_insurance = c.terms.insurance_mode is InsuranceMode.CUSTOMER_OWN
    require(
        c.insurance_proof_accepted or not own_insurance,
        "L-07",
        "no accepted proof of insurance (Art. 11.3)",
    )
    require(odometer >= 0, "L-07", f"odometer at handover must not be negative, got {odometer}")
    c.emit(
        VehicleHandedOver,
        ctx,
        ["L-07", "G-11", "M-02", *(["D-05"] if rented_storage else [])],
        rented_storage=rented_storage,
        landlord_informed=rented_storage and landlord_informed,
        start_date=ctx.on,
        odometer_at_handover=odometer,
        contractual_end_date=contractual_end_date(ctx.on, c.terms.term_months),
    )


def refuse_handover(c: Contract, ctx: Ctx, *, founded: bool, reason: str) -> None:
    """L-08/L-09: the Customer refuses the Vehicle; the Lessor's assessment follows."""
    require_status(c, {ContractStatus.READY_FOR_HANDOVER}, "L-08", "refuse_handover")
    c.emit(VehicleHandoverRefused, ctx, ["L-08", "L-09"], reason=reason)
    rule = "L-08" if founded else "L-09"
    c.emit(
        HandoverRefusalAssessed, ctx, [rule, "T-4.4" if founded else "T-18.3-i"], founded=founded
    )


def process_deadlines(c: Contract, ctx: Ctx) -> None:
    """D-08/D-09 timers: expired without handover or proof (paused while suspended, L-05)."""
    if c.status is not ContractStatus.READY_FOR_HANDOVER:
        return
    if (
        c.collection_deadline
        and ctx.on > c.collection_deadline
        and "D-08" not in c.expired_deadlines
    ):
        c.emit(
            VehicleCollectionDeadlineExpired,
            ctx.at(c.collection_deadline + ONE_DAY),
            ["D-08", "T-18.3-i"],
            deadline_id="D-08",
            deadline=c.collection_deadline,
        )
    proof_needed = c.terms.insurance_mode is InsuranceMode.CUSTOMER_OWN
    deadline = c.insurance_proof_deadline
    expired = deadline is not None and ctx.on > deadline and "D-09" not in c.expired_deadlines
    if proof_needed and not c.insurance_proof_accepted and deadline is not None and expired:
        c.emit(
            InsuranceProofDeadlineExpired,
            ctx.at(deadline + ONE_DAY),
            ["D-09", "T-18.3-i"],
            deadline_id="D-09",
            deadline=deadline,
        )


def change_vehicle_specification(
    c: Contract, ctx: Ctx, *, instalment: Money, invested_capital: Money, special_conditions_id: str
) -> None:
    """L-03: a new specification before delivery; new instalment and Invested Capital."""
    require_status(
        c,
        {ContractStatus.CONCLUDED, ContractStatus.ORDERED},
        "L-03",
        "change_vehicle_specification",
    )
    require(bool(special_conditions_id.strip()), "L-03", "new Special Conditions are required")
    terms = replace(c.terms, instalment_amount=instalment, invested_capital=invested_capital)
    terms.validate()
    c.emit(
        VehicleSpecificationChanged,
        ctx,
        ["L-03", "P-05"],
        terms=terms,
        special_conditions_id=special_conditions_id,
    )


def record_withdrawal_intent(c: Contract, ctx: Ctx, *, channel: str) -> None:
    """L-29: no right to cancel before delivery; the wish is ground 18.3(xi) (A-20)."""
    require_status(c, PRE_HANDOVER, "L-29", "record_withdrawal_intent")
    require(c.withdrawal_intent_on is None, "L-29", "withdrawal intent already recorded")
    c.emit(CustomerWithdrawalIntentRecorded, ctx, ["L-29", "T-18.3-xi", "A-20"], channel=channel)


HANDLERS: Handlers = {
    OrderVehicle: order_vehicle,
    NotifyVehicleReady: notify_vehicle_ready,
    SubmitInsuranceProof: accept_insurance_proof,
    SuspendHandover: suspend_handover,
    LiftHandoverSuspension: lift_handover_suspension,
    HandOverVehicle: hand_over,
    RefuseHandover: refuse_handover,
    ChangeVehicleSpecification: change_vehicle_specification,
    RecordWithdrawalIntent: record_withdrawal_intent,
}
