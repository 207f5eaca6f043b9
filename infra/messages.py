"""The messages of the topics the service reads or writes besides its contract events.

These dataclasses are the wire contract of DESIGN 6's other topics: infra/schemas.py turns
them into the published JSON Schemas and the AsyncAPI document, so the consumers (and the
scheduler that produces deadlines) parse and write exactly these fields. Every message
carries `schema_version`; a change that breaks readers needs a new version.
Money is {"amount": decimal string, "currency": "EUR"}, dates are ISO.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from datetime import date, datetime
    from uuid import UUID

    from domain.money import Money


@dataclass(frozen=True)
class DeadlineReached:
    """A timer of RULES section 5 fell due (the scheduler sends one per deadline id, DESIGN 5)."""

    schema_version: int
    deadline_id: str
    """`{contract_id}:{rule_id}:{opening key}` as the deadlines view keys it."""
    contract_id: UUID
    rule_id: str
    """The deadline's rule, e.g. D-08, D-10, D-15."""
    due_on: date
    reached_on: date
    """The business date of the scheduler run that found it due."""


@dataclass(frozen=True)
class BankPayment:
    """A Customer payment booked by the bank (M-09); `payment_id` makes a redelivery harmless."""

    schema_version: int
    payment_id: str
    contract_number: str
    amount: Money
    received_on: date
    method: Literal["SEPA_DD", "TRANSFER"]


@dataclass(frozen=True)
class OdometerReading:
    """An odometer reading from telematics or a workshop (M-11, M-12, T-18.1-ii)."""

    schema_version: int
    reading_id: str
    contract_number: str
    reading_km: int
    read_on: date
    source: Literal["TELEMATICS", "WORKSHOP", "CUSTOMER", "PORTAL"]


@dataclass(frozen=True)
class DeadLetter:
    """A message a consumer could not handle, with why (it is not retried automatically)."""

    schema_version: int
    consumer: str
    """The consumer group that gave up on the message."""
    source_topic: str
    source_partition: int
    source_offset: int
    key: str | None
    value: str
    """The original value, decoded as UTF-8 (invalid bytes replaced)."""
    error: str
    failed_at: datetime
