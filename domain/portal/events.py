"""Events of a PortalAccount: opening, registration, access and authentication (RULES 9.8).

Every event body only assigns (no rules, no clock); `apply_to` is the one place a fact
reaches the account's state. Content events (documents, messages, usage, transfer,
external agreements) are in `content_events.py`.
"""

from __future__ import annotations

from datetime import date, datetime  # noqa: TC003 - event annotations are read at run time
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from domain.portal.values import (
    AccessState,
    Channel,
    CodePurpose,
    ConnectedService,
    RevocationReason,
    Stage,
)

if TYPE_CHECKING:
    from domain.portal.account import PortalAccount


class PortalEvent(Aggregate.Event):
    """Base of every PortalAccount event: `at` is when it happened (given, never read)."""

    at: datetime

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)

    def apply_to(self, a: PortalAccount) -> None:
        """Assign the event's facts to the account (no rules, no clock)."""


class PortalAccountOpened(Aggregate.Created, PortalEvent):
    """The account of a customer number exists, before any registration: external
    agreements (PT-01) may arrive for a Customer who never registered."""

    customer_number: str

    def apply_to(self, a: PortalAccount) -> None:
        a.initialise(self.customer_number)


class PortalRegistrationStarted(PortalEvent):
    """PT-04 step 1: the Customer entered their customer number."""

    customer_number: str
    channel: Channel

    def apply_to(self, a: PortalAccount) -> None:
        a.stage, a.access, a.revoked_reason = Stage.STARTED, AccessState.REGISTERING, None
        a.code_attempts = 0


class ConnectedServiceAuthenticated(PortalEvent):
    """PT-06: the Connected service's own authentication succeeded."""

    service: ConnectedService

    def apply_to(self, a: PortalAccount) -> None:
        a.connected_service = ConnectedService(self.service)


class _CodeEvent(PortalEvent):
    purpose: CodePurpose
    masked_mobile: str
    attempt: int


_SECURITY = CodePurpose.SECURITY_SETUP


class AuthenticationCodeRequested(_CodeEvent):
    """PT-04 step 2 (or 6): a code was asked for, to the mobile number on record."""

    def apply_to(self, a: PortalAccount) -> None:
        secure = self.purpose == _SECURITY  # a StrEnum is stored as its str
        a.stage = Stage.SECURITY_CODE_REQUESTED if secure else Stage.CODE_REQUESTED
        a.code_attempts = self.attempt


class AuthenticationCodeSent(_CodeEvent):
    """PT-04 step 2 (or 6): the code went out by SMS (infra made and sent it)."""

    def apply_to(self, a: PortalAccount) -> None:
        secure = self.purpose == _SECURITY  # a StrEnum is stored as its str
        a.stage = Stage.SECURITY_CODE_SENT if secure else Stage.CODE_SENT


class AuthenticationCodeVerified(_CodeEvent):
    """PT-04 step 3 (or 6): the Customer entered the right code (infra checked it)."""

    def apply_to(self, a: PortalAccount) -> None:
        secure = self.purpose == _SECURITY  # a StrEnum is stored as its str
        a.stage = Stage.SECURITY_CODE_VERIFIED if secure else Stage.CODE_VERIFIED


class AuthenticationCodeFailed(_CodeEvent):
    """PT-04: a wrong code was entered; the step stays where it was."""


class CustomerNumberNotRecognised(PortalEvent):
    """PT-05: an entered customer number matched no Customer with an agreement."""

    entered_value_hash: str
    channel: Channel

    def apply(self, aggregate: Any) -> None:
        aggregate.attempts += 1  # recorded on an UnrecognisedEntryLog (attempts.py)


class AuthenticationCodeNotReceivedReported(PortalEvent):
    """PT-05: the Customer says the code did not arrive."""

    entered_value_hash: str


class PortalCredentialsCreated(PortalEvent):
    """PT-04 step 4: name, username e-mail and password were given (only references here;
    the password hash lives outside the event store)."""

    username_email_ref: str
    first_name_ref: str
    last_name_ref: str
    password_set_at: datetime

    def apply_to(self, a: PortalAccount) -> None:
        a.username_email_ref = self.username_email_ref
        a.first_name_ref, a.last_name_ref = self.first_name_ref, self.last_name_ref
        # a Customer who accepted terms before (reset, reopening) skips step 5 (PT-14 gate)
        a.stage = Stage.TERMS_ACCEPTED if a.accepted_terms else Stage.CREDENTIALS_CREATED


