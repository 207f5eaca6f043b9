"""The portal's plain-language timeline (PT-15): one short English sentence per event.

Only events a customer recognises get a sentence; internal ones (ground detection, timers
the customer cannot act on, settlement bookkeeping) get none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.contract.base_events import ContractConcluded
from domain.contract.billing_events import (
    CreditNoteIssued,
    CreditsSetOff,
    FormalNoticeCureDeadlineExpired,
    FormalNoticeSent,
    InstalmentInvoiced,
    PaymentReceived,
    ReceivableIssued,
    RefundPaidToCustomer,
)
from domain.contract.cover_events import (
    AncillaryServiceStopped,
    InsuranceLapseNotified,
    LessorInsuranceEnded,
    ReplacementInsuranceProvided,
)
from domain.contract.formation_events import (
    ContractAdjustmentIssued,
    HandoverSuspended,
    HandoverSuspensionLifted,
    InsuranceProofAccepted,
    VehicleHandedOver,
    VehicleOrdered,
    VehicleReadyForHandoverNotified,
    VehicleSpecificationChanged,
)
from domain.contract.incidents_events import (
    IncidentReported,
    OdometerReported,
    RepairDeadlineMissed,
    ReportingDutyBreached,
    StolenVehicleRecovered,
    TotalLossDeclared,
    TotalLossSettlementComputed,
    VehicleTheftReported,
)
from domain.contract.settlement_events import (
    ContractClosed,
    ReturnInspectionCompleted,
    VehicleReturned,
)
from domain.contract.termination_events import (
    ContractEnded,
    ContractEndSuperseded,
    ContractSuspended,
    ContractSuspensionLifted,
    EarlyTerminationAccepted,
    EarlyTerminationRejected,
)
from projections.views.contract_state import ZERO, Dispatch, amount_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date
    from decimal import Decimal

    from domain.money import Money

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

END_KINDS = {
    "TERM_EXPIRED": "its term expired",
    "KM_CAP": "the kilometre cap was reached",
    "THEFT": "the car was stolen and not recovered",
    "TOTAL_LOSS": "the car was a total loss",
    "NONCONFORMITY_REFUSAL": "the car did not conform to the order",
    "DISSOLVED_AGAINST_CUSTOMER": "it was dissolved by the lessor",
    "DISSOLVED_AGAINST_LESSOR": "you dissolved it",
    "EARLY_TERMINATION": "you terminated it early",
    "DEATH": "of the customer's death",
}

SERVICE_STOP_REASONS = {
    "18.10": "with the end of your contract (Art. 18.10)",
    "18.2(i)": "as its supplier stopped and no other could be found (Art. 18.2(i))",
    "18.2(ii)": "as its part of your instalments was not paid (Art. 18.2(ii))",
    "16.5": "as agreed with you (Art. 16.5)",
}
"""L-33: why an ancillary service stopped, by its ground."""
INSURANCE_END_REASONS = {
    "HAND_IN": "the car was handed in at the end of your contract, Art. 11.4",
    "DISSOLUTION": "your contract was dissolved, Art. 18.10",
    "EARLY_TERMINATION": "your contract ended early, Art. 18.10",
}
"""D-31: why the Lessor's liability insurance ended (OTHER: Art. 11.4 alone)."""


