"""`lease.odometer-readings.v1`: odometer readings (OdometerReading v1) reported (M-11, M-12).

A redelivered record changes nothing (its Kafka tracking is recorded with the events);
a reading equal to the contract's last one on the same date adds nothing either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from consumers.base import Addressed
from consumers.tracking import apply_tracked
from consumers.wire import decode_object, integer, iso_date, one_of, text, version
from domain.contract import Contract, Ctx
from domain.contract.incidents import ReportOdometer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import date

    from consumers.base import KafkaRecord
    from consumers.tracking import TrackedContracts

logger = logging.getLogger(__name__)

SCHEMA_VERSIONS = frozenset({1})
SOURCES = ("TELEMATICS", "WORKSHOP", "CUSTOMER", "PORTAL")
Source = Literal["TELEMATICS", "WORKSHOP", "CUSTOMER", "PORTAL"]


@dataclass(frozen=True)
class OdometerReading:
    """An odometer reading from telematics or a workshop (M-11, M-12, T-18.1-ii)."""

    schema_version: int
    reading_id: str
    contract_number: str
    reading_km: int
    read_on: date
    source: Literal["TELEMATICS", "WORKSHOP", "CUSTOMER", "PORTAL"]


def parse(data: Mapping[str, Any]) -> OdometerReading:
    """The wire message (docs/schemas/odometer-readings/OdometerReading.v1.json)."""
    return OdometerReading(
        schema_version=version(data, SCHEMA_VERSIONS),
        reading_id=text(data, "reading_id"),
        contract_number=text(data, "contract_number"),
        reading_km=integer(data, "reading_km"),
        read_on=iso_date(data, "read_on"),
        source=cast("Source", one_of(data, "source", SOURCES)),
    )


def to_command(msg: OdometerReading) -> Addressed | None:
    """Pure translation to (contract number, command, context); every well-formed reading is
    reported (None is never returned today)."""
    ctx = Ctx(on=msg.read_on, actor=f"SYSTEM:{msg.source.lower()}", causation_id=msg.reading_id)
    return Addressed(msg.contract_number, ReportOdometer(msg.reading_km, msg.source), ctx)


def handle(record: KafkaRecord, app: TrackedContracts) -> None:
    """Report the reading once; its tracking commits with the events (or alone if none)."""
    addressed = to_command(parse(decode_object(record.value)))
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
