"""Guarantees: deposits and sureties for the Customer's obligations (Art. 3, 18.5).

- D-40 / P-22: the Customer provides the Guarantees the Special Conditions require before
  execution (`provide_guarantee`, `GuaranteeProvided`). Without them the Lessor may suspend
  execution or handover (Art. 3.1, 4.5: `suspend_handover` with GUARANTEE_MISSING).
- M-10: the Lessor applies a Guarantee to what is open (`apply_guarantee`) in the order of
  Art. 3.4: (1) recovery, repair and preservation costs of the Vehicle, (2) contractual
  indemnities and costs, (3) instalments; within a class the oldest due date first, then
  the issue order. [INT] Late interest counts as a cost of class 2; debit notes of none of
  the three classes (levies, km, fuel, running costs, ...) come last, as M-09 puts them.
  [INT] The terms let the Lessor choose when to enforce; any contract state is accepted.
- M-10 / K-01: a Guarantee covers all of the Customer's contracts: what is left of one held
  under this contract is applied to the open documents of another contract of the same
  Customer (`apply_guarantee_to_contract`), in the same order. Both contracts record it in
  one transaction (ContractsApplication): this one how much went where
  (`GuaranteeAppliedToContract`), the other which documents it settled
  (`GuaranteeAppliedFromContract`).
- M-10: a cash Guarantee earns no interest: what is left is returned as it is
  (`release_guarantee`, `GuaranteeReleased`), once the contract is closed (L-28). The
  aggregate sees one contract; the HTTP API refuses the release while the customer-level
  exposure view (K-01) shows another contract of the Customer not closed or with documents
  open (api/guards.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from domain.contract.command import Command, bounded
from domain.contract.guarantee_events import (
    GuaranteeApplied,
    GuaranteeAppliedFromContract,
    GuaranteeAppliedToContract,
    GuaranteeProvided,
    GuaranteeReleased,
)
from domain.contract.guards import require, require_status
from domain.contract.status import NOT_ENDED
from domain.money import Money, money_min, total
from domain.values import ContractStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from domain.contract import Contract, Ctx
    from domain.contract.command import Handlers
    from domain.contract.state import Guarantee, Receivable

GUARANTEE_TYPES = ("CASH_DEPOSIT", "PERSONAL_SURETY", "OTHER")
"""P-22's kinds of security."""

APPLICATION_CLASSES: tuple[tuple[str, frozenset[str]], ...] = (
    ("RECOVERY_REPAIR_PRESERVATION", frozenset({"REPOSSESSION", "DAMAGE"})),
    (
        "INDEMNITIES_COSTS",
        frozenset(
            {
                "DISSOLUTION_INDEMNITY",
                "EARLY_TERMINATION_FEE",
                "COLLECTION_INDEMNITY",
                "FILE_COSTS",
                "LATE_RETURN",
                "INTEREST",
            }
        ),
    ),
    ("INSTALMENTS", frozenset({"INSTALMENT"})),
)
"""M-10 (Art. 3.4): the document categories of each class, in the order applied."""
OTHER_CLASS = "OTHER"
"""[INT] Open debits of none of the three classes, applied last."""
ZERO = Money.of("0.00")


@dataclass(frozen=True)
class ProvideGuarantee(Command):
    """D-40 / P-22: a Guarantee provided for the Customer's obligations."""

    name: ClassVar[str] = "provide_guarantee"
    rule_ids: ClassVar[tuple[str, ...]] = ("P-22", "D-40", "M-10")
    guarantee_id: str = bounded()
    guarantee_type: str = bounded(choices=GUARANTEE_TYPES)
    amount: Money = bounded(low=ZERO)
    provider_ref: str = bounded("")


@dataclass(frozen=True)
class ApplyGuarantee(Command):
    """M-10: apply a Guarantee to what the contract has open, in the Art. 3.4 order."""

    name: ClassVar[str] = "apply_guarantee"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-10",)
    guarantee_id: str = bounded()


@dataclass(frozen=True)
class ApplyGuaranteeToContract(Command):
    """M-10 / K-01: apply a Guarantee held under this contract to the open documents of
    another contract of the same Customer, in the Art. 3.4 order."""

    name: ClassVar[str] = "apply_guarantee_to_contract"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-10", "K-01")
    guarantee_id: str = bounded()
    contract_number: str = bounded()
    """The other contract, whose documents the Guarantee settles."""


@dataclass(frozen=True)
class ReleaseGuarantee(Command):
    """M-10: return what is left of a Guarantee once the contract is closed."""

    name: ClassVar[str] = "release_guarantee"
    rule_ids: ClassVar[tuple[str, ...]] = ("M-10",)
    guarantee_id: str = bounded()


def application_class(category: str) -> str:
    """M-10: the class of a document category (OTHER for none of the three)."""
    for name, categories in APPLICATION_CLASSES:
        if category in categories:
            return name
    return OTHER_CLASS


_RANK = {name: rank for rank, (name, _) in enumerate(APPLICATION_CLASSES)}


