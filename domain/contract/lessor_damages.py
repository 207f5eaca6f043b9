"""The Customer's damages claim after a dissolution against the Lessor (M-34, Art. 18.8).

A justified and serious dissolution by the Customer (T-18.8-i..v, L-25) lets the Customer
claim compensation under general law. The terms compute nothing: the claim is a HUMAN and
legal process, recorded as its steps occur (`CustomerDamagesClaimRecorded`, RULES 9), and no
Dissolution Indemnity or Early Termination Fee is charged on that end (A-29,
termination.dissolve_against_lessor).

Readings [INT]: only a contract that ended by dissolution against the Lessor carries such a
claim; the amount is optional (a claim may be lodged before it is quantified); each step of
the claim (claimed, agreed, decided by a court, withdrawn) is recorded under the same claim
id, and nothing is booked in the ledger: paying an agreed amount goes through `pay_refund`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from domain.contract.command import MAX_TEXT, Command, bounded
from domain.contract.guards import require
from domain.contract.lessor_grounds_events import CustomerDamagesClaimRecorded
from domain.money import Money
from domain.values import EndKind

if TYPE_CHECKING:
    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers

CLAIM_STATUSES = ("CLAIMED", "AGREED", "DECIDED_BY_COURT", "WITHDRAWN")
"""[INT] The steps of the claim the Lessor records (RULES 9 names only a `status`)."""


@dataclass(frozen=True)
class RecordCustomerDamagesClaim(Command):
    """M-34: a step of the Customer's damages claim against the Lessor (Art. 18.8)."""

    name: ClassVar[str] = "record_customer_damages_claim"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-34", "A-29")
    claim_id: str = bounded()
    status: str = bounded("CLAIMED", choices=CLAIM_STATUSES)
    amount_claimed: Money | None = bounded(None, low=Money.zero())
    description: str = bounded("", max_length=MAX_TEXT)


def record_customer_damages_claim(
    c: Contract,
    ctx: Ctx,
    claim_id: str,
    status: str,
    amount_claimed: Money | None,
    description: str,
) -> None:
    """M-34: record the claim as it stands; no amount is computed or charged (A-29)."""
    require(
        c.end_kind is EndKind.DISSOLVED_AGAINST_LESSOR,
        "M-34",
        "only a contract dissolved against the Lessor (Art. 18.8) carries this claim",
    )
    require(status in CLAIM_STATUSES, "M-34", f"{status} is not a claim status")
    require(bool(claim_id.strip()), "M-34", "claim_id is required")
    if amount_claimed is not None:
        require(amount_claimed == amount_claimed.rounded(), "M-34", "amount in whole cents")
    c.emit(
        CustomerDamagesClaimRecorded,
        ctx,
        ["M-34", "A-29"],
        claim_id=claim_id,
        amount_claimed=amount_claimed,
        status=status,
        description=description,
    )


HANDLERS: Handlers = {RecordCustomerDamagesClaim: record_customer_damages_claim}
