"""The read models of DESIGN 7 (projections/views/), and how to build their views and one runner
for them on the engine (projections/engine/)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment

from projections.engine.runner import ProjectionGroup

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from eventsourcing.application import Application

    from projections.engine.base import BatchProjection
    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import PostgresRowView

VIEW_MODULES = (
    "invoices",
    "ledger",
    "portal",
    "deadlines",
    "damage_register",
    "history",
    "exposure",
)
"""One module per read model; each defines `SPEC`."""


def all_specs(names: Sequence[str] = VIEW_MODULES) -> list[ViewSpec]:
    """The specs of the named read models (all by default), in registry order."""
    unknown = sorted(set(names) - set(VIEW_MODULES))
    if unknown:
        msg = f"unknown view {unknown[0]!r}; views are {', '.join(VIEW_MODULES)}"
        raise KeyError(msg)
    return [
        importlib.import_module(f"projections.views.{n}").SPEC for n in VIEW_MODULES if n in names
    ]


def postgres_view(
    spec: ViewSpec, env: Mapping[str, str], *, create: bool = True
) -> PostgresRowView:
    """The view's PostgreSQL tables (created if missing), configured like the application.

    `create=False` is for readers beside the projections worker (the scheduler, the
    termination consumer): only the worker creates the tables, as concurrent CREATE TABLE
    IF NOT EXISTS of the same table can fail ("tuple concurrently updated").
    """
    if not create:
        env = {**env, PostgresFactory.CREATE_TABLE: "n"}
    factory = InfrastructureFactory.construct(Environment(spec.name, dict(env)))
    view = factory.tracking_recorder(spec.postgres)
    if not isinstance(view, spec.postgres):  # pragma: no cover - PERSISTENCE_MODULE is not postgres
        msg = f"view {spec.name} needs PERSISTENCE_MODULE=eventsourcing.postgres"
        raise TypeError(msg)
    return view


def projections_for(
    specs: Sequence[ViewSpec], env: Mapping[str, str] | None
) -> list[BatchProjection[Any]]:
    """Each spec's projection over its PostgreSQL view (env given) or an in-memory one."""
    return [
        spec.projection(postgres_view(spec, env) if env is not None else spec.memory())
        for spec in specs
    ]


def build_group(
    app: Application[Any], specs: Sequence[ViewSpec], env: Mapping[str, str] | None = None
) -> ProjectionGroup:
    """One runner for the given read models over `app`'s event log."""
    return ProjectionGroup(app, projections_for(specs, env))
