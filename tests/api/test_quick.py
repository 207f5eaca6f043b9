"""The quick lane (api/quick.py): the last-segment index finds the same route FastAPI's
routing finds, the lane answers as the endpoint would, and whatever its quick handler
declines (or a body it does not take) reaches FastAPI intact."""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from api import problems
from api.limits import MAX_BODY
from api.metrics import Metrics
from api.portal.security import SecurityHeaders
from api.problems import ProblemError
from api.quick import LaneFirst, LastSegmentIndex, json_answer, quick_route, sub_response

if TYPE_CHECKING:
    from starlette.routing import BaseRoute


class Door(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: int = 0


def _app(indexed: bool) -> FastAPI:
    reads = APIRouter(prefix="/things")
    actions = APIRouter(prefix="/things")

    @reads.get("/{thing}/open")
    async def is_open(thing: str) -> dict[str, Any]:
        return {"read": thing}

    for name in ("open", "close"):

        async def act(thing: str, door: Door, request: Request, name: str = name) -> Any:
            route = request.scope["route"].path
            return {"did": name, "thing": thing, "force": door.force, "route": route}

        actions.add_api_route(f"/{{thing}}/{name}", act, methods=["POST"])
    app = FastAPI()
    app.include_router(reads)
    app.include_router(actions)
    if indexed:
        app.router.routes.insert(0, LastSegmentIndex(actions.routes))
    return app


REQUESTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/things/7/open", {"force": 2}),
    ("POST", "/things/7/close", {}),
    ("POST", "/things/7/open", {"force": "hard"}),  # invalid body: 422
    ("GET", "/things/7/open", None),  # the read, not the action
    ("PUT", "/things/7/close", {}),  # 405
    ("POST", "/things/7/slam", {}),  # no such route: 404
    ("POST", "/things/7/8/open", {}),  # a path the route does not match: 404
]


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_the_index_answers_every_request_as_fastapis_routing_does(
    method: str, path: str, body: dict[str, Any] | None
) -> None:
    with TestClient(_app(indexed=True)) as fast, TestClient(_app(indexed=False)) as plain:
        got = fast.request(method, path, json=body)
        expected = plain.request(method, path, json=body)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())
    assert got.headers.get("allow") == expected.headers.get("allow")


def test_an_indexed_route_is_found_under_its_template() -> None:
    with TestClient(_app(indexed=True)) as client:
        answer = client.post("/things/7/open", json={"force": 2}).json()
    assert answer == {"did": "open", "thing": "7", "force": 2, "route": "/things/{thing}/open"}


def test_two_routes_ending_in_the_same_segment_cannot_be_indexed() -> None:
    router = APIRouter()

    async def endpoint() -> None: ...

    router.add_api_route("/a/open", endpoint, methods=["POST"])
    router.add_api_route("/b/open", endpoint, methods=["POST"])
    routes: list[BaseRoute] = list(router.routes)
    with pytest.raises(ValueError, match="/open"):
        LastSegmentIndex(routes)


def _lane_app(calls: list[str], limit: int = MAX_BODY) -> FastAPI:
    router = APIRouter()

    async def open_door(door: Door, response: Response) -> dict[str, Any]:
        calls.append("endpoint")
        if door.force > 9:
            raise ProblemError(409, "the door would break", rule_id="O-01")
        response.headers["ETag"] = '"3"'
        response.status_code = 201
        return {"force": door.force}

    async def quick(request: Request) -> Response | None:
        if "x-slow" in request.headers:
            return None
        calls.append("quick")
        sub = sub_response()
        return json_answer(await open_door(Door.model_validate(await request.json()), sub), sub)

    quick_route(open_door, quick)
    router.add_api_route("/door", open_door, methods=["POST"])
    app = LaneFirst()
    problems.install(app)
    app.include_router(router)
    app.add_middleware(SecurityHeaders)
    app.take_quick_lane(LastSegmentIndex(router.routes), limit=limit)
    app.state.services = SimpleNamespace(metrics=Metrics())
    return app


def _timed(app: FastAPI, status: int) -> float | None:
    labels = {"method": "POST", "route": "/door", "status": str(status)}
    value: float | None = app.state.services.metrics.registry.get_sample_value(
        "lease_api_request_seconds_count", labels
    )
    return value


def test_the_lane_answers_with_the_endpoints_status_headers_body_and_timing() -> None:
    calls: list[str] = []
    app = _lane_app(calls)
    with TestClient(app) as client:
        quick = client.post("/door", json={"force": 4})
        standard = client.post("/door", json={"force": 4}, headers={"X-Slow": "1"})
    assert calls == ["quick", "endpoint", "endpoint"]  # declined: the body reached FastAPI
    for answer in (quick, standard):
        assert answer.status_code == 201
        assert answer.headers["ETag"] == '"3"'
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.json() == {"force": 4}
    assert _timed(app, 201) == 1  # the lane's answer; the other went down the stack


def test_what_the_endpoint_raises_on_the_lane_is_answered_by_the_error_mapper() -> None:
    calls: list[str] = []
    app = _lane_app(calls)
    with TestClient(app) as client:
        answer = client.post("/door", json={"force": 10})
    assert calls == ["quick", "endpoint"]
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.json()["rule_id"] == "O-01"
    assert _timed(app, 409) == 1


@pytest.mark.parametrize(
    "send",
    [
        pytest.param({"content": iter([b'{"force": ', b"4}"])}, id="chunked, no length"),
        pytest.param({"json": {"force": 4}, "limit": 5}, id="over the lane's bound"),
    ],
)
def test_a_body_that_is_not_whole_and_bounded_goes_down_the_stack_intact(
    send: dict[str, Any],
) -> None:
    calls: list[str] = []
    limit = send.pop("limit", MAX_BODY)
    headers = {"Content-Type": "application/json"}
    with TestClient(_lane_app(calls, limit)) as client:
        answer = client.post("/door", headers=headers, **send)
    assert calls == ["endpoint"]
    assert (answer.status_code, answer.json()) == (201, {"force": 4})
