"""What the registry knows of a read model: its name and its three classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.engine.base import BatchProjection
    from projections.engine.memory_rows import InMemoryRowView
    from projections.engine.rows import PostgresRowView


@dataclass(frozen=True)
class ViewSpec:
    """A read model: its projection and its PostgreSQL and in-memory views."""

    name: str
    projection: type[BatchProjection[Any]]
    postgres: type[PostgresRowView]
    memory: type[InMemoryRowView]
