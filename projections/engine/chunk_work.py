"""What the processes of a chunked rebuild share: the plan, the claims on it, the helpers.

The plan (`Plan`) lists the work of a rebuild (projections/engine/chunked.py): ranges of the
log whose ordering facts are extracted first, then chunks of contracts. Every process takes
the next range, then the next chunk, from `Claims` (in shared memory across processes:
projections/engine/parallel.py), so each is done once and a slow process does fewer.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.utils import get_topic

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

Chunk = tuple["UUID", "UUID"]
"""The first and last contract id of a chunk (both included)."""
Span = tuple[int, int]
"""The first and last position of a range of the log (both included)."""


@dataclass(frozen=True)
class Plan:
    """What a rebuild reads: the log up to `head`, its ranges for the ordering facts, then its
    chunks of contracts."""

    head: int
    ranges: tuple[Span, ...]
    chunks: tuple[Chunk, ...]


class Claims:
    """Which unit of work is next, and how much is done (one process; `SharedClaims` for
    several)."""

    def __init__(self) -> None:
        self._next = 0
        self._done = 0

    def claim(self) -> int:
        """The index of the next unit (past the last: none left)."""
        found, self._next = self._next, self._next + 1
        return found

    def add_done(self, count: int) -> None:
        self._done += count

    def done(self) -> int:
        return self._done


class Helpers:
    """Other processes that take work beside this one (none here: a rebuild in one process)."""

    def __init__(self) -> None:
        self.ranges = Claims()
        """The ranges of the log whose ordering facts are extracted (done: ranges)."""
        self.claims = Claims()
        """The chunks of contracts (done: events applied)."""
        self.staged = Claims()
        """Done: the chunks whose rows are staged."""
        self.views = Claims()
        """The views to replace from their staging tables, in registry order."""

    def start(self, plan: Plan) -> None:
        """Hand the plan to the helpers (the staging tables exist by then)."""

    def check(self) -> None:
        """Raise if a helper failed (called between units of work)."""

    def extracted(self, ranges: int) -> None:
        """Wait until every range's facts are extracted (by every process)."""

    def decided(self) -> None:
        """Let the helpers go on to the chunks (the ordered parts are decided)."""

    def all_staged(self, chunks: int) -> None:
        """Wait until every chunk is staged (by every process), then let the helpers replace
        views too."""

    def finish(self) -> None:
        """Wait for every helper to finish its work; raise if one failed."""


def tapered(fine: Sequence[Chunk], taper: int) -> tuple[Chunk, ...]:
    """Consecutive short chunks merged `taper` at a time, but the last `taper * taper` left
    short (so processes taking chunks in order end close together)."""
    cut = max(0, len(fine) - taper * taper)
    merged = [(fine[i][0], fine[min(i + taper, cut) - 1][1]) for i in range(0, cut, taper)]
    return (*merged, *fine[cut:])


def topics_of(classes: Sequence[type[Any]]) -> list[str]:
    """The stored topics of these event classes and of all their subclasses.

    A subclass exists once its module is imported: every module of the classes' top-level
    packages is imported first (a module not imported yet would be read as no events).
    """
    for package in {cls.__module__.split(".")[0] for cls in classes}:
        import_all(package)
    seen: set[type[Any]] = set()
    todo = list(classes)
    while todo:
        cls = todo.pop()
        if cls not in seen:
            seen.add(cls)
            todo.extend(cls.__subclasses__())
    return sorted({get_topic(cls) for cls in seen})


def import_all(package: str) -> None:
    """Import the package and every module under it."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(getattr(root, "__path__", []), f"{package}."):
        importlib.import_module(module.name)
