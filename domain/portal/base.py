"""The state of a PortalAccount and the plumbing its commands share (no commands here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from eventsourcing.domain import Aggregate

from domain.portal.events import PortalActionPerformed, PortalEvent
from domain.portal.values import (
    GATE_FREE_ACTIONS,
    AccessState,
    Action,
    Channel,
    PortalRefusal,
    RevocationReason,
    Stage,
)

if TYPE_CHECKING:
    from datetime import date, datetime

    from domain.portal.content_events import Message, Violation
    from domain.portal.eligibility import Agreement
    from domain.portal.values import ConnectedService, CustomerStatus, Measure

REVOCATION_RULE = {
    RevocationReason.ELIGIBILITY_EXPIRED: "PT-03",
    RevocationReason.TERMS_REJECTED: "PT-13",
    RevocationReason.MISUSE: "PT-20",
}
"""The rule behind each revocation, named by refusals of a revoked account."""


class AccountState(Aggregate):
    """What a PortalAccount knows, and the helpers that decide with it."""

    if TYPE_CHECKING:  # state attributes; runtime annotations would make it a dataclass
        customer_number: str
        stage: Stage
        access: AccessState
        revoked_reason: RevocationReason | None
        code_attempts: int
        connected_service: ConnectedService | None
        username_email_ref: str | None
        first_name_ref: str | None
        last_name_ref: str | None
        accepted_terms: dict[str, datetime]
        declined_terms: list[str]
        reacceptance_required: list[str]
        last_login_at: datetime | None
        actions: int
        credentials_generation: int
        access_valid_until: date | None
        agreements: dict[str, Agreement]
        documents: dict[str, str]
        threads: dict[str, list[Message]]
        violations: dict[str, Violation]
        measures: list[Measure]
        transfers: dict[str, bool | None]
        customer_status: CustomerStatus | None

    def initialise(self, customer_number: str) -> None:
        """State right after PortalAccountOpened (called by the event body only)."""
        self.customer_number = customer_number
        self.stage, self.access, self.revoked_reason = Stage.NONE, AccessState.NOT_REGISTERED, None
        self.code_attempts, self.actions, self.credentials_generation = 0, 0, 0
        self.connected_service = self.last_login_at = self.access_valid_until = None
        self.username_email_ref = self.first_name_ref = self.last_name_ref = None
        self.accepted_terms, self.declined_terms, self.reacceptance_required = {}, [], []
        self.agreements, self.documents, self.threads = {}, {}, {}
        self.violations, self.measures, self.transfers = {}, [], {}
        self.customer_status = None

    # --- plumbing ------------------------------------------------------------------------

    def record(self, event_class: type[PortalEvent], at: datetime, **fields: Any) -> None:
        """Trigger an event that happened at `at`."""
        self.trigger_event(event_class, at=at, **fields)

    def audit(self, action: Action, target_ref: str, at: datetime, channel: Channel) -> None:
        """PT-08: keep the Customer's action in the audit trail."""
        self.record(
            PortalActionPerformed, at, action=action.value, target_ref=target_ref, channel=channel
        )

    @staticmethod
    def refuse(rule: str, code: str, message: str = "") -> NoReturn:
        raise PortalRefusal(rule, code, message)

    def require_stage(self, *allowed: Stage) -> None:
        """PT-04: the step may only be taken right after the one before it."""
        if self.stage not in allowed:
            self.refuse("PT-04", "out_of_order", f"stage is {self.stage.value}")

    def require_not_revoked(self) -> None:
        if self.access is AccessState.REVOKED and self.revoked_reason is not None:
            self.refuse(REVOCATION_RULE[self.revoked_reason], "access_revoked")

    def require_active(self) -> None:
        """Only a fully registered, not revoked account may use the portal (PT-03, PT-04)."""
        self.require_not_revoked()
        if self.access is not AccessState.ACTIVE:
            self.refuse("PT-04", "registration_incomplete")

    @staticmethod
    def require_terms_free(action: Action, pending_terms: str | None) -> None:
        """PT-13, D-35: while `pending_terms` waits, only the gate's own actions pass."""
        if pending_terms is not None and action not in GATE_FREE_ACTIONS:
            raise PortalRefusal("PT-13", "terms_not_accepted", pending_terms)
