"""Client instructions per command of the bench/commands.py mix, counted by valgrind.

    python bench/command_instructions.py                 # domain alone (eventsourcing.popo)
    python bench/command_instructions.py --postgres      # on the embedded PostgreSQL
    python bench/command_instructions.py --baseline      # the raw one-row INSERT, per insert

Wall-clock rates on a shared machine move with the load; the number of instructions the
client executes does not. The script runs itself twice under `valgrind --tool=cachegrind`
(no cache simulation): once with no timed commands and once with N, each after the same
set-up and warm-up from the same seed, and prints the difference divided by N. Only the
client process is counted (PostgreSQL runs in a child valgrind does not follow). Run it in
two checkouts to compare them. Needs valgrind (apt-get install valgrind); ~2 min a run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/command_instructions.py` from a checkout
    sys.path.insert(0, str(ROOT))

from bench.commands import (  # noqa: E402
    Baseline,
    Mix,
    Timing,
    conninfo,
    open_bench_database,
    run_mix,
    set_up,
)
from domain.application import ContractsApplication  # noqa: E402

CONTRACTS, WARM_UP = 100, 300
I_REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def inner(kind: str, count: int) -> None:
    """Set up, warm up, then `count` commands (or baseline inserts); nothing printed."""
    rng = random.Random(192)
    with ExitStack() as stack:
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        if kind != "memory":
            with contextlib.redirect_stdout(io.StringIO()):
                info, _, schema, env = open_bench_database(stack)
        if kind == "baseline":
            baseline = Baseline(conninfo(info, ""), schema, "baseline")
            stack.callback(baseline.close)
            baseline.run(WARM_UP)
            baseline.run(count)
            return
        app = ContractsApplication(env=env)
        stack.callback(app.close)
        mix = Mix(set_up(app, CONTRACTS, rng), rng)
        far = time.perf_counter_ns() + 10**13
        run_mix(mix, app, Timing("warm-up"), WARM_UP, far)
        run_mix(mix, app, Timing("counted"), count, far)


def instructions(kind: str, count: int) -> int:
    command = [
        *("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"),
        *(sys.executable, __file__, "--inner", str(count), "--kind", kind),
    ]
    env = os.environ | {"PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    found = I_REFS.search(done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from valgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--commands", type=int, default=1500)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="commands on PostgreSQL")
    where.add_argument("--baseline", action="store_true", help="the raw INSERT baseline")
    parser.add_argument("--inner", type=int, default=-1, help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="memory", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner >= 0:
        inner(args.kind, args.inner)
        return 0
    kind = "postgres" if args.postgres else "baseline" if args.baseline else "memory"
    per_op = (instructions(kind, args.commands) - instructions(kind, 0)) / args.commands
    print(f"{ROOT}: {kind}: {per_op:,.0f} client instructions per operation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
