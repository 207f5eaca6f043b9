"""A registered, active portal account made with the domain's commands (for tests that need
one without walking the pages): PT-04's steps in order, the codes taken as verified."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.portal.values import Channel, CodePurpose

if TYPE_CHECKING:
    from datetime import datetime

    from infra.portal.backend import PortalBackend

MASKED = "+32 4** ** ** 00"


def activate(backend: PortalBackend, customer_number: str, at: datetime) -> None:
    """Register `customer_number` (it must have a contract in the `portal` view)."""
    app = backend.app
    app.start_registration(customer_number, Channel.WEB, at, backend.agreements(customer_number))
    for purpose in (CodePurpose.REGISTRATION, CodePurpose.SECURITY_SETUP):
        app.request_code(customer_number, purpose, MASKED, at)
        app.code_sent(customer_number, purpose, MASKED, at)
        app.code_checked(customer_number, purpose, MASKED, at, valid=True)
        if purpose is CodePurpose.REGISTRATION:
            app.create_credentials(customer_number, ("ref-email", "ref-first", "ref-last"), at)
            current = app.terms().current_for(at.date())
            assert current is not None
            app.answer_terms(customer_number, current.version, at, Channel.WEB, "test", accept=True)
    app.set_security_data(customer_number, at, contract_number_verified=True)