def long_date(d: date) -> str:
    """'12 March 2024'."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def eur(value: Money | Decimal) -> str:
    """'EUR 1,250.00'."""
    return f"EUR {amount_of(value):,.2f}"


def label(code: str) -> str:
    """'FLAT_DAMAGE_FEE' -> 'flat damage fee'."""
    return code.replace("_", " ").lower()


def _invoice(e: InstalmentInvoiced) -> str:
    start, end = e.period_start, e.period_end
    if (start.year, start.month) == (end.year, end.month):
        period = f"{MONTHS[start.month - 1]} {start.year}"
    else:
        period = f"{long_date(start)} to {long_date(end)}"
    return f"Invoice of {eur(e.amount)} for {period} issued."


def _ready(e: VehicleReadyForHandoverNotified) -> str:
    return (
        f"Your car is ready: please collect it by {long_date(e.collection_deadline)} and "
        f"send proof of insurance by {long_date(e.insurance_proof_deadline)}."
    )


def _notice(e: FormalNoticeSent) -> str:
    kind = "A registered formal notice" if e.registered else "A formal notice"
    sent, due = long_date(e.occurred_on), long_date(e.cure_deadline)
    return f"{kind} was sent on {sent}; please pay by {due}."


def _ended(e: ContractEnded) -> str:
    why = END_KINDS.get(e.end_kind, label(e.end_kind))
    text = f"Your contract ended on {long_date(e.effective_end_date)} because {why}."
    if e.return_due_date is not None:
        text += f" Please return the car by {long_date(e.return_due_date)}."
    return text


def _rejected(e: EarlyTerminationRejected) -> str:
    text = f"Your request to end the contract early was refused on {long_date(e.occurred_on)}"
    if e.earliest_date is not None:
        return f"{text}: it can be ended early from {long_date(e.earliest_date)} (Art. 18.6)."
    return f"{text}: a ground for dissolution is open (Art. 18.7)."


def _loss_settled(e: TotalLossSettlementComputed) -> str:
    """M-18: what the loss came to against the remaining capital."""
    text = (
        f"The loss of your car was settled: remaining capital {eur(e.remaining_capital)},"
        f" paid by the insurer {eur(e.insurer_payout)}"
    )
    if e.protection_waived.is_positive:
        text += f", covered by Protection {eur(e.protection_waived)}"
    return text + " (Art. 7.8, 11.1)."


def _on(template: str) -> Callable[[Any], str]:
    """A sentence that only needs the business date: '... on {on}.'."""
    return lambda e: template.format(on=long_date(e.occurred_on))


SENTENCES: Dispatch[Callable[[Any], str]] = Dispatch(
    {
        ContractConcluded: lambda e: (
            f"Your lease contract {e.terms.contract_number} was concluded on "
            f"{long_date(e.occurred_on)}."
        ),
        VehicleSpecificationChanged: _on("Your car's specification was changed on {on}."),
        VehicleOrdered: _on("Your car was ordered on {on}."),
        VehicleReadyForHandoverNotified: _ready,
        InsuranceProofAccepted: _on("Your proof of insurance was accepted on {on}."),
        HandoverSuspended: _on("The handover of your car was suspended on {on}."),
        HandoverSuspensionLifted: _on("The handover of your car was resumed on {on}."),
        VehicleHandedOver: _on("Your car was handed over on {on}."),
        InstalmentInvoiced: _invoice,
        ReceivableIssued: lambda e: f"Debit note of {eur(e.amount)} issued: {label(e.category())}.",
        CreditNoteIssued: lambda e: f"Credit note of {eur(e.amount)} issued: {label(e.reason)}.",
        PaymentReceived: lambda e: (
            f"Payment of {eur(e.amount)} received on {long_date(e.occurred_on)}."
        ),
        CreditsSetOff: lambda e: (
            f"Credits of {eur(sum((amount_of(s['amount']) for s in e.sources), ZERO))} "
            "were set off against open items."
        ),
        RefundPaidToCustomer: lambda e: (
            f"{eur(e.amount)} was refunded to you on {long_date(e.occurred_on)}."
        ),
        FormalNoticeSent: _notice,
        FormalNoticeCureDeadlineExpired: lambda e: (
            f"The formal notice's payment deadline passed with {eur(e.unpaid_total)} unpaid."
        ),
        OdometerReported: lambda e: (
            f"Odometer reading of {e.reading:,} km recorded on {long_date(e.occurred_on)}."
        ),
        ContractAdjustmentIssued: lambda e: (
            f"Your contract was adjusted from {long_date(e.effective_from)}."
        ),
        IncidentReported: lambda e: f"Damage on {long_date(e.incident_on)} was reported.",
        AncillaryServiceStopped: lambda e: (
            f"{e.service.replace('_', ' ').capitalize()} stopped on"
            f" {long_date(e.effective_on)}, {SERVICE_STOP_REASONS.get(e.ground, e.ground)}."
        ),
        InsuranceLapseNotified: lambda e: (
            f"Your {e.policy_type.lower().replace('_', ' ')} cover was reported as"
            f" {e.lapse_type.lower().replace('_', ' ')}: replacement cover is due by"
            f" {long_date(e.replacement_deadline)} (Art. 11.5)."
        ),
        ReplacementInsuranceProvided: _on("Replacement insurance cover was recorded on {on}."),
        LessorInsuranceEnded: lambda e: (
            f"The liability insurance we provided ended on {long_date(e.effective_at)}"
            f" ({INSURANCE_END_REASONS.get(e.reason, 'Art. 11.4')})."
        ),
        RepairDeadlineMissed: lambda e: (
            f"The repair of the damage reported as {e.defect_incident_id} was due by"
            f" {long_date(e.due_date)} and is not recorded as done (Art. 8.2)."
        ),
        ReportingDutyBreached: lambda e: (
            f"What happened on {long_date(e.happened_on)} was reported after the 24-hour"
            f" limit ({long_date(e.due_by)}, Art. 9)."
        ),
        VehicleTheftReported: lambda e: (
            f"The theft of your car on {long_date(e.theft_date)} was reported."
        ),
        StolenVehicleRecovered: _on("Your stolen car was recovered on {on}."),
        TotalLossDeclared: lambda e: (
            f"Your car was declared a total loss ({long_date(e.event_date)})."
        ),
        TotalLossSettlementComputed: _loss_settled,
        ContractSuspended: _on("Your contract was suspended on {on}."),
        ContractSuspensionLifted: _on("The suspension of your contract was lifted on {on}."),
        EarlyTerminationAccepted: _on(
            "Your request to end the contract early was accepted on {on}."
        ),
        EarlyTerminationRejected: _rejected,
        ContractEnded: _ended,
        ContractEndSuperseded: lambda e: (
            f"The end of your contract was corrected to {long_date(e.new_effective_end_date)}."
        ),
        VehicleReturned: _on("Your car was returned on {on}."),
        ReturnInspectionCompleted: lambda e: (
            f"The return inspection was completed on {long_date(e.occurred_on)} "
            f"(odometer {e.odometer:,} km)."
        ),
        ContractClosed: _on("Your contract was closed on {on}."),
    }
)


def sentence(event: object) -> str | None:
    """The timeline sentence of a customer-relevant event, else None."""
    render = SENTENCES.get(event)
    return None if render is None else render(event)
