"""The read side: the views in PostgreSQL, their positions, and read-your-writes.

The API only reads the views (DESIGN 7): it never creates or writes their tables. Every
query answers with the view's position (`X-Position`); `?min_position=N` first waits until
the view has applied the event log up to N, up to the configured time, else 503.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg
from eventsourcing.persistence import ProgrammingError

from projections.registry import all_specs, postgres_view

if TYPE_CHECKING:
    from collections.abc import Mapping

    from projections.engine.rows import PostgresRowView

V = TypeVar("V")
POLL_SECONDS = 0.02
"""How often a read-your-writes wait looks at the view's position again."""


class NotCaughtUpError(Exception):
    """The view has not reached the asked position in time (503 with Retry-After)."""

    def __init__(self, view: str, position: int, wanted: int) -> None:
        super().__init__(f"the {view} view is at position {position}, not yet at {wanted}")
        self.view = view


class ViewMissingError(Exception):
    """The view's tables are not created yet (the projections worker creates them)."""

    def __init__(self, view: str) -> None:
        super().__init__(f"the {view} view is not created yet; the projections worker creates it")
        self.view = view


@dataclass(frozen=True)
class ReadModels:
    """The views by name, read through the application's name (their tracking key)."""

    views: Mapping[str, PostgresRowView]
    application_name: str
    wait_seconds: float

    @classmethod
    def open(cls, env: Mapping[str, str], application_name: str, wait_ms: int) -> ReadModels:
        views = {spec.name: postgres_view(spec, env, create=False) for spec in all_specs()}
        return cls(views, application_name, wait_ms / 1000)

    def view(self, name: str, kind: type[V]) -> V:
        found: Any = self.views[name]
        if not isinstance(found, kind):  # pragma: no cover - the registry pairs them
            raise TypeError(name)
        return found

    def position(self, name: str) -> int:
        """The view's position; ViewMissingError while its tables do not exist."""
        try:
            return self.views[name].position(self.application_name)
        except (psycopg.errors.UndefinedTable, ProgrammingError) as err:
            raise ViewMissingError(name) from err

    def at_least(self, name: str, wanted: int | None) -> int:
        """The view's position, once it is at least `wanted` (NotCaughtUpError on time)."""
        position = self.position(name)
        if wanted is None or position >= wanted:
            return position
        deadline = time.monotonic() + self.wait_seconds
        pause = threading.Event()
        while position < wanted:
            if time.monotonic() >= deadline:
                raise NotCaughtUpError(name, position, wanted)
            pause.wait(POLL_SECONDS)
            position = self.position(name)
        return position

    def close(self) -> None:
        for view in self.views.values():
            view.datastore.close()
