"""The portal's back end: its application, its stores, and what it reads of the contracts.

`PortalBackend.open` builds everything on the event store's database: the PortalAccount
application (its own tables, `portal_*`), the security and personal-data stores of this
package, and the contracts it reads (the `portal` view) and writes (the same commands as
the API). The flows that use them are in `registration.py` and `self_service.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresDatastore, PostgresFactory

from domain.errors import ConcurrencyConflictError
from domain.portal.application import PortalApplication
from domain.portal.eligibility import Agreement
from domain.portal.values import AgreementKind, PortalRefusal
from infra.portal.codes import AuthenticationCodes
from infra.portal.contacts import CustomerContacts
from infra.portal.messages import SecureMessages
from infra.portal.notifications import NotificationOutbox
from infra.portal.passwords import Passwords
from infra.portal.personal import PersonalData
from infra.portal.sessions import Sessions
from infra.portal.terms_texts import FIRST_TEXTS, FIRST_VERSION, TermsTexts
from infra.portal.throttle import LoginThrottle

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from domain.application import ContractsApplication
    from projections.views.portal import PortalView

    Row = dict[str, Any]

POOL = {PostgresFactory.POSTGRES_POOL_SIZE: "2", PostgresFactory.POSTGRES_MAX_OVERFLOW: "6"}
"""The portal's connections (its application and stores share them): few, short queries."""
FIRST_EFFECTIVE = "2025-01-01"
"""When the first portal terms version applies (a new installation publishes it)."""


def agreements_of(rows: list[Row]) -> list[Agreement]:
    """The lease contracts of the `portal` view as agreements (PT-01, PT-03): ended once the
    view knows an effective end date."""
    return [
        Agreement(str(row["contract_id"]), AgreementKind.LEASE, row.get("effective_end_date"))
        for row in rows
    ]


@dataclass
class PortalBackend:
    """The portal's application and stores (built once per API process)."""

    app: PortalApplication
    codes: AuthenticationCodes
    passwords: Passwords
    personal: PersonalData
    contacts: CustomerContacts
    sessions: Sessions
    throttle: LoginThrottle
    outbox: NotificationOutbox
    messages: SecureMessages
    terms_texts: TermsTexts
    view: Callable[[], PortalView]
    """The `portal` read model (the contracts a customer sees)."""
    contracts: ContractsApplication | None = None
    """Where a customer's written reports go as commands (None: read-only portal)."""

    @classmethod
    def open(
        cls,
        env: Mapping[str, str],
        secret: bytes,
        view: Callable[[], PortalView],
        contracts: ContractsApplication | None = None,
    ) -> PortalBackend:
        """The back end on the PostgreSQL database `env` names (eventsourcing settings)."""
        app = PortalApplication(env={**env, **POOL})
        datastore = portal_datastore(app)
        texts = TermsTexts(datastore)
        backend = cls(
            app=app,
            codes=AuthenticationCodes(datastore, secret),
            passwords=Passwords(datastore),
            personal=PersonalData(datastore),
            contacts=CustomerContacts(datastore),
            sessions=Sessions(datastore),
            throttle=LoginThrottle(datastore, secret),
            outbox=NotificationOutbox(datastore),
            messages=SecureMessages(datastore),
            terms_texts=texts,
            view=view,
            contracts=contracts,
        )
        backend.ensure_first_terms()
        return backend

    def ensure_first_terms(self) -> None:
        """A new installation publishes the first terms version (texts first). Processes
        starting together (API replicas) may race: the loser's publish conflicts with the
        winner's, or finds the version published (PT-12); either way the terms are there."""
        if self.app.terms().versions:
            return
        self.terms_texts.put(FIRST_VERSION, FIRST_TEXTS)
        effective = date.fromisoformat(FIRST_EFFECTIVE)
        try:
            self.app.publish_terms(FIRST_VERSION, effective, datetime.now(UTC))
        except (ConcurrencyConflictError, PortalRefusal):
            if not self.app.terms().versions:
                raise

    def agreements(self, customer_number: str) -> list[Agreement]:
        """The customer's lease contracts as the read model knows them."""
        return agreements_of(self.view().contracts_of(customer_number))

    def contract_numbers(self, customer_number: str) -> list[str]:
        return [row["contract_number"] for row in self.view().contracts_of(customer_number)]

    def close(self) -> None:
        self.app.close()


def portal_datastore(app: PortalApplication) -> PostgresDatastore:
    """The PostgreSQL datastore of the portal's application (where its stores live)."""
    datastore = getattr(app.recorder, "datastore", None)
    if not isinstance(datastore, PostgresDatastore):
        raise TypeError("the portal needs PostgreSQL (PERSISTENCE_MODULE=eventsourcing.postgres)")
    return datastore
