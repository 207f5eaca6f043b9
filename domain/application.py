"""ContractsApplication: the service layer over the Contract aggregate (eventsourcing 9.5)."""

from __future__ import annotations

import contextlib
import threading
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
)
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import InfrastructureFactory, IntegrityError
from eventsourcing.utils import get_topic, strtobool

from domain.codecs import domain_transcodings
from domain.contract import Contract
from domain.contract.registry import execute_on_two, other_contract
from domain.decisions import CommandResult, decision, until_decided
from domain.errors import (
    ConcurrencyConflictError,
    ContractError,
    ContractExistsError,
    ContractNotFoundError,
    RecordedRefusalError,
)
from domain.loading import LeanRepository, project_events
from domain.recording import SNAPSHOT, LeanEventStore, LeanMapper, StoresSnapshotsWithEvents
from domain.transcoder import ContractsTranscoder

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from eventsourcing.persistence import EventStore, JSONTranscoder

    from domain.contract import Ctx
    from domain.contract.base_events import ContractEvent
    from domain.contract.command import Command
    from domain.decisions import Decision
    from domain.terms import ContractTerms

SNAPSHOT_INTERVAL = 20
"""DESIGN 4: snapshots keep 5-year contracts cheap to load. 20, not 50: a cold load then
decodes at most 19 events after its snapshot (issue 14: any contract in under 2 ms)."""
NOTHING: MappingProxyType[str, Any] = MappingProxyType({})
"""No options for the recorder."""
LOCK_STRIPES = 64
"""Commands on one contract are serialised within a process (striped locks by contract id)."""


