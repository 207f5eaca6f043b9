"""The snapshot of a PortalAccount (every portal action is an event, PT-08: an account used
for years would otherwise replay thousands of them at each load).

The portal's closed sets are `StrEnum`s, which the JSON transcoder stores as plain strings;
the events turn theirs back into members, and this snapshot does the same for the state
it restores, so a loaded account compares by identity (`is AccessState.ACTIVE`) whether it
came from events or from a snapshot.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eventsourcing.domain import Snapshot

from domain.portal.values import (
    AccessState,
    AgreementKind,
    ConnectedService,
    CustomerStatus,
    Direction,
    Measure,
    ProhibitedUse,
    RevocationReason,
    Severity,
    Stage,
)


def _member(kind: type[Any], value: Any) -> Any:
    return None if value is None else kind(value)


def restored(state: dict[str, Any]) -> None:
    """Turn a snapshot's plain strings back into the portal's enum members, in place."""
    state["stage"] = Stage(state["stage"])
    state["access"] = AccessState(state["access"])
    for name, kind in (
        ("revoked_reason", RevocationReason),
        ("connected_service", ConnectedService),
        ("customer_status", CustomerStatus),
    ):
        state[name] = _member(kind, state[name])
    state["measures"] = [Measure(m) for m in state["measures"]]
    state["agreements"] = {
        key: replace(a, kind=AgreementKind(a.kind)) for key, a in state["agreements"].items()
    }
    state["threads"] = {
        key: [replace(m, direction=Direction(m.direction)) for m in messages]
        for key, messages in state["threads"].items()
    }
    state["violations"] = {
        key: replace(v, kind=ProhibitedUse(v.kind), severity=Severity(v.severity))
        for key, v in state["violations"].items()
    }


class AccountSnapshot(Snapshot):
    """A PortalAccount's snapshot, restored with its enum members."""

    def mutate(self, _: None) -> Any:
        account = super().mutate(_)
        restored(vars(account))
        return account
