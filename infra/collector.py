"""How the service's processes set Python's cyclic garbage collector.

`gc_paused()` switches it off while a catch-up or a rebuild builds a large heap, and sets
aside what that leaves.

`survivors_set_aside()` is for a long-running process: what survived a full collection is
set aside, so the next one examines only what came after it. A process that serves commands
caches up to `AGGREGATE_CACHE_MAXSIZE` contracts, a few hundred tracked objects each (their
documents, amounts, lists). Python's full collection examines every tracked object each
time, and runs whenever a quarter as many again have survived the younger generations since
the last. With 5,000 contracts of a five-year book cached the process tracks 1.5 million
objects: a third of its time loading contracts went to the collector, in pauses of 0.3 s
and up to 0.7 s (BENCHMARKS.md, "The collector and a full contract cache"). Yet a cached
contract holds no reference cycle: when the cache drops it, reference counting frees it
(tests/unit/test_collector.py).

So while `survivors_set_aside()` is active, the survivors of each full collection are moved
to the collector's permanent generation (`gc.freeze`): later collections skip them, and
reference counting still frees them. Cyclic garbage among them is what this cannot free
until it looks again, so the first full collection at least `EXAMINE_ALL_EVERY` seconds
after the last that examined everything puts them back first (`gc.unfreeze`) and examines
everything, as Python's own would: such garbage waits about that long, and the long pause
comes at most that often.
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

OLDEST = 2
"""The generation a full collection collects."""
EXAMINE_ALL_EVERY = 600.0
"""Seconds after a full collection that examined everything before the next one does."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; then `gc.freeze()` what it left.

    A catch-up or rebuild builds a large heap (decoded events, the views' identity maps)
    that Python's cyclic collector rescans over and over while it grows (a 50,000-event
    rebuild: 3,400 events/s with it, 5,100 without), and afterwards, live, a full collection
    stalled a batch for 0.5-0.7 s (live lag p99 686 ms, 64 ms with the freeze). Rows and
    events hold no cycles, so reference counting frees them; a full collection before the
    freeze found no cyclic garbage after a rebuild and cost 0.4 s per 20,000 events, so
    the block's survivors are frozen as they are.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class SurvivorFreezer:
    """A `gc.callbacks` entry: freezes after each full collection, and unfreezes before the
    first one `every` seconds (by `clock`) after the last that examined everything."""

    def __init__(
        self, every: float = EXAMINE_ALL_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.every = every
        self.clock = clock
        self.examined_all_at = clock()
        """When the last full collection that examined everything began (or installation,
        when everything was still examined)."""
        self.full_collections = 0
        """Full collections finished while installed."""
        self.examined_all = 0
        """Of those, the ones that examined everything."""

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != OLDEST:
            return
        if phase == "start":
            now = self.clock()
            if now - self.examined_all_at >= self.every:
                gc.unfreeze()  # this one examines everything
                self.examined_all_at = now
                self.examined_all += 1
            return
        self.full_collections += 1
        gc.freeze()


@contextmanager
def survivors_set_aside(
    every: float = EXAMINE_ALL_EVERY, clock: Callable[[], float] = time.monotonic
) -> Iterator[SurvivorFreezer]:
    """While the block runs, each full collection's survivors are set aside (see the module);
    on exit the callback is removed and they are handed back to the collector.

    What the process holds on entry (its modules, the application, its pools) is collected
    once and set aside at once, so the first full collection does not examine it all."""
    gc.collect()
    gc.freeze()
    freezer = SurvivorFreezer(every, clock)
    gc.callbacks.append(freezer)
    try:
        yield freezer
    finally:
        gc.callbacks.remove(freezer)
        gc.unfreeze()
