"""Domain errors: every refusal names the rule (RULES.md ID) that refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.decisions import CommandResult


class ContractError(Exception):
    """Base of every error the domain raises; the API maps them in one place."""

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(f"{rule_id} {message}")
        self.rule_id = rule_id
        self.message = message


class TermsError(ContractError):
    """A contract parameter is missing or invalid (P-49..P-53)."""

    def __init__(self, field: str, rule_id: str, message: str) -> None:
        super().__init__(rule_id, f"{field}: {message}")
        self.field = field


class RuleViolationError(ContractError):
    """A business rule refused the command; nothing was recorded."""


class RecordedRefusalError(ContractError):
    """A rule refused the command and the refusal itself is recorded (RULES 3.2: "rejected
    with `…Rejected`", e.g. L-22's `EarlyTerminationRejected`).

    The handler returns it instead of raising: the application stores the rejection events,
    then raises it, so every caller is told of the refusal as of any other (simulate's line,
    the API's 409) while the event log keeps it."""

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(rule_id, message)
        self.result: CommandResult | None = None
        """Where the stored rejection is (set by the application once it is stored)."""


class InvalidTransitionError(ContractError):
    """The command is not allowed in the contract's current state (RULES 3.2)."""

    def __init__(self, rule_id: str, command: str, status: str) -> None:
        super().__init__(rule_id, f"{command} not allowed in state {status}")
        self.command = command
        self.status = status


class ContractNotFoundError(ContractError):
    """No contract with that number or id."""

    def __init__(self, ref: str) -> None:
        super().__init__("L-01", f"contract {ref} not found")
        self.ref = ref


class ContractExistsError(ContractError):
    """A contract with that number was already concluded."""

    def __init__(self, number: str) -> None:
        super().__init__("L-01", f"contract {number} already concluded")
        self.number = number


class ConcurrencyConflictError(ContractError):
    """Another command changed the contract first; reload and retry."""

    def __init__(self, ref: str) -> None:
        super().__init__("L-39", f"contract {ref} was changed concurrently")
        self.ref = ref
