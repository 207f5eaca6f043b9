"""What several views derive from the same event, worked out once per event object.

A batch of events (a live batch, a rebuild's chunk) is applied view after view, and several
views ask the same question of each event (the document a `ReceivableIssued` issues: five of
them). `PerEvent` wraps such a function: the answer is kept by the event object's identity
while the engine works on a batch, and dropped when it moves on (`PerEvent.forget_all`,
called by the engine after each batch and chunk). The entry holds the event itself, so its
`id` cannot be reused by another object while the entry lives; a cap bounds what is kept
should nothing call `forget_all` (e.g. views applied outside the engine).

The wrapped function must be pure and its answer must not be changed by the caller (hand
out a copy of anything mutable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

LIMIT = 50_000
"""Events remembered by one `PerEvent` at most (a rebuild's chunk holds ~20,000)."""


class PerEvent(Generic[T]):
    """A pure function of one event, remembered by the event object's identity."""

    _every: ClassVar[list[PerEvent[object]]] = []

    def __init__(self, function: Callable[[object], T]) -> None:
        self._function = function
        self._known: dict[int, tuple[object, T]] = {}
        PerEvent._every.append(self)  # type: ignore[arg-type]

    def __call__(self, event: object) -> T:
        known = self._known
        found = known.get(id(event))
        if found is not None and found[0] is event:
            return found[1]
        value = self._function(event)
        if len(known) >= LIMIT:
            known.clear()
        known[id(event)] = (event, value)
        return value

    @classmethod
    def forget_all(cls) -> None:
        """Drop every remembered answer (the events of the batch are done with)."""
        for memo in cls._every:
            memo._known.clear()
