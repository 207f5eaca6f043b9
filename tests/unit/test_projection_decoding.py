"""The projections' decoder and per-event memo (projections/engine/decoding.py, memo.py):
the same events as the application's mapper, less work done twice (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.application import ContractsApplication
from domain.contract.billing_events import InstalmentInvoiced
from domain.money import Money
from domain.values import ReceivableKind
from projections.engine import memo
from projections.engine.decoding import immutable, memoising
from projections.engine.memo import PerEvent
from projections.views.receivables import issued_item
from tests.factories import part_paid_in

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def billed_app() -> ContractsApplication:
    """REF concluded, handed over, billed for five months and part paid (in memory)."""
    app = ContractsApplication(env=IN_MEMORY)
    part_paid_in(app, date(2024, 8, 1))
    return app


class TestMemoisingDecoder:
    def test_every_event_decodes_equal_to_the_applications_own_decoding(self) -> None:
        app = billed_app()
        stored = app.recorder.select_notifications(1, 1000)
        fast = memoising(app.mapper)

        mine = [fast.to_domain_event(n) for n in stored]
        theirs = [app.mapper.to_domain_event(n) for n in stored]

        assert len(stored) > 10
        assert [type(e) for e in mine] == [type(e) for e in theirs]
        assert [vars(e) for e in mine] == [vars(e) for e in theirs]

    def test_a_repeated_amount_is_one_object_and_each_timestamp_its_own(self) -> None:
        app = billed_app()
        fast = memoising(app.mapper)
        invoices = [
            e
            for e in map(fast.to_domain_event, app.recorder.select_notifications(1, 1000))
            if isinstance(e, InstalmentInvoiced) and not e.pro_rata
        ]

        first, second = invoices[0], invoices[1]
        assert first.instalment == second.instalment
        assert first.instalment is second.instalment  # Money: decoded once
        assert first.timestamp is not second.timestamp  # datetimes are not remembered

    def test_only_values_that_cannot_change_are_shared(self) -> None:
        @dataclass
        class Mutable:
            x: int

        assert immutable(date)
        assert immutable(Decimal)
        assert immutable(UUID)
        assert immutable(Money)  # a frozen dataclass
        assert immutable(ReceivableKind)  # an enum
        assert not immutable(datetime)  # each event's own: nothing to share
        assert not immutable(Mutable)
        assert not immutable(dict)


class TestPerEvent:
    def test_worked_out_once_per_event_object_until_forgotten(self) -> None:
        calls: list[object] = []

        @PerEvent
        def double(event: object) -> object:
            calls.append(event)
            return [event, event]

        event, equal_event = ["e"], ["e"]
        assert double(event) is double(event)
        assert double(equal_event) == double(event)
        assert calls == [event, equal_event]  # equal but another object: its own answer

        PerEvent.forget_all()
        double(event)
        assert len(calls) == 3

    def test_what_is_kept_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(memo, "LIMIT", 3)
        counted = PerEvent(id)
        events = [object() for _ in range(10)]

        assert [counted(e) for e in events] == [id(e) for e in events]
        assert len(counted._known) <= 3

    def test_an_issued_item_is_a_new_row_each_time(self) -> None:
        app = billed_app()
        invoice = next(
            e
            for e in map(app.mapper.to_domain_event, app.recorder.select_notifications(1, 1000))
            if isinstance(e, InstalmentInvoiced)
        )

        row = issued_item(invoice)
        assert row is not None
        row["open"] -= Decimal(100)  # a view takes a payment off its own copy

        again = issued_item(invoice)
        assert again is not None
        assert again["open"] == invoice.amount.amount
        assert again["receivable_id"] == invoice.receivable_id
