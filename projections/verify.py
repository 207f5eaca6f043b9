"""Check a live view against the same view rebuilt from the log (`lease projections verify`).

The view is rebuilt from zero into a scratch schema of the same database
(`verify_<view>_<random>`, dropped afterwards whatever happens), up to the position the live
view has reached, so events a running projections worker applies meanwhile are not drift.
The two are then compared table by table (projections/engine/drift.py) in one REPEATABLE READ
snapshot that also reads the live position again: if the worker moved it in between, the
scratch view catches up to the new position and the comparison is made again.
"""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresFactory
from psycopg import IsolationLevel
from psycopg.sql import SQL, Identifier

from projections.engine.drift import TableDrift, compare_table
from projections.engine.memo import PerEvent
from projections.registry import postgres_view

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    from eventsourcing.application import Application

    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import Batch, PostgresRowView

BATCH_SIZE = 10_000
ATTEMPTS = 5
"""Comparisons tried while a running worker keeps moving the live view (then: an error)."""


class ViewMovedError(RuntimeError):
    """The live view kept moving during every comparison."""


@dataclass(frozen=True)
class ViewDrift:
    """What `verify` found for one view, at one position of the log."""

    view: str
    position: int
    tables: list[TableDrift]

    @property
    def total(self) -> int:
        return sum(t.total for t in self.tables)


def verify_view(
    app: Application[Any],
    spec: ViewSpec,
    env: Mapping[str, str],
    *,
    limit: int = 20,
    progress: Callable[[int], None] | None = None,
) -> ViewDrift:
    """Rebuild `spec`'s view in a scratch schema and compare it with the live one.

    `env` is the eventsourcing env of the live views; at most `limit` rows per table are
    listed (all are counted); `progress` gets the number of events applied per batch.
    """
    live = postgres_view(spec, env, create=False)
    try:
        with scratch_schema(live, spec.name) as schema:
            scratch = postgres_view(spec, {**env, PostgresFactory.POSTGRES_SCHEMA: schema})
            try:
                return _verify(app, spec, live, scratch, limit, progress)
            finally:
                scratch.datastore.close()
    finally:
        live.datastore.close()


def _verify(
    app: Application[Any],
    spec: ViewSpec,
    live: PostgresRowView,
    scratch: PostgresRowView,
    limit: int,
    progress: Callable[[int], None] | None,
) -> ViewDrift:
    projection = spec.projection(scratch)
    built = live.position(app.name)
    batch = scratch.begin_rebuild()
    replay(app, projection.apply_all, batch, 0, built, progress)
    if built:
        scratch.replace(batch, Tracking(app.name, built))
    for _ in range(ATTEMPTS):
        with live.datastore.get_connection() as conn:
            pooled = conn.isolation_level
            conn.isolation_level = IsolationLevel.REPEATABLE_READ
            try:
                with conn.transaction(), conn.cursor() as curs:
                    now = live.position_in(curs, app.name)
                    if now == built:
                        tables = [
                            compare_table(
                                curs, t, live.qualified(t.name), scratch.qualified(t.name), limit
                            )
                            for t in spec.postgres.tables
                        ]
                        return ViewDrift(spec.name, built, tables)
            finally:
                conn.isolation_level = pooled
        if now < built:
            msg = f"view {spec.name} was rebuilt during the check; verify again"
            raise ViewMovedError(msg)
        batch = scratch.begin()
        replay(app, projection.apply_all, batch, built, now, progress)
        scratch.commit(batch, Tracking(app.name, now))
        built = now
    msg = f"view {spec.name} kept moving; stop its projections worker and verify again"
    raise ViewMovedError(msg)


def replay(
    app: Application[Any],
    apply_all: Callable[[list[Any], Batch], None],
    batch: Batch,
    after: int,
    upto: int,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Apply the log's events after position `after` up to `upto` (inclusive) to `batch`."""
    start = after + 1
    while start <= upto:
        notifications = app.recorder.select_notifications(start, BATCH_SIZE, stop=upto)
        if not notifications:
            break
        apply_all([app.mapper.to_domain_event(n) for n in notifications], batch)
        PerEvent.forget_all()  # the batch's events are done with
        if progress is not None:
            progress(len(notifications))
        start = notifications[-1].id + 1


@contextmanager
def scratch_schema(live: PostgresRowView, view: str) -> Iterator[str]:
    """A new schema `verify_<view>_<random>` in the live view's database, dropped after
    (CASCADE), also when the block fails or is interrupted."""
    schema = f"verify_{view}_{secrets.token_hex(4)}"
    with live.datastore.get_connection() as conn:
        conn.execute(SQL("CREATE SCHEMA {0}").format(Identifier(schema)))
        conn.commit()
    try:
        yield schema
    finally:
        with live.datastore.get_connection() as conn:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))
            conn.commit()
