"""The quick lane for reads (api/quick.py): a templated GET route with a quick handler is
found by the index and answered without a body being read; a GET that sends a body of
unknown length goes down the stack; and in the app itself no indexed route takes a path
that FastAPI would give to another route."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.testclient import TestClient

from api.app import create_app
from api.metrics import Metrics
from api.quick import (
    LaneFirst,
    LastSegmentIndex,
    json_answer,
    quick_route,
    quick_routes,
    sub_response,
)


def _reads_app(calls: list[str]) -> FastAPI:
    router = APIRouter()

    @router.get("/rooms/{room}")
    async def room(room: str, response: Response) -> dict[str, Any]:
        calls.append("endpoint")
        response.headers["X-Position"] = "9"
        return {"room": room}

    async def quick(request: Request) -> Response | None:
        if request.query_params:
            return None
        calls.append("quick")
        sub = sub_response()
        return json_answer(await room(request.path_params["room"], sub), sub)

    quick_route(room, quick)
    app = LaneFirst()
    app.include_router(router)
    app.take_quick_lane(LastSegmentIndex((), quick_routes(router.routes)))
    app.state.services = SimpleNamespace(metrics=Metrics())
    return app


def test_a_templated_get_takes_the_lane_and_what_it_declines_reaches_fastapi() -> None:
    calls: list[str] = []
    with TestClient(_reads_app(calls)) as client:
        quick = client.get("/rooms/blue")
        standard = client.get("/rooms/blue?x=1")
        elsewhere = client.get("/rooms/blue/door")
    assert calls == ["quick", "endpoint", "endpoint"]
    for answer in (quick, standard):
        assert (answer.status_code, answer.json()) == (200, {"room": "blue"})
        assert answer.headers["X-Position"] == "9"
    assert elsewhere.status_code == 404


def test_a_get_with_a_body_of_unknown_length_goes_down_the_stack() -> None:
    calls: list[str] = []
    with TestClient(_reads_app(calls)) as client:
        answer = client.request("GET", "/rooms/red", content=iter([b"a", b"b"]))
    assert calls == ["endpoint"]
    assert answer.json() == {"room": "red"}


def _app_paths() -> list[tuple[str, str]]:
    app = create_app(lambda: None)  # type: ignore[arg-type,return-value]
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


@pytest.mark.parametrize(("method", "template"), _app_paths())
def test_no_indexed_route_of_the_app_takes_another_routes_path(method: str, template: str) -> None:
    """Every documented path, its parameters filled in, is found by the app's index as
    itself or not at all, so putting the index first changes no route FastAPI would pick."""
    app = create_app(lambda: None)  # type: ignore[arg-type,return-value]
    index = next(r for r in app.router.routes if isinstance(r, LastSegmentIndex))
    path = re.sub(r"\{[^}]+\}", "x1", template)
    found = index.find({"type": "http", "method": method, "path": path, "root_path": ""})
    assert found is None or found[0].path == template


def test_the_app_indexes_the_overview_and_the_commands() -> None:
    app = create_app(lambda: None)  # type: ignore[arg-type,return-value]
    index = next(r for r in app.router.routes if isinstance(r, LastSegmentIndex))
    for method, path in [
        ("GET", "/v1/contracts/x1"),
        ("POST", "/v1/contracts/x1/commands/hand_over"),
    ]:
        found = index.find({"type": "http", "method": method, "path": path, "root_path": ""})
        assert found is not None
        assert hasattr(found[0].endpoint, "__quick_handler__")
