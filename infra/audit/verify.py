"""Checking the hash chain of stored events, and naming the first broken link.

The rows of an events table are read in (aggregate, version) order and each link is
recomputed with `link_hash` (the definition every copy of the chain shares). For each
aggregate the first link that does not hold is reported with what it looks like:

- *event missing*: a version is absent (the versions jump);
- *order broken*: the content, position or version of two events was exchanged (the
  expected link is found in a later row of the same aggregate);
- *unexpected event inserted*: a row stored without the chain (no hash), or a row whose
  removal makes the rest of the chain hold;
- *content changed*: the event's topic, state or position differ from what was hashed (the
  next link still holds on the stored hash);
- *hash column changed*: the content hashes as before but the stored hash was replaced.

What the chain alone cannot see: the last events of an aggregate deleted, a whole aggregate
deleted or inserted, or the database and its chain rewritten together. The published chain
heads (infra.audit.checkpoints) see those.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from itertools import groupby
from typing import TYPE_CHECKING, Any

from infra.audit.links import GENESIS, link_hash

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from uuid import UUID

LOOKAHEAD = 16
"""Rows of the same aggregate searched for an exchanged event (a bounded window)."""


@dataclass(frozen=True)
class StoredLink:
    """One stored event as the chain sees it."""

    originator_id: UUID
    version: int
    position: int
    topic: str
    state: bytes
    chain_hash: bytes | None


@dataclass(frozen=True)
class BrokenLink:
    """The first link of an aggregate's chain that does not hold."""

    table: str
    originator_id: UUID
    version: int
    position: int | None
    problem: str
    name: str | None = None
    """The contract number (or other name) of the aggregate, when known."""

    def describe(self) -> str:
        """One line for an auditor."""
        who = f"contract {self.name}" if self.name else f"aggregate {self.originator_id}"
        where = f" (position {self.position})" if self.position is not None else ""
        return f"{self.table}: {who}, version {self.version}{where}: {self.problem}"


@dataclass
class ChainReport:
    """What a verification went through and the broken links it found."""

    events: int = 0
    aggregates: int = 0
    broken: list[BrokenLink] | None = None
    heads: dict[UUID, tuple[int, bytes]] | None = None
    """Each aggregate's last verified (version, chain hash) (kept when asked for)."""

    @property
    def intact(self) -> bool:
        return not self.broken


def verify_rows(
    table: str,
    rows: Iterable[StoredLink],
    *,
    progress: Callable[[int], None] | None = None,
    keep_heads: bool = False,
) -> ChainReport:
    """Check every aggregate's chain in `rows` (ordered by aggregate, then version)."""
    report = ChainReport(broken=[], heads={} if keep_heads else None)
    counted = 0
    for originator_id, group in groupby(rows, key=lambda r: r.originator_id):
        report.aggregates += 1
        broken, checked, head = _verify_aggregate(table, originator_id, iter(group))
        report.events += checked
        counted += checked
        if progress is not None and counted >= 1000:
            progress(counted)
            counted = 0
        if broken is not None:
            assert report.broken is not None
            report.broken.append(broken)
        if report.heads is not None and head is not None:
            report.heads[originator_id] = head
    if progress is not None and counted:
        progress(counted)
    return report


def _verify_aggregate(
    table: str, originator_id: UUID, rows: Iterator[StoredLink]
) -> tuple[BrokenLink | None, int, tuple[int, bytes] | None]:
    """(first broken link or None, rows read, last verified (version, hash))."""
    window: deque[StoredLink] = deque()
    previous, expected, checked = GENESIS, 1, 0
    head: tuple[int, bytes] | None = None

    def fill() -> None:
        while len(window) < LOOKAHEAD:
            row = next(rows, None)
            if row is None:
                return
            window.append(row)

    fill()
    while window:
        row = window.popleft()
        fill()
        checked += 1

        def broken(problem: str, row: StoredLink = row) -> BrokenLink:
            return BrokenLink(table, originator_id, row.version, row.position, problem)

        if row.version != expected:
            found = broken(f"event missing: version {expected} expected, found {row.version}")
            return found, checked + _drain(window, rows), head
        if row.chain_hash is None:
            found = broken("unexpected event inserted: stored without the chain (no hash)")
            return found, checked + _drain(window, rows), head
        if _link(previous, originator_id, row) == row.chain_hash:
            previous, expected, head = row.chain_hash, expected + 1, (row.version, row.chain_hash)
            continue
        problem = _diagnose(previous, originator_id, row, list(window))
        return broken(problem), checked + _drain(window, rows), head
    return None, checked, head


def _link(previous: bytes, originator_id: UUID, row: StoredLink, **changes: Any) -> bytes:
    """The link `row` would have after `previous` (with some of its fields changed)."""
    r = replace(row, **changes) if changes else row
    return link_hash(previous, originator_id, r.version, r.position, r.topic, r.state)


def _diagnose(previous: bytes, oid: UUID, row: StoredLink, later: list[StoredLink]) -> str:
    """What a link that does not hold looks like (see the module's docstring)."""
    v = row.version
    for other in later:
        if other.chain_hash == _link(previous, oid, other, version=v):
            moved = row.chain_hash is not None and row.chain_hash == _link(
                other.chain_hash, oid, row, version=v + 1
            )
            if moved:
                return (
                    f"order broken: the events stored as versions {v} and {other.version}"
                    " were exchanged"
                )
            return (
                f"unexpected event inserted: the chain holds without it (the event that was "
                f"version {v} is stored as {other.version})"
            )
        if row.chain_hash == _link(previous, oid, row, topic=other.topic, state=other.state):
            return (
                f"order broken: the content stored at version {other.version} "
                f"belongs at version {v}"
            )
        if row.chain_hash == _link(previous, oid, row, position=other.position):
            return f"order broken: the positions of versions {v} and {other.version} were exchanged"
    recomputed = _link(previous, oid, row)
    following = later[0] if later else None
    if following is not None and following.version == v + 1:
        if row.chain_hash is not None and following.chain_hash == _link(
            row.chain_hash, oid, following
        ):
            return "content changed: the topic, state or position differ from what was hashed"
        if following.chain_hash == _link(recomputed, oid, following):
            return "hash column changed: the stored hash is not the event's"
        return "content and hash changed"
    return "content or hash changed (the aggregate's last event; compare with the published heads)"


def _drain(window: deque[StoredLink], rows: Iterator[StoredLink]) -> int:
    """Count (and skip) the rest of an aggregate's rows."""
    skipped = len(window)
    window.clear()
    skipped += sum(1 for _ in rows)
    return skipped
