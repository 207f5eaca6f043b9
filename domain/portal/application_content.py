"""The PortalApplication's commands on login, audit, access and content (one per command;
each loads the account, lets it decide and saves, through `_decide`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.portal.terms import terms_gate

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date, datetime

    from domain.portal import values as v
    from domain.portal.account import PortalAccount
    from domain.portal.eligibility import Agreement
    from domain.portal.terms import PortalTermsCatalogue


class PortalContentCommands:
    """Mixed into `PortalApplication`, which provides `_decide` and `terms`."""

    if TYPE_CHECKING:

        def _decide(
            self,
            customer_number: str,
            at: datetime,
            command: Callable[[PortalAccount], Any],
            *,
            create: bool = False,
        ) -> PortalAccount: ...

        def terms(self) -> PortalTermsCatalogue: ...

    def _pending(self, account: PortalAccount, today: date) -> str | None:
        pending = terms_gate(account, self.terms(), today)
        return None if pending is None else pending.version

    # --- login and audit (PT-06, PT-08, PT-09, D-38) ------------------------------------

    def login_succeeded(
        self, customer_number: str, at: datetime, channel: v.Channel
    ) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.login_succeeded(at, channel))

    def login_failed(self, customer_number: str, at: datetime, channel: v.Channel) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.login_failed(at, channel))

    def perform(
        self,
        customer_number: str,
        action: v.Action,
        target_ref: str,
        at: datetime,
        channel: v.Channel,
    ) -> PortalAccount:
        """PT-08: audit an action; refused while terms wait for acceptance (PT-13)."""

        def act(a: PortalAccount) -> None:
            a.performed(action, target_ref, at, channel, self._pending(a, at.date()))

        return self._decide(customer_number, at, act)

    def report_suspicious_access(
        self, customer_number: str, at: datetime, channel: v.Channel, description: str
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.report_suspicious_access(at, channel, description)
        )

    # --- access (PT-03, PT-20, staff) ---------------------------------------------------

    def revoke(
        self, customer_number: str, reason: v.RevocationReason, at: datetime
    ) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.revoke(reason, at))

    def restore(self, customer_number: str, at: datetime) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.restore(at))

    def expire_access(
        self, customer_number: str, today: date, contracts: Sequence[Agreement], at: datetime
    ) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.expire_access(today, contracts, at))

    # --- content (PT-15..PT-17, PT-20, PT-22, PT-24) ------------------------------------

    def send_message(
        self,
        customer_number: str,
        thread_id: str,
        direction: v.Direction,
        content_hash: str,
        at: datetime,
        channel: v.Channel,
        contract_id: str | None = None,
    ) -> PortalAccount:
        def send(a: PortalAccount) -> None:
            pending = self._pending(a, at.date())
            a.send_message(thread_id, direction, content_hash, at, channel, contract_id, pending)

        return self._decide(customer_number, at, send)

    def publish_document(
        self,
        customer_number: str,
        document_id: str,
        doc_type: v.DocumentType,
        contract_id: str,
        content_hash: str,
        at: datetime,
    ) -> PortalAccount:
        return self._decide(
            customer_number,
            at,
            lambda a: a.publish_document(document_id, doc_type, contract_id, content_hash, at),
            create=True,
        )

    def record_violation(
        self,
        customer_number: str,
        violation_id: str,
        rule: v.ProhibitedUse,
        severity: v.Severity,
        at: datetime,
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.record_violation(violation_id, rule, severity, at)
        )

    def take_measure(
        self, customer_number: str, violation_id: str, measure: v.Measure, at: datetime
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.take_measure(violation_id, measure, at)
        )

    def notify_transfer(
        self, customer_number: str, transferee_ref: str, at: datetime
    ) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.notify_transfer(transferee_ref, at))

    def answer_transfer(
        self,
        customer_number: str,
        transferee_ref: str,
        at: datetime,
        channel: v.Channel,
        *,
        consent: bool,
    ) -> PortalAccount:
        return self._decide(
            customer_number,
            at,
            lambda a: a.answer_transfer(transferee_ref, consent=consent, at=at, channel=channel),
        )

    def register_external_agreement(
        self, customer_number: str, agreement_id: str, kind: v.AgreementKind, at: datetime
    ) -> PortalAccount:
        """PT-01: opens the account if needed (the Customer may never have registered)."""
        return self._decide(
            customer_number,
            at,
            lambda a: a.register_external_agreement(agreement_id, kind, at),
            create=True,
        )

    def end_external_agreement(
        self, customer_number: str, agreement_id: str, ended_on: date, at: datetime
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.end_external_agreement(agreement_id, ended_on, at)
        )

    def record_customer_status(
        self, customer_number: str, status: v.CustomerStatus, at: datetime
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.record_customer_status(status, at), create=True
        )
