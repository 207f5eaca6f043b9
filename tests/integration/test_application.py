"""ContractsApplication on PostgreSQL: reloads, snapshots, history, uniqueness, concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, cast

import pytest
from eventsourcing.application import project_aggregate

from domain.application import SNAPSHOT_INTERVAL, ContractsApplication
from domain.contract import Contract
from domain.contract.billing import ReceivePayment
from domain.contract.billing_events import PaymentReceived
from domain.contract.daily import ApplyArticle18
from domain.contract.formation import (
    HandOverVehicle,
    NotifyVehicleReady,
    OrderVehicle,
    SubmitInsuranceProof,
)
from domain.contract.incidents import ReportOdometer
from domain.contract.registry import execute
from domain.contract.settlement import ReturnVehicle
from domain.decisions import DECIDE_ATTEMPTS, CommandResult
from domain.errors import ConcurrencyConflictError, ContractExistsError
from domain.loading import ReadsFromSnapshot
from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import ContractStatus
from tests.factories import REF_START, ctx, ref_terms, run_daily_app, run_days

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from eventsourcing.application import ProcessingEvent
    from eventsourcing.persistence import Recording
    from eventsourcing.postgres import PostgresAggregateRecorder

pytestmark = pytest.mark.integration

CONCLUDED_ON = date(2024, 2, 1)
ORDERED_ON = date(2024, 2, 10)
READY_NOTICE = date(2024, 3, 1)
PROOF_ON = date(2024, 3, 4)
LAST_INVOICE_DAY = date(2028, 3, 1)  # REF's 49th calendar month begins
POLICY = LessorPolicy()
BARRIER_TIMEOUT = 30.0
"""Seconds a command waits for the other one to load the same version (a hang guard only)."""


@pytest.fixture
def other_app(pg_env: dict[str, str]) -> Iterator[ContractsApplication]:
    """A second application instance on the same database (another service process)."""
    application = ContractsApplication(env=pg_env)
    yield application
    application.close()


def active_contract(app: ContractsApplication) -> str:
    """Conclude REF and walk it to ACTIVE through the application (versions 1..5)."""
    terms = ref_terms()
    number = terms.contract_number
    app.conclude(terms, ctx(CONCLUDED_ON))
    app.execute(number, OrderVehicle(), ctx(ORDERED_ON))
    app.execute(number, NotifyVehicleReady(), ctx(READY_NOTICE))
    app.execute(number, SubmitInsuranceProof(), ctx(PROOF_ON))
    result = app.execute(number, HandOverVehicle(odometer=12), ctx(REF_START))
    assert result.version == 5
    return number


def full_replay(app: ContractsApplication, number: str, version: int | None = None) -> Contract:
    """The contract projected from every stored event, ignoring snapshots."""
    events = app.events.get(Contract.create_id(number), lte=version)
    contract = project_aggregate(None, events)
    assert isinstance(contract, Contract)
    return contract


def stored_payments(app: ContractsApplication, number: str) -> list[PaymentReceived]:
    events = app.events.get(Contract.create_id(number))
    return [e for e in events if isinstance(e, PaymentReceived)]


class TestPersistence:
    def test_L_01_conclude_commands_and_reload_give_the_same_contract(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)
        paid = app.execute(
            number, ReceivePayment(amount=Money.of("419.35")), ctx(REF_START, actor="CUSTOMER")
        )
        live = app.get(number)

        reloaded = other_app.get(number)

        assert paid.version == live.version == reloaded.version == 7
        assert reloaded.status is ContractStatus.ACTIVE
        assert reloaded.start_date == REF_START
        assert reloaded.receivables == live.receivables
        assert reloaded.receivables["R0001"].open == Money.zero()
        assert reloaded == live

    def test_a_snapshot_past_each_interval_loads_the_same_state_as_a_full_replay(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        contract_id = Contract.create_id(number)
        result = app.decide(number, lambda c: run_days(c, REF_START, LAST_INVOICE_DAY))
        reports = SNAPSHOT_INTERVAL - result.version % SNAPSHOT_INTERVAL  # to the next multiple
        for km in range(reports):  # one event each
            app.execute(number, ReportOdometer(odometer=70_000 + km), ctx(LAST_INVOICE_DAY))

        assert app.snapshots is not None
        snapshots = list(app.snapshots.get(contract_id))
        # One command of 5 + 49 monthly invoices passed two multiples: one snapshot after
        # it; then one event a command, the next snapshot at the multiple itself.
        after_invoices, at_multiple = result.version, result.version + reports
        assert after_invoices > 2 * SNAPSHOT_INTERVAL
        assert [s.originator_version for s in snapshots] == [after_invoices, at_multiple]
        assert at_multiple % SNAPSHOT_INTERVAL == 0
        for snapshot in snapshots:
            from_snapshot = project_aggregate(None, [snapshot])
            assert from_snapshot == full_replay(app, number, snapshot.originator_version)
        loaded = other_app.get(number)  # the last snapshot
        assert loaded == full_replay(app, number)
        assert len(loaded.invoiced_periods) == 49
        past = other_app.get(number, version=after_invoices + 2)  # a snapshot, 2 events
        assert past == full_replay(app, number, after_invoices + 2)

    def test_a_cold_load_reads_its_snapshot_and_the_events_after_it_in_one_round_trip(
        self, app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        contract_id = Contract.create_id(number)
        snapshotted = app.decide(number, lambda c: run_days(c, REF_START, LAST_INVOICE_DAY))
        for km in range(3):
            app.execute(number, ReportOdometer(odometer=70_000 + km), ctx(LAST_INVOICE_DAY))
        reader, at = app.recorder, snapshotted.version
        assert isinstance(reader, ReadsFromSnapshot)
        assert app.snapshots is not None
        table = cast("PostgresAggregateRecorder", app.snapshots.recorder).events_table_name

        def read(lte: int | None) -> tuple[int | None, list[int]]:
            snapshot, events = reader.select_from_snapshot(contract_id, table, lte)
            version = snapshot.originator_version if snapshot is not None else None
            return version, [e.originator_version for e in events]

        assert read(None) == (at, [at + 1, at + 2, at + 3])
        assert read(at + 1) == (at, [at + 1])
        assert read(at) == (at, [])
        assert read(at - 1) == (None, list(range(1, at)))
        assert app.get(number) == full_replay(app, number)
        assert app.get(number, version=at - 1) == full_replay(app, number, at - 1)

    def test_state_at_any_version(self, app: ContractsApplication) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)

        concluded = app.get(number, version=1)
        proof_accepted = app.get(number, version=4)
        handed_over = app.get(number, version=5)

        assert (concluded.version, concluded.status) == (1, ContractStatus.CONCLUDED)
        assert proof_accepted.status is ContractStatus.READY_FOR_HANDOVER
        assert proof_accepted.insurance_proof_accepted is True
        assert (handed_over.version, handed_over.status) == (5, ContractStatus.ACTIVE)
        assert handed_over.start_date == REF_START
        assert handed_over.receivables == {}
        assert app.get(number).version == 6

    def test_L_01_repeated_conclude_of_the_same_number_is_refused(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        terms = ref_terms()
        app.conclude(terms, ctx(CONCLUDED_ON))

        with pytest.raises(ContractExistsError) as again:
            app.conclude(terms, ctx(CONCLUDED_ON))
        with pytest.raises(ContractExistsError):
            other_app.conclude(terms, ctx(CONCLUDED_ON))

        assert again.value.rule_id == "L-01"
        assert app.get(terms.contract_number).version == 1


Outcome = CommandResult | BaseException
AMOUNTS = {"PAY-A": Money.of("100.00"), "PAY-B": Money.of("60.00")}
"""Different amounts, so a state built on the losing payment cannot pass for the stored one."""


def race_payments(
    number: str, apps: dict[str, ContractsApplication], *, if_match: bool = True
) -> dict[str, Outcome]:
    """Each instance loads the contract, waits until all have loaded, then pays.

    With `if_match` every payment names the version it was decided on (If-Match). The
    payment id is the key of the instance in `apps`; the amount is AMOUNTS[payment id].
    """
    loaded_version = next(iter(apps.values())).get(number).version
    barrier = threading.Barrier(len(apps), timeout=BARRIER_TIMEOUT)
    expected = loaded_version if if_match else None

    def pay(application: ContractsApplication, payment_id: str) -> CommandResult:
        def command(contract: Contract) -> None:
            if contract.version == loaded_version:  # the first attempt of each instance
                barrier.wait()  # every instance has loaded the same version before saving
            execute(
                contract,
                ReceivePayment(amount=AMOUNTS[payment_id], payment_id=payment_id),
                ctx(REF_START, actor="CUSTOMER"),
            )

        return application.decide(number, command, expected_version=expected)

    with ThreadPoolExecutor(max_workers=len(apps)) as pool:
        futures = {pid: pool.submit(pay, application, pid) for pid, application in apps.items()}
    return {pid: future.exception() or future.result() for pid, future in futures.items()}


def split(outcomes: dict[str, Outcome]) -> tuple[list[str], list[str]]:
    """(payment ids that were saved, payment ids refused as concurrency conflicts)."""
    won = [pid for pid, outcome in outcomes.items() if isinstance(outcome, CommandResult)]
    lost = [pid for pid, o in outcomes.items() if isinstance(o, ConcurrencyConflictError)]
    assert len(won) + len(lost) == len(outcomes), outcomes
    return won, lost


class TestConcurrency:
    def test_two_commands_on_the_same_version_one_wins_the_other_conflicts(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)
        loaded_version = app.get(number).version

        won, lost = split(race_payments(number, {"PAY-A": app, "PAY-B": other_app}))

        assert (len(won), len(lost)) == (1, 1)
        assert [p.payment_id for p in stored_payments(app, number)] == won
        history = list(app.events.get(Contract.create_id(number)))
        assert [e.originator_version for e in history] == list(range(1, loaded_version + 2))
        for application in (app, other_app):
            reloaded = application.get(number)
            assert (reloaded.version, reloaded.payments_received) == (loaded_version + 1, 1)

    def test_without_if_match_the_later_command_is_decided_again_and_both_count(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)
        loaded_version = app.get(number).version

        outcomes = race_payments(number, {"PAY-A": app, "PAY-B": other_app}, if_match=False)

        won, lost = split(outcomes)
        assert (sorted(won), lost) == (["PAY-A", "PAY-B"], [])
        assert sorted(p.payment_id for p in stored_payments(app, number)) == ["PAY-A", "PAY-B"]
        history = list(app.events.get(Contract.create_id(number)))
        assert [e.originator_version for e in history] == list(range(1, len(history) + 1))
        assert len(history) >= loaded_version + 2

    def test_the_losing_instance_reloads_and_retries(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)
        apps = {"PAY-A": app, "PAY-B": other_app}
        won, lost = split(race_payments(number, apps))

        loser = apps[lost[0]]

        retried = loser.decide(
            number,
            lambda c: execute(
                c,
                ReceivePayment(amount=AMOUNTS[lost[0]], payment_id=lost[0]),
                ctx(REF_START, actor="CUSTOMER"),
            ),
        )

        assert retried.version == 8
        assert [p.payment_id for p in stored_payments(app, number)] == won + lost
        assert loser.get(number) == full_replay(app, number)
        assert loser.get(number).receivables["R0001"].open == Money.of("259.35")

    @pytest.mark.parametrize("interruptions", [DECIDE_ATTEMPTS - 1, DECIDE_ATTEMPTS])
    def test_a_command_another_writer_keeps_overtaking_is_decided_again_until_a_bound(
        self,
        app: ContractsApplication,
        other_app: ContractsApplication,
        monkeypatch: pytest.MonkeyPatch,
        interruptions: int,
    ) -> None:
        # Given another instance stores a payment on the contract just before each of this
        # instance's first `interruptions` saves (another API process under load)
        number = active_contract(app)
        record = app._record
        overtaken: list[str] = []

        def overtaking_record(processing: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
            if len(overtaken) < interruptions:
                overtaken.append(f"OTHER-{len(overtaken)}")
                payment = ReceivePayment(amount=Money.of("10.00"), payment_id=overtaken[-1])
                other_app.execute(number, payment, ctx(REF_START))
            return record(processing)

        monkeypatch.setattr(app, "_record", overtaking_record)
        mine = ReceivePayment(amount=Money.of("100.00"), payment_id="MINE")

        # When this instance pays without an expected version
        if interruptions < DECIDE_ATTEMPTS:
            result = app.execute(number, mine, ctx(REF_START))
            # Then it is decided again each time, on the stored state, and saved last
            assert result.version == 5 + interruptions + 1
            expected = [*overtaken, "MINE"]
        else:
            # Then after DECIDE_ATTEMPTS attempts the conflict is the caller's
            with pytest.raises(ConcurrencyConflictError):
                app.execute(number, mine, ctx(REF_START))
            expected = overtaken
        assert [p.payment_id for p in stored_payments(app, number)] == expected
        assert app.get(number) == full_replay(app, number)

    def test_an_instance_with_the_contract_cached_sees_commands_of_another(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        other_app.get(number)  # the second instance has seen version 5
        run_daily_app(app, number, ctx(REF_START), POLICY)

        retried = other_app.execute(
            number, ReceivePayment(amount=Money.of("419.35")), ctx(REF_START, actor="CUSTOMER")
        )

        assert retried.version == 7
        assert [p.payment_id for p in stored_payments(app, number)] == ["P0001"]

    def test_execute_with_a_stale_expected_version_is_refused(
        self, app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        run_daily_app(app, number, ctx(REF_START), POLICY)

        with pytest.raises(ConcurrencyConflictError) as stale:
            app.decide(
                number,
                lambda c: execute(c, ReceivePayment(amount=Money.of("419.35")), ctx(REF_START)),
                expected_version=5,
            )

        assert stale.value.rule_id == "L-39"
        assert app.get(number).version == 6
        assert stored_payments(app, number) == []

    def test_a_command_that_records_nothing_is_decided_on_what_others_stored(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        # Given this instance's cache holds the contract, then another writer (a consumer)
        # stores a km reading over the cap (T-18.1-ii) that this cache has not seen
        number = active_contract(app)
        reading_day = date(2024, 4, 2)
        other_app.execute(number, ReportOdometer(odometer=200_000), ctx(reading_day))

        # When the Article 18 rules run here: on the cached copy they would record nothing
        result = app.execute(number, ApplyArticle18(), replace(ctx(reading_day), policy=POLICY))

        # Then they ran on the stored state: the contract ended by law
        assert result.position is not None
        assert app.get(number).status is ContractStatus.ENDED_AWAITING_RETURN

    def test_a_refusal_on_a_stale_copy_is_decided_again_on_the_stored_state(
        self, app: ContractsApplication, other_app: ContractsApplication
    ) -> None:
        number = active_contract(app)
        reading_day = date(2024, 4, 2)

        def end_by_law(c: Contract) -> None:
            execute(c, ReportOdometer(odometer=200_000), ctx(reading_day))
            execute(c, ApplyArticle18(), replace(ctx(reading_day), policy=POLICY))

        other_app.decide(number, end_by_law)

        # Returning the car is refused while ACTIVE (the cached state), allowed once ended.
        app.execute(
            number,
            ReturnVehicle(odometer=200_010, damages=(), missing_items=()),
            ctx(date(2024, 4, 3)),
        )

        assert app.get(number).status is ContractStatus.IN_SETTLEMENT
