"""Routes with a quick path for the requests that are well-formed (docs/api.md, "The request
path").

FastAPI answers a request by solving the endpoint's parameters one by one (each path, header
and body parameter validated by its own pydantic adapter, each dependency called and its
own parameters solved), then validates the endpoint's answer against the response model and
serialises it. For a command that costs more than the work around the command itself
(bench/api.py). A `QuickRoute` is an ordinary `APIRoute` - the same path, the same OpenAPI
operation, the same error handlers - whose endpoint may carry a quick handler
(`quick_route`): it reads the parameters the endpoint declares in one go and answers, or
returns None when anything is out of the ordinary (another content type, a body that does
not parse or validate, a header out of its bounds, a token that does not verify). Then the
standard FastAPI handler answers the request from the start, so every error a client can
cause is answered exactly as without the quick path. A quick handler decides nothing the
endpoint does not: it calls the same endpoint with the same values.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterable

    from fastapi import Request
    from starlette.types import Receive, Scope, Send

    Quick = Callable[[Request], Awaitable[Response | None]]
    """A quick handler: the answer, or None to leave the request to FastAPI."""

QUICK = "__quick_handler__"
"""The endpoint attribute holding its quick handler."""
JSON = "application/json"


class NotQuickError(Exception):
    """The request is not for the quick path: FastAPI's handler answers it."""


def quick_route(endpoint: Callable[..., Any], quick: Quick) -> None:
    """Give `endpoint` a quick handler, used when it is routed by a `QuickRoute`."""
    setattr(endpoint, QUICK, quick)


class QuickRoute(APIRoute):
    """An APIRoute trying its endpoint's quick handler first (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        quick: Quick | None = getattr(self.endpoint, QUICK, None)
        if quick is None:
            return standard

        async def handler(request: Request) -> Response:
            answer = await quick(request)
            return answer if answer is not None else await standard(request)

        return handler


async def json_body(request: Request) -> Any:
    """The parsed body of a request that declares it JSON, as FastAPI would parse it;
    NotQuickError for any other content type or an empty body (FastAPI decides those)."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != JSON:
        raise NotQuickError
    raw = await request.body()
    if not raw:
        raise NotQuickError
    return json.loads(raw)


def sub_response() -> Response:
    """The `Response` an endpoint sets its status and headers on, as FastAPI makes it."""
    response = Response()
    del response.headers["content-length"]
    return response


def json_answer(body: Any, sub: Response) -> Response:
    """`body` as compact JSON with the status and headers the endpoint set on `sub`.

    The body is not validated against the route's response model: a quick endpoint answers
    a dict built from typed data (tests/unit/test_api_quick.py compares the two paths)."""
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    response = Response(content, status_code=sub.status_code, media_type=JSON)
    response.headers.raw.extend(sub.headers.raw)
    return response


class LastSegmentIndex(BaseRoute):
    """A first route finding any of `routes` (POST routes whose paths end in a literal
    segment, e.g. `/v1/contracts/{number}/commands/receive_payment`) by that segment.

    FastAPI tries the app's routes in order, and an included router's routes twice (to match,
    then again to handle), at about 2 µs a route: a command's route, behind the queries and
    some forty other commands, took 0.1 ms to find. This index looks the last segment up in a
    dict and asks that one route whether it matches; anything it does not fully match (another
    method, another path) goes on to the app's routes as before, so the answer is the same."""

    def __init__(self, routes: Iterable[BaseRoute]) -> None:
        self._routes: dict[str, APIRoute] = {}
        for route in routes:
            if isinstance(route, APIRoute) and "{" not in route.path.rpartition("/")[2]:
                segment = route.path.rpartition("/")[2]
                if segment in self._routes:
                    raise ValueError(f"two routes end in /{segment}")
                self._routes[segment] = route

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "POST":
            route = self._routes.get(scope["path"].rpartition("/")[2])
            if route is not None:
                match, child_scope = route.matches(scope)
                if match == Match.FULL:
                    return match, child_scope
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: APIRoute = scope["route"]  # the one `matches` found
        await route.handle(scope, receive, send)
