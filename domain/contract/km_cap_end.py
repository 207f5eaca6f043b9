"""A-15(b): the km cap as a ground the Lessor decides on (Art. 2.2: the contract "may be
dissolved" under Art. 18.1(ii)).

Under the Lessor policy `km_cap_end_mode = LESSOR_DECISION` the daily run no longer ends the
contract on the first reading at the cap: it records `KmCapReached` once (with A-15), the
Lessor's task, and the contract runs on until the Lessor ends it with `end_on_km_cap`. The
end then takes effect on the day of the decision, never before it: the Lessor chose to end a
contract the terms let run. Under BY_LAW (the default) the command is refused, as the cap
ends the contract by itself (termination.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import Command
from domain.contract.guards import require, require_status
from domain.contract.status import RUNNING
from domain.contract.termination import EndByLaw, end_on_decision, note_km_cap
from domain.values import EndKind, KmCapEndMode

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

DECISION_RULES = ("T-18.1-ii", "L-19", "A-15")


@dataclass(frozen=True)
class EndOnKmCap(Command):
    """The Lessor ends the contract because a reading reached the km cap (A-15(b))."""

    name: ClassVar[str] = "end_on_km_cap"
    rule_ids: ClassVar[tuple[str, ...]] = DECISION_RULES


def end_on_km_cap(c: Contract, ctx: Ctx) -> None:
    """A-15(b): refused under BY_LAW, on an ended contract and before a reading at the cap."""
    require(
        ctx.policy.km_cap_end_mode is KmCapEndMode.LESSOR_DECISION,
        "A-15",
        "the km cap ends the contract by law under this Lessor policy (km_cap_end_mode BY_LAW)",
    )
    require_status(c, RUNNING, "L-19", EndOnKmCap.name)
    require(c.km_cap_reading_on is not None, "A-15", "no odometer reading reached the km cap")
    note_km_cap(c, ctx, "A-15")
    end_on_decision(c, ctx, EndByLaw(EndKind.KM_CAP, ctx.on, ctx.on, DECISION_RULES))


HANDLERS: Handlers = {EndOnKmCap: end_on_km_cap}
