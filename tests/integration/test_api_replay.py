"""Auditors' `?as_of=&known_at=` on a contract's overview, documents and history (issue 12),
on PostgreSQL: the theft scenario replayed through the API, and `lease replay` on it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from api.auth import Role
from domain.application import ContractsApplication
from domain.contract import Contract
from infra.audit.replay import Cut, select
from infra.cli.app import app as lease
from infra.clock import SettableClock
from infra.simulate.in_process import simulate
from infra.simulate.scenario import load_scenario
from tests.api.served import served
from tests.api.tokens import Keys, new_keys

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from fastapi.testclient import TestClient

    from domain.contract.base_events import ContractEvent
    from infra.settings import PostgresInfo
    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

THEFT = Path(__file__).parents[1] / "scenarios" / "theft-not-recovered.json"
NUMBER = "C-2024-0103"
TODAY = date(2025, 10, 25)


def lived(app: ContractsApplication) -> list[ContractEvent]:
    simulate(load_scenario(THEFT), app)
    return select(app.events.get(Contract.create_id(NUMBER)), Cut())


def before(events: list[ContractEvent], event_type: str) -> datetime:
    first = next(i for i, e in enumerate(events) if type(e).__name__ == event_type)
    return events[first - 1].timestamp


class Api:
    def __init__(self, client: TestClient, keys: Keys, events: list[ContractEvent]) -> None:
        self.client, self.keys, self.events = client, keys, events

    def get(self, path: str, params: dict[str, Any], role: Role = Role.AUDITOR) -> Any:
        headers = {"Authorization": f"Bearer {self.keys.token(role)}"}
        return self.client.get(f"/v1/contracts/{NUMBER}{path}", headers=headers, params=params)


@pytest.fixture
def api(
    app: ContractsApplication, pg_env: dict[str, str], groups: Callable[..., ProjectionGroup]
) -> Iterator[Api]:
    events = lived(app)
    groups(app, pg_env).catch_up()
    keys = new_keys()
    with served(app, pg_env, keys, SettableClock(TODAY)) as client:
        yield Api(client, keys, events)


def test_an_auditor_sees_the_old_and_the_new_truth(api: Api) -> None:
    known = before(api.events, "ContractEndedByLaw")
    cut = {"as_of": TODAY.isoformat(), "known_at": known.isoformat()}
    old = api.get("", cut)
    assert old.status_code == 200, old.text
    assert (old.json()["status"], old.json()["as_of"]) == ("THEFT_PENDING", TODAY.isoformat())
    assert old.headers["X-Known-At"] == known.isoformat()
    new = api.get("", {"as_of": TODAY.isoformat()}).json()
    assert (new["status"], new["end_kind"], new["effective_end_date"]) == (
        "IN_SETTLEMENT",
        "THEFT",
        "2025-09-20",
    )
    documents = api.get("/documents", cut).json()
    assert [d["number"] for d in documents if d["number"].startswith("CN-")] == []
    live = api.get("/documents", {}).json()
    assert [d["number"] for d in live][: len(documents)] == [d["number"] for d in documents]


def test_history_as_of_a_day_ends_on_that_day(api: Api) -> None:
    history = api.get("/history", {"as_of": "2025-09-20"})
    assert history.status_code == 200, history.text
    assert history.headers["X-As-Of"] == "2025-09-20"
    rows = history.json()
    assert rows[-1]["occurred_on"] == "2025-09-01"
    assert "VehicleTheftReported" not in [r["event_type"] for r in rows]
    assert len(api.get("/history", {}).json()) == len(api.events)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SERVICE])
@pytest.mark.parametrize("path", ["", "/documents", "/history"])
def test_other_roles_are_refused_the_replay_naming_the_parameter(
    api: Api, role: Role, path: str
) -> None:
    refused = api.get(path, {"as_of": "2025-09-20"}, role)
    assert refused.status_code == 403, refused.text
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "query.as_of"
    assert api.get(path, {}, role).status_code == 200  # the live read is theirs as before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of": "2025-13-01"}, "query.as_of"),
        ({"known_at": "yesterday"}, "query.known_at"),
        ({"known_at": "2025-10-01T10:00:00"}, "query.known_at"),
        ({"as_of": "2025-10-01", "on": "2025-10-02"}, "query.on"),
    ],
)
def test_bad_cuts_are_422_naming_the_field(api: Api, params: dict[str, str], field: str) -> None:
    response = api.get("", params)
    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_a_contract_not_yet_concluded_or_unknown_is_404(api: Api) -> None:
    assert api.get("", {"as_of": "2024-01-01"}).status_code == 404
    headers = {"Authorization": f"Bearer {api.keys.token(Role.AUDITOR)}"}
    missing = api.client.get("/v1/contracts/NOPE-1/history?as_of=2025-01-01", headers=headers)
    assert missing.status_code == 404


def test_lease_replay_prints_the_contract_known_then(
    fresh_database: PostgresInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    contracts = ContractsApplication(env=fresh_database.eventsourcing_env())
    try:
        events = lived(contracts)
    finally:
        contracts.close()
    monkeypatch.setenv("LEASE_DATABASE_URL", fresh_database.dsn)
    runner = CliRunner()
    known = before(events, "ContractEndedByLaw").isoformat()
    args = ["replay", NUMBER, "--as-of", TODAY.isoformat(), "--known-at", known]

    as_json = runner.invoke(lease, [*args, "--json"])
    tables = runner.invoke(lease, args)
    missing = runner.invoke(lease, ["replay", "NO-SUCH-1", "--as-of", "2025-01-01"])

    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    assert (body["contract"]["status"], body["known_at"]) == ("THEFT_PENDING", known)
    assert body["documents"][-1]["number"] == "INV-2025-000010"
    assert tables.exit_code == 0, tables.output
    assert "THEFT_PENDING" in tables.stdout
    assert "INV-2025-000010" in tables.stdout
    assert missing.exit_code == 1
    assert "contract NO-SUCH-1 not found" in missing.output
