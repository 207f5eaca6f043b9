"""The fault and outage tests' load: contracts handed over through `ContractsApplication`,
odometer readings (through the application or the telematics feed) and bank payments
(through the payments feed), interleaved, at a steady rate, from a seeded `random.Random`.

Some contracts end with a reading over the km cap, which the termination consumer must turn
into exactly one `KmCapReached` + `ContractEndedByLaw` (T-18.1-ii). The driver rides out a
database outage: a command that fails with a database error is issued again once PostgreSQL
answers, unless its effect is already stored (a commit whose answer was lost).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from domain.contract.incidents import ReportOdometer
from tests.factories import REF_START, ctx, handed_over_ref_contract
from tests.fault_lab import agreement_message, payment_message, reading_message

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from domain.application import ContractsApplication

logger = logging.getLogger(__name__)

KM_CAP = 200_000
"""T-18.1-ii for the DIESEL reference contract (M-12)."""
BUSINESS_DATE = date(2024, 12, 31)
"""The workers' pinned clock: after every reading, well inside the 48-month term."""
PAID_ON = REF_START + timedelta(days=1)
DB_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError)
OUTAGE_TIMEOUT = 60.0

AGREEMENTS_END = date(2029, 6, 30)
"""When every external agreement of the load ends."""

Kind = Literal["hand_over", "reading", "payment", "agreement"]


@dataclasses.dataclass(frozen=True)
class Step:
    """One command of the plan: hand `number` over, report reading `value` (the k-th),
    pay `value` cents under `payment_id`, or register the external agreement
    `agreement_id` of the contract's customer (`customer`: one per contract)."""

    kind: Kind
    number: str
    value: int = 0
    nth: int = 0

    @property
    def payment_id(self) -> str:
        return f"PAY-{self.number}-{self.nth}"

    @property
    def customer(self) -> str:
        return f"CU-{self.number}"

    @property
    def agreement_id(self) -> str:
        return f"EXT-{self.number}-{self.nth}"


@dataclasses.dataclass(frozen=True)
class Plan:
    """The driver's steps in order (contracts interleaved) and which go over the cap."""

    steps: list[Step]
    over_cap: frozenset[str]
    payments: int
    agreements: int = 0

    def count(self, kind: Kind) -> int:
        return sum(1 for s in self.steps if s.kind == kind)


def plan(
    rng: random.Random,
    contracts: int,
    readings: int,
    payments: int,
    over: float,
    agreements: int = 0,
) -> Plan:
    """Each contract: handed over, then `readings` readings, `payments` payments and
    `agreements` external agreements of its customer in a random order; an over-cap
    contract's last reading is at or over the cap."""
    queues: dict[str, list[Step]] = {}
    over_cap: set[str] = set()
    for _ in range(contracts):
        number = f"PL-F{rng.getrandbits(40):010X}"  # a database of its own: no clashes
        kms = sorted(rng.sample(range(1_000, 150_000), readings))
        if rng.random() < over:
            kms[-1] = rng.randrange(KM_CAP, KM_CAP + 30_000)
            over_cap.add(number)
        steps = [Step("reading", number, km, k) for k, km in enumerate(kms, 1)]
        for k in range(1, payments + 1):  # the payments fall between the readings
            steps.insert(rng.randrange(len(steps) + 1), Step("payment", number, 100_000, k))
        for k in range(1, agreements + 1):
            steps.insert(rng.randrange(len(steps) + 1), Step("agreement", number, 0, k))
        queues[number] = [Step("hand_over", number), *steps]
    ordered: list[Step] = []
    active = list(queues)
    while active:
        number = rng.choice(active)
        ordered.append(queues[number].pop(0))
        if not queues[number]:
            active.remove(number)
    return Plan(ordered, frozenset(over_cap), contracts * payments, contracts * agreements)


class Driver:
    """Issues the plan's steps at `rate` per second: hand-overs through the application,
    readings through the application (or the odometer feed), payments and agreements
    through their feeds."""

    def __init__(
        self,
        app: ContractsApplication,
        steps: list[Step],
        rate: float,
        send: Callable[[str, str, dict[str, Any]], None],
        *,
        readings_via_feed: bool = False,
    ) -> None:
        self.app, self.steps, self.rate, self.send = app, steps, rate, send
        self.readings_via_feed = readings_via_feed
        self.done = 0
        self.retried = 0
        """Steps issued again after a database error."""
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-driver", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def finished(self) -> bool:
        if self.error is not None:
            raise AssertionError("the driver failed") from self.error
        return self.done == len(self.steps)

    def join(self) -> None:
        self.stop.set()
        if self._thread.ident is not None:
            self._thread.join(OUTAGE_TIMEOUT)

    def _run(self) -> None:
        started = time.monotonic()
        try:
            for i, step in enumerate(self.steps):
                # The pace of a live feed: step i is due at i / rate seconds.
                if self.stop.wait(max(0.0, started + i / self.rate - time.monotonic())):
                    return
                self._issue_until_stored(step)
                self.done = i + 1
        except BaseException as err:
            self.error = err
            raise

    def _issue_until_stored(self, step: Step) -> None:
        deadline = time.monotonic() + OUTAGE_TIMEOUT
        while True:
            try:
                if self.retried and self._stored(step):
                    return
                self._issue(step)
            except DB_ERRORS as err:
                logger.info("driver: %s failed (%s); issued again", step, type(err).__name__)
                self.retried += 1
                assert time.monotonic() < deadline, f"{step} not stored in {OUTAGE_TIMEOUT} s"
                if self.stop.wait(0.2):
                    return
            else:
                return

    def _stored(self, step: Step) -> bool:
        """Whether a step whose answer was lost is stored after all (only asked after an
        error; feed messages are acknowledged by the broker, not by PostgreSQL)."""
        if step.kind == "hand_over":
            return self.app.exists(step.number)
        if step.kind == "reading" and not self.readings_via_feed:
            return self.app.get(step.number).last_odometer == step.value
        return False

    def _issue(self, step: Step) -> None:
        on = REF_START + timedelta(days=30 * step.nth)
        if step.kind == "hand_over":
            self.app.save(handed_over_ref_contract(contract_number=step.number))
        elif step.kind == "payment":
            amount = f"{step.value // 100}.{step.value % 100:02d}"
            self.send(
                "payments",
                step.number,
                payment_message(step.number, step.payment_id, amount, PAID_ON),
            )
        elif step.kind == "agreement":
            message = agreement_message(step.customer, step.agreement_id, AGREEMENTS_END)
            self.send("external_agreements", step.customer, message)
        elif self.readings_via_feed:
            reading_id = f"KM-{step.number}-{step.nth}"
            self.send(
                "odometer", step.number, reading_message(step.number, reading_id, step.value, on)
            )
        else:
            self.app.execute(
                step.number, ReportOdometer(odometer=step.value), ctx(on, actor="CUSTOMER")
            )
