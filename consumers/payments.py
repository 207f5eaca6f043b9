"""`lease.payments.v1`: bank payments (BankPayment v1) booked on their contract (M-09).

A redelivered record changes nothing (its Kafka tracking is recorded with the events).
A payment the bank sends again under another offset changes nothing either: the payment
id is looked up among the contract's PaymentReceived events before it is booked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from consumers.tracking import apply_tracked
from consumers.wire import decode_object, iso_date, money, one_of, text, version
from domain.contract import Contract, Ctx
from domain.events import PaymentReceived

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts
    from domain.money import Money

logger = logging.getLogger(__name__)

SCHEMA_VERSIONS = frozenset({1})
METHODS = ("SEPA_DD", "TRANSFER")
ACTOR = "SYSTEM:bank"


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
class ReceivePayment:
    """The domain command a bank payment becomes."""

    contract_number: str
    payment_id: str
    amount: Money
    ctx: Ctx


def parse(data: Mapping[str, Any]) -> BankPayment:
    """The wire message (docs/schemas/payments/BankPayment.v1.json); InvalidMessageError if not."""
    method = cast("Literal['SEPA_DD', 'TRANSFER']", one_of(data, "method", METHODS))
    return BankPayment(
        schema_version=version(data, SCHEMA_VERSIONS),
        payment_id=text(data, "payment_id"),
        contract_number=text(data, "contract_number"),
        amount=money(data, "amount"),
        received_on=iso_date(data, "received_on"),
        method=method,
    )


def to_command(msg: BankPayment) -> ReceivePayment | None:
    """Pure translation; every well-formed payment is booked (None is never returned today)."""
    ctx = Ctx(on=msg.received_on, actor=ACTOR, causation_id=f"payment:{msg.payment_id}")
    return ReceivePayment(msg.contract_number, msg.payment_id, msg.amount, ctx)


def handle(record: KafkaRecord, app: TrackedContracts) -> None:
    """Book the payment once; its tracking commits with the events (or alone if none)."""
    command = to_command(parse(decode_object(record.value)))
    if command is None:
        apply_tracked(app, record, None, lambda _: None)
        return
    version = apply_tracked(app, record, command.contract_number, lambda c: book(app, c, command))
    logger.info("payment %s from %s: version %s", command.payment_id, record.where, version)


def book(app: TrackedContracts, contract: Contract, command: ReceivePayment) -> None:
    """Receive the payment unless its id is already on the contract (then: no events)."""
    if command.payment_id in received_payment_ids(app, contract):
        logger.info(
            "payment %s already received on contract %s; ignored",
            command.payment_id,
            command.contract_number,
        )
        return
    contract.receive_payment(command.ctx, command.amount, command.payment_id)


def received_payment_ids(app: TrackedContracts, contract: Contract) -> set[str]:
    """Payment ids of the contract's PaymentReceived events up to the loaded version."""
    events = app.repository.event_store.get(contract.id, lte=contract.version)
    return {e.payment_id for e in events if isinstance(e, PaymentReceived)}
