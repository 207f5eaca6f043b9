"""Commands of a PortalAccount on its content and standing: documents, secure messages,
usage violations, transfer of the terms, external agreements, customer status."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.portal import content_events as ev
from domain.portal.base import AccountState
from domain.portal.events import PortalAccessRevoked
from domain.portal.values import (
    AccessState,
    Action,
    Direction,
    Measure,
    RevocationReason,
    Severity,
)

if TYPE_CHECKING:
    from datetime import date, datetime

    from domain.portal.values import (
        AgreementKind,
        Channel,
        CustomerStatus,
        DocumentType,
        ProhibitedUse,
    )


class AccountContent(AccountState):
    """The content commands; registration and access are in `account.PortalAccount`."""

    def publish_document(
        self,
        document_id: str,
        doc_type: DocumentType,
        contract_id: str,
        content_hash: str,
        at: datetime,
    ) -> None:
        """PT-15, PT-17: show a document, fixed by its hash. The same document again records
        nothing; the same id with other content is refused (stored versions never change)."""
        known = self.documents.get(document_id)
        if known == content_hash:
            return
        if known is not None:
            self.refuse("PT-17", "document_immutable", document_id)
        self.record(
            ev.DocumentPublished,
            at,
            document_id=document_id,
            type=doc_type,
            contract_id=contract_id,
            content_hash=content_hash,
        )

    def send_message(
        self,
        thread_id: str,
        direction: Direction,
        content_hash: str,
        at: datetime,
        channel: Channel,
        contract_id: str | None = None,
        pending_terms: str | None = None,
    ) -> None:
        """PT-15, PT-16: a secure message. The Customer's needs an active account with the
        terms accepted (PT-13) and is audited (PT-08); the Lessor may write to any account
        that registered or began to."""
        if direction is Direction.CUSTOMER_TO_LESSOR:
            self.require_active()
            self.require_terms_free(Action.SEND_MESSAGE, pending_terms)
        elif self.access is AccessState.NOT_REGISTERED:
            self.refuse("PT-15", "not_registered")
        self.record(
            ev.SecureMessageSent,
            at,
            thread_id=thread_id,
            direction=direction,
            contract_id=contract_id,
            content_hash=content_hash,
        )
        if direction is Direction.CUSTOMER_TO_LESSOR:
            self.audit(Action.SEND_MESSAGE, thread_id, at, channel)

    def record_violation(
        self, violation_id: str, rule: ProhibitedUse, severity: Severity, at: datetime
    ) -> None:
        """PT-20: record a breach of the usage rules (once per id)."""
        if violation_id in self.violations:
            self.refuse("PT-20", "violation_exists", violation_id)
        self.record(
            ev.PortalUsageViolationRecorded,
            at,
            violation_id=violation_id,
            rule=rule,
            severity=severity,
        )

    def take_measure(self, violation_id: str, measure: Measure, at: datetime) -> None:
        """PT-20: a measure against a recorded violation; revoking access is proportionate
        only to a SEVERE one (and records PortalAccessRevoked{MISUSE})."""
        violation = self.violations.get(violation_id)
        if violation is None:
            self.refuse("PT-20", "unknown_violation", violation_id)
        revokes = measure is Measure.ACCESS_REVOKED
        if revokes and violation.severity is not Severity.SEVERE:
            self.refuse("PT-20", "disproportionate_measure", violation.severity.value)
        self.record(ev.PortalMeasureTaken, at, violation_id=violation_id, measure=measure)
        if revokes:
            self.record(PortalAccessRevoked, at, reason=RevocationReason.MISUSE)

    def notify_transfer(self, transferee_ref: str, at: datetime) -> None:
        """PT-24: tell the Customer in advance of a transfer of the terms; ask consent."""
        if transferee_ref in self.transfers:
            self.refuse("PT-24", "transfer_already_notified", transferee_ref)
        self.record(ev.PortalTransferNotified, at, transferee_ref=transferee_ref)

    def answer_transfer(
        self, transferee_ref: str, *, consent: bool, at: datetime, channel: Channel
    ) -> None:
        """PT-24: the Customer's answer to a notified transfer (once; audited, PT-08)."""
        if transferee_ref not in self.transfers:
            self.refuse("PT-24", "transfer_not_notified", transferee_ref)
        if self.transfers[transferee_ref] is not None:
            self.refuse("PT-24", "transfer_already_answered", transferee_ref)
        event = ev.PortalTransferConsentGiven if consent else ev.PortalTransferConsentRefused
        self.record(event, at, transferee_ref=transferee_ref)
        self.audit(Action.TRANSFER_CONSENT, transferee_ref, at, channel)

    def register_external_agreement(
        self, agreement_id: str, kind: AgreementKind, at: datetime
    ) -> None:
        """PT-01: an agreement from another system; a redelivery records nothing."""
        if agreement_id not in self.agreements:
            self.record(ev.ExternalAgreementRegistered, at, agreement_id=agreement_id, type=kind)

    def end_external_agreement(self, agreement_id: str, ended_on: date, at: datetime) -> None:
        """PT-03, A-39: that agreement ended on `ended_on`, recorded on `at`'s day."""
        agreement = self.agreements.get(agreement_id)
        if agreement is None:
            self.refuse("PT-01", "unknown_agreement", agreement_id)
        if agreement.ended_on == ended_on:
            return
        self.record(
            ev.ExternalAgreementEnded, at, agreement_id=agreement_id, effective_end_date=ended_on
        )

    def record_customer_status(self, status: CustomerStatus, at: datetime) -> None:
        """PT-22: consumer or business user (recorded when it changes)."""
        if status is not self.customer_status:
            self.record(ev.CustomerStatusRecorded, at, status=status)
