"""`lease.external-agreements.v1`: financing and lease agreements the Customer has with the
Lessor in other systems (ExternalAgreementMessage v1).

Portal access lasts while any agreement of the Customer runs (RULES.md: financing
agreements come from external events), so the portal needs their registrations and ends
(PT-01, PT-03, A-39). `Applier` applies a message to the PortalAccount of its customer:

- REGISTERED registers the agreement (opening the account if needed); with an end date
  the end is recorded too (the agreement has a fixed end).
- ENDED records the end; an agreement not seen before is registered first, so the order
  in which other systems send does not matter. ENDED without an end date is invalid.

A redelivery changes nothing: the account records a known agreement and a known end once
(`register_external_agreement`, `end_external_agreement` are no-ops then). The portal's
events and the record's tracking are two transactions, so a crash between them applies the
message again: harmless for the same reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, cast

from consumers.base import InvalidMessageError
from consumers.wire import SchemaVersion, read
from domain.portal.values import AgreementKind
from infra.inputs.types import BusinessDate, Identifier, Strict

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date, datetime

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts
    from domain.portal.application import PortalApplication

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Applier:
    """The topic's handler: applies each message to the portal application, then records
    the record's tracking (an IntegrityError there is a redelivery; the runner skips it)."""

    portal: PortalApplication
    now: Callable[[], datetime]
    """When a message is applied (the edge reads the clock; the domain is handed it)."""

    def __call__(self, record: KafkaRecord, app: TrackedContracts) -> None:
        self.apply(parse(record.value))
        app.record_tracking(record.tracking)
        logger.info("external agreement from %s applied", record.where)

    def apply(self, msg: ExternalAgreementMessage) -> None:
        """Register and/or end the agreement on the customer's portal account."""
        at = self.now()
        ended_on = cast("date | None", msg.effective_end_date)
        if msg.event == "ENDED" and ended_on is None:
            raise InvalidMessageError("effective_end_date: an ENDED agreement needs its end date")
        kind = AgreementKind(msg.type)
        self.portal.register_external_agreement(msg.customer_number, msg.agreement_id, kind, at)
        if ended_on is not None:
            self.portal.end_external_agreement(msg.customer_number, msg.agreement_id, ended_on, at)
