"""Outages (issue 9): eight writers on the same few contracts lose no update, and the
workers' applications starting together on a fresh database all start.

Eight threads, each with a `ContractsApplication` of its own (its own connection pool and
aggregate cache, as eight API replicas would have), book payments with unique ids on the
same three contracts, all released at once by a barrier. `execute` decides a command again
once when another writer stored first; a second conflict reaches the writer as a
`ConcurrencyConflictError`, which the writer counts and retries: none is dropped. With
`expected_version` (If-Match) a stale version is reported to the caller and stores nothing.

Afterwards every accepted payment is stored exactly once on its contract, under the version
its command returned, each contract's versions run 1..N without a gap or a repeat, and the
stored state (snapshots included) equals a replay of every event from the first.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.postgres import PostgresFactory

from consumers.tracking import TrackedContracts
from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.billing import ReceivePayment
from domain.contract.billing_events import PaymentReceived
from domain.errors import ConcurrencyConflictError
from domain.money import Money
from tests.conftest import fresh_schema
from tests.factories import REF_START, ctx, handed_over_ref_contract

if TYPE_CHECKING:
    from uuid import UUID

    from eventsourcing.domain import DomainEventProtocol

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

logger = logging.getLogger(__name__)

WRITERS = 8
CONTRACTS = 3
PAYMENTS_PER_WRITER = 30
WRITERS_TIMEOUT = 120.0
PAID_ON = REF_START + timedelta(days=1)


class Writer(threading.Thread):
    """Books its payments on random contracts, retrying each until it is accepted."""

    def __init__(
        self, index: int, env: dict[str, str], numbers: list[str], start: threading.Barrier
    ) -> None:
        super().__init__(name=f"writer-{index}", daemon=True)
        self.index, self.env, self.numbers, self.barrier = index, env, numbers, start
        self.accepted: list[tuple[str, str, int, Decimal]] = []
        """(contract number, payment id, the version the command returned, amount)."""
        self.conflicts = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        rng = random.Random(self.index)
        app = ContractsApplication(env=self.env)
        try:
            self.barrier.wait(WRITERS_TIMEOUT)
            for i in range(PAYMENTS_PER_WRITER):
                number = rng.choice(self.numbers)
                amount = Decimal(rng.randrange(100, 10_000)) / 100
                payment_id = f"W{self.index}-{i}"
                version = self._book(app, number, ReceivePayment(Money.of(amount), payment_id))
                self.accepted.append((number, payment_id, version, amount))
        except BaseException as err:
            self.error = err  # the test fails with it
            raise
        finally:
            app.close()

    def _book(self, app: ContractsApplication, number: str, command: ReceivePayment) -> int:
        """Execute until accepted; the contract's version after it."""
        deadline = time.monotonic() + WRITERS_TIMEOUT
        while True:
            try:
                return app.execute(number, command, ctx(PAID_ON, "SYSTEM:bank")).version
            except ConcurrencyConflictError:
                self.conflicts += 1  # reported to the writer, which decides it again
                assert time.monotonic() < deadline, f"{command.payment_id} never accepted"


def replayed(events: list[DomainEventProtocol[UUID]]) -> Contract:
    """The contract folded from every stored event, no snapshot."""
    contract = project_aggregate(None, events)
    assert isinstance(contract, Contract)
    return contract


def test_eight_writers_on_the_same_contracts_lose_no_update(pg_env: dict[str, str]) -> None:
    # Given three ACTIVE contracts and eight writers, each with an application of its own
    env = {**pg_env, PostgresFactory.POSTGRES_POOL_SIZE: "2"}
    setup = ContractsApplication(env=env)
    try:
        contracts = [handed_over_ref_contract() for _ in range(CONTRACTS)]
        setup.save(*contracts)
        numbers = [c.number for c in contracts]
        start = threading.Barrier(WRITERS)
        writers = [Writer(i, env, numbers, start) for i in range(WRITERS)]

        # When they all book payments on those contracts at once
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(WRITERS_TIMEOUT)
            assert not writer.is_alive(), f"{writer.name} did not finish"
            assert writer.error is None, f"{writer.name} failed: {writer.error!r}"
        accepted = [a for w in writers for a in w.accepted]
        conflicts = sum(w.conflicts for w in writers)
        logger.info("%d conflicts reached the writers", conflicts)
        assert conflicts > 0, "the writers never raced: the test proves nothing"
        assert len(accepted) == WRITERS * PAYMENTS_PER_WRITER

        for number in numbers:
            mine = [a for a in accepted if a[0] == number]
            stored = list(setup.repository.event_store.get(Contract.create_id(number)))
            payments = [e for e in stored if isinstance(e, PaymentReceived)]

            # Then each contract's versions run 1..N: no gap, no version written twice
            assert [e.originator_version for e in stored] == list(range(1, len(stored) + 1))

            # And every accepted payment is stored exactly once, under the version it got
            assert Counter(e.payment_id for e in payments) == Counter(a[1] for a in mine)
            at = {e.payment_id: e.originator_version for e in payments}
            assert {a[1]: a[2] for a in mine} == at
            assert sum(e.amount.amount for e in payments) == sum(a[3] for a in mine)

            # And the stored state (snapshots included) equals a replay from the first event
            assert vars(setup.get(number)) == vars(replayed(stored))

        # And a command on a stale version (If-Match) is reported, and stores nothing
        before = setup.get(numbers[0]).version
        stale = ReceivePayment(Money.of("1.00"), "STALE")
        with pytest.raises(ConcurrencyConflictError):
            setup.execute(numbers[0], stale, ctx(PAID_ON), expected_version=before - 1)
        assert setup.get(numbers[0]).version == before
    finally:
        setup.close()


STARTERS = 6


def open_and_close(
    kind: type[ContractsApplication],
    env: dict[str, str],
    start: threading.Barrier,
    errors: list[BaseException],
) -> None:
    """Create the application's tables (as a worker does on start) once all are ready."""
    start.wait(WRITERS_TIMEOUT)
    try:
        kind(env=env).close()
    except Exception as err:  # noqa: BLE001 - collected, the test fails with it
        errors.append(err)


def test_workers_starting_together_on_a_fresh_schema_all_start(pg_info: PostgresInfo) -> None:
    """Each worker creates the event store's tables on start (the consumers also the shared
    tracking table and its migration record); started together they failed with a
    duplicate type, "tuple concurrently updated" or "Failed to record tracking for
    __migration__ 1" (infra/recorder.OneAtATime)."""
    for _ in range(3):
        with fresh_schema(pg_info) as schema:
            env = pg_info.eventsourcing_env(schema=schema, pool_size=1)
            start = threading.Barrier(STARTERS)
            errors: list[BaseException] = []

            kinds = [TrackedContracts, ContractsApplication] * (STARTERS // 2)
            threads = [
                threading.Thread(target=open_and_close, args=(kind, env, start, errors))
                for kind in kinds
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(WRITERS_TIMEOUT)
            assert errors == []
