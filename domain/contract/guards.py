"""Guards shared by the deciding modules: refuse with the rule ID, change nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import InvalidTransitionError, RuleViolationError
from domain.values import ContractStatus

if TYPE_CHECKING:
    from collections.abc import Collection

    from domain.contract import Contract

NOT_CLOSED = frozenset(ContractStatus) - {ContractStatus.CLOSED}
"""Every state but CLOSED (made once: iterating the enum for each command cost more)."""


def require_status(
    c: Contract, allowed: Collection[ContractStatus], rule_id: str, command: str
) -> None:
    """RULES 3.2: the command is only valid from the listed states."""
    if c.status not in allowed:
        raise InvalidTransitionError(rule_id, command, c.status.value)


def require(condition: bool, rule_id: str, message: str) -> None:
    """A business rule that must hold for the command to be accepted."""
    if not condition:
        raise RuleViolationError(rule_id, message)
