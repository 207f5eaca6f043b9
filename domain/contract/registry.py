"""The command registry: every contract command, by name, with its handler.

Each area module declares its commands and ends with `HANDLERS = {Command: handler}`; this
module joins them. A handler is `handler(contract, ctx, **facts)`, its keyword parameters
named exactly as the command's fields (a test checks every pair). The scenario runner, the
consumers and the HTTP API all reach a contract through `execute` (usually by way of
`ContractsApplication.execute`), so a command behaves the same whoever sends it.

A handler records events, or raises a refusal and records nothing. A refusal the rules
record as an event (L-22's `EarlyTerminationRejected`) is returned instead: the events are
the decision, and the application stores them before it tells the caller of the refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.contract import (
    adjustments,
    amendments,
    billing,
    charges,
    claim_windows,
    cover,
    daily,
    damage,
    dissolution,
    expert,
    formation,
    fuel,
    fuel_card,
    ground_facts,
    grounds,
    guarantees,
    incidents,
    km_cap_end,
    lessor_damages,
    lessor_grounds,
    levies,
    losses,
    maintenance,
    protection,
    repairs,
    replacement,
    reporting,
    services,
    settlement,
    supplier_compensation,
    termination,
    tyres,
)
from domain.contract.base_events import ContractEvent
from domain.contract.settlement_events import ContractClosed

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from domain.contract import Contract, Ctx
    from domain.contract.command import Command
    from domain.errors import RecordedRefusalError

HANDLERS: Mapping[type[Command], Callable[..., RecordedRefusalError | None]] = {
    **formation.HANDLERS,
    **adjustments.HANDLERS,
    **amendments.HANDLERS,
    **billing.HANDLERS,
    **charges.HANDLERS,
    **levies.HANDLERS,
    **fuel.HANDLERS,
    **fuel_card.HANDLERS,
    **guarantees.HANDLERS,
    **incidents.HANDLERS,
    **losses.HANDLERS,
    **protection.HANDLERS,
    **damage.HANDLERS,
    **claim_windows.HANDLERS,
    **expert.HANDLERS,
    **reporting.HANDLERS,
    **repairs.HANDLERS,
    **cover.HANDLERS,
    **services.HANDLERS,
    **replacement.HANDLERS,
    **tyres.HANDLERS,
    **maintenance.HANDLERS,
    **grounds.HANDLERS,
    **ground_facts.HANDLERS,
    **dissolution.HANDLERS,
    **lessor_grounds.HANDLERS,
    **lessor_damages.HANDLERS,
    **termination.HANDLERS,
    **km_cap_end.HANDLERS,
    **settlement.HANDLERS,
    **supplier_compensation.HANDLERS,
    **daily.HANDLERS,
}
"""Command class -> the function that decides it on a contract."""

COMMANDS: Mapping[str, type[Command]] = {cls.name: cls for cls in HANDLERS}
"""Command name (scenario `do`, API path) -> command class."""
if len(COMMANDS) != len(HANDLERS):  # pragma: no cover - a programming error, found at import
    raise ValueError("two commands share a name")


TWO_CONTRACT_HANDLERS: Mapping[type[Command], Callable[..., None]] = {
    **guarantees.TWO_CONTRACT_HANDLERS,
}
"""Commands decided on two contracts of one Customer (M-10, K-01): `handler(c, other, ctx,
**facts)`, `other` being the contract the command's `contract_number` names. Their entry in
HANDLERS refuses them on one contract alone (a scenario holds one contract)."""


def other_contract(command: Command) -> str | None:
    """The number of the second contract a two-contract command is decided on, else None."""
    if type(command) not in TWO_CONTRACT_HANDLERS:
        return None
    number: str = getattr(command, "contract_number")  # noqa: B009 - declared by each
    return number


def execute_on_two(c: Contract, other: Contract, command: Command, ctx: Ctx) -> None:
    """Decide a two-contract command on `c` and `other`: events on both, or a refusal."""
    TWO_CONTRACT_HANDLERS[type(command)](c, other, ctx, **command.facts())


def command_class(name: str) -> type[Command]:
    """The command of that name; KeyError if there is none."""
    return COMMANDS[name]


def execute(contract: Contract, command: Command, ctx: Ctx) -> RecordedRefusalError | None:
    """Decide `command` on `contract`: its handler records events or raises a refusal; a
    refusal recorded as an event is returned (with its events pending on `contract`)."""
    return HANDLERS[type(command)](contract, ctx, **command.facts())


VEHICLE_TRANSFER = ("buyout", "purchaseoption", "ownershiptransfer", "transfertocustomer")
"""L-42: words no event or command name may hold (the Customer never acquires the vehicle;
`VehicleSold` is the Lessor's sale to a third party after a dissolution, M-21)."""


def event_types() -> dict[str, type[ContractEvent]]:
    """Every event type a contract records, by name: the leaves of the ContractEvent tree
    (bases such as ReceivableIssued are never recorded themselves)."""
    found: dict[str, type[ContractEvent]] = {}
    stack = list(ContractEvent.__subclasses__())
    while stack:
        cls = stack.pop()
        children = cls.__subclasses__()
        stack.extend(children)
        if not children and cls.__module__.startswith("domain.contract."):
            found[cls.__name__] = cls
    assert ContractClosed.__name__ in found  # every area's events are imported above
    # L-42: the vehicle never passes to the Customer, so no event may record a buy-out.
    assert not [n for n in found if any(w in n.lower() for w in VEHICLE_TRANSFER)], "L-42"
    return dict(sorted(found.items()))
