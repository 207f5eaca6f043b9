"""`lease.payments.v1`: bank payments (BankPayment v1) booked on their contract (M-09).

A redelivered record changes nothing (its Kafka tracking is recorded with the events).
A payment the bank sends again under another offset changes nothing either: the payment
id is looked up among the contract's PaymentReceived events before it is booked.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal, cast

from consumers.base import Addressed
from consumers.tracking import apply_tracked
from consumers.wire import EuroAmount, SchemaVersion, read
from domain.contract import Contract, Ctx
from domain.contract.billing import ReceivePayment
from domain.contract.billing_events import PaymentReceived
from infra.inputs.types import BusinessDate, Identifier, Strict

if TYPE_CHECKING:
    from datetime import date

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts
    from domain.money import Money

logger = logging.getLogger(__name__)

ACTOR = "SYSTEM:bank"


class BankPayment(Strict):
    """A Customer payment booked by the bank (M-09); `payment_id` makes a redelivery harmless."""

    schema_version: SchemaVersion
    payment_id: Identifier
    contract_number: Identifier
    amount: EuroAmount
    received_on: BusinessDate
    method: Literal["SEPA_DD", "TRANSFER"]


def parse(value: bytes | None) -> BankPayment:
    """The wire message (docs/schemas/payments/BankPayment.v1.json); InvalidMessageError if not."""
    return read(BankPayment, value)


def to_command(msg: BankPayment) -> Addressed | None:
    """Pure translation to (contract number, command, context); every well-formed payment is
    booked (None is never returned today)."""
    on, amount = cast("date", msg.received_on), cast("Money", msg.amount.amount)
    ctx = Ctx(on=on, actor=ACTOR, causation_id=f"payment:{msg.payment_id}")
    return Addressed(msg.contract_number, ReceivePayment(amount, msg.payment_id), ctx)


def handle(record: KafkaRecord, app: TrackedContracts) -> None:
    """Book the payment once; its tracking commits with the events (or alone if none)."""
    addressed = to_command(parse(record.value))
    version = apply_tracked(app, record, addressed, lambda c: already_received(app, c, addressed))
    logger.info("payment from %s: version %s", record.where, version)


def already_received(
    app: TrackedContracts, contract: Contract, addressed: Addressed | None
) -> bool:
    """Whether the payment's id is already on the contract (then: no events)."""
    if addressed is None:
        return False
    payment_id = cast("ReceivePayment", addressed.command).payment_id
    if payment_id not in received_payment_ids(app, contract):
        return False
    logger.info("payment %s already received on %s; ignored", payment_id, contract.number)
    return True


def received_payment_ids(app: TrackedContracts, contract: Contract) -> set[str]:
    """Payment ids of the contract's PaymentReceived events up to the loaded version."""
    events = app.repository.event_store.get(contract.id, lte=contract.version)
    return {e.payment_id for e in events if isinstance(e, PaymentReceived)}
