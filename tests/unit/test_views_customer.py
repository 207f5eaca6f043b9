"""The customer-facing views in memory: portal, deadlines, exposure (STYLE 6 contract tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from domain.application import ContractsApplication
from tests.projection_contracts_customer import (
    DeadlinesViewContract,
    ExposureViewContract,
    PortalViewContract,
)

if TYPE_CHECKING:
    from projections.engine.registry_types import ViewSpec
    from projections.engine.rows import RowView

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class InMemoryBackend:
    """Contracts stored in memory, views in dicts."""

    spec: ClassVar[ViewSpec]

    def make_app(self) -> ContractsApplication:
        return ContractsApplication(env=POPO)

    def make_view(self) -> RowView:
        return self.spec.memory()


class TestInMemoryPortalView(InMemoryBackend, PortalViewContract):
    """PT-15 on the in-memory view."""


class TestInMemoryDeadlinesView(InMemoryBackend, DeadlinesViewContract):
    """RULES 5 on the in-memory view."""


class TestInMemoryExposureView(InMemoryBackend, ExposureViewContract):
    """K-01 on the in-memory view."""
