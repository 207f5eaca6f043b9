"""PortalApplication: the service layer over PortalAccount and the terms catalogue.

Each command loads the account of a customer number (opening it when the command may
create it), lets the aggregate decide, and saves. A `PortalRefusal` saves nothing. Stored
in its own tables (`portal_events`, ...) next to the contracts application's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from domain.codecs import DataclassAsDict, EnumAsValue, domain_transcodings
from domain.errors import ConcurrencyConflictError
from domain.portal import values as v
from domain.portal.account import PortalAccount
from domain.portal.application_content import PortalContentCommands
from domain.portal.attempts import UnrecognisedEntryLog
from domain.portal.content_events import Message, Violation
from domain.portal.eligibility import Agreement
from domain.portal.terms import (
    TERMS_CATALOGUE_ID,
    PortalTermsCatalogue,
    terms_gate,
    version_to_accept,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date
    from enum import Enum

    from eventsourcing.persistence import JSONTranscoder

    from domain.portal.terms import TermsVersion

A = TypeVar("A", bound=Aggregate)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""When the unsaved empty catalogue says it was opened (never stored)."""

SNAPSHOT_INTERVAL = 50
"""Every portal action is an event (PT-08): snapshots keep a long-used account cheap to load."""
PORTAL_ENUMS: tuple[type[Enum], ...] = (
    v.Stage,
    v.AccessState,
    v.Channel,
    v.ConnectedService,
    v.CodePurpose,
    v.Direction,
    v.DocumentType,
    v.RevocationReason,
    v.AgreementKind,
    v.CustomerStatus,
    v.ProhibitedUse,
    v.Severity,
    v.Measure,
)


