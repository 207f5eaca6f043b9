"""HTTP API speed beside baselines measured in the same run (issue 10).

    python bench/api.py [--contracts 200] [--seconds 8] [--concurrency 8] [--rounds 3]

- read: `GET /v1/contracts/{number}` through `lease run api` (auth, overview model, metrics,
  the portal view's queries and its figures) beside a bare FastAPI endpoint that runs the
  same SELECTs with psycopg (bench/bare_api.py); both one uvicorn process on this machine.
- write: `POST /v1/contracts/{number}/commands/receive_payment` through the API beside
  `ContractsApplication.execute(ReceivePayment)` in this process, with as many threads as
  the HTTP load has connections.

The load generator is asyncio + httpx in this process, `--concurrency` connections for
`--seconds`; rounds alternate API and baseline so drift of a shared machine hits both alike.
Printed: requests per second, p50 and p99 latency, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/api.py` from a checkout
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from api.auth import Role  # noqa: E402
from bench.commands import database, set_up  # noqa: E402
from bench.pipeline import fresh_database, machine  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Ctx  # noqa: E402
from domain.contract.billing import ReceivePayment  # noqa: E402
from domain.money import Money  # noqa: E402
from infra.bootstrap import build_projection_group, close_projection_group  # noqa: E402
from infra.dev_tokens import ensure_key_pair, sign  # noqa: E402
from infra.settings import Settings, free_port  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from infra.settings import PostgresInfo

BUSINESS_DATE = date(2026, 6, 1)
START_SECONDS = 60.0


@dataclass
class Figures:
    """One load's outcome."""

    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self, label: str) -> str:
        lat = sorted(self.latencies) or [0.0]
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return (
            f"{label:44s} {self.rate:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
            f"   errors {self.errors}"
        )


async def _http_load(
    request: Callable[[httpx.AsyncClient], Any], seconds: float, concurrency: int
) -> Figures:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await request(client)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code >= 400

    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Figures(len(latencies), elapsed, latencies, errors)


def http_load(request: Callable[[httpx.AsyncClient], Any], args: argparse.Namespace) -> Figures:
    return asyncio.run(_http_load(request, args.seconds, args.concurrency))


def thread_load(call: Callable[[], None], args: argparse.Namespace) -> Figures:
    latencies: list[float] = []
    deadline = time.perf_counter() + args.seconds
    lock = threading.Lock()

    def loop() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            call()
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(args.concurrency) as pool:
        for future in [pool.submit(loop) for _ in range(args.concurrency)]:
            future.result()
    return Figures(len(latencies), time.perf_counter() - started, latencies, 0)


def serve(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """Start a server process and wait until it answers on `port`."""
    server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command} did not start") from None
        else:
            return server


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(7)
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        info, _ = stack.enter_context(database(Path(tmp)))
        db: PostgresInfo = stack.enter_context(fresh_database(info))
        env = db.eventsourcing_env()
        app = ContractsApplication(env=env)
        stack.callback(app.close)
        numbers = [lease.number for lease in set_up(app, args.contracts, rng)]
        group = build_projection_group(app, env)
        group.catch_up()
        close_projection_group(group)
        settings = Settings(data_dir=Path(tmp) / "lease")
        token = sign(
            ensure_key_pair(settings.data_dir),
            roles=[Role.OPERATOR],
            audience=settings.api_audience,
            issuer=settings.api_issuer,
            subject="bench",
        )
        api_port, bare_port = free_port(), free_port()
        server_env = os.environ | {
            "LEASE_DATABASE_URL": db.dsn,
            "LEASE_DATA_DIR": str(settings.data_dir),
            "LEASE_API_PORT": str(api_port),
            "LEASE_BUSINESS_DATE": BUSINESS_DATE.isoformat(),
            "BARE_DSN": db.dsn,
        }
        api = serve([sys.executable, "-m", "infra.cli", "run", "api"], server_env, api_port)
        stack.callback(stop, api)
        bare_command = [sys.executable, "-m", "uvicorn", "bench.bare_api:app"]
        bare_command += ["--port", str(bare_port), "--log-level", "warning"]
        bare = serve(bare_command, server_env, bare_port)
        stack.callback(stop, bare)
        auth = {"Authorization": f"Bearer {token}"}

        def read_api(client: httpx.AsyncClient) -> Any:
            url = f"http://127.0.0.1:{api_port}/v1/contracts/{rng.choice(numbers)}"
            return client.get(url, headers=auth)

        def read_bare(client: httpx.AsyncClient) -> Any:
            return client.get(f"http://127.0.0.1:{bare_port}/contracts/{rng.choice(numbers)}")

        ids = itertools.count()

        def pay_api(client: httpx.AsyncClient) -> Any:
            number = rng.choice(numbers)
            body = {"amount": "1.00", "payment_id": f"HTTP-{next(ids)}"}
            url = f"http://127.0.0.1:{api_port}/v1/contracts/{number}/commands/receive_payment"
            return client.post(url, json=body, headers=auth)

        def pay_in_process() -> None:
            command = ReceivePayment(Money.of("1.00"), f"APP-{next(ids)}")
            app.execute(rng.choice(numbers), command, Ctx(BUSINESS_DATE, "BENCH", "bench"))

        print(f"machine: {machine()}")
        print(
            f"{args.contracts} contracts, {args.concurrency} connections, {args.seconds} s a load"
        )
        for round_ in range(1, args.rounds + 1):
            print(f"-- round {round_}")
            api_read, bare_read = http_load(read_api, args), http_load(read_bare, args)
            print(api_read.line("read: GET /v1/contracts/{number} (API)"))
            print(bare_read.line("read: same SELECTs, bare FastAPI + psycopg"))
            print(f"{'read ratio API / bare':44s} {api_read.rate / bare_read.rate:8.2f}x")
            api_write, app_write = http_load(pay_api, args), thread_load(pay_in_process, args)
            print(api_write.line("write: POST receive_payment (API)"))
            print(app_write.line("write: ContractsApplication.execute"))
            print(f"{'write ratio API / in-process':44s} {api_write.rate / app_write.rate:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
