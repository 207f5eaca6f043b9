"""Loading a contract: the lean projector and the snapshots' documents as rows (issue 14)."""

from __future__ import annotations

from datetime import date
from typing import cast
from uuid import UUID

from eventsourcing.application import project_aggregate
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)

from domain.application import SNAPSHOT_INTERVAL, ContractsApplication
from domain.codecs import RECEIVABLE_ROW, domain_transcodings
from domain.contract import Contract
from domain.contract.incidents import ReportOdometer
from domain.loading import LeanRepository
from tests.factories import ctx, part_paid_in, run_days

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
LAST_DAY = date(2028, 3, 31)
"""Four years of REF: 49 invoices and their snapshots."""


def lived_contract(app: ContractsApplication) -> str:
    """REF concluded, handed over and billed for four years through `app`, with one part
    payment, so that documents are open, paid and part paid."""
    number = part_paid_in(app, date(2024, 5, 1))
    app.decide(number, lambda c: run_days(c, date(2024, 5, 2), LAST_DAY))
    return number


def full_replay(app: ContractsApplication, number: str) -> Contract:
    """Every stored event through the library's own projector, no snapshot."""
    contract = project_aggregate(None, app.events.get(Contract.create_id(number)))
    assert isinstance(contract, Contract)
    return contract


def old_mapper() -> Mapper[UUID]:
    """The mapper as it was before documents were written as rows (one dict per document,
    each field tagged)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), *domain_transcodings()):
        if transcoding is not RECEIVABLE_ROW:
            transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def test_a_contract_loaded_from_its_snapshot_equals_the_replay_of_every_event() -> None:
    app = ContractsApplication(env=IN_MEMORY)
    number = lived_contract(app)

    loaded = app.get(number)

    assert isinstance(app.repository, LeanRepository)
    assert app.snapshots is not None
    assert list(app.snapshots.get(Contract.create_id(number)))  # it loads from one
    assert loaded.version > SNAPSHOT_INTERVAL
    assert loaded == full_replay(app, number)
    assert app.get(number, version=SNAPSHOT_INTERVAL + 1) == project_aggregate(
        None, app.events.get(Contract.create_id(number), lte=SNAPSHOT_INTERVAL + 1)
    )


def test_a_snapshot_writes_each_document_as_one_row_and_reads_it_back() -> None:
    app = ContractsApplication(env=IN_MEMORY)
    contract = full_replay(app, lived_contract(app))
    snapshot = Snapshot.take(contract)

    stored = app.snapshots.mapper.to_stored_event(snapshot)  # type: ignore[union-attr]
    before = old_mapper().to_stored_event(snapshot)
    restored = cast("Snapshot", app.mapper.to_domain_event(stored)).mutate(None)

    assert stored.state.count(b'"_type_":"receivable_row"') == len(contract.receivables) > 40
    assert b'"_type_":"Receivable"' not in stored.state
    assert len(stored.state) * 2 < len(before.state)
    assert restored == contract
    assert any(r.open.is_positive and r.open != r.amount for r in contract.receivables.values())


def test_a_snapshot_written_before_documents_were_rows_still_loads() -> None:
    app = ContractsApplication(env=IN_MEMORY)
    contract = full_replay(app, lived_contract(app))
    stored = old_mapper().to_stored_event(Snapshot.take(contract))

    restored = cast("Snapshot", app.mapper.to_domain_event(stored)).mutate(None)

    assert b'"_type_":"Receivable"' in stored.state
    assert restored == contract


def test_each_snapshot_taken_from_the_contract_in_hand_equals_the_replay_at_its_version() -> None:
    app = ContractsApplication(env=IN_MEMORY)
    number = lived_contract(app)  # 4 years in three long commands, then one event a command
    for km in range(SNAPSHOT_INTERVAL + 1):
        app.execute(number, ReportOdometer(odometer=70_000 + km), ctx(LAST_DAY))
    contract_id = Contract.create_id(number)

    assert app.snapshots is not None
    snapshots = list(app.snapshots.get(contract_id))

    versions = [s.originator_version for s in snapshots]
    assert any(v % SNAPSHOT_INTERVAL for v in versions)  # after a long command
    assert any(v % SNAPSHOT_INTERVAL == 0 for v in versions)  # at the multiple itself
    for snapshot in snapshots:
        replayed = project_aggregate(
            None, app.events.get(contract_id, lte=snapshot.originator_version)
        )
        assert project_aggregate(None, [snapshot]) == replayed
