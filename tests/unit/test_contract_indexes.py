"""The contract's indexes of its own state: open documents and invoiced months (issue 14).

`Contract.open_documents()` holds the documents whose open amount is not zero, in issue
order; `Contract.invoiced_months()` the invoiced periods by month index. Each is built from
the state when first asked for and then kept in step as events change that state; neither is
state, so snapshots leave them out. The queries that used to look through every document or
make a date for every month of the term (open items, open debits and credits, overdue, M-02's
due periods) give the same answers from them. tests/unit/test_contract_properties.py checks
both against the state after every step of random histories.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, cast

from eventsourcing.domain import Snapshot

from domain.application import ContractsApplication
from domain.calendar import month_index
from domain.contract import billing
from domain.contract.billing import ReceivePayment
from domain.contract.ledger import OpenChange
from domain.contract.registry import execute
from domain.money import Money
from tests.factories import ctx, part_paid_in, run_days

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.contract.state import Receivable

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def months_by_scan(contract: Contract) -> set[int]:
    """What the months index must hold: every invoiced period that begins on a 1st."""
    return {month_index(p) for p in contract.invoiced_periods if p.day == 1}


def open_by_scan(contract: Contract) -> list[tuple[str, Receivable]]:
    """What the index must hold: every document with something open, in issue order."""
    return [(key, r) for key, r in contract.receivables.items() if not r.open.is_zero]


def billed_and_part_paid() -> Contract:
    """REF billed for a year, the first months paid: settled, part-paid and open invoices."""
    app = ContractsApplication(env=IN_MEMORY)
    number = part_paid_in(app, date(2024, 4, 1))
    app.decide(number, lambda c: run_days(c, date(2024, 4, 2), date(2025, 3, 31)))
    app.execute(number, ReceivePayment(amount=Money.of("2500.00")), ctx(date(2025, 4, 1)))
    return app.get(number)


def test_the_index_kept_by_events_equals_one_built_from_the_receivables() -> None:
    contract = billed_and_part_paid()
    assert contract.open_documents()  # built here, kept from now on
    run_days(contract, date(2025, 4, 2), date(2025, 6, 30))  # new invoices
    execute(contract, ReceivePayment(amount=Money.of("3000.00")), ctx(date(2025, 7, 1)))

    kept = list(contract.open_documents().items())

    assert kept == open_by_scan(contract)
    assert 0 < len(kept) < len(contract.receivables) - 10  # most documents are settled
    del contract._open  # the index as a load finds it: not built yet
    assert list(contract.open_documents().items()) == kept


def test_a_snapshot_leaves_the_index_out_and_the_loaded_contract_builds_it() -> None:
    contract = billed_and_part_paid()
    contract.open_documents()

    snapshot = Snapshot.take(contract)
    loaded = cast("Contract", snapshot.mutate(None))

    assert "_open" not in snapshot.state
    assert "_invoiced_months" not in snapshot.state
    assert list(loaded.open_documents().items()) == open_by_scan(loaded)
    assert loaded.invoiced_months() == months_by_scan(loaded)
    assert loaded == contract


def test_the_invoiced_months_kept_by_events_equal_those_built_from_the_periods() -> None:
    contract = billed_and_part_paid()
    built = set(contract.invoiced_months())
    run_days(contract, date(2025, 4, 2), date(2025, 6, 30))  # April to June invoiced

    kept = contract.invoiced_months()

    assert (
        kept
        == months_by_scan(contract)
        == built | {month_index(date(2025, m, 1)) for m in (4, 5, 6)}
    )
    assert billing.due_periods(contract, date(2025, 8, 1)) == [date(2025, 7, 1), date(2025, 8, 1)]
    del contract._invoiced_months  # as a load finds it
    assert contract.invoiced_months() == kept


def test_a_copy_indexes_its_own_documents() -> None:
    contract = billed_and_part_paid()
    contract.open_documents()

    twin = copy.deepcopy(contract)
    execute(twin, ReceivePayment(amount=Money.of("5000.00")), ctx(date(2025, 4, 2)))

    assert all(twin.receivables[key] is r for key, r in twin.open_documents().items())
    assert list(twin.open_documents().items()) == open_by_scan(twin)
    assert list(contract.open_documents().items()) == open_by_scan(contract)
    assert len(twin.open_documents()) < len(contract.open_documents())


def test_an_older_document_open_again_is_indexed_in_issue_order() -> None:
    # No event makes an open amount grow today; if one did, the index is rebuilt in order.
    contract = billed_and_part_paid()
    first = next(iter(contract.receivables))
    assert first not in contract.open_documents()

    contract.settle(OpenChange(((first, Money.of("-10.00")),), Money.zero()))

    assert next(iter(contract.open_documents())) == first
    assert list(contract.open_documents().items()) == open_by_scan(contract)