class SecurityDataSet(PortalEvent):
    """PT-04 step 6: contract number and second Authentication Code both verified."""

    contract_number_verified: bool
    second_code_verified: bool

    def apply_to(self, a: PortalAccount) -> None:
        a.stage = Stage.SECURITY_DATA_SET


class PortalRegistrationCompleted(PortalEvent):
    """PT-04 step 7, PT-03: registration done; the portal terms take effect."""

    account_id: str

    def apply_to(self, a: PortalAccount) -> None:
        a.stage, a.access = Stage.COMPLETED, AccessState.ACTIVE


class _TermsEvent(PortalEvent):
    terms_version: str
    channel: Channel
    client_info: str
    """User agent and address as infra saw them (not personal in the GDPR sense here)."""


class PortalTermsEmailed(_TermsEvent):
    """PT-10: a full copy of a terms version was e-mailed to the Customer."""


class PortalTermsAccepted(_TermsEvent):
    """PT-05/PT-11, PT-14: the Customer clicked "accept" on a version."""

    def apply_to(self, a: PortalAccount) -> None:
        a.accepted_terms = {**a.accepted_terms, self.terms_version: self.at}
        if a.stage is Stage.CREDENTIALS_CREATED:
            a.stage = Stage.TERMS_ACCEPTED


class PortalTermsDeclined(_TermsEvent):
    """PT-11: the Customer did not accept; the portal cannot be used on these terms."""

    def apply_to(self, a: PortalAccount) -> None:
        a.declined_terms = [*a.declined_terms, self.terms_version]


class PortalTermsReacceptanceRequired(PortalEvent):
    """PT-13: a version in force waits for the Customer's acceptance; features blocked."""

    version: str
    effective_from: date
    emailed_at: datetime | None

    def apply_to(self, a: PortalAccount) -> None:
        a.reacceptance_required = [*a.reacceptance_required, self.version]


class PortalLoginSucceeded(PortalEvent):
    """PT-08: the Customer logged in."""

    channel: Channel

    def apply_to(self, a: PortalAccount) -> None:
        a.last_login_at, a.connected_service = self.at, None


class PortalLoginFailed(PortalEvent):
    """PT-08: a login on this account failed."""

    channel: Channel


class PortalActionPerformed(PortalEvent):
    """PT-08: an action from the account, binding the Customer (the audit trail)."""

    action: str
    target_ref: str
    channel: Channel

    def apply_to(self, a: PortalAccount) -> None:
        a.actions += 1


class SuspiciousAccessReported(PortalEvent):
    """PT-09, D-38: the Customer suspects someone knows their credentials."""

    channel: Channel
    description_hash: str


class PortalCredentialsReset(PortalEvent):
    """PT-09: credentials voided; the new generation tells infra to drop every session
    and password. The Customer then redoes steps 2-4 and 6 (terms already accepted)."""

    def apply_to(self, a: PortalAccount) -> None:
        a.credentials_generation += 1
        a.stage, a.code_attempts = Stage.STARTED, 0
        if a.access is AccessState.ACTIVE:
            a.access = AccessState.REGISTERING


class PortalAccessRevoked(PortalEvent):
    """PT-03, PT-13, PT-20: access stopped."""

    reason: RevocationReason

    def apply_to(self, a: PortalAccount) -> None:
        a.access, a.revoked_reason = AccessState.REVOKED, RevocationReason(self.reason)


class PortalAccessRestored(PortalEvent):
    """Staff gave back access revoked earlier (not in RULES 9.8; operator decision)."""

    def apply_to(self, a: PortalAccount) -> None:
        done = a.stage is Stage.COMPLETED
        a.access = AccessState.ACTIVE if done else AccessState.REGISTERING
        a.revoked_reason = None


class PortalAccessExpiryScheduled(PortalEvent):
    """PT-03, D-34: when access ends (None: an agreement still runs, access stays open)."""

    last_agreement_end_date: date | None
    access_valid_until: date | None

    def apply_to(self, a: PortalAccount) -> None:
        a.access_valid_until = self.access_valid_until
