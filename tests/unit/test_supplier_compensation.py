"""M-05 (Art. 4.4): the supplier's compensation for non-conformity, deducted from the
instalments as the Lessor chooses. RULES.md gives no worked example; the amounts are ours."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued, InstalmentInvoiced
from domain.contract.compensation_events import (
    SupplierCompensationAllocated,
    SupplierCompensationReceived,
)
from domain.contract.registry import execute
from domain.contract.supplier_compensation import CreditSupplierCompensation, spread_shares
from domain.errors import RuleViolationError
from domain.money import Money
from tests.contract_cases import (
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_days

ON = date(2024, 4, 2)


def test_M_05_lump_credit_one_credit_note_for_the_whole_compensation() -> None:
    contract = running_ref_contract(ON)
    command = CreditSupplierCompensation(amount=eur("1200.00"), supplier="BMW Brussels")

    execute(contract, command, ctx(ON))
    events = collected(contract)

    assert names(events)[:3] == [
        "SupplierCompensationReceived",
        "SupplierCompensationAllocated",
        "CreditNoteIssued",
    ]
    received = only(events, SupplierCompensationReceived)
    assert (received.amount, received.supplier) == (eur("1200.00"), "BMW Brussels")
    allocated = only(events, SupplierCompensationAllocated)
    credit = only(events, CreditNoteIssued)
    assert_rules(credit, "M-05")
    assert allocated.credit_note_ids == [credit.receivable_id]
    assert (credit.amount, credit.reason) == (eur("1200.00"), "SUPPLIER_COMPENSATION")
    assert [w["amount"] for w in credit.workings] == ["1200.00"]


def test_M_05_spread_credits_one_share_on_each_of_the_next_instalment_invoices() -> None:
    # 1,000.00 over 3 instalments: 333.33, 333.33 and 333.34 (the rest on the last share).
    contract = running_ref_contract(ON)
    command = CreditSupplierCompensation(
        amount=eur("1000.00"), supplier="BMW Brussels", allocation="SPREAD", instalments=3
    )
    execute(contract, command, ctx(ON))
    allocated = only(collected(contract), SupplierCompensationAllocated)
    assert [s["amount"] for s in allocated.shares] == ["333.33", "333.33", "333.34"]
    assert of_type(collected(contract), CreditNoteIssued) == []

    run_days(contract, date(2024, 4, 3), date(2024, 8, 15))
    events = collected(contract)

    invoices = [e.receivable_id for e in of_type(events, InstalmentInvoiced)]
    shares = [c for c in of_type(events, CreditNoteIssued) if c.reason.startswith("SUPPLIER")]
    assert [(c.amount, c.relates_to) for c in shares] == [
        (eur("333.33"), invoices[0]),
        (eur("333.33"), invoices[1]),
        (eur("333.34"), invoices[2]),
    ]
    assert shares[2].workings[0]["applied"] == "1000.00 - 333.33 x 2 = 333.34"
    assert shares[0].workings[0]["cites"] == {"receivable_id": invoices[0]}
    assert contract.receivables[invoices[3]].open == eur("650.00")  # the fourth: no share


def test_M_05_spread_state_survives_a_snapshot_and_v14_snapshots_upcast() -> None:
    contract = running_ref_contract(ON)
    command = CreditSupplierCompensation(
        amount=eur("100.00"), supplier="S", allocation="SPREAD", instalments=2
    )
    execute(contract, command, ctx(ON))
    contract.collect_events()
    snapshot = Snapshot.take(contract)
    restored = snapshot.mutate(None)
    assert isinstance(restored, Contract)
    assert [s["amount"] for s in restored.compensation_shares] == ["50.00", "50.00"]
    state: dict[str, object] = {}
    Contract.upcast_v14_v15(state)
    assert state == {"compensation_shares": [], "terms_amendment": None, "repairs_due": {}}


def test_M_05_refuses_nothing_to_credit_and_a_lump_over_several_instalments() -> None:
    contract = running_ref_contract(ON)
    for bad in (
        CreditSupplierCompensation(amount=eur("0.00"), supplier="S"),
        CreditSupplierCompensation(amount=eur("10.00"), supplier="S", instalments=2),
        CreditSupplierCompensation(
            amount=eur("0.02"), supplier="S", allocation="SPREAD", instalments=3
        ),
    ):
        assert_refused(
            contract,
            lambda bad=bad: execute(contract, bad, ctx(ON)),  # type: ignore[misc]
            RuleViolationError,
            "M-05",
        )


@given(
    amount=st.decimals(min_value=Decimal("0.01"), max_value=100000, places=2),
    instalments=st.integers(1, 120),
)
def test_M_05_spread_shares_add_up_to_the_compensation(amount: Decimal, instalments: int) -> None:
    shares = spread_shares(Money(amount), instalments)
    assert len(shares) == instalments
    assert sum((s.amount for s in shares), Money.zero()) == Money(amount)
    assert len({s.amount for s in shares[:-1]}) <= 1
    assert abs((shares[-1].amount - shares[0].amount).amount) <= Decimal("0.01") * instalments
