"""A quick lane for the requests that are well-formed commands (docs/api.md, "The request
path").

FastAPI answers a request by passing it through its middlewares (Starlette's and ours, about
ten layers, each wrapping `send`), solving the endpoint's parameters one by one (each path,
header and body parameter validated by its own pydantic adapter, each dependency called and
its own parameters solved), then validating the endpoint's answer against the response
model. For a command that cost more than the work around the command itself (bench/api.py).

An endpoint may carry a quick handler (`quick_route`): it reads the parameters the endpoint
declares in one go and answers, or returns None when anything is out of the ordinary
(another content type, a body that does not parse or validate, a header out of its bounds, a
token that does not verify). `QuickLane` finds such an endpoint's route by its last path
segment (`LastSegmentIndex`), reads the whole body (within `MAX_BODY`) and asks the quick
handler. Whatever the handler declines, and any body that is not whole and within its bound,
goes down the ordinary stack from the start, the body replayed as it came, so every error a
client can cause is answered exactly as without the lane. The lane stands in front of
FastAPI's own middleware too (`LaneFirst`): its error, OpenTelemetry and body-limit layers
took about 7% of the event loop's time under a command load (py-spy, bench/api.py), and
none of them acts on a quick answer. What the endpoint raises is answered by the app's one
error mapper (api/problems.py), and a quick answer gets the same security headers and the
same request timing as any other.
A quick handler decides nothing the endpoint does not: it calls the same endpoint with the
same values.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import orjson
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match

from api.limits import MAX_BODY
from api.portal.security import headers_for, secured

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Mapping

    from pydantic import BaseModel, TypeAdapter
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from api.metrics import Metrics

    Quick = Callable[[Request], Awaitable[Response | None]]
    """A quick handler: the answer, or None to leave the request to FastAPI."""

QUICK = "__quick_handler__"
"""The endpoint attribute holding its quick handler."""
JSON = "application/json"


class NotQuickError(Exception):
    """The request is not for the quick path: FastAPI's handler answers it."""


def quick_route(endpoint: Callable[..., Any], quick: Quick) -> None:
    """Give `endpoint` a quick handler, for the `QuickLane` of an index that finds its route."""
    setattr(endpoint, QUICK, quick)


def quick_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    """Those of `routes` whose endpoints have a quick handler."""
    return [r for r in routes if isinstance(r, APIRoute) and hasattr(r.endpoint, QUICK)]


async def json_body(request: Request) -> Any:
    """The parsed body of a request that declares it JSON, as FastAPI would parse it;
    NotQuickError for any other content type or an empty body (FastAPI decides those).

    orjson is stricter than FastAPI's `json` (no NaN, integers within 64 bits): what it
    refuses goes down the ordinary stack, which answers as it always does."""
    content_type = request.headers.get("content-type", "")
    if content_type.partition(";")[0].strip().lower() != JSON:
        raise NotQuickError
    raw = await request.body()
    if not raw:
        raise NotQuickError
    return orjson.loads(raw)


def sub_response() -> Response:
    """The `Response` an endpoint sets its status and headers on, as FastAPI makes it."""
    response = Response()
    del response.headers["content-length"]
    return response


def query_values(request: Request, adapters: Mapping[str, TypeAdapter[Any]]) -> dict[str, Any]:
    """The request's query parameters, each validated by its adapter as FastAPI would;
    NotQuickError for a parameter without an adapter or given twice (FastAPI decides those)."""
    values: dict[str, Any] = {}
    for name, value in request.query_params.multi_items():
        adapter = adapters.get(name)
        if adapter is None or name in values:
            raise NotQuickError
        values[name] = adapter.validate_python(value)
    return values


def model_answer(model: BaseModel, sub: Response) -> Response:
    """`model` as JSON (by alias, as FastAPI serialises a response model) with the status
    and headers the endpoint set on `sub`."""
    return _answer(model.model_dump_json(by_alias=True).encode(), sub)


def json_answer(body: Any, sub: Response) -> Response:
    """`body` as compact JSON with the status and headers the endpoint set on `sub`.

    The body is not validated against the route's response model: a quick endpoint answers
    a dict built from typed data (tests/integration/test_api_quick.py compares the two paths)."""
    return _answer(orjson.dumps(body), sub)


def _answer(content: bytes, sub: Response) -> Response:
    response = Response(content, status_code=sub.status_code, media_type=JSON)
    response.headers.raw.extend(sub.headers.raw)
    return response


