"""The published portal terms and maintenance notices (PT-12..PT-14, PT-21, D-35).

`PortalTermsCatalogue` is site-wide: one aggregate with a fixed id holds every terms
version (PT-12) and every maintenance announcement (PT-21). `terms_gate` is the login gate
of PT-13: from a version's entry into force, nothing but accepting or rejecting it is
reachable until the Customer accepts it; one who does neither stays blocked, not revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime  # noqa: TC003 - event annotations are read at run time
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import Aggregate

from domain.portal.values import PortalRefusal

if TYPE_CHECKING:
    from domain.portal.account import PortalAccount

TERMS_CATALOGUE_ID = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:portal-terms")


@dataclass(frozen=True)
class TermsVersion:
    """A published version of the portal terms."""

    version: str
    effective_from: date
    published_at: datetime


@dataclass(frozen=True)
class Maintenance:
    """An announced maintenance window (PT-21: availability is not guaranteed)."""

    starts_at: datetime
    ends_at: datetime
    announced_at: datetime


class _CatalogueEvent(Aggregate.Event):
    at: datetime

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)

    def apply_to(self, c: PortalTermsCatalogue) -> None:
        """Assign the event's facts (no rules, no clock)."""


class PortalTermsCatalogueOpened(Aggregate.Created, _CatalogueEvent):
    """The catalogue exists, with no version yet."""

    def apply_to(self, c: PortalTermsCatalogue) -> None:
        c.versions, c.maintenance = [], []


class PortalTermsVersionPublished(_CatalogueEvent):
    """PT-12: a version is published (and e-mailed), in force from `effective_from`."""

    version: str
    effective_from: date
    emailed_at: datetime

    def apply_to(self, c: PortalTermsCatalogue) -> None:
        entry = TermsVersion(self.version, self.effective_from, self.at)
        c.versions = [*c.versions, entry]


class PortalMaintenanceAnnounced(_CatalogueEvent):
    """PT-21: maintenance from `starts_at` to `ends_at`, announced in advance."""

    starts_at: datetime
    ends_at: datetime

    def apply_to(self, c: PortalTermsCatalogue) -> None:
        c.maintenance = [*c.maintenance, Maintenance(self.starts_at, self.ends_at, self.at)]


class PortalTermsCatalogue(Aggregate):
    """Every published portal terms version and maintenance notice (site-wide)."""

    if TYPE_CHECKING:
        versions: list[TermsVersion]
        maintenance: list[Maintenance]

    @classmethod
    def open(cls, at: datetime) -> PortalTermsCatalogue:
        return cls._create(PortalTermsCatalogueOpened, id=TERMS_CATALOGUE_ID, at=at)

    def publish(self, version: str, effective_from: date, at: datetime) -> None:
        """PT-12: publish a new version, in force on or after the latest one's date."""
        if any(v.version == version for v in self.versions):
            raise PortalRefusal("PT-12", "version_exists", version)
        if self.versions and effective_from < self.versions[-1].effective_from:
            raise PortalRefusal("PT-12", "not_after_previous", effective_from.isoformat())
        self.trigger_event(
            PortalTermsVersionPublished,
            at=at,
            version=version,
            effective_from=effective_from,
            emailed_at=at,
        )

    def announce_maintenance(self, starts_at: datetime, ends_at: datetime, at: datetime) -> None:
        """PT-21: announce a window that ends after it starts and has not begun."""
        if ends_at <= starts_at or starts_at < at:
            raise PortalRefusal("PT-21", "invalid_window")
        self.trigger_event(PortalMaintenanceAnnounced, at=at, starts_at=starts_at, ends_at=ends_at)

    def current_for(self, today: date) -> TermsVersion | None:
        """PT-12, PT-14: the latest version in force on `today` (None before the first)."""
        in_force = [v for v in self.versions if v.effective_from <= today]
        return in_force[-1] if in_force else None

    def find(self, version: str) -> TermsVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    def maintenance_at(self, at: datetime) -> Maintenance | None:
        """PT-21: the announced window `at` falls in, if any."""
        return next((m for m in self.maintenance if m.starts_at <= at < m.ends_at), None)


def terms_gate(
    account: PortalAccount, catalogue: PortalTermsCatalogue, today: date
) -> TermsVersion | None:
    """PT-13, PT-14, D-35: the version the Customer must accept before anything else, or
    None when the portal is free (the version in force is accepted, or none is in force).
    A newer version not yet in force does not block: use goes on under the accepted one."""
    current = catalogue.current_for(today)
    if current is None or current.version in account.accepted_terms:
        return None
    return current


def version_to_accept(catalogue: PortalTermsCatalogue, version: str, today: date) -> None:
    """PT-04 step 5, PT-11: only the version in force today may be accepted or declined
    (a published, announced one too: a Customer may accept early)."""
    entry = catalogue.find(version)
    current = catalogue.current_for(today)
    if entry is None or (current is not None and entry.effective_from < current.effective_from):
        raise PortalRefusal("PT-12", "unknown_terms_version", version)
