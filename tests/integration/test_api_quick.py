"""The quick path (api/quick.py) of a command (api/routers/commands.py) and of a contract's
overview (api/routers/contracts.py) on PostgreSQL: a well-formed request answers what
FastAPI's own handler answers, and everything out of the ordinary is left to FastAPI's
handler."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

import api.routers.commands as commands_module
import api.routers.contracts as contracts_module
from api.auth import Role
from api.quick import NotQuickError, json_answer, model_answer
from api.routers.commands import CommandResponse
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from tests.api.served import served
from tests.api.tokens import new_keys
from tests.factories import ref_terms_dict

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi.testclient import TestClient
    from httpx2 import Response

    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration


class Client:
    def __init__(self, client: TestClient, token: str) -> None:
        self.client, self.token = client, token
        self.quick = 0
        self.catch_up: Callable[[], object] = lambda: None

    def post(self, path: str, body: Any, **headers: str) -> Response:
        sent = {"Authorization": f"Bearer {self.token}", **headers}
        return self.client.post(path, json=body, headers=sent)

    def get(self, path: str, **headers: str) -> Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.token}", **headers})

    def handed_over(self, number: str) -> None:
        response = self.post("/v1/contracts", ref_terms_dict(contract_number=number))
        assert response.status_code == 201, response.text
        for name, body in [
            ("order_vehicle", {}),
            ("notify_vehicle_ready", {}),
            ("submit_insurance_proof", {}),
            ("hand_over", {"odometer": 12}),
        ]:
            assert self.post(f"/v1/contracts/{number}/commands/{name}", body).status_code == 200


@pytest.fixture
def api(
    pg_env: dict[str, str],
    groups: Callable[..., ProjectionGroup],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Client]:
    contracts = IdempotentContracts(env=pg_env)
    group = groups(contracts, pg_env)
    group.catch_up()
    keys = new_keys()
    with served(contracts, pg_env, keys, SettableClock(date(2024, 2, 1))) as client:
        found = Client(client, keys.token(Role.OPERATOR))
        found.catch_up = group.catch_up

        def counted(body: Any, sub: Any) -> Any:
            found.quick += 1
            return json_answer(body, sub)

        def counted_model(model: Any, sub: Any) -> Any:
            found.quick += 1
            return model_answer(model, sub)

        monkeypatch.setattr(commands_module, "json_answer", counted)
        monkeypatch.setattr(contracts_module, "model_answer", counted_model)
        yield found
    contracts.close()


def _without_quick_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def declined(_: Any) -> Any:
        raise NotQuickError

    monkeypatch.setattr(commands_module, "json_body", declined)


PAY = {"amount": "419.35", "payment_id": "BANK-1"}


def test_a_command_answers_the_same_on_the_quick_path_as_through_fastapi(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.handed_over("Q-1")
    api.handed_over("Q-2")
    before = api.quick
    quick = api.post("/v1/contracts/Q-1/commands/receive_payment", PAY, **{"Idempotency-Key": "k1"})
    assert api.quick == before + 1
    _without_quick_path(monkeypatch)
    standard = api.post(
        "/v1/contracts/Q-2/commands/receive_payment", PAY, **{"Idempotency-Key": "k2"}
    )
    assert api.quick == before + 1
    assert quick.status_code == standard.status_code == 200
    for header in ("ETag", "content-type", "x-content-type-options"):
        assert quick.headers[header] == standard.headers[header]
    answers = [CommandResponse.model_validate_json(r.content) for r in (quick, standard)]
    assert answers[0].model_dump(exclude={"contract_number", "position"}) == answers[1].model_dump(
        exclude={"contract_number", "position"}
    )
    assert [a.contract_number for a in answers] == ["Q-1", "Q-2"]
    assert answers[0].events[0].type == "PaymentReceived"


def test_a_replayed_key_and_a_stale_if_match_are_answered_on_the_quick_path(api: Client) -> None:
    api.handed_over("Q-3")
    path = "/v1/contracts/Q-3/commands/receive_payment"
    first = api.post(path, PAY, **{"Idempotency-Key": "same"})
    before = api.quick
    again = api.post(path, PAY, **{"Idempotency-Key": "same"})
    assert api.quick == before + 1
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    stale = api.post(path, {**PAY, "payment_id": "BANK-2"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ({**PAY, "colour": "red"}, {}, 422),  # unknown field
        ({"payment_id": "BANK-9"}, {}, 422),  # missing field
        (PAY, {"Idempotency-Key": "x" * 256}, 422),  # header over its bound
        (PAY, {"If-Match": "12"}, 422),  # not a quoted version
        (PAY, {"Authorization": "Bearer not-a-token"}, 401),
        (PAY, {"Content-Type": "text/plain"}, 422),  # FastAPI reads no JSON from it
    ],
)
def test_what_is_out_of_the_ordinary_is_answered_by_fastapi(
    api: Client, body: Any, headers: dict[str, str], status: int
) -> None:
    api.handed_over("Q-4")
    before = api.quick
    answer = api.post("/v1/contracts/Q-4/commands/receive_payment", body, **headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.quick == before


def test_an_overview_answers_the_same_bytes_on_the_quick_path_as_through_fastapi(
    api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.handed_over("Q-5")
    api.post("/v1/contracts/Q-5/commands/receive_payment", PAY)
    api.catch_up()
    paths = ["/v1/contracts/Q-5", "/v1/contracts/Q-5?on=2024-03-01&min_position=1"]
    before = api.quick
    quick = [api.get(path) for path in paths]
    assert api.quick == before + len(paths)

    def declined(*_: Any) -> Any:
        raise NotQuickError

    monkeypatch.setattr(contracts_module, "query_values", declined)
    standard = [api.get(path) for path in paths]
    assert api.quick == before + len(paths)
    for fast, slow in zip(quick, standard, strict=True):
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content
        for header in ("content-type", "X-Position", "x-content-type-options"):
            assert fast.headers[header] == slow.headers[header]
    assert quick[0].json()["contract_number"] == "Q-5"


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/contracts/Q-6?on=someday", {}, 422),  # FastAPI names the parameter
        ("/v1/contracts/Q-6?as_of=2024-03-01T00:00:00Z", {}, 403),  # an auditor's cut
        ("/v1/contracts/Q-6?min_position=-1", {}, 422),
        ("/v1/contracts/" + "Q" * 200, {}, 422),  # a number over its bound
        ("/v1/contracts/Q-6", {"Authorization": "Bearer not-a-token"}, 401),
    ],
)
def test_an_overview_out_of_the_ordinary_is_answered_by_fastapi(
    api: Client, path: str, headers: dict[str, str], status: int
) -> None:
    before = api.quick
    answer = api.get(path, **headers)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.quick == before


def test_an_unknown_contract_on_the_quick_path_is_the_mappers_404(api: Client) -> None:
    answer = api.get("/v1/contracts/NOBODY-1")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-content-type-options"] == "nosniff"
