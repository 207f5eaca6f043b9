"""Events of a PortalAccount about its content and standing: documents, secure messages,
usage violations, transfer of the terms, external agreements, customer status (RULES 9.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date  # noqa: TC003 - event annotations are read at run time
from typing import TYPE_CHECKING

from domain.portal.eligibility import Agreement
from domain.portal.events import PortalEvent
from domain.portal.values import (
    AgreementKind,
    CustomerStatus,
    Direction,
    DocumentType,
    Measure,
    ProhibitedUse,
    Severity,
)

if TYPE_CHECKING:
    from datetime import datetime

    from domain.portal.account import PortalAccount


@dataclass(frozen=True)
class Message:
    """One secure message of a thread, as stored (PT-15, PT-17: only its hash)."""

    direction: Direction
    content_hash: str
    contract_id: str | None
    at: datetime


@dataclass(frozen=True)
class Violation:
    """A recorded breach of the usage rules (PT-20)."""

    kind: ProhibitedUse
    severity: Severity


class DocumentPublished(PortalEvent):
    """PT-15, PT-17: a document is on the portal, fixed by its content hash."""

    document_id: str
    type: DocumentType
    contract_id: str
    content_hash: str

    def apply_to(self, a: PortalAccount) -> None:
        a.documents = {**a.documents, self.document_id: self.content_hash}


class SecureMessageSent(PortalEvent):
    """PT-15, PT-16: a secure message in a thread (a written communication, A-36)."""

    thread_id: str
    direction: Direction
    contract_id: str | None
    content_hash: str

    def apply_to(self, a: PortalAccount) -> None:
        entry = Message(Direction(self.direction), self.content_hash, self.contract_id, self.at)
        a.threads = {**a.threads, self.thread_id: [*a.threads.get(self.thread_id, []), entry]}


class PortalUsageViolationRecorded(PortalEvent):
    """PT-20: the Lessor recorded a breach of the usage rules."""

    violation_id: str
    rule: ProhibitedUse
    severity: Severity

    def apply_to(self, a: PortalAccount) -> None:
        a.violations = {
            **a.violations,
            self.violation_id: Violation(ProhibitedUse(self.rule), Severity(self.severity)),
        }


class PortalMeasureTaken(PortalEvent):
    """PT-20: a measure proportionate to a recorded violation."""

    violation_id: str
    measure: Measure

    def apply_to(self, a: PortalAccount) -> None:
        a.measures = [*a.measures, Measure(self.measure)]


class _TransferEvent(PortalEvent):
    transferee_ref: str


class PortalTransferNotified(_TransferEvent):
    """PT-24: the Customer was told by e-mail of a transfer of the terms, consent asked."""

    def apply_to(self, a: PortalAccount) -> None:
        a.transfers = {**a.transfers, self.transferee_ref: None}


class PortalTransferConsentGiven(_TransferEvent):
    """PT-24: the Customer agreed to the transfer."""

    def apply_to(self, a: PortalAccount) -> None:
        a.transfers = {**a.transfers, self.transferee_ref: True}


class PortalTransferConsentRefused(_TransferEvent):
    """PT-24: the Customer refused the transfer."""

    def apply_to(self, a: PortalAccount) -> None:
        a.transfers = {**a.transfers, self.transferee_ref: False}


class ExternalAgreementRegistered(PortalEvent):
    """PT-01: a financing (or other-system) agreement of the Customer began."""

    agreement_id: str
    type: AgreementKind

    def apply_to(self, a: PortalAccount) -> None:
        a.agreements = {
            **a.agreements,
            self.agreement_id: Agreement(self.agreement_id, AgreementKind(self.type)),
        }


class ExternalAgreementEnded(PortalEvent):
    """PT-03, A-39: that agreement ended (recorded on the day of `at`)."""

    agreement_id: str
    effective_end_date: date

    def apply_to(self, a: PortalAccount) -> None:
        kind = a.agreements[self.agreement_id].kind
        ended = Agreement(self.agreement_id, kind, self.effective_end_date, self.at.date())
        a.agreements = {**a.agreements, self.agreement_id: ended}


class CustomerStatusRecorded(PortalEvent):
    """PT-22: the Customer is a consumer or a business user."""

    status: CustomerStatus

    def apply_to(self, a: PortalAccount) -> None:
        a.customer_status = CustomerStatus(self.status)
