"""What a logged-in customer does (PT-08, PT-09, PT-15..PT-17): messages, documents, reports.

A secure message's text stays in `portal_messages`; the account records its hash. A message
that carries an odometer reading also becomes the contract command an integration sends
(`report_odometer`, PT-16, A-36), on the customer's own contract only. A document the
customer opens is published to the account once with the hash of its content (PT-17).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.contract import Contract, Ctx
from domain.contract.incidents import ReportOdometer
from domain.policy import STANDARD_POLICY
from domain.portal.account import PortalAccount
from domain.portal.values import Action, Channel, Direction, DocumentType, PortalRefusal
from infra.portal.notifications import Notification

if TYPE_CHECKING:
    from datetime import date, datetime

    from domain.policy import LessorPolicy
    from infra.portal.backend import PortalBackend

TRANSFER_TEMPLATE = "portal-transfer"
DOCUMENT_TYPES = {
    "INVOICE": DocumentType.INVOICE,
    "CREDIT_NOTE": DocumentType.CREDIT_NOTE,
    "DEBIT_NOTE": DocumentType.DEBIT_NOTE,
}


MUTABLE = frozenset({"open"})
"""What changes on a document after it is issued (payments): not part of its hash."""


def document_hash(document: dict[str, Any]) -> str:
    """PT-17: the SHA-256 of a document's issued content (canonical JSON, without what
    payments change later)."""
    issued = {k: v for k, v in document.items() if k not in MUTABLE}
    body = json.dumps(issued, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class OdometerReport:
    """PT-16: a written odometer reading carried by a message."""

    contract_number: str
    odometer: int
    on: date


@dataclass(frozen=True)
class SelfService:
    """The logged-in customer's actions on a back end."""

    backend: PortalBackend

    def perform(self, customer_number: str, action: Action, target: str, at: datetime) -> None:
        """PT-08: the audit trail (PortalRefusal PT-13 while new terms wait)."""
        self.backend.app.perform(customer_number, action, target, at, Channel.WEB)

    def send_message(
        self,
        customer_number: str,
        text: str,
        at: datetime,
        contract_number: str | None = None,
        odometer: OdometerReport | None = None,
        policy: LessorPolicy | None = None,
    ) -> str:
        """PT-15, PT-16: a new thread from the customer; returns its id. With `odometer`,
        the reading goes to the contract as `report_odometer` first (its refusal, e.g. a
        reading below the last one, refuses the message: nothing is stored)."""
        numbers = self.backend.contract_numbers(customer_number)
        if contract_number is not None and contract_number not in numbers:
            raise PortalRefusal("PT-15", "not_your_contract", contract_number)
        if odometer is not None:
            if odometer.contract_number not in numbers:
                raise PortalRefusal("PT-16", "not_your_contract", odometer.contract_number)
            self._report_odometer(customer_number, odometer, policy)
            contract_number = odometer.contract_number
        thread_id = str(uuid.uuid4())
        return self._store(
            customer_number, thread_id, Direction.CUSTOMER_TO_LESSOR, text, at, contract_number
        )

    def answer(self, customer_number: str, thread_id: str, text: str, at: datetime) -> None:
        """Staff answer a thread of the customer (LESSOR_TO_CUSTOMER)."""
        threads = self.backend.messages.threads(customer_number)
        if thread_id not in threads:
            raise PortalRefusal("PT-15", "unknown_thread", thread_id)
        first = threads[thread_id][0]
        self._store(
            customer_number,
            thread_id,
            Direction.LESSOR_TO_CUSTOMER,
            text,
            at,
            first.contract_number,
        )

    def _store(
        self,
        customer_number: str,
        thread_id: str,
        direction: Direction,
        text: str,
        at: datetime,
        contract_number: str | None,
    ) -> str:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        contract_id = (
            str(Contract.create_id(contract_number)) if contract_number is not None else None
        )
        self.backend.app.send_message(
            customer_number, thread_id, direction, digest, at, Channel.WEB, contract_id
        )
        self.backend.messages.add(
            customer_number, thread_id, direction.value, text, at, contract_number
        )
        return thread_id

    def _report_odometer(
        self,
        customer_number: str,
        report: OdometerReport,
        policy: LessorPolicy | None,
    ) -> None:
        contracts = self.backend.contracts
        if contracts is None:
            raise PortalRefusal("PT-16", "read_only", "the portal cannot send commands here")
        ctx = Ctx(
            on=report.on,
            actor=f"CUSTOMER:{customer_number}",
            causation_id=str(uuid.uuid4()),
            policy=policy or STANDARD_POLICY,
        )
        contracts.execute(report.contract_number, ReportOdometer(odometer=report.odometer), ctx)

    def opened_document(self, customer_number: str, document: dict[str, Any], at: datetime) -> str:
        """PT-15, PT-17: a numbered document (a row of the `invoices` view) the customer
        opens: published to the account once with its hash, the view audited. Returns
        the hash."""
        digest = document_hash(document)
        account = self.backend.app.account(customer_number)
        number = str(document["number"])
        if account is not None and number not in account.documents:
            kind = DOCUMENT_TYPES.get(str(document.get("kind", "")), DocumentType.OTHER)
            self.backend.app.publish_document(
                customer_number, number, kind, str(document["contract_id"]), digest, at
            )
        self.perform(customer_number, Action.VIEW_DOCUMENT, number, at)
        return digest

    def notify_transfer(self, customer_number: str, transferee_ref: str, at: datetime) -> None:
        """PT-24: recorded on the account, and e-mailed to the address on record."""
        self.backend.app.notify_transfer(customer_number, transferee_ref, at)
        contact = self.backend.contacts.get(customer_number)
        if contact is not None:
            self.backend.outbox.add(
                Notification.new(
                    "EMAIL",
                    contact.email,
                    TRANSFER_TEMPLATE,
                    contact.language,
                    {"transferee_ref": transferee_ref},
                    customer_number,
                    at,
                )
            )

    def answer_transfer(
        self, customer_number: str, transferee_ref: str, at: datetime, *, consent: bool
    ) -> None:
        """PT-24: the customer's consent, or refusal, to the transfer of the portal terms."""
        self.backend.app.answer_transfer(
            customer_number, transferee_ref, at, Channel.WEB, consent=consent
        )

    def report_suspicious(self, customer_number: str, description: str, at: datetime) -> None:
        """PT-09, D-38: recorded, the password voided and every session ended."""
        backend = self.backend
        backend.app.report_suspicious_access(customer_number, at, Channel.WEB, description)
        account_id = PortalAccount.create_id(customer_number)
        backend.passwords.reset(account_id)
        backend.personal.release_username(account_id)
        backend.sessions.end_all(account_id)
