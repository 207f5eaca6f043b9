"""Access expiry (PT-03, D-34, A-39): once per business date, by the scheduler.

Every portal account whose access is REGISTERING or ACTIVE is asked `expire_access` with
its lease contracts as the `portal` read model knows them (external agreements are on the
account): the account schedules the end of access when it changes and revokes it
(ELIGIBILITY_EXPIRED) once today is past it. The accounts are listed from the portal
application's own log (one PortalAccountOpened per account, read in pages), so an account
that never reached the username step is found too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from eventsourcing.utils import get_topic

from domain.portal.account import PortalAccount
from domain.portal.events import PortalAccountOpened
from domain.portal.values import AccessState, PortalRefusal
from infra.portal.backend import agreements_of

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from datetime import date, datetime
    from uuid import UUID

    from domain.portal.application import PortalApplication
    from projections.views.portal import PortalView

logger = logging.getLogger(__name__)


class Purgeable(Protocol):
    """A store that forgets what has run out by `now` (sessions, codes, login failures)."""

    def purge(self, now: datetime) -> int: ...


PAGE = 500
"""Accounts listed per read of the portal's log."""
LIVE = frozenset({AccessState.REGISTERING, AccessState.ACTIVE})


@dataclass
class AccessExpiry:
    """Runs PT-03 over every live account of the portal."""

    portal: PortalApplication
    view: Callable[[], PortalView]
    """The `portal` read model (the customers' lease contracts)."""
    stores: Sequence[Purgeable] = ()
    """Emptied of what ran out, on the same daily run: timed-out sessions (which anonymous
    visits open), old codes and forgotten login failures stay bounded."""
    done_on: date | None = None

    def account_ids(self) -> Iterator[UUID]:
        """Every portal account's id, in the order they were opened."""
        topic = get_topic(PortalAccountOpened)
        start = 1
        while True:
            page = self.portal.recorder.select_notifications(start, PAGE, topics=[topic])
            for notification in page:
                yield cast("UUID", notification.originator_id)
            if len(page) < PAGE:
                return
            start = page[-1].id + 1

    def run(self, today: date, at: datetime) -> int:
        """Ask every live account; how many were revoked now."""
        revoked = 0
        for account_id in self.account_ids():
            account: object = self.portal.repository.get(account_id)
            if not isinstance(account, PortalAccount) or account.access not in LIVE:
                continue
            number = account.customer_number
            contracts = agreements_of(self.view().contracts_of(number))
            try:
                after = self.portal.expire_access(number, today, contracts, at)
            except PortalRefusal as refusal:  # pragma: no cover - a live account is not refused
                logger.warning("access expiry of a portal account refused: %s", refusal)
                continue
            if after.access is AccessState.REVOKED:
                revoked += 1
        purged = sum(store.purge(at) for store in self.stores)
        self.done_on = today
        logger.info(
            "portal access expiry of %s: %d accounts revoked, %d rows purged",
            today,
            revoked,
            purged,
        )
        return revoked
