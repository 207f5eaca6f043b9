"""What a command returns, and how commands are decided on a loaded contract: bound to their
context (`decision`) and, when another writer overtakes them, decided again (`until_decided`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.contract.registry import execute
from domain.errors import ConcurrencyConflictError, RecordedRefusalError

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from domain.contract import Contract, Ctx
    from domain.contract.base_events import ContractEvent
    from domain.contract.command import Command

    Decision = Callable[[Contract], RecordedRefusalError | None]
    """A decision on a loaded contract: it records events, raises a refusal, or returns a
    refusal it recorded (L-22), which the application raises once the events are stored."""

DECIDE_ATTEMPTS = 4
"""Times a command without an expected version is decided at most while other writers (another
API process, a consumer) store events on its contract first; then the conflict is the caller's.
Each attempt after the first decides on the stored state."""


@dataclass(frozen=True)
class CommandResult:
    """What a command returns: the contract, its new version and the log position."""

    contract_id: UUID
    version: int
    position: int | None
    """Notification id of the last stored event (for read-your-writes), None if no change."""
    recorded: tuple[ContractEvent, ...] = ()
    """The events the command recorded, in order."""


def decision(ctx: Ctx, *commands: Command) -> Decision:
    """The commands bound to their context, ready to be decided one after the other on a
    loaded contract (and saved together); a recorded refusal ends the decision."""

    def decide(contract: Contract) -> RecordedRefusalError | None:
        for command in commands:
            refusal = execute(contract, command, ctx)
            if refusal is not None:
                return refusal
        return None

    return decide


def until_decided(attempt: Callable[[], CommandResult], *, retry: bool) -> CommandResult:
    """`attempt()`; with `retry`, again after each conflict with another writer (the attempt
    evicted the stale copy), `DECIDE_ATTEMPTS` times in all."""
    for left in reversed(range(DECIDE_ATTEMPTS)):
        try:
            return attempt()
        except ConcurrencyConflictError:
            if not retry or not left:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")
