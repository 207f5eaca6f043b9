"""Shared set-up of the Contract aggregate tests (tests/unit/test_<area>.py): the RULES
dates, the event helpers and contracts in given states."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.billing import ReceivePayment
from domain.contract.formation import (
    NotifyVehicleReady,
    OrderVehicle,
    SubmitInsuranceProof,
)
from domain.contract.grounds import RecordGround
from domain.contract.registry import execute
from domain.errors import (
    ContractError,
)
from domain.money import Money
from domain.policy import LessorPolicy
from domain.values import ContractStatus
from tests.factories import (
    REF_START,
    active_ref_contract,
    concluded_ref_contract,
    ctx,
    run_days,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# --- RULES dates (REF starts Tue 2024-03-12) ---------------------------------------------------

REF_CONTRACTUAL_END = date(2028, 3, 11)  # Sat; 0.6
REF_RETURN_DUE = date(2028, 3, 13)  # Mon; D-25
REF_LATE_RETURN = date(2028, 3, 17)  # Fri; M-23 example
ORDERED_ON = date(2024, 2, 10)
READY_NOTICE = date(2024, 3, 1)  # Fri; D-08/D-09 examples
COLLECTION_DEADLINE = date(2024, 3, 15)  # D-08
INSURANCE_PROOF_DEADLINE = date(2024, 4, 2)  # D-09: 1 Apr 2024 is Easter Monday
LOCK_LAST_DAY = date(2025, 3, 11)  # D-28: still within the first 12 months
MONTH_13_FIRST_DAY = date(2025, 3, 12)  # D-28
THEFT_DATE = date(2025, 9, 20)  # D-15, M-19
THEFT_RECOVERY_DEADLINE = date(2025, 10, 20)  # D-15
TOTAL_LOSS_EVENT = date(2025, 11, 5)  # M-18 example
DISSOLUTION_DATE = date(2025, 11, 20)  # M-21
INDEMNITY_DUE = date(2025, 12, 5)  # D-13
SALE_WITHIN_WINDOW = date(2025, 11, 30)  # M-21, D-14
LATER_SALE = date(2026, 2, 10)  # M-21
DEATH_LETTER = date(2026, 2, 3)  # M-33
HEIRS_RETURN = date(2026, 2, 20)  # M-33
EARLY_RETURN = date(2026, 9, 11)  # M-22
KM_CAP_READING_DAY = date(2027, 6, 1)  # M-12
KM_CAP_RETURN_DUE = date(2027, 6, 2)  # M-12
NOTICE_DISPATCH = date(2025, 2, 10)  # Mon; D-10
NOTICE_LAST_DAY = date(2025, 2, 18)  # Tue; D-10
COLLECTION_COSTS_DAY = date(2025, 2, 19)  # Wed; D-10
HANDOVER_SUSPENDED_ON = date(2024, 3, 5)  # L-05: 10 of the 14 D-08 days left
REFUSED_ON = date(2024, 3, 8)  # L-08/L-09
M09_START = date(2024, 12, 1)  # M-09 contract: December invoiced in full
M09_LATE_PAYMENT = date(2025, 1, 20)  # December (due 12-15) paid 36 days late
JANUARY_START = date(2025, 1, 1)  # M-06/M-07 contracts: January invoiced in full
M06_DUE = date(2025, 1, 5)  # M-06: due date of the January instalment
M06_PAID = date(2025, 3, 21)  # M-06: paid 75 days late
INCIDENT_ON = date(2025, 5, 10)  # M-15
INCIDENT_REPORTED_ON = date(2025, 5, 11)  # M-15; D-01: Sat 14:00 -> report by Sun 14:00
INCIDENT_REPORTED_LATE = date(2025, 5, 12)  # D-01: Monday, too late
SERVICE_NOTICE = date(2025, 3, 10)  # T-18.2-ii: January and February overdue
SERVICE_GROUND_DAY = date(2025, 3, 19)  # D-12: dispatch + 8 days passed
LAPSE_NOTIFIED_ON = date(2025, 6, 3)  # D-17: Tue
REPLACEMENT_DEADLINE = date(2025, 6, 17)  # D-17: Tue, two weeks later
LESSOR_DISSOLUTION = date(2025, 6, 10)  # L-25
TOTAL_LOSS_DECLARED_ON = date(2025, 11, 10)  # L-17: the expert's declaration
DATE_OF_DEATH = date(2026, 1, 28)  # L-24

POLICY = LessorPolicy()
FEE_RATE = POLICY.early_termination_fee_rate
ONE_DAY = timedelta(days=1)

E = TypeVar("E", bound=ContractEvent)


def eur(amount: str) -> Money:
    return Money.of(amount)


# --- helpers -------------------------------------------------------------------------------------


def collected(contract: Contract) -> list[ContractEvent]:
    """The pending events of the contract (and forget them)."""
    events = contract.collect_events()
    contract_events = [e for e in events if isinstance(e, ContractEvent)]
    assert len(contract_events) == len(events)
    return contract_events


def names(events: Sequence[ContractEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def of_type(events: Sequence[ContractEvent], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def only(events: Sequence[ContractEvent], kind: type[E]) -> E:
    """The single event of `kind` among `events`."""
    matching = of_type(events, kind)
    assert len(matching) == 1, f"expected one {kind.__name__}, got {names(events)}"
    return matching[0]


def assert_rules(event: ContractEvent, *rule_ids: str) -> None:
    missing = set(rule_ids) - set(event.rule_ids)
    assert not missing, f"{type(event).__name__} lacks {sorted(missing)}: {event.rule_ids}"


def assert_refused(
    contract: Contract, command: Callable[[], object], error: type[ContractError], rule_id: str
) -> ContractError:
    """The command raises `error` naming `rule_id`, and the aggregate is left as it was."""
    version, status, pending = contract.version, contract.status, len(contract.pending_events)
    with pytest.raises(error) as refused:
        command()
    assert refused.value.rule_id == rule_id
    assert contract.version == version
    assert contract.status is status
    assert len(contract.pending_events) == pending
    return refused.value


def ordered_contract() -> Contract:
    contract = concluded_ref_contract()
    execute(contract, OrderVehicle(), ctx(ORDERED_ON))
    contract.collect_events()
    return contract


def ready_contract(*, proof: bool = True) -> Contract:
    """REF with the ready notice dispatched on Fri 2024-03-01 (and proof of insurance if asked)."""
    contract = ordered_contract()
    execute(contract, NotifyVehicleReady(), ctx(READY_NOTICE))
    if proof:
        execute(contract, SubmitInsuranceProof(), ctx(READY_NOTICE + ONE_DAY))
    contract.collect_events()
    return contract


def running_ref_contract(until: date, **overrides: Any) -> Contract:
    """REF handed over on 2024-03-12 and run daily up to `until`; events collected."""
    contract = active_ref_contract(**overrides)
    run_days(contract, REF_START, until)
    contract.collect_events()
    return contract


def record_trust_ground(contract: Contract, on: date) -> None:
    execute(
        contract,
        RecordGround(ground="18.3(xiv)", rationale="Customer lied about the vehicle's whereabouts"),
        ctx(on),
    )


def expired_ref_contract() -> Contract:
    """REF run to the day after its contractual end: ended by law, awaiting return."""
    contract = running_ref_contract(REF_CONTRACTUAL_END + ONE_DAY)
    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
    return contract


def instalment(contract: Contract, period_start: date) -> str:
    """Receivable id of the instalment invoice whose billing period starts on `period_start`."""
    ids = [
        r.receivable_id
        for r in contract.receivables.values()
        if r.category == "INSTALMENT"
        and r.period_start is not None
        and r.period_start.replace(day=1) == period_start
    ]
    assert len(ids) == 1, ids
    return ids[0]


def pay_everything(contract: Contract, on: date) -> None:
    """Pay what is open until nothing is (late payment adds interest the next payment clears)."""
    for _ in range(3):
        owed = contract.open_debits()
        if owed.is_zero:
            return
        execute(contract, ReceivePayment(amount=owed.rounded()), ctx(on, actor="CUSTOMER"))
    assert contract.open_debits().is_zero
