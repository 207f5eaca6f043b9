"""Routes with a quick path (api/quick.py): the last-segment index finds the same route
FastAPI's routing finds, and a quick handler that declines leaves the request to FastAPI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from api.quick import LastSegmentIndex, QuickRoute, json_answer, quick_route, sub_response

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


def _quick_app(calls: list[str]) -> FastAPI:
    router = APIRouter(route_class=QuickRoute)

    async def open_door(door: Door, response: Response) -> dict[str, Any]:
        calls.append("endpoint")
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
    app = FastAPI()
    app.include_router(router)
    return app


def test_a_quick_handler_answers_with_the_endpoints_status_headers_and_body() -> None:
    calls: list[str] = []
    with TestClient(_quick_app(calls)) as client:
        quick = client.post("/door", json={"force": 4})
        standard = client.post("/door", json={"force": 4}, headers={"X-Slow": "1"})
    assert calls == ["quick", "endpoint", "endpoint"]
    for answer in (quick, standard):
        assert answer.status_code == 201
        assert answer.headers["ETag"] == '"3"'
        assert answer.headers["content-type"] == "application/json"
        assert answer.json() == {"force": 4}
