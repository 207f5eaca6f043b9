"""The portal's next instalment (PT-15) for a term that is not whole billing periods (P-14).

REF's start (Tue 2024-03-12), 25 months billed quarterly at EUR 1,950.00: the contractual end
is Sat 2026-04-11, inside Q2 2026. That quarter begins while the contract runs, so it is
invoiced in advance in full on 2026-04-01 (M-02) and its 80 days after the end are credited
at expiry (M-04, A-16). The overview must announce the invoice the billing will issue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from domain.application import ContractsApplication
from domain.values import Frequency
from projections.engine.runner import ProjectionGroup
from projections.views import portal
from projections.views.portal import PortalView
from tests.contract_cases import eur
from tests.customer_stories import active_contract, contract_id, live_paying

POPO = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
LAST_QUARTER = date(2026, 4, 1)
EXPIRY_RUN = date(2026, 4, 12)
"""The first daily run after the contractual end (Sat 2026-04-11)."""


def overview(app: ContractsApplication, number: str, on: date) -> dict[str, Any]:
    view = portal.SPEC.memory()
    ProjectionGroup(app, [portal.SPEC.projection(view)]).catch_up()
    assert isinstance(view, PortalView)
    return view.overview(contract_id(number), on)


def quarterly_25_months(app: ContractsApplication) -> str:
    return active_contract(
        app,
        term_months=25,
        instalment_frequency=Frequency.QUARTERLY,
        instalment_amount=eur("1950.00"),
    )


def test_P_14_M_02_portal_announces_the_short_last_quarter_as_it_will_be_invoiced() -> None:
    app = ContractsApplication(env=POPO)
    number = quarterly_25_months(app)
    live_paying(app, number, date(2026, 3, 1), date(2026, 3, 1))  # through Q1 2026

    announced = overview(app, number, date(2026, 3, 15))["next_instalment"]
    live_paying(app, number, LAST_QUARTER, LAST_QUARTER)
    invoices = app.get(number).receivables.values()
    last = max((r for r in invoices if r.category == "INSTALMENT"), key=lambda r: r.issued_on)

    assert announced == {"period_start": LAST_QUARTER, "amount": Decimal("1950.00")}
    assert (last.period_start, last.amount) == (LAST_QUARTER, eur("1950.00"))


def test_P_14_M_04_after_expiry_no_next_instalment_and_the_quarter_nets_to_11_of_91_days() -> None:
    app = ContractsApplication(env=POPO)
    number = quarterly_25_months(app)
    live_paying(app, number, LAST_QUARTER, LAST_QUARTER)
    live_paying(app, number, EXPIRY_RUN, EXPIRY_RUN)

    after = overview(app, number, date(2026, 4, 20))
    credit_notes = [d for d in after["documents"] if d["type"] == "CREDIT_NOTE"]

    assert after["next_instalment"] is None
    assert after["end_kind"] == "TERM_EXPIRED"
    # M-04: 1950 x 11/91 = 235.714... -> 235.71 kept; 1950.00 - 235.71 credited
    assert [d["amount"] for d in credit_notes] == [Decimal("1714.29")]
    assert after["credit_owed"] == Decimal("1714.29")
