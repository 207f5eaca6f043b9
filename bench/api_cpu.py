"""CPU per write of the HTTP API's app without HTTP, beside the in-process command.

    python bench/api_cpu.py [--contracts 200] [--requests 400] [--rounds 8] [--canned]

The ASGI app of `lease run api` (the same services, middlewares and routes) is called
directly by 8 coroutines on uvloop with `POST /v1/contracts/{number}/commands/receive_payment`
requests; the baseline is `ContractsApplication.execute(ReceivePayment)` on the same event
store from 8 threads. Rounds alternate, each timing the process's CPU (all threads) per
request; the lines give the median and the best round of each and their ratio. No sockets
and no uvicorn: what the app itself costs beyond the command. `--canned` answers every
command with a fixed result (the app's own cost alone, the hop included).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/api_cpu.py` from a checkout
    sys.path.insert(0, str(ROOT))

import uvloop  # noqa: E402

import api.routers.commands  # noqa: E402
from api.app import create_app, services_on  # noqa: E402
from api.auth import Role  # noqa: E402
from api.idempotent import Sent  # noqa: E402
from bench.api import BUSINESS_DATE  # noqa: E402
from bench.commands import database, set_up  # noqa: E402
from bench.pipeline import fresh_database, machine  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Ctx  # noqa: E402
from domain.contract.billing import ReceivePayment  # noqa: E402
from domain.money import Money  # noqa: E402
from infra.dev_tokens import ensure_key_pair, sign  # noqa: E402
from infra.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi import FastAPI
    from starlette.types import Message

CONCURRENCY = 8


def asgi_post(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Any:
    """One request to `app` as uvicorn would hand it over; raises unless it answers 200."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    messages: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # never: the app reads one body
        raise AssertionError

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] != 200:
            raise SystemExit(f"{path}: status {message['status']}")

    return app(scope, receive, send)


def cpu_per_request(run: Callable[[int], None], requests: int) -> float:
    started = time.process_time()
    run(requests)
    return (time.process_time() - started) / requests * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--canned", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    ids = itertools.count()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        info, _ = stack.enter_context(database(tmp))
        env = stack.enter_context(fresh_database(info)).eventsourcing_env()
        setup = ContractsApplication(env=env)
        numbers = [lease.number for lease in set_up(setup, args.contracts, rng)]
        setup.close()
        settings = Settings(data_dir=tmp / "lease", business_date=BUSINESS_DATE)
        key = ensure_key_pair(settings.data_dir)
        token = sign(key, roles=[Role.OPERATOR], audience=settings.api_audience,
                     issuer=settings.api_issuer, subject="bench")  # fmt: skip
        services = stack.enter_context(services_on(settings, env, None))
        app = create_app(services)
        app.state.services = services
        if args.canned:
            canned = Sent(200, "X", 1, None, ())
            stack.enter_context(patch.object(api.routers.commands, "send", lambda *_: canned))
        headers = [
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
        ]

        async def clients(requests: int) -> None:
            async def client() -> None:
                for _ in range(requests // CONCURRENCY):
                    path = f"/v1/contracts/{rng.choice(numbers)}/commands/receive_payment"
                    body = json.dumps({"amount": "1.00", "payment_id": f"H-{next(ids)}"})
                    await asgi_post(app, path, headers, body.encode())

            await asyncio.gather(*(client() for _ in range(CONCURRENCY)))

        def over_asgi(requests: int) -> None:
            uvloop.run(clients(requests))

        def in_process(requests: int) -> None:
            def pay(_: int) -> None:
                command = ReceivePayment(Money.of("1.00"), f"A-{next(ids)}")
                ctx = Ctx(BUSINESS_DATE, "BENCH", "bench")
                services.contracts.execute(rng.choice(numbers), command, ctx)  # type: ignore[union-attr]

            with ThreadPoolExecutor(CONCURRENCY) as pool:
                list(pool.map(pay, range(requests)))

        over_asgi(CONCURRENCY * 10)
        in_process(CONCURRENCY * 10)
        asgi: list[float] = []
        direct: list[float] = []
        for _ in range(args.rounds):
            asgi.append(cpu_per_request(over_asgi, args.requests))
            direct.append(cpu_per_request(in_process, args.requests))
        print(f"machine: {machine()}; {args.rounds} rounds of {args.requests} requests")
        label = "app over ASGI, canned command" if args.canned else "app over ASGI"
        for name, figures in ((label, asgi), ("ContractsApplication.execute", direct)):
            print(f"{name:32s} CPU ms/request median {statistics.median(figures):.3f}"
                  f"  best {min(figures):.3f}")  # fmt: skip
        ratio = statistics.median(direct) / statistics.median(asgi)
        print(f"{'CPU ratio in-process / app':32s} median {ratio:.2f}"
              f"  best {min(direct) / min(asgi):.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
