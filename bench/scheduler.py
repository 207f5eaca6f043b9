"""The scheduler's daily billing: asking every open contract against asking what is due.

    python bench/scheduler.py [--contracts 1000]

Sets up `--contracts` running contracts through the real domain (bench/commands.py: varied
terms, starts spread over 2024), bills them all once on the first of a month (the first run
of the next-due index asks every contract it has not seen), then times, on the same store:

- a quiet day (the 15th: nothing begins, nothing to set off) and the next first of the month
  (every monthly contract has a period), each twice:
- the old run, the baseline: `Bill` asked of every contract (what the scheduler did before
  issue 14, without the portal view read that listed them);
- the new run (`Scheduler.bill`): the contracts changed since the last run and those whose
  next billing day has come, from the index beside the event store.

The new run goes first on each day and records what is due; the old run after it then
records nothing, and neither does the second round: what differs is the asking, which is
what the index saves (the writing is the same either way).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, cast

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/scheduler.py` from a checkout
    sys.path.insert(0, str(ROOT))

from bench.commands import open_bench_database, set_up  # noqa: E402
from domain.application import ContractsApplication  # noqa: E402
from domain.contract import Ctx  # noqa: E402
from domain.contract.daily import Bill  # noqa: E402
from infra.billing_due import BillingDue  # noqa: E402
from infra.scheduler import ACTOR, Scheduler  # noqa: E402

if TYPE_CHECKING:
    from typing import Any

FIRST_RUN = date(2025, 2, 1)
"""After every start of bench/commands.py (2024-01-02 plus up to 350 days)."""
QUIET_DAY = date(2025, 2, 15)
NEXT_MONTH = date(2025, 3, 1)


def old_run(app: ContractsApplication, numbers: list[str], day: date) -> tuple[float, int]:
    """Every contract asked to bill: seconds, contracts that recorded something."""
    ctx = Ctx(on=day, actor=ACTOR, causation_id=f"billing:{day.isoformat()}")
    started = time.perf_counter()
    billed = sum(app.execute(n, Bill(), ctx).position is not None for n in numbers)
    return time.perf_counter() - started, billed


def new_run(scheduler: Scheduler, day: date) -> tuple[float, int, int]:
    """`Scheduler.bill`: seconds, contracts asked, contracts that recorded something."""
    started = time.perf_counter()  # the count's refresh and query are timed with the run
    scheduler.billing_due.refresh()
    asked = len(scheduler.billing_due.due(day))
    billed = scheduler.bill(day)
    return time.perf_counter() - started, asked, billed


def billing_only(app: ContractsApplication) -> Scheduler:
    """A scheduler for its billing alone (no deadlines view, broker or portal)."""
    unused = cast("Any", None)
    return Scheduler(
        app=app,
        deadlines=unused,
        published=unused,
        producer=unused,
        clock=unused,
        billing_due=BillingDue(cast("Any", app.recorder)),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--contracts", type=int, default=1000)
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        _, _, _, env = open_bench_database(stack)
        app = ContractsApplication(env=env)
        stack.callback(app.close)
        started = time.perf_counter()
        numbers = [lease.number for lease in set_up(app, args.contracts, random.Random(14))]
        print(f"set-up: {len(numbers)} contracts in {time.perf_counter() - started:.1f} s")
        scheduler = billing_only(app)
        seconds, asked, billed = new_run(scheduler, FIRST_RUN)
        print(f"first run {FIRST_RUN}: {asked} asked (all new), {billed} billed, {seconds:.2f} s")
        print(f"{'day':12} {'run':28} {'asked':>7} {'billed':>7} {'seconds':>8} {'ms/day':>8}")
        for day in (QUIET_DAY, NEXT_MONTH):
            for _ in range(2):
                new_s, new_asked, new_billed = new_run(scheduler, day)
                old_s, old_billed = old_run(app, numbers, day)
                print(
                    f"{day.isoformat():12} {'baseline: ask every contract':28} {len(numbers):7}"
                    f" {old_billed:7} {old_s:8.2f} {old_s * 1000:8.0f}"
                )
                print(
                    f"{'':12} {'next-due index':28} {new_asked:7} {new_billed:7}"
                    f" {new_s:8.2f} {new_s * 1000:8.0f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
