"""The PortalAccount aggregate: one per customer number (RULES 7, 9.8).

Commands validate, then record; a refusal raises `PortalRefusal(rule, code)` and records
nothing. The account is opened (`open`) before registration so that agreements from other
systems (PT-01) can be kept for a Customer who never registered.

Registration (PT-04) is a strict sequence of `Stage`s. After `PortalCredentialsReset`
(PT-09) the stage returns to STARTED and access to REGISTERING: the Customer redoes steps 2-4
(code, credentials) and 6-7 (security data); step 5 is skipped because accepted terms are
kept (the terms gate still asks for any newer version). When access expired (PT-03) a new
agreement reopens eligibility: `start_registration` is allowed again and runs the same way.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.portal import events as ev
from domain.portal.base import REVOCATION_RULE
from domain.portal.content import AccountContent
from domain.portal.eligibility import access_valid_until, is_eligible, last_agreement_end
from domain.portal.snapshot import AccountSnapshot
from domain.portal.values import (
    AccessState,
    Action,
    Channel,
    CodePurpose,
    RevocationReason,
    Stage,
    hashed,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    from domain.portal.eligibility import Agreement
    from domain.portal.values import ConnectedService

PORTAL_NAMESPACE = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:portal-account")

_CODE_STAGES = {  # purpose -> (may request from, requested, sent)
    CodePurpose.REGISTRATION: (
        (Stage.STARTED, Stage.CODE_REQUESTED, Stage.CODE_SENT),
        Stage.CODE_REQUESTED,
        Stage.CODE_SENT,
    ),
    CodePurpose.SECURITY_SETUP: (
        (Stage.TERMS_ACCEPTED, Stage.SECURITY_CODE_REQUESTED, Stage.SECURITY_CODE_SENT),
        Stage.SECURITY_CODE_REQUESTED,
        Stage.SECURITY_CODE_SENT,
    ),
}


class PortalAccount(AccountContent):
    """A Customer's portal account: registration, access, terms, audit and content."""

    Snapshot = AccountSnapshot

    @staticmethod
    @lru_cache(maxsize=4096)
    def create_id(customer_number: str) -> UUID:
        """Deterministic id from the customer number (like `Contract.create_id`)."""
        return uuid5(PORTAL_NAMESPACE, customer_number)

    @classmethod
    def open(cls, customer_number: str, at: datetime) -> PortalAccount:
        """The account of a customer number, not registered yet."""
        return cls._create(
            ev.PortalAccountOpened,
            id=cls.create_id(customer_number),
            at=at,
            customer_number=customer_number,
        )

    # --- eligibility and registration (PT-01, PT-03, PT-04, PT-06) ------------------------

    def all_agreements(self, contracts: Sequence[Agreement]) -> list[Agreement]:
        """The lease contracts passed in with the external agreements the account keeps."""
        return [*contracts, *self.agreements.values()]

    def start_registration(
        self,
        at: datetime,
        channel: Channel,
        contracts: Sequence[Agreement],
        connected_service: ConnectedService | None = None,
    ) -> None:
        """PT-04 step 1. Refused without any agreement (PT-01), after the access period
        (PT-03), on an active or a revoked account, and from a Connected app whose own
        authentication is not given (PT-06; it is recorded first). Starting again while
        registering begins the steps anew (infra's code rate limit still applies)."""
        agreements = self.all_agreements(contracts)
        if not is_eligible(agreements):
            self.refuse("PT-01", "not_eligible")
        until = access_valid_until(agreements)
        if until is not None and at.date() > until:
            self.refuse("PT-03", "eligibility_expired", until.isoformat())
        if self.access is AccessState.ACTIVE:
            self.refuse("PT-04", "already_registered")
        if self.revoked_reason is not RevocationReason.ELIGIBILITY_EXPIRED:
            self.require_not_revoked()
        if channel is Channel.CONNECTED_APP:
            if connected_service is None:
                self.refuse("PT-06", "connected_service_required")
            self.authenticate_connected_service(connected_service, at)
        self.record(
            ev.PortalRegistrationStarted,
            at,
            customer_number=self.customer_number,
            channel=channel,
        )

    def authenticate_connected_service(self, service: ConnectedService, at: datetime) -> None:
        """PT-06: the Connected service authenticated the Customer (before a login)."""
        self.record(ev.ConnectedServiceAuthenticated, at, service=service)

    def request_code(self, purpose: CodePurpose, masked_mobile: str, at: datetime) -> None:
        """PT-04 step 2 (or 6): ask for a code again and again (infra limits the rate)."""
        self.require_stage(*_CODE_STAGES[purpose][0])
        self._code(
            ev.AuthenticationCodeRequested, purpose, masked_mobile, at, self.code_attempts + 1
        )

    def code_sent(self, purpose: CodePurpose, masked_mobile: str, at: datetime) -> None:
        """PT-04 step 2 (or 6): the requested code went out."""
        self.require_stage(_CODE_STAGES[purpose][1])
        self._code(ev.AuthenticationCodeSent, purpose, masked_mobile, at, self.code_attempts)

    def code_checked(
        self, purpose: CodePurpose, masked_mobile: str, at: datetime, *, valid: bool
    ) -> None:
        """PT-04 step 3 (or 6): infra's verdict on the entered code."""
        self.require_stage(_CODE_STAGES[purpose][2])
        event = ev.AuthenticationCodeVerified if valid else ev.AuthenticationCodeFailed
        self._code(event, purpose, masked_mobile, at, self.code_attempts)

    def _code(
        self,
        event: type[ev.PortalEvent],
        purpose: CodePurpose,
        masked_mobile: str,
        at: datetime,
        attempt: int,
    ) -> None:
        self.record(event, at, purpose=purpose, masked_mobile=masked_mobile, attempt=attempt)

    def report_code_not_received(self, at: datetime) -> None:
        """PT-05: the code did not arrive (the UI then shows the contact channels)."""
        self.require_stage(*(s for stages, _, _ in _CODE_STAGES.values() for s in stages[1:]))
        self.record(
            ev.AuthenticationCodeNotReceivedReported,
            at,
            entered_value_hash=hashed(self.customer_number),
        )

    def create_credentials(
        self, username_email_ref: str, first_name_ref: str, last_name_ref: str, at: datetime
    ) -> None:
        """PT-04 step 4: references to name and username e-mail (password kept by infra)."""
        self.require_stage(Stage.CODE_VERIFIED)
        self.record(
            ev.PortalCredentialsCreated,
            at,
            username_email_ref=username_email_ref,
            first_name_ref=first_name_ref,
            last_name_ref=last_name_ref,
            password_set_at=at,
        )

    def set_security_data(self, at: datetime, *, contract_number_verified: bool) -> None:
        """PT-04 step 6: the contract number matched and the second code was verified."""
        self.require_stage(Stage.SECURITY_CODE_VERIFIED)
        if not contract_number_verified:
            self.refuse("PT-04", "contract_number_mismatch")
        self.record(
            ev.SecurityDataSet, at, contract_number_verified=True, second_code_verified=True
        )

    def complete_registration(self, at: datetime) -> None:
        """PT-04 step 7, PT-03: the account is active; the terms take effect."""
        self.require_stage(Stage.SECURITY_DATA_SET)
        self.record(ev.PortalRegistrationCompleted, at, account_id=str(self.id))

    # --- terms (PT-10..PT-14) ------------------------------------------------------------

    def email_terms(self, version: str, at: datetime, channel: Channel = Channel.WEB) -> None:
        """PT-10: a copy of `version` was e-mailed to the Customer."""
        self.record(
            ev.PortalTermsEmailed, at, terms_version=version, channel=channel, client_info=""
        )

    def accept_terms(self, version: str, at: datetime, channel: Channel, client_info: str) -> None:
        """PT-04 step 5, PT-11, PT-14: accept `version` (the application checks it is the
        version to accept). During registration only right after step 4."""
        self._answer_terms(ev.PortalTermsAccepted, version, at, channel, client_info)

    def decline_terms(self, version: str, at: datetime, channel: Channel, client_info: str) -> None:
        """PT-11, PT-13: decline. Registration cannot go on; an active account that rejects
        a change is revoked (TERMS_REJECTED)."""
        was_active = self.access is AccessState.ACTIVE
        self._answer_terms(ev.PortalTermsDeclined, version, at, channel, client_info)
        if was_active:
            self.record(ev.PortalAccessRevoked, at, reason=RevocationReason.TERMS_REJECTED)

    def _answer_terms(
        self,
        event: type[ev.PortalEvent],
        version: str,
        at: datetime,
        channel: Channel,
        client_info: str,
    ) -> None:
        self.require_not_revoked()
        if self.access is not AccessState.ACTIVE:
            self.require_stage(Stage.CREDENTIALS_CREATED)
        self.record(event, at, terms_version=version, channel=channel, client_info=client_info)
        accepted = event is ev.PortalTermsAccepted
        self.audit(Action.ACCEPT_TERMS if accepted else Action.DECLINE_TERMS, version, at, channel)

    def require_reacceptance(
        self, version: str, effective_from: date, emailed_at: datetime | None, at: datetime
    ) -> None:
        """PT-13: the gate met a version in force not accepted yet (recorded once)."""
        if version not in self.reacceptance_required and version not in self.accepted_terms:
            self.record(
                ev.PortalTermsReacceptanceRequired,
                at,
                version=version,
                effective_from=effective_from,
                emailed_at=emailed_at,
            )

    # --- login, audit, suspicious access (PT-06, PT-08, PT-09) ---------------------------

    def login_succeeded(self, at: datetime, channel: Channel) -> None:
        """PT-08: a login (infra checked the password); from a Connected app only after its
        own authentication since the last login (PT-06)."""
        self.require_active()
        if channel is Channel.CONNECTED_APP and self.connected_service is None:
            self.refuse("PT-06", "connected_service_required")
        self.record(ev.PortalLoginSucceeded, at, channel=channel)
        self.audit(Action.LOGIN, str(self.id), at, channel)

    def login_failed(self, at: datetime, channel: Channel) -> None:
        """PT-08: a failed login (infra slows the next ones down)."""
        self.record(ev.PortalLoginFailed, at, channel=channel)

    def performed(
        self,
        action: Action,
        target_ref: str,
        at: datetime,
        channel: Channel,
        pending_terms: str | None = None,
    ) -> None:
        """PT-08: record an action of the Customer; refused on an inactive account and,
        while terms wait for acceptance, for anything but the gate (PT-13)."""
        self.require_active()
        self.require_terms_free(action, pending_terms)
        self.audit(action, target_ref, at, channel)

    def report_suspicious_access(self, at: datetime, channel: Channel, description: str) -> None:
        """PT-09, D-38: the report (its text only hashed), then the reset it calls for."""
        self.require_not_revoked()
        if self.access is AccessState.NOT_REGISTERED:
            self.refuse("PT-09", "not_registered")
        self.record(
            ev.SuspiciousAccessReported, at, channel=channel, description_hash=hashed(description)
        )
        self.audit(Action.REPORT_SUSPICIOUS_ACCESS, str(self.id), at, channel)
        self.reset_credentials(at)

    def reset_credentials(self, at: datetime) -> None:
        """PT-09: void password and sessions (a new generation); redo steps 2-4 and 6."""
        self.record(ev.PortalCredentialsReset, at)

    # --- access (PT-03, PT-20, staff) ----------------------------------------------------

    def revoke(self, reason: RevocationReason, at: datetime) -> None:
        """Stop access (staff: MISUSE; the rules: TERMS_REJECTED, ELIGIBILITY_EXPIRED)."""
        if self.access is AccessState.REVOKED:
            self.refuse(REVOCATION_RULE[reason], "access_revoked")
        self.record(ev.PortalAccessRevoked, at, reason=reason)

    def restore(self, at: datetime) -> None:
        """Staff give back revoked access (PortalAccessRestored)."""
        if self.access is not AccessState.REVOKED:
            self.refuse("PT-20", "not_revoked")
        self.record(ev.PortalAccessRestored, at)

    def expire_access(self, today: date, contracts: Sequence[Agreement], at: datetime) -> None:
        """PT-03, D-34: schedule the end of access when it changes; revoke once it passed.
        A running agreement (e.g. newly concluded) cancels the schedule (None)."""
        agreements = self.all_agreements(contracts)
        until = access_valid_until(agreements)
        if until != self.access_valid_until:
            self.record(
                ev.PortalAccessExpiryScheduled,
                at,
                last_agreement_end_date=last_agreement_end(agreements),
                access_valid_until=until,
            )
        live = self.access in {AccessState.ACTIVE, AccessState.REGISTERING}
        if until is not None and today > until and live:
            self.record(ev.PortalAccessRevoked, at, reason=RevocationReason.ELIGIBILITY_EXPIRED)
