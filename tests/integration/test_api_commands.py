"""Commands over HTTP (API.md 3) on PostgreSQL: conclude and walk a contract, idempotency
keys, If-Match, refusals with their rule, strict bodies and the roles of each command."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from tests.api.served import served
from tests.api.tokens import Keys, new_keys
from tests.factories import ref_terms_dict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

TODAY = date(2024, 2, 1)


class Api:
    """A test client whose business clock the test sets, and the staff tokens."""

    def __init__(
        self, client: TestClient, keys: Keys, clock: SettableClock, contracts: IdempotentContracts
    ) -> None:
        self.client, self.keys, self.clock = client, keys, clock
        self.contracts = contracts

    def stored(self, number: str) -> list[str]:
        """The names of the contract's stored events, in order."""
        contract_id = self.contracts.get(number).id
        return [type(e).__name__ for e in self.contracts.events.get(contract_id)]

    def post(
        self,
        path: str,
        body: dict[str, Any],
        role: Role = Role.OPERATOR,
        **headers: str,
    ) -> Any:
        sent = {"Authorization": f"Bearer {self.keys.token(role)}"}
        sent.update({k.replace("_", "-"): v for k, v in headers.items()})
        return self.client.post(path, json=body, headers=sent)

    def command(self, number: str, name: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.post(f"/v1/contracts/{number}/commands/{name}", body or {}, **kw)

    def concluded(self) -> str:
        terms = ref_terms_dict()
        response = self.post("/v1/contracts", terms)
        assert response.status_code == 201, response.text
        return str(terms["contract_number"])

    def handed_over(self) -> str:
        number = self.concluded()
        for name in ("order_vehicle", "notify_vehicle_ready", "submit_insurance_proof"):
            assert self.command(number, name).status_code == 200, name
        assert self.command(number, "hand_over", {"odometer": 12}).status_code == 200
        return number


@pytest.fixture
def api(pg_env: dict[str, str], groups: Callable[..., ProjectionGroup]) -> Iterator[Api]:
    contracts = IdempotentContracts(env=pg_env)
    groups(contracts, pg_env).catch_up()  # the views' tables exist
    keys, clock = new_keys(), SettableClock(TODAY)
    with served(contracts, pg_env, keys, clock) as client:
        yield Api(client, keys, clock, contracts)
    contracts.close()


def test_a_conclusion_is_201_with_location_etag_and_its_event(api: Api) -> None:
    terms = ref_terms_dict()
    response = api.post("/v1/contracts", terms)
    assert response.status_code == 201, response.text
    number = terms["contract_number"]
    assert response.headers["Location"] == f"/v1/contracts/{number}"
    assert response.headers["ETag"] == '"1"'
    body = response.json()
    assert body["contract_number"] == number
    assert body["version"] == 1
    assert body["position"] >= 1
    [event] = body["events"]
    assert event["type"] == "ContractConcluded"
    assert event["occurred_on"] == TODAY.isoformat()
    assert "L-01" in event["rule_ids"]


def test_a_second_conclusion_of_a_number_is_409_l01(api: Api) -> None:
    terms = ref_terms_dict()
    api.post("/v1/contracts", terms)
    response = api.post("/v1/contracts", terms)
    assert response.status_code == 409
    assert response.json()["rule_id"] == "L-01"


def test_terms_a_rule_refuses_are_422_with_field_and_rule(api: Api) -> None:
    response = api.post("/v1/contracts", ref_terms_dict(annual_km=90_000))
    assert response.status_code == 422
    problem = response.json()
    assert problem["rule_id"] == "P-50"
    assert problem["errors"][0]["field"] == "body.annual_km"


def test_the_same_key_and_body_answer_the_first_response_and_record_once(api: Api) -> None:
    number = api.handed_over()
    body = {"amount": "419.35", "payment_id": "BANK-1"}
    first = api.command(number, "receive_payment", body, Idempotency_Key="pay-1")
    again = api.command(number, "receive_payment", body, Idempotency_Key="pay-1")
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    other = api.command(
        number, "receive_payment", {**body, "amount": "1.00"}, Idempotency_Key="pay-1"
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "header.Idempotency-Key"
    later = api.command(number, "report_odometer", {"odometer": 100}).json()
    assert later["version"] == first.json()["version"] + len(later["events"])


def test_if_match_a_stale_version_is_412_and_changes_nothing(api: Api) -> None:
    number = api.handed_over()
    current = api.command(number, "report_odometer", {"odometer": 50}).headers["ETag"]
    stale = f'"{int(current.strip(chr(34))) - 1}"'
    refused = api.command(number, "report_odometer", {"odometer": 60}, If_Match=stale)
    assert refused.status_code == 412
    accepted = api.command(number, "report_odometer", {"odometer": 60}, If_Match=current)
    assert accepted.status_code == 200, accepted.text


def test_a_refusal_is_409_with_its_rule_id(api: Api) -> None:
    number = api.handed_over()
    response = api.command(number, "request_early_termination")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"] == "/problems/rule-refused"
    assert problem["rule_id"] == "T-18.6"


def test_T_18_3_xii_a_fact_ground_without_its_fact_is_409_and_with_it_200(api: Api) -> None:
    number = api.handed_over()
    ground = {"ground": "18.3(xii)", "rationale": "plates used on another car"}

    refused = api.command(number, "record_ground", ground)

    assert refused.status_code == 409
    assert refused.json()["rule_id"] == "T-18.3-xii"
    fact = {
        "fact": "ILLEGAL_USE_OF_PLATES",
        "happened_on": TODAY.isoformat(),
        "evidence": ["police-report-2024-017"],
        "description": "the plates were found on another car",
    }
    assert api.command(number, "record_ground_fact", fact).status_code == 200
    assert api.stored(number)[-2:] == ["IllegalUseRecorded", "DissolutionGroundDetected"]
    assert api.command(number, "record_ground", ground).status_code == 200


def test_L_22_a_rejected_early_termination_is_409_and_the_rejection_is_stored(api: Api) -> None:
    # D-28: handed over on 2024-02-01, a request the same day is within the first 12 months.
    number = api.handed_over()
    before = api.contracts.get(number).version

    response = api.command(number, "request_early_termination")

    assert response.status_code == 409
    problem = response.json()
    assert (problem["type"], problem["rule_id"]) == ("/problems/rule-refused", "T-18.6")
    assert problem["detail"] == "within first 12 months (allowed from 2025-02-01)"
    assert api.stored(number)[before:] == ["EarlyTerminationRequested", "EarlyTerminationRejected"]
    assert api.contracts.get(number).status.value == "ACTIVE"


def test_L_22_a_replayed_rejection_is_the_same_409_and_records_nothing(api: Api) -> None:
    number = api.handed_over()
    first = api.command(number, "request_early_termination", Idempotency_Key="early-1")
    version = api.contracts.get(number).version

    again = api.command(number, "request_early_termination", Idempotency_Key="early-1")

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert api.contracts.get(number).version == version
    assert api.stored(number).count("EarlyTerminationRejected") == 1
    other = api.command(number, "report_odometer", {"odometer": 20}, Idempotency_Key="early-1")
    assert other.status_code == 422


def test_an_unknown_contract_is_404(api: Api) -> None:
    assert api.command("NOPE-1", "order_vehicle").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"odometr": 12}, "body.odometr"),
        ({}, "body.odometer"),
        ({"odometer": 10**40}, "body.odometer"),
        ({"odometer": "12"}, "body.odometer"),
        ({"odometer": 12, "padding": "x" * 1000}, "body.padding"),
    ],
)
def test_a_body_outside_the_command_is_422_naming_the_field(
    api: Api, body: dict[str, Any], field: str
) -> None:
    number = api.concluded()
    response = api.command(number, "hand_over", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_roles_decide_who_sends_which_command(api: Api) -> None:
    number = api.handed_over()
    payment = {"amount": "1.00", "payment_id": "BANK-2"}
    assert api.command(number, "receive_payment", payment, role=Role.SERVICE).status_code == 200
    assert api.command(number, "suspend", {}, role=Role.SERVICE).status_code == 403
    assert api.command(number, "receive_payment", payment, role=Role.AUDITOR).status_code == 403
    assert api.post("/v1/contracts", ref_terms_dict(), role=Role.SERVICE).status_code == 403


def test_two_clients_racing_on_one_version_one_wins_one_gets_412(api: Api) -> None:
    number = api.handed_over()
    version = api.command(number, "report_odometer", {"odometer": 50}).headers["ETag"]
    start = threading.Barrier(2)
    statuses: list[int] = []

    def send(odometer: int) -> None:
        start.wait()
        response = api.command(number, "report_odometer", {"odometer": odometer}, If_Match=version)
        statuses.append(response.status_code)

    racers = [threading.Thread(target=send, args=(reading,)) for reading in (60, 70)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(statuses) == [200, 412]
