"""T-18.3-iii (Art. 18.3(iii)): an amount other than instalments, still unpaid when the cure
period of a registered notice (D-12: eight days, rolled to a working day) has passed, is a
ground for dissolution; paid within it, it is not."""

from __future__ import annotations

from datetime import date, timedelta

from domain.contract import Contract
from domain.contract.billing import SendFormalNotice
from domain.contract.billing_events import FormalNoticeSent
from domain.contract.charges import ChargeRunningCost
from domain.contract.registry import execute
from domain.contract.termination_events import DissolutionGroundDetected
from tests.contract_cases import assert_rules, collected, eur, of_type, only, pay_everything
from tests.factories import REF_START, active_ref_contract, ctx, run_days

CHARGED_ON = date(2024, 6, 3)  # Mon
NOTICE_ON = date(2024, 6, 4)  # Tue: the debit note is overdue
CURE_DEADLINE = date(2024, 6, 12)  # Wed: 8 days after the notice, a working day
ONE_DAY = timedelta(days=1)


def on_notice() -> Contract:
    """REF with every instalment paid and a running cost left unpaid, on registered notice."""
    contract = active_ref_contract(REF_START)
    run_days(contract, REF_START, CHARGED_ON)
    pay_everything(contract, CHARGED_ON)
    cost = ChargeRunningCost(
        cost_type="TAX_CHARGE_OR_FINE", amount=eur("120.00"), description="parking"
    )
    execute(contract, cost, ctx(CHARGED_ON))
    notice = SendFormalNotice(kind="OTHER_ARREARS", registered=True)
    execute(contract, notice, ctx(NOTICE_ON))
    assert only(collected(contract), FormalNoticeSent).cure_deadline == CURE_DEADLINE
    return contract


def grounds(contract: Contract) -> list[DissolutionGroundDetected]:
    return of_type(collected(contract), DissolutionGroundDetected)


def test_T_18_3_iii_another_amount_unpaid_after_the_cure_period_is_a_ground() -> None:
    contract = on_notice()

    run_days(contract, NOTICE_ON + ONE_DAY, CURE_DEADLINE)
    within = grounds(contract)
    run_days(contract, CURE_DEADLINE + ONE_DAY, CURE_DEADLINE + ONE_DAY)
    [ground] = grounds(contract)

    assert within == []
    assert ground.ground == "18.3(iii)"
    assert_rules(ground, "T-18.3-iii", "D-12")
    assert ground.occurred_on == CURE_DEADLINE + ONE_DAY


def test_T_18_3_iii_paid_within_the_cure_period_no_ground() -> None:
    contract = on_notice()

    pay_everything(contract, CURE_DEADLINE)
    run_days(contract, NOTICE_ON + ONE_DAY, CURE_DEADLINE + ONE_DAY)

    assert [g.ground for g in grounds(contract)] == []
