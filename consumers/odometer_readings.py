"""`lease.odometer-readings.v1`: odometer readings (OdometerReading v1) reported (M-11, M-12).

A redelivered record changes nothing (its Kafka tracking is recorded with the events);
a reading equal to the contract's last one on the same date adds nothing either.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal, cast

from consumers.base import Addressed
from consumers.tracking import apply_tracked
from consumers.wire import SchemaVersion, read
from domain.contract import Contract, Ctx
from domain.contract.incidents import ReportOdometer
from infra.inputs.types import BusinessDate, Identifier, Kilometres, Strict

if TYPE_CHECKING:
    from datetime import date

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts

logger = logging.getLogger(__name__)


class OdometerReading(Strict):
    """An odometer reading from telematics or a workshop (M-11, M-12, T-18.1-ii).

    A reading below the contract's last one is well-formed here (the schema cannot know
    the last reading); the contract refuses it (M-11) and the message is dead-lettered
    with that rule ID.
    """

    schema_version: SchemaVersion
    reading_id: Identifier
    contract_number: Identifier
    reading_km: Kilometres
    read_on: BusinessDate
    source: Literal["TELEMATICS", "WORKSHOP", "CUSTOMER", "PORTAL"]


def parse(value: bytes | None) -> OdometerReading:
    """The wire message (docs/schemas/odometer-readings/OdometerReading.v1.json)."""
    return read(OdometerReading, value)


def to_command(msg: OdometerReading) -> Addressed | None:
    """Pure translation to (contract number, command, context); every well-formed reading is
    reported (None is never returned today)."""
    on, actor = cast("date", msg.read_on), f"SYSTEM:{msg.source.lower()}"
    ctx = Ctx(on=on, actor=actor, causation_id=msg.reading_id)
    return Addressed(msg.contract_number, ReportOdometer(msg.reading_km, msg.source), ctx)


def handle(record: KafkaRecord, app: TrackedContracts) -> None:
    """Report the reading once; its tracking commits with the events (or alone if none)."""
    addressed = to_command(parse(record.value))
    version = apply_tracked(app, record, addressed, lambda c: repeated(c, addressed))
    logger.info("odometer reading from %s: version %s", record.where, version)


def repeated(contract: Contract, addressed: Addressed | None) -> bool:
    """The same reading on the same day as the last one: a redelivery (no events)."""
    if addressed is None:
        return False
    reading = cast("ReportOdometer", addressed.command).odometer
    same = contract.last_odometer == reading and contract.last_odometer_on == addressed.ctx.on
    if same:
        logger.info("odometer reading repeated on contract %s; ignored", contract.number)
    return same
