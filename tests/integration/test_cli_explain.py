"""`lease explain DOCUMENT_NUMBER`, run as a user runs it, on a contract in PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from domain.contract.billing import ReceivePayment
from domain.money import Money
from infra.bootstrap import build_projection_group, close_projection_group
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_days
from tests.integration.test_cli import cli_env, lease

if TYPE_CHECKING:
    from pathlib import Path

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

PAID_ON = date(2024, 6, 20)


@pytest.fixture
def documented(fresh_database: PostgresInfo) -> dict[str, str]:
    """REF run to 2024-06-20 and its first invoice paid late (an M-06 interest note), with
    the invoices view caught up; the `lease` environment on that database."""
    env = fresh_database.eventsourcing_env(pool_size=2)
    app = ContractsApplication(env=env)
    try:
        contract = handed_over_ref_contract()
        run_days(contract, REF_START, PAID_ON)
        app.save(contract)
        app.execute(contract.number, ReceivePayment(Money.of("419.35"), "pay-1"), ctx(PAID_ON))
        group = build_projection_group(app, env, ["invoices"])
        try:
            group.catch_up()
        finally:
            close_projection_group(group)
    finally:
        app.close()
    return cli_env(LEASE_DATABASE_URL=fresh_database.dsn)


def test_lease_explain_prints_each_line_with_its_rule_working_and_events(
    tmp_path: Path, documented: dict[str, str]
) -> None:
    result = lease("explain", "INV-2024-000001", cwd=tmp_path, env=documented)

    assert (result.returncode, result.stderr) == (0, "")
    out = result.stdout
    assert out.startswith("INV-2024-000001 (invoice, INSTALMENT) of contract ")
    assert "rule M-03 (" in out
    assert ", Art. 5.1\n" in out
    assert "   applied: 650.00 x 20 / 31 = 419.35\n" in out
    assert "   inputs: instalment 650.00, days_covered 20, days_in_period 31\n" in out
    assert "  issued by InstalmentInvoiced v" in out
    assert "position -" not in out  # the log position is read from PostgreSQL


def test_lease_explain_json_cites_the_payment_that_made_interest_due(
    tmp_path: Path, documented: dict[str, str]
) -> None:
    result = lease("explain", "DN-2024-000001", "--json", cwd=tmp_path, env=documented)

    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    [line] = body["lines"]
    assert line["rule_id"] == "M-06"
    assert line["result"] == line["amount"] == body["document"]["amount"]
    cited = {event["cites"]: event for event in line["events"][1:]}
    assert cited["payment_id"]["type"] == "PaymentReceived"
    assert cited["receivable_id"]["document"] == "INV-2024-000001"


def test_lease_explain_of_an_unknown_document_fails_in_one_line(
    tmp_path: Path, documented: dict[str, str]
) -> None:
    result = lease("explain", "INV-1999-000001", cwd=tmp_path, env=documented)

    assert (result.returncode, result.stderr) == (
        1,
        "lease explain: document INV-1999-000001 not found\n",
    )
