"""The contracts' lean mapper and event store make what the library's make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.compressor import ZlibCompressor
from eventsourcing.domain import DomainEvent, Snapshot
from eventsourcing.persistence import EventStore, Mapper
from eventsourcing.popo import POPOApplicationRecorder

from domain.application import ContractsApplication
from domain.contract import Contract, Ctx
from domain.contract.formation import OrderVehicle
from domain.recording import LeanEventStore, LeanMapper
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.factories import ref_terms

if TYPE_CHECKING:
    from eventsourcing.persistence import Transcoder


@dataclass(frozen=True)
class Revised(DomainEvent):
    """An event class at version 2 (the mapper writes its class version into the state)."""

    class_version = 2
    note: str


def a_contract() -> tuple[ContractsApplication, Contract]:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    terms = ref_terms()
    number = terms.contract_number
    app.conclude(terms, Ctx(date(2024, 1, 2), "CUSTOMER", "conclude"))
    app.execute(number, OrderVehicle(), Ctx(date(2024, 1, 3), "LESSOR_USER", "order"))
    return app, app.get(number)


def test_the_app_maps_and_stores_with_the_lean_classes() -> None:
    app, _ = a_contract()
    assert type(app.mapper) is LeanMapper
    assert type(app.events) is LeanEventStore
    assert app.snapshots is not None
    assert app.snapshots.mapper is app.mapper


def test_each_stored_event_is_the_library_s() -> None:
    app, contract = a_contract()
    transcoder: Transcoder = app.mapper.transcoder
    library, lean = Mapper[UUID](transcoder), LeanMapper(transcoder)
    events = [*app.repository.event_store.get(contract.id), Snapshot.take(contract)]
    revised = Revised(
        originator_id=contract.id,
        originator_version=contract.version + 1,
        timestamp=Revised.create_timestamp(),
        note="revised",
    )
    for event in [*events, revised, revised]:  # the second time from what the mapper keeps
        assert lean.to_stored_event(event) == library.to_stored_event(event)
    assert b'"class_version":2' in lean.to_stored_event(revised).state


def test_a_compressing_mapper_maps_as_the_library_s() -> None:
    app, contract = a_contract()
    [event, *_] = app.repository.event_store.get(contract.id)
    compressed = LeanMapper(app.mapper.transcoder, compressor=ZlibCompressor())
    stored = compressed.to_stored_event(event)
    library = Mapper[UUID](app.mapper.transcoder, compressor=ZlibCompressor())
    assert stored == library.to_stored_event(event)
    assert compressed.to_domain_event(stored) == event


def test_put_records_as_the_library_s() -> None:
    app, contract = a_contract()
    events = list(app.repository.event_store.get(contract.id))
    library = EventStore[UUID](app.mapper, POPOApplicationRecorder())
    lean = LeanEventStore(app.mapper, POPOApplicationRecorder())

    recorded, expected = lean.put(events), library.put(events)

    assert [r.notification for r in recorded] == [r.notification for r in expected]
    assert [r.domain_event for r in recorded] == events
    assert [r.notification.id for r in recorded] == list(range(1, len(events) + 1))
    assert lean.put([]) == []