def guarantee_allocations(available: Money, items: list[Receivable]) -> list[dict[str, object]]:
    """M-10: `available` over the open debits, class by class, oldest due date first."""
    debits = [r for r in items if not r.is_credit and r.open.is_positive]
    ordered = sorted(
        enumerate(debits),
        key=lambda pair: (
            _RANK.get(application_class(pair[1].category), len(_RANK)),
            pair[1].due_on,
            pair[0],
        ),
    )
    left, lines = available, []
    for _, item in ordered:
        if not left.is_positive:
            break
        used = money_min(left, item.open)
        lines.append(
            {
                "bucket": application_class(item.category),
                "receivable_id": item.receivable_id,
                "amount": used,
            }
        )
        left = left - used
    return lines


def provide_guarantee(
    c: Contract,
    ctx: Ctx,
    guarantee_id: str,
    guarantee_type: str,
    amount: Money,
    provider_ref: str,
) -> None:
    """D-40: recorded before the contract ends ([INT] also after execution started)."""
    require_status(c, NOT_ENDED, "D-40", "provide_guarantee")
    require(guarantee_id not in c.guarantees, "P-22", f"{guarantee_id} is already provided")
    require(amount.rounded().is_positive, "P-22", "a Guarantee's amount must be more than 0")
    c.emit(
        GuaranteeProvided,
        ctx,
        ["P-22", "D-40", "M-10"],
        guarantee_id=guarantee_id,
        guarantee_type=guarantee_type,
        amount=amount.rounded(),
        provider_ref=provider_ref,
    )


def apply_guarantee(c: Contract, ctx: Ctx, guarantee_id: str) -> None:
    """M-10: what is left of the Guarantee, applied to the contract's open debits."""
    require(guarantee_id in c.guarantees, "M-10", f"no Guarantee {guarantee_id}")
    held = c.guarantees[guarantee_id]
    require(held.available.is_positive, "M-10", f"nothing is left of {guarantee_id}")
    lines = guarantee_allocations(held.available, list(c.open_documents().values()))
    require(bool(lines), "M-10", "nothing is open to apply the Guarantee to")
    c.emit(GuaranteeApplied, ctx, ["M-10"], guarantee_id=guarantee_id, allocations=lines)


def apply_guarantee_to_contract(
    c: Contract, other: Contract, ctx: Ctx, guarantee_id: str, contract_number: str
) -> None:
    """M-10 / K-01: what is left of `c`'s Guarantee, applied to `other`'s open debits."""
    require(
        other.number == contract_number != c.number,
        "M-10",
        f"contract_number: {contract_number} is not another contract (apply_guarantee applies"
        " a Guarantee to its own contract)",
    )
    require(
        other.customer_number == c.customer_number,
        "M-10",
        f"contract_number: {contract_number} is not a contract of customer {c.customer_number}"
        " (a Guarantee covers only its own Customer's contracts)",
    )
    require(guarantee_id in c.guarantees, "M-10", f"guarantee_id: no Guarantee {guarantee_id}")
    held = c.guarantees[guarantee_id]
    require(held.available.is_positive, "M-10", f"guarantee_id: nothing is left of {guarantee_id}")
    lines = guarantee_allocations(held.available, list(other.open_documents().values()))
    require(bool(lines), "M-10", f"contract_number: nothing is open on {contract_number}")
    used = total([cast("Money", line["amount"]) for line in lines])
    rules = ["M-10", "K-01"]
    c.emit(
        GuaranteeAppliedToContract,
        ctx,
        rules,
        guarantee_id=guarantee_id,
        contract_number=other.number,
        amount=used,
    )
    other.emit(
        GuaranteeAppliedFromContract,
        ctx,
        rules,
        guarantee_id=guarantee_id,
        contract_number=c.number,
        allocations=lines,
    )


def release_guarantee(c: Contract, ctx: Ctx, guarantee_id: str) -> None:
    """M-10 / L-28: what is left goes back, without interest, once the contract is closed."""
    held = require_releasable(c, guarantee_id)
    c.emit(
        GuaranteeReleased,
        ctx,
        ["M-10"],
        guarantee_id=guarantee_id,
        amount_returned=held.available,
    )


def require_releasable(c: Contract, guarantee_id: str) -> Guarantee:
    """M-10 / L-28: the contract is closed and holds the Guarantee, not released yet (what
    this contract alone decides; the API also reads the Customer's other contracts)."""
    require_status(c, {ContractStatus.CLOSED}, "M-10", "release_guarantee")
    require(guarantee_id in c.guarantees, "M-10", f"no Guarantee {guarantee_id}")
    held = c.guarantees[guarantee_id]
    require(not held.released, "M-10", f"{guarantee_id} is already released")
    return held


def apply_to_contract_alone(c: Contract, ctx: Ctx, guarantee_id: str, contract_number: str) -> None:
    """`apply_guarantee_to_contract` decided on one contract (a scenario holds one): refused,
    it needs the other contract (ContractsApplication decides it on both)."""
    del c, ctx, guarantee_id
    require(False, "M-10", f"contract_number: {contract_number} must be loaded with this contract")


HANDLERS: Handlers = {
    ProvideGuarantee: provide_guarantee,
    ApplyGuarantee: apply_guarantee,
    ApplyGuaranteeToContract: apply_to_contract_alone,
    ReleaseGuarantee: release_guarantee,
}

TWO_CONTRACT_HANDLERS: Mapping[type[Command], Callable[..., None]] = {
    ApplyGuaranteeToContract: apply_guarantee_to_contract,
}
"""Commands decided on two contracts of one Customer: handler(c, other, ctx, **facts), where
`other` is the contract the command's `contract_number` names."""