class PortalApplication(PortalContentCommands, Application[UUID]):
    """Commands and queries of the customer portal (RULES 7); the commands on access,
    audit and content are in `PortalContentCommands`."""

    name = "portal"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {PortalAccount: SNAPSHOT_INTERVAL}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        states = map(DataclassAsDict, (Agreement, Message, Violation))
        for transcoding in [*domain_transcodings(), *map(EnumAsValue, PORTAL_ENUMS), *states]:
            transcoder.register(transcoding)

    # --- queries ------------------------------------------------------------------------

    def account(self, customer_number: str) -> PortalAccount | None:
        return self._load(PortalAccount.create_id(customer_number), PortalAccount)

    def terms(self) -> PortalTermsCatalogue:
        """The terms catalogue (an empty one, not stored, before the first publication)."""
        catalogue = self._load(TERMS_CATALOGUE_ID, PortalTermsCatalogue)
        return catalogue or PortalTermsCatalogue.open(_EPOCH)

    def pending_terms(self, customer_number: str, today: date) -> TermsVersion | None:
        """PT-13: the version the Customer must accept first (None: the portal is free)."""
        account = self.account(customer_number)
        return None if account is None else terms_gate(account, self.terms(), today)

    def _load(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def _save(self, ref: str, *aggregates: Aggregate) -> None:
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise ConcurrencyConflictError(ref) from None

    def _decide(
        self,
        customer_number: str,
        at: datetime,
        command: Callable[[PortalAccount], Any],
        *,
        create: bool = False,
    ) -> PortalAccount:
        account = self.account(customer_number)
        if account is None:
            if not create:
                raise v.PortalRefusal("PT-04", "not_registered", "no portal account")
            account = PortalAccount.open(customer_number, at)
        command(account)
        self._save(customer_number, account)
        return account

    # --- registration (PT-01, PT-04..PT-06) ---------------------------------------------

    def start_registration(
        self,
        customer_number: str,
        channel: v.Channel,
        at: datetime,
        contracts: Sequence[Agreement],
        connected_service: v.ConnectedService | None = None,
    ) -> PortalAccount:
        """PT-04 step 1. An unknown number (no agreement at all) is refused with PT-01
        "not_eligible" after its hash is logged as CustomerNumberNotRecognised (PT-05)."""
        try:
            return self._decide(
                customer_number,
                at,
                lambda a: a.start_registration(at, channel, contracts, connected_service),
                create=True,
            )
        except v.PortalRefusal as refusal:
            if refusal.code == "not_eligible":
                self._not_recognised(customer_number, at, channel)
            raise

    def _not_recognised(self, entered: str, at: datetime, channel: v.Channel) -> None:
        digest = v.hashed(entered)
        log = self._load(UnrecognisedEntryLog.create_id(digest), UnrecognisedEntryLog)
        log = log or UnrecognisedEntryLog.open(digest, at)
        log.not_recognised(at, channel)
        self._save(digest, log)

    def authenticate_connected_service(
        self, customer_number: str, service: v.ConnectedService, at: datetime
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.authenticate_connected_service(service, at)
        )

    def request_code(
        self, customer_number: str, purpose: v.CodePurpose, masked_mobile: str, at: datetime
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.request_code(purpose, masked_mobile, at)
        )

    def code_sent(
        self, customer_number: str, purpose: v.CodePurpose, masked_mobile: str, at: datetime
    ) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.code_sent(purpose, masked_mobile, at))

    def code_checked(
        self,
        customer_number: str,
        purpose: v.CodePurpose,
        masked_mobile: str,
        at: datetime,
        *,
        valid: bool,
    ) -> PortalAccount:
        return self._decide(
            customer_number, at, lambda a: a.code_checked(purpose, masked_mobile, at, valid=valid)
        )

    def report_code_not_received(self, customer_number: str, at: datetime) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.report_code_not_received(at))

    def create_credentials(
        self, customer_number: str, refs: tuple[str, str, str], at: datetime
    ) -> PortalAccount:
        """PT-04 step 4: `refs` = (username e-mail, first name, last name) references."""
        return self._decide(customer_number, at, lambda a: a.create_credentials(*refs, at))

    def set_security_data(
        self, customer_number: str, at: datetime, *, contract_number_verified: bool
    ) -> PortalAccount:
        """PT-04 steps 6 and 7 in one save: the Customer can log in at once."""

        def finish(a: PortalAccount) -> None:
            a.set_security_data(at, contract_number_verified=contract_number_verified)
            a.complete_registration(at)

        return self._decide(customer_number, at, finish)

    # --- terms (PT-10..PT-14, PT-21) ----------------------------------------------------

    def publish_terms(self, version: str, effective_from: date, at: datetime) -> None:
        catalogue = self._load(TERMS_CATALOGUE_ID, PortalTermsCatalogue)
        catalogue = catalogue or PortalTermsCatalogue.open(at)
        catalogue.publish(version, effective_from, at)
        self._save("portal-terms", catalogue)

    def announce_maintenance(self, starts_at: datetime, ends_at: datetime, at: datetime) -> None:
        catalogue = self._load(TERMS_CATALOGUE_ID, PortalTermsCatalogue)
        catalogue = catalogue or PortalTermsCatalogue.open(at)
        catalogue.announce_maintenance(starts_at, ends_at, at)
        self._save("portal-terms", catalogue)

    def email_terms(self, customer_number: str, version: str, at: datetime) -> PortalAccount:
        return self._decide(customer_number, at, lambda a: a.email_terms(version, at))

    def answer_terms(
        self,
        customer_number: str,
        version: str,
        at: datetime,
        channel: v.Channel,
        client_info: str,
        *,
        accept: bool,
    ) -> PortalAccount:
        """PT-11, PT-13: accept or decline the version in force (or announced)."""
        version_to_accept(self.terms(), version, at.date())
        answer = PortalAccount.accept_terms if accept else PortalAccount.decline_terms
        return self._decide(
            customer_number, at, lambda a: answer(a, version, at, channel, client_info)
        )

    def gate(self, customer_number: str, at: datetime) -> TermsVersion | None:
        """PT-13: the version to accept first, recording PortalTermsReacceptanceRequired
        the first time an active account meets it."""
        account = self.account(customer_number)
        if account is None:
            return None
        pending = terms_gate(account, self.terms(), at.date())
        if pending is not None and account.access is v.AccessState.ACTIVE:
            account.require_reacceptance(
                pending.version, pending.effective_from, pending.published_at, at
            )
            self._save(customer_number, account)
        return pending
