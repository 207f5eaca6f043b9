"""Contract tests of the billing views (`invoices`, `ledger`), run on every implementation.

STYLE 6: abstract contracts with `make_app()` and `make_view()` hooks, subclassed for the
in-memory views (tests/unit/test_views_billing.py) and the PostgreSQL views
(tests/integration/test_views_billing.py). The views are driven by real events of the
Contract aggregate (tests/billing_stories.py), projected by a ProjectionGroup.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.calendar import add_months
from domain.contract.billing import SendFormalNotice
from domain.contract.registry import execute
from domain.money import Money
from projections.engine.runner import ProjectionGroup
from projections.views import invoices, ledger
from projections.views.document_lines import RULE_ARTICLES
from tests.billing_stories import (
    LOSS_PAID_ON,
    assert_open_matches,
    billing_story,
    live,
    loss_story,
    sequences,
)
from tests.factories import REF_START, ctx, handed_over_ref_contract
from tests.projection_contracts import RowViewContract

if TYPE_CHECKING:
    from domain.application import ContractsApplication
    from domain.contract import Contract
    from projections.views.invoices import InvoicesView
    from projections.views.ledger import LedgerView

M06_DUE = date(2025, 1, 5)
"""RULES M-06 example: an instalment of 650.00 due 2025-01-05 ..."""
M06_PAID = date(2025, 3, 21)
"""... paid 2025-03-21: 75 days, EUR 3.21."""
NOTICE_SENT = date(2024, 5, 10)
"""A registered notice on April and May (its 8 days end after Whit Monday, D-10 / A-05)."""


class BillingViewContract(RowViewContract):
    """A billing view, populated with the billing story (payments, notices, credits)."""

    def populate(self, app: ContractsApplication) -> None:
        billing_story(app)


class InvoicesViewContract(BillingViewContract):
    """The invoices view: numbered documents, open amounts, lines and articles."""

    spec = invoices.SPEC

    @abstractmethod
    def make_view(self) -> InvoicesView:
        """An empty invoices view."""

    def story(self) -> tuple[InvoicesView, Contract]:
        app, view = self.make_app(), self.make_view()
        contract = billing_story(app)
        self.project(app, view)
        return view, contract

    def test_numbers_restart_at_000001_per_kind_and_year_without_gaps(self) -> None:
        view, contract = self.story()
        rows = view.documents(contract.id)
        used = sequences(rows)
        assert sorted(used) == ["CN-2025", "DN-2024", "DN-2025", "INV-2024", "INV-2025"]
        assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in used.values())
        assert (view.last_number("INVOICE", 2024), view.last_number("INVOICE", 2025)) == (10, 4)

    def test_M_09_open_equals_the_aggregate_after_every_chapter(self) -> None:
        app, view = self.make_app(), self.make_view()
        group = ProjectionGroup(app, [self.spec.projection(view)])

        def check(contract: Contract) -> None:
            group.catch_up()
            assert_open_matches(view.documents(contract.id), app.get(contract.number))

        contract = billing_story(app, saved=check)
        kinds = {type(e).__name__ for e in app.events.get(contract.id)}
        assert {"CreditsSetOff", "CreditNoteIssued", "RefundPaidToCustomer"} <= kinds

    def test_two_interleaved_contracts_share_no_numbers_and_skip_none(self) -> None:
        app, view = self.make_app(), self.make_view()
        first, second = handed_over_ref_contract(), handed_over_ref_contract(date(2024, 3, 20))
        for month in range(12):  # each pays 650.00 late every month: invoices and M-06 notes
            start = add_months(date(2024, 3, 1), month)
            for contract, day in ((first, 10), (second, 15)):
                paid = {start.replace(day=day): "650.00"}
                live(
                    contract,
                    max(start, contract.start_date or start),
                    add_months(start, 1) - timedelta(days=1),
                    paid,
                )
                app.save(contract)
        self.project(app, view)
        rows = view.documents(first.id) + view.documents(second.id)
        assert len({r["number"] for r in rows}) == len(rows)
        used = sequences(rows)
        assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in used.values())
        mine = {r["number"] for r in view.documents(first.id)}
        assert {"INV-2024-000001", "INV-2024-000003"} <= mine  # the contracts took turns
        assert "INV-2024-000002" not in mine

    def test_documents_carry_contract_period_lines_and_articles(self) -> None:
        view, contract = self.story()
        first = view.documents(contract.id)[0]
        assert (first["number"], first["contract_number"]) == ("INV-2024-000001", contract.number)
        assert (first["period_start"], first["period_end"]) == (REF_START, date(2024, 3, 31))
        assert first["rule_ids"] == ["M-03"]
        assert first["articles"] == [{"rule_id": "M-03", "article": "Art. 5.1"}]
        assert first["lines"] == [
            {
                "description": "Instalment 2024-03-12 to 2024-03-31 (20/31 days)",
                "amount": "419.35",
                "period_start": "2024-03-12",
                "period_end": "2024-03-31",
                "days_covered": 20,
                "days_in_period": 31,
                "instalment": "650.00",
            }
        ]
        assert view.document("INV-2024-000001") == first
        assert view.document("INV-1999-000001") is None

    def test_M_06_interest_note_names_the_invoice_paid_late(self) -> None:
        view, _ = self.story()
        note = view.document("DN-2024-000001")
        assert note is not None
        assert (note["category"], note["amount"]) == ("INTEREST", Decimal("0.81"))
        assert note["lines"] == [
            {
                "description": "Late interest on INV-2024-000009",
                "amount": "0.81",
                "document": "INV-2024-000009",
                "principal": "650.00",
                "due_on": "2024-11-01",
                "paid_on": "2024-11-20",
                "days": 19,
            }
        ]
        assert [a["article"] for a in note["articles"]] == ["Art. 5.2", "Art. 5.2"]

    def test_M_07_collection_notes_follow_the_expired_notice(self) -> None:
        view, _ = self.story()
        notes = [view.document(f"DN-2025-00000{n}") for n in (1, 2, 3)]
        assert [n["category"] if n else None for n in notes] == [
            "COLLECTION_INDEMNITY",
            "COLLECTION_INDEMNITY",
            "FILE_COSTS",
        ]
        assert notes[0] is not None
        assert notes[0]["lines"] == [
            {
                "description": "Collection indemnity on INV-2024-000010",
                "amount": "53.75",
                "document": "INV-2024-000010",
                "unpaid_base": "650.00",
            }
        ]

    def test_M_04_credit_note_names_the_invoice_it_credits(self) -> None:
        view, _ = self.story()
        credit = view.document("CN-2025-000001")
        assert credit is not None
        assert credit["lines"] == [
            {
                "description": "Credit: retroactive end",
                "amount": "230.65",
                "relates_to": credit["relates_to"],
                "document": "INV-2025-000003",
            }
        ]
        assert [a["rule_id"] for a in credit["articles"]] == ["M-04", "A-16", "A-23"]

    def test_M_18_the_loss_shortfall_note_itemises_capital_and_payout(self) -> None:
        app, view = self.make_app(), self.make_view()
        contract = loss_story(app)
        self.project(app, view)
        [note] = [r for r in view.documents(contract.id) if r["category"] == "TOTAL_LOSS_SHORTFALL"]
        assert (note["number"], note["kind"], note["amount"], note["due_on"]) == (
            "DN-2025-000001",
            "DEBIT_NOTE",
            Decimal("3450.00"),
            LOSS_PAID_ON,
        )
        assert note["lines"] == [
            {
                "description": "Remaining capital at the end",
                "amount": "36450.00",
                "incident_id": "I001",
            },
            {"description": "Insurer payout deducted", "amount": "-33000.00"},
        ]
        assert note["articles"] == [
            {"rule_id": "M-18", "article": "Art. 7.8(ii), 11.1"},
            {"rule_id": "T-18.1-iv", "article": "Art. 18.1(iv)"},
        ]
        assert_open_matches(view.documents(contract.id), app.get(contract.number))

    def test_every_money_rule_on_a_document_has_its_article(self) -> None:
        view, contract = self.story()
        for row in view.documents(contract.id):
            rules = [r for r in row["rule_ids"] if r.startswith("M-")]
            assert rules, row["number"]
            assert all(r in RULE_ARTICLES for r in rules), row["number"]


class LedgerViewContract(BillingViewContract):
    """The ledger view: open items, arrears, M-06 interest and dunning."""

    spec = ledger.SPEC

    @abstractmethod
    def make_view(self) -> LedgerView:
        """An empty ledger view."""

    def advance(
        self,
        app: ContractsApplication,
        view: LedgerView,
        contract: Contract,
        days: tuple[date, date],
        payments: dict[date, str] | None = None,
    ) -> None:
        """Live the contract through `days` (first, last), save it and project the log."""
        live(contract, *days, payments)
        app.save(contract)
        self.project(app, view)

    def test_M_09_open_items_and_balance_equal_the_aggregate_after_every_chapter(self) -> None:
        app, view = self.make_app(), self.make_view()
        group = ProjectionGroup(app, [self.spec.projection(view)])

        def check(contract: Contract) -> None:
            group.catch_up()
            stored = app.get(contract.number)
            assert_open_matches(view.items(contract.id), stored)
            assert view.credit_balance(contract.id) == stored.credit_balance
            assert view.balance(contract.id) == stored.open_debits() - stored.open_credits()
            still_open = [r for r, item in stored.receivables.items() if item.open.is_positive]
            assert [i["receivable_id"] for i in view.open_items(contract.id)] == still_open

        billing_story(app, saved=check)

    def test_M_18_the_loss_shortfall_is_an_open_item_of_the_ledger(self) -> None:
        app, view = self.make_app(), self.make_view()
        contract = loss_story(app)
        self.project(app, view)
        stored = app.get(contract.number)
        assert_open_matches(view.items(contract.id), stored)
        assert view.balance(contract.id) == stored.open_debits() - stored.open_credits()
        [item] = [
            i for i in view.open_items(contract.id) if i["category"] == "TOTAL_LOSS_SHORTFALL"
        ]
        assert Money(item["open"]) == Money.of("3450.00")

    def test_L_34_overdue_and_days_and_months_in_arrears(self) -> None:
        app, view, contract = self.make_app(), self.make_view(), handed_over_ref_contract()
        self.advance(app, view, contract, (REF_START, date(2024, 5, 20)), {REF_START: "419.35"})
        on = date(2024, 5, 20)  # April and May unpaid, the oldest due since 2024-04-01
        arrears = view.arrears(contract.id, on)
        assert view.overdue(contract.id, on) == Money.of("1300.00") == contract.overdue(on)
        assert view.overdue_instalments(contract.id, on) == Money.of("1300.00")
        assert (arrears.oldest_due_on, arrears.days, arrears.months) == (date(2024, 4, 1), 49, 1)
        assert view.days_in_arrears(contract.id, date(2024, 6, 1)) == 61
        assert view.months_in_arrears(contract.id, date(2024, 6, 1)) == 2
        assert view.overdue(contract.id, date(2024, 4, 1)) == Money.zero()  # due, not yet overdue

    def test_M_06_interest_accrued_follows_the_rules_example(self) -> None:
        app, view = self.make_app(), self.make_view()
        contract = handed_over_ref_contract(date(2025, 1, 1), payment_term_days=4)
        self.advance(app, view, contract, (date(2025, 1, 1), date(2025, 1, 31)))
        assert view.interest_accrued(contract.id, M06_PAID) == Money.of("3.21")
        assert view.days_in_arrears(contract.id, M06_PAID) == 75
        assert view.interest_accrued(contract.id, M06_DUE) == Money.zero()

    def test_M_06_interest_accrued_is_what_the_payment_then_charges(self) -> None:
        app, view = self.make_app(), self.make_view()
        contract = handed_over_ref_contract(date(2025, 1, 1), payment_term_days=4)
        self.advance(app, view, contract, (date(2025, 1, 1), M06_PAID - timedelta(days=1)))
        accrued = view.interest_by_item(contract.id, M06_PAID)
        assert accrued["R0001"] == Money.of("3.21")
        self.advance(app, view, contract, (M06_PAID, M06_PAID), {M06_PAID: "650.00"})
        charged = [i for i in view.items(contract.id) if i["category"] == "INTEREST"]
        assert [Money(i["amount"]) for i in charged] == [accrued["R0001"]]
        assert sorted(view.interest_by_item(contract.id, M06_PAID)) == ["R0002", "R0003"]

    def noticed(self) -> tuple[ContractsApplication, LedgerView, Contract]:
        """REF with April and May unpaid, a registered notice sent on NOTICE_SENT (D-10)."""
        app, view, contract = self.make_app(), self.make_view(), handed_over_ref_contract()
        live(contract, REF_START, NOTICE_SENT - timedelta(days=1), {REF_START: "419.35"})
        execute(contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_SENT))
        self.advance(app, view, contract, (NOTICE_SENT, NOTICE_SENT))
        return app, view, contract

    def test_D_10_dunning_after_a_registered_notice(self) -> None:
        _, view, contract = self.noticed()
        [notice] = view.dunning(contract.id, NOTICE_SENT)
        facts = (notice.kind, notice.registered, notice.dispatch_date, notice.receivable_ids)
        assert facts == ("INSTALMENT_ARREARS", True, NOTICE_SENT, ("R0002", "R0003"))
        assert notice.cure_deadline == contract.notices["N001"].cure_deadline
        assert (notice.expired, notice.cure_period_over) == (False, False)
        assert notice.unpaid == Money.of("1300.00")

    def test_D_10_expiry_of_the_cure_period_and_M_07_charges(self) -> None:
        app, view, contract = self.noticed()
        expiry = contract.notices["N001"].cure_deadline + timedelta(days=1)
        self.advance(app, view, contract, (NOTICE_SENT + timedelta(days=1), expiry))
        [notice] = view.dunning(contract.id, expiry)
        assert (notice.expired, notice.cure_period_over) == (True, True)
        assert notice.unpaid_at_expiry == Money.of("1300.00")
        after = expiry + timedelta(days=1)
        assert view.overdue(contract.id, after) == Money.of("1437.50")  # + 2 x 53.75 + 30.00
        assert view.overdue_instalments(contract.id, after) == Money.of("1300.00")

    def test_D_10_a_paid_notice_stays_expired_with_nothing_unpaid(self) -> None:
        app, view, contract = self.noticed()
        paid_on = contract.notices["N001"].cure_deadline + timedelta(days=2)
        days = (NOTICE_SENT + timedelta(days=1), paid_on)
        self.advance(app, view, contract, days, {paid_on: "1437.50"})
        [notice] = view.dunning(contract.id, paid_on)
        assert (notice.expired, notice.unpaid) == (True, Money.zero())
