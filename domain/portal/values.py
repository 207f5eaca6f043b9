"""Closed sets, the refusal and small pure helpers of the portal (RULES 7, 9.8).

Nothing here reads a clock or does I/O; personal data never reaches an event payload:
names and e-mail travel as opaque references, entered values as sha256 hex digests and
the mobile number only masked (`mask_mobile`).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum


class Channel(StrEnum):
    """Where the Customer acts from (RULES 9.8)."""

    WEB = "WEB"
    CONNECTED_APP = "CONNECTED_APP"


class ConnectedService(StrEnum):
    """A BMW Connected service whose own authentication opens the portal (PT-06)."""

    MYBMW = "MYBMW"
    MINI_APP = "MINI_APP"


class CodePurpose(StrEnum):
    """Why an Authentication Code is sent: registration step 2 or step 6 (PT-04)."""

    REGISTRATION = "REGISTRATION"
    SECURITY_SETUP = "SECURITY_SETUP"


class Direction(StrEnum):
    """Who wrote a secure message (PT-15)."""

    CUSTOMER_TO_LESSOR = "CUSTOMER_TO_LESSOR"
    LESSOR_TO_CUSTOMER = "LESSOR_TO_CUSTOMER"


class DocumentType(StrEnum):
    """The kinds of document the portal shows (PT-15)."""

    SPECIAL_CONDITIONS = "SPECIAL_CONDITIONS"
    CONTRACT_ADJUSTMENT = "CONTRACT_ADJUSTMENT"
    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"
    DEBIT_NOTE = "DEBIT_NOTE"
    NOTICE = "NOTICE"
    FUEL_STATEMENT = "FUEL_STATEMENT"
    RETURN_REPORT = "RETURN_REPORT"
    OTHER = "OTHER"


class RevocationReason(StrEnum):
    """Why access stopped (PT-03, PT-13, PT-20)."""

    TERMS_REJECTED = "TERMS_REJECTED"
    ELIGIBILITY_EXPIRED = "ELIGIBILITY_EXPIRED"
    MISUSE = "MISUSE"


class AgreementKind(StrEnum):
    """A lease (this service) or a financing agreement (other systems, PT-01)."""

    LEASE = "LEASE"
    FINANCING = "FINANCING"


class CustomerStatus(StrEnum):
    """Consumer (art. I.1, 2° WER) or business user (PT-22)."""

    CONSUMER = "CONSUMER"
    BUSINESS = "BUSINESS"


class ProhibitedUse(StrEnum):
    """The kinds of prohibited use of the portal (PT-20)."""

    UNLAWFUL_CONTENT = "UNLAWFUL_CONTENT"
    COPYRIGHT = "COPYRIGHT"
    FRAUD = "FRAUD"
    SPAM = "SPAM"
    MALWARE = "MALWARE"
    PRIVACY_BREACH = "PRIVACY_BREACH"
    SYSTEM_THREAT = "SYSTEM_THREAT"


class Severity(StrEnum):
    """How serious a violation is; measures must be proportionate to it (PT-20)."""

    MINOR = "MINOR"
    SERIOUS = "SERIOUS"
    SEVERE = "SEVERE"


class Measure(StrEnum):
    """What the Lessor does about a violation (PT-20)."""

    WARNING = "WARNING"
    CONTENT_REMOVED = "CONTENT_REMOVED"
    CREDENTIALS_RESET = "CREDENTIALS_RESET"
    ACCESS_REVOKED = "ACCESS_REVOKED"


class Action(StrEnum):
    """A portal action of the Customer, kept in the audit trail (PT-08)."""

    LOGIN = "LOGIN"
    LOGOUT = "LOGOUT"
    VIEW_CONTRACT = "VIEW_CONTRACT"
    VIEW_DOCUMENT = "VIEW_DOCUMENT"
    DOWNLOAD_DOCUMENT = "DOWNLOAD_DOCUMENT"
    SEND_MESSAGE = "SEND_MESSAGE"
    ACCEPT_TERMS = "ACCEPT_TERMS"
    DECLINE_TERMS = "DECLINE_TERMS"
    REPORT_SUSPICIOUS_ACCESS = "REPORT_SUSPICIOUS_ACCESS"
    CHANGE_LANGUAGE = "CHANGE_LANGUAGE"
    CHANGE_CUSTOMER_DATA = "CHANGE_CUSTOMER_DATA"
    TRANSFER_CONSENT = "TRANSFER_CONSENT"


GATE_FREE_ACTIONS = frozenset(
    {Action.LOGIN, Action.LOGOUT, Action.ACCEPT_TERMS, Action.DECLINE_TERMS}
)
"""What stays reachable while new terms wait for acceptance (PT-13): the gate itself."""


class AccessState(StrEnum):
    """Where the account's access stands."""

    NOT_REGISTERED = "NOT_REGISTERED"
    REGISTERING = "REGISTERING"
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"


class Stage(StrEnum):
    """The registration steps of PT-04, in their only possible order (`STAGES`)."""

    NONE = "NONE"
    STARTED = "STARTED"
    CODE_REQUESTED = "CODE_REQUESTED"
    CODE_SENT = "CODE_SENT"
    CODE_VERIFIED = "CODE_VERIFIED"
    CREDENTIALS_CREATED = "CREDENTIALS_CREATED"
    TERMS_ACCEPTED = "TERMS_ACCEPTED"
    SECURITY_CODE_REQUESTED = "SECURITY_CODE_REQUESTED"
    SECURITY_CODE_SENT = "SECURITY_CODE_SENT"
    SECURITY_CODE_VERIFIED = "SECURITY_CODE_VERIFIED"
    SECURITY_DATA_SET = "SECURITY_DATA_SET"
    COMPLETED = "COMPLETED"


STAGES: tuple[Stage, ...] = tuple(Stage)
"""The steps in order: a step is taken only from the one right before it (PT-04)."""


class PortalRefusal(Exception):
    """A portal command refused by a rule; nothing was recorded.

    `rule` is the RULES.md ID, `code` a stable machine string the web layer translates
    (e.g. "out_of_order", "not_eligible", "terms_not_accepted", "access_revoked")."""

    def __init__(self, rule: str, code: str, message: str = "") -> None:
        super().__init__(f"{rule} {code}" + (f": {message}" if message else ""))
        self.rule = rule
        self.code = code
        self.message = message


def hashed(value: str) -> str:
    """The sha256 hex digest of an entered value (it may be personal, PT-05)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def mask_mobile(number: str) -> str:
    """A mobile number with all but its country code and last two digits hidden.

    "+32 470 12 34 34" -> "+32 4** ** ** 34": digits are grouped as Belgian mobiles are
    written (a leading 4 kept, then pairs); nothing beyond the mask leaves the domain."""
    digits = "".join(ch for ch in number if ch.isdigit())
    if number.strip().startswith("+") and digits.startswith("32"):
        country, national = "+32 ", digits[2:]
    elif digits.startswith("0"):
        country, national = "", digits
    else:
        country, national = "+", digits
    if len(national) < 4:
        return country + "*" * len(national)
    head, middle, tail = national[0], national[1:-2], national[-2:]
    hidden = "*" * len(middle)
    groups = [hidden[max(0, i - 2) : i] for i in range(len(hidden), 0, -2)][::-1]
    return f"{country}{head}{groups[0] if groups else ''} {' '.join(groups[1:])} {tail}".replace(
        "  ", " "
    )