class ContractsApplication(Application[UUID]):
    """Commands on contracts, each load -> decide -> save, and the state at any version."""

    name = "contracts"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Contract: SNAPSHOT_INTERVAL}
    env: ClassVar[dict[str, str]] = {
        # Commands run on the cached aggregate itself, under the contract's lock; a failed
        # command evicts it, so a half-applied command never stays in the cache. The cache
        # is not fast-forwarded (that costs a read per command): a stale copy shows up as a
        # version conflict on save, and the command is decided again on the stored state.
        # Queries get a deep copy. All overridable through the env.
        "AGGREGATE_CACHE_MAXSIZE": "5000",
        "AGGREGATE_CACHE_FASTFORWARD": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        # The library's JSON, with less work per event (domain/transcoder.py).
        InfrastructureFactory.TRANSCODER_TOPIC: get_topic(ContractsTranscoder),
        # Stored events and notifications made with less work (domain/recording.py).
        InfrastructureFactory.MAPPER_TOPIC: get_topic(LeanMapper),
    }

    snapshots_with_events: ClassVar[bool] = True
    """Store a command's snapshot in its events' transaction where the recorder can."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        self._locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        table = getattr(self.snapshots and self.snapshots.recorder, "events_table_name", None)
        recorder = self.recorder
        self._snapshot_in_save = (
            self.snapshots_with_events
            and isinstance(recorder, StoresSnapshotsWithEvents)
            and isinstance(table, str)
            and recorder.store_snapshots_in(table)
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in domain_transcodings():
            transcoder.register(transcoding)

    def construct_event_store(self) -> EventStore[UUID]:
        return LeanEventStore(mapper=self.mapper, recorder=self.recorder)

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository with the lean projector (domain/loading.py); the cache
        settings are read from the env as the library reads them."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return LeanRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")
            ),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )

    def _take_snapshots(self, processing: ProcessingEvent[UUID]) -> None:
        """Snapshot each saved contract whose events passed a multiple of its interval, as
        it stands after them (that version or a few after it).

        The library would load the contract again from the store at the multiple (a
        cold load inside the command); the copy in hand is that state already, since
        events are the only thing that changes it (DESIGN 4)."""
        if self.snapshots is None:
            return
        taken = processing.saved_kwargs.get(SNAPSHOT)  # stored with the events already
        first: dict[UUID, int] = {}  # the first version each aggregate saved here
        for event in processing.events:
            first.setdefault(event.originator_id, event.originator_version)
        for aggregate_id, first_version in first.items():
            aggregate = processing.aggregates.get(aggregate_id)
            if (
                aggregate is not None
                and self._snapshot_due(aggregate, first_version)
                and (taken is None or taken.originator_id != aggregate_id)
            ):
                self.snapshots.put([Snapshot.take(aggregate)])

    def _snapshot_with_events(
        self, processing: ProcessingEvent[UUID], contract: Contract, recorded: Sequence[Any]
    ) -> None:
        """Give the recorder the contract's snapshot with the events `recorded` when they pass
        a multiple of the interval and it stores snapshots in their transaction."""
        first = recorded[0].originator_version if recorded else None
        if self._snapshot_in_save and first is not None and self._snapshot_due(contract, first):
            processing.saved_kwargs[SNAPSHOT] = self.mapper.to_stored_event(Snapshot.take(contract))

    def _snapshot_due(self, aggregate: Any, first_version: int) -> bool:
        """Whether the events saved from `first_version` passed a multiple of the interval."""
        interval = self.snapshotting_intervals.get(type(aggregate))
        return (
            interval is not None and aggregate.version // interval > (first_version - 1) // interval
        )

    # --- queries ------------------------------------------------------------------------

    def get(self, number: str, version: int | None = None) -> Contract:
        """The contract as stored at `version` (latest if None), read from the event store."""
        contract_id = Contract.create_id(number)
        try:
            if version is None:  # the cache may lag other writers: read what is stored
                contract: Contract = self.repository._reconstruct_aggregate(
                    contract_id,
                    None,
                    project_events,
                )
            else:
                contract = self.repository.get(contract_id, version=version)
        except AggregateNotFoundError:
            raise ContractNotFoundError(number) from None
        if not isinstance(contract, Contract):  # pragma: no cover - ids are uuid5 of numbers
            raise ContractNotFoundError(number)
        return contract

    def exists(self, number: str) -> bool:
        return Contract.create_id(number) in self.repository

    # --- commands -----------------------------------------------------------------------

    def conclude(self, terms: ContractTerms, ctx: Ctx, **save: Any) -> CommandResult:
        """L-01: form a contract; a second conclusion of the same number is refused."""
        if self.exists(terms.contract_number):
            raise ContractExistsError(terms.contract_number)
        return self._save(Contract.conclude(terms, ctx), save)

    def execute(
        self,
        number: str,
        command: Command,
        ctx: Ctx,
        expected_version: int | None = None,
        **save: Any,
    ) -> CommandResult:
        """Load the contract, decide one registered command on it, save (DESIGN 4).

        With `expected_version` (If-Match) a stale version is a conflict. Without it the
        command applies to the latest state: if another writer got there first, it is
        decided again on the stored state (`until_decided`). `save` goes to the recorder
        with the events (in the same transaction), e.g. the HTTP API's idempotency key. A
        command that names a second contract of the Customer (M-10) is decided on both
        (`execute_on_two`).
        """
        other = other_contract(command)
        if other is not None:
            return self.execute_on_two(number, other, command, ctx, expected_version, **save)
        return self.decide(number, decision(ctx, command), expected_version, **save)

    def execute_on_two(
        self,
        number: str,
        other: str,
        command: Command,
        ctx: Ctx,
        expected_version: int | None = None,
        **save: Any,
    ) -> CommandResult:
        """Decide a two-contract command (M-10: a Guarantee applied across the Customer's
        contracts) on contract `number` and contract `other`, and save the events of both
        in one transaction. Both are read from the store under both contracts' locks (taken
        in stripe order); a writer that got there first is a conflict, decided again
        without `expected_version` (`until_decided`). The result is `number`'s, with its events."""
        ids = (Contract.create_id(number), Contract.create_id(other))
        with contextlib.ExitStack() as held:
            for stripe in sorted({i.int % LOCK_STRIPES for i in ids}):
                held.enter_context(self._locks[stripe])
            return until_decided(
                lambda: self._two_once(number, other, command, ctx, expected_version, save),
                retry=expected_version is None,
            )

    def _two_once(
        self,
        number: str,
        other: str,
        command: Command,
        ctx: Ctx,
        expected_version: int | None,
        save: Mapping[str, Any],
    ) -> CommandResult:
        first, second = Contract.create_id(number), Contract.create_id(other)
        for contract_id in (first, second):
            self._evict(contract_id)  # rare: read both as stored rather than trust the cache
        contract = self._load_for_command(number, first)
        if expected_version is not None and contract.version != expected_version:
            raise ConcurrencyConflictError(number)
        beneficiary = self._load_for_command(other, second)
        try:
            execute_on_two(contract, beneficiary, command, ctx)
            return self._save(contract, save, None, (beneficiary,))
        except BaseException:
            self._evict(first)
            self._evict(second)
            raise

    def decide(
        self,
        number: str,
        command: Decision,
        expected_version: int | None = None,
        **save: Any,
    ) -> CommandResult:
        """`execute` for a `decision`: several registered commands in one transaction (a
        day's rules, then its billing)."""
        return self._decide_locked(
            number, Contract.create_id(number), command, expected_version, save
        )

    def decide_id(self, contract_id: UUID, command: Decision) -> CommandResult:
        """`decide` for a contract known by its id (as the event log names it)."""
        return self._decide_locked(str(contract_id), contract_id, command, None, NOTHING)

    def _decide_locked(
        self,
        number: str,
        contract_id: UUID,
        command: Decision,
        expected_version: int | None,
        save: Mapping[str, Any],
    ) -> CommandResult:
        with self._locks[contract_id.int % LOCK_STRIPES]:
            return until_decided(
                lambda: self._execute_once(number, contract_id, command, expected_version, save),
                retry=expected_version is None,
            )

    def _execute_once(
        self,
        number: str,
        contract_id: UUID,
        command: Decision,
        expected_version: int | None,
        save: Mapping[str, Any],
    ) -> CommandResult:
        if expected_version is not None:
            contract = self._load_for_command(number, contract_id)
            if contract.version != expected_version:
                self._evict(contract_id)  # it may only be the cache that is stale
                if self._load_for_command(number, contract_id).version != expected_version:
                    raise ConcurrencyConflictError(number)
        try:
            contract, refusal = self._decide(number, contract_id, command)
            result = self._save(contract, save, refusal)
        except BaseException:
            self._evict(contract_id)
            raise
        if refusal is not None:  # stored: the cached copy is the stored state
            refusal.result = result
            raise refusal
        return result

    def _decide(
        self, number: str, contract_id: UUID, command: Decision
    ) -> tuple[Contract, RecordedRefusalError | None]:
        """Run the command on the cached copy, or on the stored state where it matters; the
        contract with its pending events, and the refusal they record if they record one.

        A stale copy is caught by the save when the command records events (a recorded
        refusal too). A refusal or a command that records nothing is not saved, so when
        other writers (the consumers) stored events after the copy, it is decided again on
        the stored state.
        """
        contract = self._load_for_command(number, contract_id)
        try:
            refusal = command(contract)
        except ContractError:
            if self._is_latest(contract):
                raise
            return self._decide_again(number, contract_id, command)
        if not contract.pending_events and self._fast_forward(contract):
            refusal = command(contract)
        return contract, refusal

    def _fast_forward(self, contract: Contract) -> bool:
        """Apply to an unchanged cached copy the events other writers stored after it
        (one read, cheaper than a reload); whether there were any."""
        if self.repository.cache is None:
            return False
        stored = self.repository.event_store.get(contract.id, gt=contract.version)
        newer = cast("list[ContractEvent]", list(stored))
        for event in newer:
            event.mutate(contract)
        return bool(newer)

    def _decide_again(
        self, number: str, contract_id: UUID, command: Decision
    ) -> tuple[Contract, RecordedRefusalError | None]:
        self._evict(contract_id)
        contract = self._load_for_command(number, contract_id)
        return contract, command(contract)

    def _is_latest(self, contract: Contract) -> bool:
        """Whether no events were stored after the copy's version (always, without a cache)."""
        if self.repository.cache is None:
            return True
        decided_on = contract.version - len(contract.pending_events)
        return not self.recorder.select_events(contract.id, gt=decided_on, limit=1)

    def _load_for_command(self, number: str, contract_id: UUID) -> Contract:
        try:
            contract: Contract = self.repository.get(contract_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise ContractNotFoundError(number) from None
        return contract

    def _evict(self, contract_id: UUID) -> None:
        """Drop a contract from the cache after a failed command (it reloads from the store)."""
        if self.repository.cache is not None:
            with contextlib.suppress(KeyError):
                self.repository.cache.get(contract_id, evict=True)

    def _save(
        self,
        contract: Contract,
        save: Mapping[str, Any] = NOTHING,
        refusal: RecordedRefusalError | None = None,  # noqa: ARG002 - for the subclasses
        others: tuple[Contract, ...] = (),
    ) -> CommandResult:
        """Application.save for one aggregate, without its per-object Protocol isinstance
        checks (slow in Python 3.11, a sixth of a command's client time when measured);
        `save` goes to the recorder with the events, which record `refusal` if not None.
        The events of `others` (a two-contract command) are stored in the same transaction,
        before `contract`'s, so the result's position, `contract`'s last event, is the
        transaction's last (read-your-writes covers both; an idempotent replay answers it)."""
        processing: ProcessingEvent[UUID] = ProcessingEvent()  # a subscripted call costs more
        for also in others:
            processing.events.extend(also.collect_events())
            processing.aggregates[also.id] = also
        recorded = cast("list[ContractEvent]", contract.collect_events())
        processing.events.extend(recorded)
        processing.aggregates[contract.id] = contract
        processing.saved_kwargs.update(save)
        self._snapshot_with_events(processing, contract, recorded)
        try:
            recordings = self._record(processing)
        except IntegrityError:
            raise ConcurrencyConflictError(contract.number) from None
        self._take_snapshots(processing)
        self._notify(recordings)
        position = recordings[-1].notification.id if recordings else None
        return CommandResult(contract.id, contract.version, position, tuple(recorded))
