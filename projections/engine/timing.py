"""Where a projection group spends its time: timers wrapped around its calls (benchmarks).

`instrument` wraps, on the group's own objects, the reads of the log, the decoding, each
view's apply and replace, and the live batch commits; each call adds its wall time to a
`Breakdown`. A rebuild's worker processes time themselves this way and hand their breakdown
back (projections/engine/parallel.py), so `bench/projections.py` can show every process's share.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.engine.runner import ProjectionGroup


@dataclass
class Breakdown:
    """Where a catch-up or rebuild spends its time (seconds)."""

    read: float = 0.0
    """select_notifications."""
    decode: float = 0.0
    """ProjectionGroup._decode: mapper.to_domain_event of each notification of a batch."""
    apply_all: float = 0.0
    """ProjectionGroup._apply: decoding plus every view's apply (and commit, batch by batch)."""
    applies: dict[str, float] = field(default_factory=dict)
    """Each view's apply_all (Python: events into rows)."""
    commits: dict[str, float] = field(default_factory=dict)
    """Each view's writes: its chunks' COPY to staging (a chunked rebuild), or its replace
    (TRUNCATE, COPY, tracking)."""
    ordered: float = 0.0
    """A chunked rebuild's pass in log order (`OrderedPart`: invoice numbers), its reads and
    decoding included."""
    replace: float = 0.0
    """A chunked rebuild's replacing of every view from its staging tables (this process)."""
    commit_all: float = 0.0
    """ProjectionGroup._commit: every view's rows and tracking, one transaction per batch."""
    batches: int = 0


def timed(target: Any, name: str, add: Callable[[float], None]) -> None:
    """Wrap the bound method `name` of `target` (as an instance attribute) to add its run time."""
    method = getattr(target, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            add(time.perf_counter() - t0)

    setattr(target, name, wrapper)


def instrument(group: ProjectionGroup) -> tuple[Breakdown, Callable[[], None]]:
    """Timers on the group's reads, decoding, batches and each view; returns an undo."""
    b = Breakdown()

    def add_read(s: float) -> None:
        b.read += s

    def add_apply(s: float) -> None:
        b.apply_all += s
        b.batches += 1

    def add_decode(s: float) -> None:
        b.decode += s

    def add_commit_all(s: float) -> None:
        b.commit_all += s

    wrapped: list[tuple[Any, str]] = [
        (group.app.recorder, "select_notifications"),
        (group, "_decode"),
        (group, "_apply"),
        (group, "_commit"),
    ]
    for (target, name), add in zip(
        wrapped, (add_read, add_decode, add_apply, add_commit_all), strict=True
    ):
        timed(target, name, add)
    for p in group.projections:
        b.applies[p.name] = 0.0
        b.commits[p.name] = 0.0

        def add_view(s: float, name: str = p.name) -> None:
            b.applies[name] += s

        def add_commit(s: float, name: str = p.name) -> None:
            b.commits[name] += s

        timed(p, "apply_all", add_view)
        timed(p.view, "replace", add_commit)
        wrapped += [(p, "apply_all"), (p.view, "replace")]

    def undo() -> None:
        for target, name in wrapped:
            delattr(target, name)

    return b, undo
