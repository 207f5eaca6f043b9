"""`lease.external-agreements.v1`: financing and lease agreements the Customer has with the
Lessor in other systems (ExternalAgreementMessage v1).

Portal access lasts while any agreement of the Customer runs (RULES.md: financing
agreements come from external events), so the portal needs their registrations and ends.
This module reads the message strictly; nothing applies it yet (the topic's handler is
None until the portal aggregate takes it).
"""

from __future__ import annotations

from typing import Literal

from consumers.wire import SchemaVersion, read
from infra.inputs.types import BusinessDate, Identifier, Strict


class ExternalAgreementMessage(Strict):
    """An agreement of another system registered or ended for a Customer."""

    schema_version: SchemaVersion
    customer_number: Identifier
    agreement_id: Identifier
    """The agreement's id in its own system."""
    type: Literal["FINANCING", "LEASE"]
    event: Literal["REGISTERED", "ENDED"]
    effective_end_date: BusinessDate | None
    """When the agreement ends (or ended), null when it has no end date yet; required all
    the same (a sender states it): the latest end bounds portal access."""


def parse(value: bytes | None) -> ExternalAgreementMessage:
    """The wire message (docs/schemas/external-agreements/ExternalAgreementMessage.v1.json);
    InvalidMessageError, naming the field, if it is not one."""
    return read(ExternalAgreementMessage, value)
