"""Where an unrecognised customer number is recorded (PT-05).

An entered number that matches no Customer has no PortalAccount, and opening one per
typo would fill the store with accounts. Each distinct entered value (hashed: it may be
personal) gets a small log aggregate instead, keyed by its hash, that appends one
`CustomerNumberNotRecognised` per attempt (also useful to spot guessing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.portal.events import CustomerNumberNotRecognised

if TYPE_CHECKING:
    from datetime import datetime

    from domain.portal.values import Channel

ATTEMPTS_NAMESPACE = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:portal-unrecognised")


class UnrecognisedEntryLogOpened(Aggregate.Created):
    """The first time this hashed value was entered."""

    entered_value_hash: str
    at: datetime

    def apply(self, aggregate: Any) -> None:
        aggregate.entered_value_hash, aggregate.attempts = self.entered_value_hash, 0


class UnrecognisedEntryLog(Aggregate):
    """Every attempt with one unrecognised entered value (by its sha256 hex digest)."""

    if TYPE_CHECKING:
        entered_value_hash: str
        attempts: int

    @staticmethod
    def create_id(entered_value_hash: str) -> UUID:
        return uuid5(ATTEMPTS_NAMESPACE, entered_value_hash)

    @classmethod
    def open(cls, entered_value_hash: str, at: datetime) -> UnrecognisedEntryLog:
        return cls._create(
            UnrecognisedEntryLogOpened,
            id=cls.create_id(entered_value_hash),
            entered_value_hash=entered_value_hash,
            at=at,
        )

    def not_recognised(self, at: datetime, channel: Channel) -> None:
        """PT-05: one more attempt with this value (the UI shows the contact channels)."""
        self.trigger_event(
            CustomerNumberNotRecognised,
            at=at,
            entered_value_hash=self.entered_value_hash,
            channel=channel,
        )
