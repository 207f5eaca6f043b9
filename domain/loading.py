"""How a contract is rebuilt from its snapshot and events, with less overhead per event.

The library's `project_aggregate` asserts, for every event, that it satisfies a runtime
`Protocol`; in Python 3.11 that isinstance check walks the protocol's members each time and
costs several times what applying the event does. Every event a contract reads here is a
`ContractEvent` or the library's `Snapshot`, both of which mutate an aggregate, so the
repository below replays them without the check. Where the recorder can (infra/reads.py), it
also reads the snapshot and the events after it in one round trip instead of two.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

if TYPE_CHECKING:
    from collections.abc import Iterable

    from eventsourcing.application import ProjectorFunction
    from eventsourcing.persistence import StoredEvent

A = TypeVar("A")


@runtime_checkable
class ReadsFromSnapshot(Protocol):
    """A recorder that reads a snapshot and the events after it in one round trip
    (infra/reads.py); checked once, when the repository is made."""

    def select_from_snapshot(
        self, originator_id: UUID | str, snapshots_table: str, lte: int | None = None
    ) -> tuple[StoredEvent | None, list[StoredEvent]]: ...


def project_events(aggregate: A | None, events: Iterable[Any]) -> A | None:
    """Apply `events` in order to `aggregate` (None before the first event or a snapshot)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LeanRepository(Repository[UUID]):
    """The library's repository, replaying stored events with `project_events` unless a
    caller names another projector, and reading the snapshot and the events after it in one
    round trip where the recorder can (the library asks for each in turn)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        recorder = self.event_store.recorder
        snapshots = self.snapshot_store.recorder if self.snapshot_store is not None else None
        table = getattr(snapshots, "events_table_name", None)
        self._reader: ReadsFromSnapshot | None = None
        self._snapshots_table = table if isinstance(table, str) else ""
        if isinstance(recorder, ReadsFromSnapshot) and self._snapshots_table:
            self._reader = recorder

    def _reconstruct_aggregate(
        self, aggregate_id: UUID, version: int | None, projector_func: ProjectorFunction[Any, Any]
    ) -> Any:
        if self._reader is None or self.snapshot_store is None:
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        snapshot, events = self._reader.select_from_snapshot(
            aggregate_id, self._snapshots_table, version
        )
        decoded: Iterable[Any] = map(self.event_store.mapper.to_domain_event, events)
        if snapshot is not None:
            decoded = chain([self.snapshot_store.mapper.to_domain_event(snapshot)], decoded)
        aggregate = projector_func(None, decoded)
        if aggregate is None:
            msg = f"Aggregate {aggregate_id!r} version {version!r} not found."
            raise AggregateNotFoundError(msg)
        return aggregate

    def get(
        self,
        aggregate_id: UUID,
        *,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_events,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        return super().get(
            aggregate_id,
            version=version,
            projector_func=projector_func,
            fastforward_skipping=fastforward_skipping,
            deepcopy_from_cache=deepcopy_from_cache,
        )
