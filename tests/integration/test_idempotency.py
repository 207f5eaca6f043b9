"""Idempotency keys commit with the events of their command, or not at all (API.md 3)."""

from __future__ import annotations

import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from api.app import services_on
from domain.application import ContractsApplication
from domain.contract.billing import ReceivePayment
from domain.contract.daily import ApplyArticle18
from domain.contract.termination import RequestEarlyTermination
from domain.errors import RecordedRefusalError
from domain.money import Money
from infra.idempotency import (
    SAVE_OPTION,
    IdempotencyKeyTakenError,
    IdempotencyRecord,
    IdempotentContracts,
    digest,
)
from infra.settings import Settings
from tests.factories import REF_START, ctx, handed_over_ref_contract

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration


@pytest.fixture
def contracts(pg_env: dict[str, str]) -> Iterator[IdempotentContracts]:
    app = IdempotentContracts(env=pg_env)
    yield app
    app.close()


def _record(key: str, request: str = "body") -> IdempotencyRecord:
    return IdempotencyRecord(digest("staff-1", key), digest(request), "receive_payment", 200)


def _pay(app: IdempotentContracts, number: str, record: IdempotencyRecord) -> int:
    command = ReceivePayment(Money.of("100.00"), "pay-1")
    save = {SAVE_OPTION: record}
    result = app.execute(number, command, ctx(REF_START), None, **save)
    return result.version


def test_the_key_is_stored_with_the_versions_the_command_took(
    contracts: IdempotentContracts,
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    before = contract.version
    after = _pay(contracts, contract.number, _record("k-1"))
    found = contracts.keys.find(digest("staff-1", "k-1"))
    assert found == IdempotencyRecord(
        digest("staff-1", "k-1"),
        digest("body"),
        "receive_payment",
        200,
        contract.id,
        after,
        before + 1,
    )


def test_the_same_key_again_records_nothing(contracts: IdempotentContracts) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    version = _pay(contracts, contract.number, _record("k-2"))
    with pytest.raises(IdempotencyKeyTakenError):
        _pay(contracts, contract.number, _record("k-2"))
    assert contracts.get(contract.number).version == version


def test_a_command_that_records_nothing_still_stores_its_key(
    contracts: IdempotentContracts,
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    record = IdempotencyRecord(digest("staff-1", "k-3"), digest("b"), "apply_article_18", 200)
    # Nothing of Article 18 applies on the day of the handover: nothing is recorded.
    save = {SAVE_OPTION: record}
    contracts.execute(contract.number, ApplyArticle18(), ctx(REF_START), None, **save)
    found = contracts.keys.find(record.key)
    assert found is not None
    assert found.from_version is None
    assert found.version == contract.version


def test_L_22_a_recorded_rejection_stores_its_key_with_status_409(
    contracts: IdempotentContracts,
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    before = contract.version
    record = IdempotencyRecord(
        digest("staff-1", "k-6"), digest("b"), "request_early_termination", 200
    )
    save = {SAVE_OPTION: record}

    with pytest.raises(RecordedRefusalError) as refused:
        contracts.execute(
            contract.number, RequestEarlyTermination(), ctx(REF_START, "CUSTOMER"), None, **save
        )

    assert refused.value.rule_id == "T-18.6"
    result = refused.value.result
    assert result is not None
    assert [type(e).__name__ for e in result.recorded] == [
        "EarlyTerminationRequested",
        "EarlyTerminationRejected",
    ]
    assert contracts.get(contract.number).version == before + 2 == result.version
    found = contracts.keys.find(record.key)
    assert found == IdempotencyRecord(
        record.key, record.request, record.command, 409, contract.id, before + 2, before + 1
    )


def test_racing_requests_with_one_key_record_the_command_once(
    contracts: IdempotentContracts,
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    before = contract.version
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        try:
            _pay(contracts, contract.number, _record("k-4"))
            outcomes.append("stored")
        except IdempotencyKeyTakenError:
            outcomes.append("taken")

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["stored", "taken", "taken", "taken"]
    assert contracts.get(contract.number).version == before + 1


def test_old_keys_are_purged(contracts: IdempotentContracts) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    _pay(contracts, contract.number, _record("k-5"))
    assert contracts.keys.purge(timedelta(hours=48)) == 0
    assert contracts.keys.purge(timedelta(0)) >= 1
    assert contracts.keys.find(digest("staff-1", "k-5")) is None


def test_the_api_writes_the_one_event_store_everyone_reads(
    contracts: IdempotentContracts, app: ContractsApplication
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    _pay(contracts, contract.number, _record("k-6"))
    assert app.get(contract.number).version == contracts.get(contract.number).version


def test_an_api_process_starting_purges_keys_older_than_the_retention(
    contracts: IdempotentContracts, pg_env: dict[str, str]
) -> None:
    contract = handed_over_ref_contract()
    contracts.save(contract)
    _pay(contracts, contract.number, _record("k-old"))
    _pay(contracts, contract.number, _record("k-new"))
    recorder = contracts.keys
    table = f"{recorder.datastore.schema}.contracts_idempotency"
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(
            f"UPDATE {table} SET created_at = now() - interval '49 hours' WHERE key = %s",
            (digest("staff-1", "k-old"),),
        )
    with services_on(Settings(data_dir=Path(tempfile.mkdtemp())), pg_env, None):
        assert recorder.find(digest("staff-1", "k-old")) is None
        assert recorder.find(digest("staff-1", "k-new")) is not None
