"""Levies: fines, taxes and charges addressed to the Lessor for the Vehicle (Art. 8.4).

- P-53: only for a Vehicle registered in the Lessor's name (the default, P-20).
- M-14 (Art. 8.4): the Lessor records a Levy it receives (`receive_levy`) and forwards it to the
  Customer (`forward_levy`), charging a processing fee each time: the actual cost, at least
  EUR 15 the first time and EUR 50 each later time (P-38), on a debit note collected by SEPA
  and due after the contract's payment term like the other charges.
- D-37: the Customer pays a forwarded Levy immediately (`pay_by` is the forwarding date);
  a Levy still unpaid is processed again (sequence 2, 3, ...), each with its fee.
- M-14: if the Lessor pays the Levy itself it is recharged in full, due at once (D-37),
  unless the Customer contested it in writing, in time and on well-founded reasons
  (`record_levy_opposition`: [INT] the Lessor records whether the reasons came in time and
  are well founded; the terms leave that judgement to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, ClassVar

from domain.contract.charges import CHARGEABLE
from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.guards import require, require_status
from domain.contract.levy_events import (
    LevyForwardedToCustomer,
    LevyOppositionReceived,
    LevyPaidByLessor,
    LevyProcessingFeeCharged,
    LevyReceived,
    LevyRecharged,
)
from domain.money import Money
from domain.money_rules import worked_levy_fee
from domain.workings import passed_on, records

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import Levy

LEVY_TYPES = ("FINE", "POLICE_REPORT", "ADMIN_COLLECTION", "PARKING", "REMINDER")
"""RULES 9.1 `LevyReceived.levyType`."""
ZERO = Money.of("0.00")


@dataclass(frozen=True)
class ReceiveLevy(Command):
    """Art. 8.4, O-08: a Levy addressed to the Lessor for the Vehicle, to be forwarded."""

    name: ClassVar[str] = "receive_levy"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-14", "P-53")
    levy_id: str = bounded()
    levy_type: str = bounded(choices=LEVY_TYPES)
    amount: Money = bounded(low=ZERO)
    authority: str = bounded("", max_length=200)
    offence_on: date | None = bounded(None)


@dataclass(frozen=True)
class ForwardLevy(Command):
    """O-08 / M-14 / P-38 / D-37: one processing of a Levy, forwarded to the Customer (who
    pays it at once) with the Lessor's fee."""

    name: ClassVar[str] = "forward_levy"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-14", "P-38", "D-37")
    levy_id: str = bounded()
    actual_cost: Money = bounded(ZERO, low=ZERO)


@dataclass(frozen=True)
class RecordLevyOpposition(Command):
    """M-14: the Customer's written reasons to contest a Levy."""

    name: ClassVar[str] = "record_levy_opposition"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-14",)
    levy_id: str = bounded()
    reasons: str = bounded(max_length=MAX_TEXT)
    in_time: bool = bounded(True)
    well_founded: bool = bounded(True)


@dataclass(frozen=True)
class PayLevy(Command):
    """M-14 / D-37: the Lessor pays the Levy itself and recharges it unless contested."""

    name: ClassVar[str] = "pay_levy"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-14", "D-37")
    levy_id: str = bounded()


def _unpaid_levy(c: Contract, levy_id: str) -> Levy:
    """The Levy, received and not yet paid by the Lessor (nothing to process after that)."""
    require(levy_id in c.levies, "M-14", f"no Levy {levy_id} was received")
    levy = c.levies[levy_id]
    require(not levy.paid, "M-14", f"the Lessor already paid Levy {levy_id}")
    return levy


def receive_levy(
    c: Contract,
    ctx: Ctx,
    levy_id: str,
    levy_type: str,
    amount: Money,
    authority: str,
    offence_on: date | None,
) -> None:
    """Art. 8.4: record the Levy; [INT] any contract not yet closed can receive one.

    P-53: a Levy is what reaches the Lessor because the Vehicle is registered in its name
    (Art. 8.4, P-20); a Vehicle registered in the Customer's name has none to pass on (its
    fines reach the Customer as the holder), so the process does not apply."""
    require_status(c, CHARGEABLE, "M-14", "receive_levy")
    require(
        c.terms.registered_in_name_of == "LESSOR",
        "P-53",
        "the Vehicle is registered in the Customer's name: no Levy is addressed to the Lessor",
    )
    require(levy_id not in c.levies, "M-14", f"Levy {levy_id} is already recorded")
    require(amount.rounded().is_positive, "M-14", "the Levy's amount must be more than 0")
    c.emit(
        LevyReceived,
        ctx,
        ["M-14"],
        levy_id=levy_id,
        authority=authority,
        levy_type=levy_type,
        amount=amount.rounded(),
        offence_on=offence_on,
    )


def forward_levy(c: Contract, ctx: Ctx, levy_id: str, actual_cost: Money) -> None:
    """M-14: the n-th processing; its fee is max(actual cost, P-38 minimum of n)."""
    require_status(c, CHARGEABLE, "M-14", "forward_levy")
    levy = _unpaid_levy(c, levy_id)
    sequence = levy.forwarded + 1
    worked = worked_levy_fee(sequence, actual_cost)
    c.emit(
        LevyForwardedToCustomer,
        ctx,
        ["M-14", "D-37"],
        levy_id=levy_id,
        sequence=sequence,
        pay_by=ctx.on,
    )
    c.issue(
        LevyProcessingFeeCharged,
        ctx,
        ["M-14", "P-38"],
        amount=worked.amount,
        due_date=ctx.on + timedelta(days=c.terms.payment_term_days),
        levy_id=levy_id,
        sequence=sequence,
        actual_cost=actual_cost.rounded(),
        minimum=Money.of(dict(worked.inputs)["minimum"]),
        workings=records([worked.citing(levy_id=levy_id)]),
    )


def record_levy_opposition(
    c: Contract, ctx: Ctx, levy_id: str, reasons: str, in_time: bool, well_founded: bool
) -> None:
    """M-14: recorded before the Lessor pays; it decides whether the Levy is recharged."""
    require_status(c, CHARGEABLE, "M-14", "record_levy_opposition")
    _unpaid_levy(c, levy_id)
    c.emit(
        LevyOppositionReceived,
        ctx,
        ["M-14"],
        levy_id=levy_id,
        reasons=reasons,
        in_time=in_time,
        well_founded=well_founded,
    )


def pay_levy(c: Contract, ctx: Ctx, levy_id: str) -> None:
    """M-14 / D-37: recharge the Levy in full, due at once, unless contested in time."""
    require_status(c, CHARGEABLE, "M-14", "pay_levy")
    levy = _unpaid_levy(c, levy_id)
    amount, rechargeable = levy.amount, not levy.contested
    c.emit(
        LevyPaidByLessor,
        ctx,
        ["M-14"],
        levy_id=levy_id,
        amount=amount,
        rechargeable=rechargeable,
    )
    if rechargeable:
        c.issue(
            LevyRecharged,
            ctx,
            ["M-14", "D-37"],
            amount=amount,
            due_date=ctx.on,
            levy_id=levy_id,
            workings=records(
                [passed_on("M-14", "Levy paid by the Lessor", amount).citing(levy_id=levy_id)]
            ),
        )


HANDLERS: Handlers = {
    ReceiveLevy: receive_levy,
    ForwardLevy: forward_levy,
    RecordLevyOpposition: record_levy_opposition,
    PayLevy: pay_levy,
}
