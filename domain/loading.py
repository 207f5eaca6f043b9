"""How a contract is rebuilt from its snapshot and events, with less overhead per event.

The library's `project_aggregate` asserts, for every event, that it satisfies a runtime
`Protocol`; in Python 3.11 that isinstance check walks the protocol's members each time and
costs several times what applying the event does. Every event a contract reads here is a
`ContractEvent` or the library's `Snapshot`, both of which mutate an aggregate, so the
repository below replays them without the check. Nothing else of the library changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.application import Repository

if TYPE_CHECKING:
    from collections.abc import Iterable

    from eventsourcing.application import ProjectorFunction

A = TypeVar("A")


def project_events(aggregate: A | None, events: Iterable[Any]) -> A | None:
    """Apply `events` in order to `aggregate` (None before the first event or a snapshot)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class LeanRepository(Repository[UUID]):
    """The library's repository, replaying stored events with `project_events` unless a
    caller names another projector."""

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