class LastSegmentIndex(BaseRoute):
    """A first route finding any of `routes` (POST routes whose paths end in a literal
    segment, e.g. `/v1/contracts/{number}/commands/receive_payment`) by that segment, and
    any of `templated` (routes of any method, e.g. `GET /v1/contracts/{number}`) by trying
    each of them.

    FastAPI tries the app's routes in order, and an included router's routes twice (to match,
    then again to handle), at about 2 µs a route: a command's route, behind the queries and
    some forty other commands, took 0.1 ms to find. This index looks the last segment up in a
    dict and asks that one route whether it matches; anything it does not fully match (another
    method, another path) goes on to the app's routes as before, so the answer is the same.
    A templated route must not share a path with another route of its method (FastAPI would
    pick the first; tests/api/test_quick_reads.py checks the app's)."""

    def __init__(self, routes: Iterable[BaseRoute], templated: Iterable[APIRoute] = ()) -> None:
        self._routes: dict[str, APIRoute] = {}
        for route in routes:
            if isinstance(route, APIRoute) and "{" not in route.path.rpartition("/")[2]:
                segment = route.path.rpartition("/")[2]
                if segment in self._routes:
                    raise ValueError(f"two routes end in /{segment}")
                self._routes[segment] = route
        self._templated: dict[str, tuple[APIRoute, ...]] = {}
        for route in templated:
            for method in route.methods or ():
                self._templated[method] = (*self._templated.get(method, ()), route)

    def find(self, scope: Scope) -> tuple[APIRoute, Scope] | None:
        """The route that fully matches `scope` and its child scope, if it is indexed."""
        if scope["type"] != "http":
            return None
        candidates = self._templated.get(scope["method"], ())
        if scope["method"] == "POST":
            route = self._routes.get(scope["path"].rpartition("/")[2])
            if route is not None:
                candidates = (route, *candidates)
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return route, child_scope
        return None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        found = self.find(scope)
        return (Match.NONE, {}) if found is None else (Match.FULL, found[1])

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: APIRoute = scope["route"]  # the one `matches` found
        await route.handle(scope, receive, send)


async def whole_body(
    scope: Scope, receive: Receive, limit: int
) -> tuple[bytes | None, list[Message]]:
    """The body of a request that declares its length (at most `limit`) and sends just that,
    or of one that declares no body at all (neither a length nor a transfer encoding: empty,
    nothing read), with the messages read; None for the body if it is anything else (the
    stack decides)."""
    headers = dict(scope["headers"])
    declared = headers.get(b"content-length")
    if declared is None:
        return (b"" if b"transfer-encoding" not in headers else None), []
    if not declared.isdigit() or int(declared) > limit:
        return None, []
    messages: list[Message] = []
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > int(declared):
            return None, messages
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return (body if len(body) == int(declared) else None), messages


def replaying(messages: list[Message], receive: Receive) -> Receive:
    """`receive` that first gives back the messages already read."""
    waiting = list(messages)

    async def again() -> Message:
        return waiting.pop(0) if waiting else await receive()

    return again


class QuickLane:
    """ASGI middleware, the outermost of the app's own: well-formed commands answered by
    their endpoint's quick handler without the stack (see the module's docstring)."""

    def __init__(self, app: ASGIApp, index: LastSegmentIndex, limit: int = MAX_BODY) -> None:
        self.app = app
        self.index = index
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.index.find(scope)
        quick: Quick | None = None if found is None else getattr(found[0].endpoint, QUICK, None)
        if found is None or quick is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        body, messages = await whole_body(scope, receive, self.limit)
        if body is None:
            await self.app(scope, replaying(messages, receive), send)
            return
        route, child_scope = found
        request = Request({**scope, **child_scope}, replaying(messages, receive))
        request._body = body  # what `Request.body()` keeps once it has read the body
        try:
            response = await quick(request)
        except Exception as error:  # noqa: BLE001 - the endpoint's: the one error mapper answers
            response = await self._mapped(request, error)
        if response is None:
            await self.app(scope, replaying(messages, receive), send)
            return
        extra = headers_for(scope["path"], scope.get("scheme", "http"))
        headers = secured(response.raw_headers, extra)
        start = {"type": "http.response.start", "status": response.status_code, "headers": headers}
        await send(start)
        await send({"type": "http.response.body", "body": response.body})
        metrics: Metrics = scope["app"].state.services.metrics
        metrics.timed(scope["method"], route.path, response.status_code, started)

    @staticmethod
    async def _mapped(request: Request, error: Exception) -> Response:
        """The app's answer to `error`: its handler for the nearest class of the error."""
        handlers = request.app.exception_handlers
        kind = next((k for k in type(error).__mro__ if k in handlers), None)
        if kind is None:
            raise error  # no mapper: Starlette's server error middleware answers
        answer: Response = await handlers[kind](request, error)
        return answer


class LaneFirst(FastAPI):
    """FastAPI with the quick lane in front of its whole stack, FastAPI's own middleware
    included (`take_quick_lane`); every other request, and all of them until then, go
    through FastAPI as usual. Starlette sets `scope["app"]` for what follows; so does this,
    for the lane's handlers."""

    _lane: QuickLane | None = None

    def take_quick_lane(self, index: LastSegmentIndex, limit: int = MAX_BODY) -> None:
        self._lane = QuickLane(super().__call__, index, limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._lane is None or scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        await self._lane(scope, receive, send)
