"""HTTP API speed beside baselines measured in the same run (issue 10).

    python bench/api.py [--contracts 200] [--seconds 8] [--concurrency 8] [--rounds 3]

- read: `GET /v1/contracts/{number}` through `lease run api` (auth, overview model, metrics,
  the portal view's queries and its figures) beside a bare FastAPI endpoint that runs the
  same SELECTs with psycopg (bench/bare_api.py); both one uvicorn process on this machine.
- write: `POST /v1/contracts/{number}/commands/receive_payment` through the API beside
  `ContractsApplication.execute(ReceivePayment)` in this process, with as many threads as
  the HTTP load has connections.

The load generator (bench/loadgen.py: raw keep-alive HTTP/1.1 on asyncio) runs in this
process, `--concurrency` connections for
`--seconds`; rounds alternate API and baseline so drift of a shared machine hits both alike.
Printed: requests per second, p50 and p99 latency, and the ratio to the baseline; at the
end, each ratio's median over the rounds and how many rounds reached its goal (issue 10:
reads 0.8x, writes 0.7x).

Warm-up: before each measured write load, that side sends one untimed command to every
contract. The two sides write to the same contracts, so each finds its aggregate cache stale
for all of them after the other's round (a stale copy costs a version conflict and a reload,
a cost a single writer does not pay); without the warm-up the side measured second paid for
the first's writes.
"""

from __future__ import annotations

import argparse
import itertools
import json
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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/api.py` from a checkout
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402

from api.auth import Role  # noqa: E402
from bench.commands import database, set_up  # noqa: E402
from bench.loadgen import Figures, load, request  # noqa: E402
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


def line(figures: Figures, label: str) -> str:
    lat = sorted(figures.latencies) or [0.0]
    p50 = statistics.median(lat) * 1000
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
    cpu = ", ".join(f"{k} {v / figures.requests * 1000:.2f}" for k, v in figures.cpu.items())
    return (
        f"{label:44s} {figures.rate:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
        f"   errors {figures.errors}   CPU ms/request: {cpu}"
    )


class Meter:
    """CPU seconds of the server under load, of PostgreSQL (every backend, also those opened
    during the load) and of this process (the client)."""

    def __init__(self, server: subprocess.Popen[bytes] | None) -> None:
        self.server = psutil.Process(server.pid) if server else None

    def processes(self) -> dict[str, list[psutil.Process]]:
        postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
        server = [self.server, *self.server.children(recursive=True)] if self.server else []
        return {"server": server, "postgres": postgres, "client": [psutil.Process()]}

    @staticmethod
    def spent(processes: list[psutil.Process]) -> dict[int, float]:
        seconds = {}
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            seconds[process.pid] = float(times.user + times.system)
        return seconds

    def measure(self, load: Callable[[], Figures]) -> Figures:
        before = {k: self.spent(v) for k, v in self.processes().items()}
        figures = load()
        after = {k: self.spent(v) for k, v in self.processes().items()}
        figures.cpu = {
            k: sum(t - before[k].get(pid, 0.0) for pid, t in after[k].items())
            for k in after
            if after[k]
        }
        return figures


def http_load(port: int, next_request: Callable[[], bytes], args: argparse.Namespace) -> Figures:
    return load(port, next_request, args.seconds, args.concurrency)


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
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes of both servers"
    )
    parser.add_argument(
        "--only", choices=["read", "write"], help="measure the reads or the writes alone"
    )
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
            "LEASE_API_WORKERS": str(args.workers),
            "LEASE_BUSINESS_DATE": BUSINESS_DATE.isoformat(),
            "BARE_DSN": db.dsn,
        }
        api = serve([sys.executable, "-m", "infra.cli", "run", "api"], server_env, api_port)
        stack.callback(stop, api)
        bare_command = [sys.executable, "-m", "uvicorn", "bench.bare_api:app"]
        bare_command += ["--port", str(bare_port), "--log-level", "warning", "--no-access-log"]
        bare_command += ["--workers", str(args.workers)]
        bare = serve(bare_command, server_env, bare_port)
        stack.callback(stop, bare)
        auth = {"Authorization": f"Bearer {token}"}

        def read_api() -> bytes:
            return request("GET", f"/v1/contracts/{rng.choice(numbers)}", auth)

        def read_bare() -> bytes:
            return request("GET", f"/contracts/{rng.choice(numbers)}")

        ids = itertools.count()
        headers = auth | {"Content-Type": "application/json"}

        def payment(number: str) -> tuple[str, bytes]:
            body = json.dumps({"amount": "1.00", "payment_id": f"HTTP-{next(ids)}"})
            return f"/v1/contracts/{number}/commands/receive_payment", body.encode()

        def pay_api() -> bytes:
            path, body = payment(rng.choice(numbers))
            return request("POST", path, headers, body)

        def pay_in_process(number: str | None = None) -> None:
            command = ReceivePayment(Money.of("1.00"), f"APP-{next(ids)}")
            ctx = Ctx(BUSINESS_DATE, "BENCH", "bench")
            app.execute(number or rng.choice(numbers), command, ctx)

        def warm_api() -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", headers=headers) as http:
                for number in numbers:
                    path, body = payment(number)
                    http.post(path, content=body).raise_for_status()

        print(f"machine: {machine()}")
        print(
            f"{args.contracts} contracts, {args.concurrency} connections, {args.seconds} s a load,"
            f" {args.workers} uvicorn worker(s) a server"
        )
        ratios: dict[str, list[float]] = {"read": [], "write": []}
        for round_ in range(1, args.rounds + 1):
            print(f"-- round {round_}")
            if args.only != "write":
                api_read = Meter(api).measure(lambda: http_load(api_port, read_api, args))
                bare_read = Meter(bare).measure(lambda: http_load(bare_port, read_bare, args))
                print(line(api_read, "read: GET /v1/contracts/{number} (API)"))
                print(line(bare_read, "read: same SELECTs, bare FastAPI + psycopg"))
                ratios["read"].append(api_read.rate / bare_read.rate)
                print(f"{'read ratio API / bare':44s} {ratios['read'][-1]:8.2f}x")
            if args.only == "read":
                continue
            warm_api()  # each side writes once to every contract first (the module's docstring)
            api_write = Meter(api).measure(lambda: http_load(api_port, pay_api, args))
            for number in numbers:
                pay_in_process(number)
            app_write = Meter(None).measure(lambda: thread_load(pay_in_process, args))
            print(line(api_write, "write: POST receive_payment (API)"))
            print(line(app_write, "write: ContractsApplication.execute"))
            ratios["write"].append(api_write.rate / app_write.rate)
            print(f"{'write ratio API / in-process':44s} {ratios['write'][-1]:8.2f}x")
        print("-- over the rounds")
        for line_ in summary(ratios):
            print(line_)
    return 0


GOALS = {"read": 0.8, "write": 0.7}
"""Issue 10's goals: each ratio to its baseline."""


def summary(ratios: dict[str, list[float]]) -> list[str]:
    """Each measured ratio's median, range, and the rounds that reached its goal."""
    lines = []
    for kind, values in ratios.items():
        if not values:
            continue
        met = sum(value >= GOALS[kind] for value in values)
        lines.append(
            f"{kind} ratio: median {statistics.median(values):.2f}x, {min(values):.2f}x to"
            f" {max(values):.2f}x; {met} of {len(values)} rounds at or above"
            f" {GOALS[kind]}x"
        )
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
