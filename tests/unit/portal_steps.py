"""Shared steps of the portal tests: a clock-free time line and a registered account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.portal.account import PortalAccount
from domain.portal.eligibility import Agreement
from domain.portal.values import AgreementKind, Channel, CodePurpose

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MASKED = "+32 4** ** ** 34"
LEASE = Agreement("L-1", AgreementKind.LEASE)
REG, SEC = CodePurpose.REGISTRATION, CodePurpose.SECURITY_SETUP
WEB = Channel.WEB


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def started(number: str = "C-100") -> PortalAccount:
    """An account with PT-04 step 1 done."""
    account = PortalAccount.open(number, T0)
    account.start_registration(T0, WEB, [LEASE])
    return account


def through_credentials(account: PortalAccount) -> PortalAccount:
    """Steps 2-4 (code, verification, credentials)."""
    account.request_code(REG, MASKED, at(1))
    account.code_sent(REG, MASKED, at(1))
    account.code_checked(REG, MASKED, at(2), valid=True)
    account.create_credentials("email-ref", "first-ref", "last-ref", at(3))
    return account


def through_security(account: PortalAccount) -> PortalAccount:
    """Step 6 and 7 (second code, contract number, completion)."""
    account.request_code(SEC, MASKED, at(5))
    account.code_sent(SEC, MASKED, at(5))
    account.code_checked(SEC, MASKED, at(6), valid=True)
    account.set_security_data(at(7), contract_number_verified=True)
    account.complete_registration(at(7))
    return account


def registered(number: str = "C-100", version: str = "2026.1") -> PortalAccount:
    """A fully registered, active account that accepted `version`."""
    account = through_credentials(started(number))
    account.accept_terms(version, at(4), WEB, "ua")
    return through_security(account)


def names(account: PortalAccount) -> list[str]:
    """The names of the events the account has recorded and not collected yet."""
    return [type(e).__name__ for e in account.collect_events()]
