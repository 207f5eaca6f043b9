"""Registration and login (PT-01, PT-04, PT-05, PT-10, PT-11; PORTAL.md "How it must behave").

Each step checks with the PortalAccount first (the steps only in order), then uses the
stores: codes go by SMS to the mobile on record (P-30), never to a number typed in a
form; passwords are argon2id hashes outside the event store; names and the e-mail address
are kept as references. Login answers the same `LoginRefusedError` whether the username
exists or not, after the same password work, and slows down after 5 failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.portal.account import PortalAccount
from domain.portal.values import AccessState, Channel, CodePurpose, PortalRefusal, mask_mobile
from infra.portal.codes import Outcome, Verdict
from infra.portal.notifications import Notification
from infra.portal.personal import UsernameTakenError, normalise_username

if TYPE_CHECKING:
    from datetime import datetime

    from infra.portal.backend import PortalBackend
    from infra.portal.contact import CustomerContact

MAX_NAME = 100
MAX_EMAIL = 254
CODE_TEMPLATE = "authentication-code"
TERMS_TEMPLATE = "portal-terms"


class LoginRefusedError(Exception):
    """Wrong username or password, or too many attempts: one answer for all (no hint)."""


class RegistrationError(Exception):
    """A registration input the portal cannot use; `code` is the message's key."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class Registration:
    """The registration and login flows on a back end."""

    backend: PortalBackend

    # --- PT-04 step 1 -----------------------------------------------------------------

    def start(self, customer_number: str, at: datetime) -> None:
        """Step 1; PortalRefusal PT-01 `not_eligible` for an unknown number (the UI then
        shows the contact channels, PT-05)."""
        agreements = self.backend.agreements(customer_number)
        self.backend.app.start_registration(customer_number, Channel.WEB, at, agreements)

    # --- steps 2-3 and 6: authentication codes ----------------------------------------

    def _contact(self, customer_number: str) -> CustomerContact:
        contact = self.backend.contacts.get(customer_number)
        if contact is None:
            raise PortalRefusal("PT-05", "no_mobile", "no mobile number on record")
        return contact

    def send_code(self, customer_number: str, purpose: CodePurpose, at: datetime) -> str:
        """A new code by SMS to the mobile on record; returns the masked number.
        CodeRateLimitedError after 3 codes in an hour."""
        contact = self._contact(customer_number)
        masked = mask_mobile(contact.mobile_number)
        app = self.backend.app
        app.request_code(customer_number, purpose, masked, at)
        code = self.backend.codes.issue(customer_number, purpose.value, at)
        self.backend.outbox.add(
            Notification.new(
                "SMS",
                contact.mobile_number,
                CODE_TEMPLATE,
                contact.language,
                {"code": code},
                customer_number,
                at,
            )
        )
        app.code_sent(customer_number, purpose, masked, at)
        return masked

    def masked_mobile(self, customer_number: str) -> str:
        return mask_mobile(self._contact(customer_number).mobile_number)

    def check_code(
        self, customer_number: str, purpose: CodePurpose, code: str, at: datetime
    ) -> Verdict:
        """Steps 3 and 6: the code entered; the account records the result."""
        verdict = self.backend.codes.verify(customer_number, purpose.value, code, at)
        if verdict.outcome is not Outcome.NONE:
            masked = self.masked_mobile(customer_number)
            self.backend.app.code_checked(customer_number, purpose, masked, at, valid=verdict.ok)
        return verdict

    def code_not_received(self, customer_number: str, at: datetime) -> None:
        """PT-05: recorded; the page shows the contact channels."""
        self.backend.app.report_code_not_received(customer_number, at)

    # --- step 4 -------------------------------------------------------------------------

    def create_credentials(
        self,
        customer_number: str,
        names: tuple[str, str],
        email: str,
        password: str,
        at: datetime,
    ) -> None:
        """Step 4: names and e-mail kept as references, the password as an argon2id hash.
        RegistrationError naming the field; PasswordTooShortError/TooLongError."""
        first, last = (n.strip() for n in names)
        for field, value in (("first_name", first), ("last_name", last)):
            if not 0 < len(value) <= MAX_NAME:
                raise RegistrationError("name", field)
        try:
            username = normalise_username(email)
        except ValueError:
            raise RegistrationError("email", "email") from None
        local, _, domain = username.partition("@")
        if not (local and "." in domain and len(username) <= MAX_EMAIL):
            raise RegistrationError("email", "email")
        backend = self.backend
        account = backend.app.account(customer_number)
        if account is None or account.stage.value != "CODE_VERIFIED":
            raise PortalRefusal("PT-04", "out_of_order", "verify the code first")
        account_id = PortalAccount.create_id(customer_number)
        backend.passwords.set(account_id, password, at)
        try:
            backend.personal.claim_username(username, account_id)
        except UsernameTakenError:
            raise RegistrationError("email_taken", "email") from None
        refs = (
            backend.personal.put("EMAIL", username, at),
            backend.personal.put("FIRST_NAME", first, at),
            backend.personal.put("LAST_NAME", last, at),
        )
        backend.app.create_credentials(customer_number, refs, at)

    # --- step 5 -------------------------------------------------------------------------

    def answer_terms(
        self, customer_number: str, version: str, at: datetime, client_info: str, *, accept: bool
    ) -> None:
        """PT-10, PT-11 (and PT-13 for a new version): the answer; an acceptance is followed
        by the version's e-mail to the address on record."""
        app = self.backend.app
        app.answer_terms(customer_number, version, at, Channel.WEB, client_info, accept=accept)
        if accept:
            self.email_terms(customer_number, version, at)

    def email_terms(self, customer_number: str, version: str, at: datetime) -> None:
        """PT-10: the version goes by e-mail (its text is on the site to print)."""
        contact = self.backend.contacts.get(customer_number)
        if contact is None:
            return
        self.backend.outbox.add(
            Notification.new(
                "EMAIL",
                contact.email,
                TERMS_TEMPLATE,
                contact.language,
                {"version": version},
                customer_number,
                at,
            )
        )
        self.backend.app.email_terms(customer_number, version, at)

    def email_terms_to_all(self, version: str, at: datetime) -> int:
        """PT-12: a new version goes by e-mail to every registered Customer (those with a
        username); returns how many were sent."""
        sent = 0
        for account_id in self.backend.personal.registered_accounts():
            account: object = self.backend.app.repository.get(account_id)
            if isinstance(account, PortalAccount) and self.backend.contacts.get(
                account.customer_number
            ):
                self.email_terms(account.customer_number, version, at)
                sent += 1
        return sent

    # --- step 6-7 -----------------------------------------------------------------------

    def check_contract_number(self, customer_number: str, contract_number: str) -> bool:
        """Step 6: the contract number must be one of the customer's."""
        return contract_number.strip() in self.backend.contract_numbers(customer_number)

    def finish(self, customer_number: str, at: datetime) -> None:
        """Steps 6 and 7 once the contract number and the second code are right."""
        self.backend.app.set_security_data(customer_number, at, contract_number_verified=True)

    # --- login --------------------------------------------------------------------------

    def login(self, email: str, password: str, at: datetime) -> str:
        """The customer number of a right username and password on an active account;
        LoginRefusedError otherwise, the same for an unknown username."""
        backend = self.backend
        username = email.strip().lower()[:MAX_EMAIL] or "-"
        if backend.throttle.wait(username, at).total_seconds() > 0:
            backend.throttle.failed(username, at)
            raise LoginRefusedError
        account_id = backend.personal.account_of_username(username)
        if account_id is None:
            backend.passwords.check_unknown(password)
            backend.throttle.failed(username, at)
            raise LoginRefusedError
        right = backend.passwords.check(account_id, password)
        account: object = backend.app.repository.get(account_id)
        if not isinstance(account, PortalAccount):  # pragma: no cover - usernames name accounts
            raise LoginRefusedError
        if not right or account.access is not AccessState.ACTIVE:
            backend.throttle.failed(username, at)
            backend.app.login_failed(account.customer_number, at, Channel.WEB)
            raise LoginRefusedError
        backend.throttle.succeeded(username)
        backend.app.login_succeeded(account.customer_number, at, Channel.WEB)
        return account.customer_number
