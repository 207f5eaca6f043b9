"""A lessor's book generated through the real domain, in memory (bench/book.py's first step).

Each contract is a scenario document in the `lease simulate` format (infra/simulate/scenario.py),
written from a seeded random draw: varied terms (36-60 months, 10-30k km a year, monthly or
quarterly instalments, protection, GAP, service components), a history of payments (some
late, some missed and chased with a formal notice), odometer readings, maintenance and damage,
and one of the ends a book holds: term expiry with return and closure, the km cap, theft, total
loss, dissolution against the Customer, early termination, death, or still running on the
book's date. The document is lived by the simulator's own walk (the daily rules and billing
between steps, quiet days skipped), tolerant of refusals: a step the contract refuses is
counted and the walk goes on, so a draw the rules do not allow costs one refused step, not
the contract. Ended contracts are then settled (what is open paid, credits refunded) and
closed where the rules allow it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from domain.contract import Contract, Ctx
from domain.contract.billing import PayRefund, ReceivePayment
from domain.contract.daily import Bill
from domain.contract.registry import execute
from domain.contract.settlement import CloseContract
from domain.errors import ContractError
from domain.km_cap import KM_CAPS
from domain.values import FuelType
from infra.simulate.in_process import Run, StepRefusedError, billing_ctx, perform, react
from infra.simulate.scenario import ScenarioError, Step, parse_scenario

if TYPE_CHECKING:
    from domain.application import ContractsApplication

BOOK_DATE = date(2026, 12, 31)
"""The business date the book is generated up to: what would happen later is cut, and
those contracts are still running on it."""
FIRST_HANDOVER = date(2021, 1, 1)
HANDOVER_SPREAD_MONTHS = 36
"""Handovers fall on the first of a month over three years from FIRST_HANDOVER: by
BOOK_DATE most contracts have lived four to six years (the longer ones still run)."""

ENDS: tuple[tuple[str, float], ...] = (
    ("term_expiry", 0.55),
    ("early_termination", 0.10),
    ("km_cap", 0.06),
    ("theft", 0.06),
    ("total_loss", 0.07),
    ("dissolution", 0.08),
    ("death", 0.08),
)
"""How the book's contracts end, with their shares (unless BOOK_DATE comes first)."""
LATE_SHARE = 0.10
"""Share of instalments paid 3-20 days late."""
MISSED_SHARE = 0.015
"""Share of instalments missed, chased with a formal notice and paid with the next one."""
DAMAGE_SHARE = 0.01
"""Chance per month of a damage event (a repair, under protection or not)."""
KM_READING_SHARE = 0.55
"""Chance per month of an odometer reading from the Customer."""


@dataclass
class Drawn:
    """One contract's scenario document and how it is meant to end."""

    number: str
    end: str
    document: dict[str, Any]


@dataclass
class Lived:
    """What generating a slice of the book did."""

    contracts: int = 0
    steps: int = 0
    refused: int = 0
    closed: int = 0
    ends: Counter[str] = field(default_factory=Counter)
    invalid: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    """Refused steps by name (settle or close: `settle`)."""

    def merge(self, other: Lived) -> None:
        """Add another slice's counts to these."""
        self.contracts += other.contracts
        self.steps += other.steps
        self.refused += other.refused
        self.closed += other.closed
        self.ends.update(other.ends)
        self.invalid += other.invalid
        self.refusals.update(other.refusals)


def month_add(d: date, months: int) -> date:
    month = d.month - 1 + months
    return date(d.year + month // 12, month % 12 + 1, min(d.day, 28))


def _amount(value: float) -> str:
    return f"{value:.2f}"


def terms(i: int, rng: random.Random) -> dict[str, Any]:
    """Varied contract terms in the scenario format."""
    term = rng.choice((36, 48, 48, 60, 60))
    annual_km = rng.choice((10_000, 15_000, 20_000, 25_000, 30_000))
    monthly = rng.randrange(350, 900)
    frequency = "QUARTERLY" if rng.random() < 0.15 else "MONTHLY"
    instalment = monthly * (3 if frequency == "QUARTERLY" else 1)
    fuel = rng.choice(("PETROL", "DIESEL", "PHEV", "BEV"))
    if fuel == "BEV":
        annual_km = min(annual_km, KM_CAPS[FuelType.BEV] * 12 // term)
    capital = rng.randrange(25_000, 70_000)
    gap: dict[str, Any] = {"included": False}
    if rng.random() < 0.3:
        gap = {"included": True, "insured_value": _amount(capital)}
    components: dict[str, str] = {}
    if rng.random() < 0.4:
        components["MAINTENANCE_REPAIR"] = _amount(rng.randrange(30, 60))
    if rng.random() < 0.3:
        components["TYRES"] = _amount(rng.randrange(12, 25))
    if rng.random() < 0.2:
        components["REPLACEMENT_VEHICLE"] = _amount(rng.randrange(15, 30))
    return {
        "contract_number": f"BK-{i:07d}",
        "customer_number": f"K-{200_000 + i // 2}",
        "fuel_type": fuel,
        "term_months": term,
        "annual_km": annual_km,
        "excess_km_price": rng.choice(("0.08", "0.10", "0.12")),
        "instalment_amount": _amount(instalment),
        "instalment_frequency": frequency,
        "payment_term_days": rng.choice((0, 0, 0, 10)),
        "invested_capital": _amount(capital),
        "advance_payment": rng.choice(("0.00", "1500.00", "3000.00")),
        "protection": {"included": rng.random() < 0.6, "flat_damage_fee": "500.00"},
        "gap": gap,
        "insurance_mode": "CUSTOMER_OWN",
        "insurer_theft_recovery_days": 30,
        "instalment_components": components,
    }


@dataclass
class History:
    """The steps of one contract's life, built month by month."""

    rng: random.Random
    steps: list[dict[str, Any]] = field(default_factory=list)
    odometer: int = 0

    def add(self, on: date, do: str, **args: Any) -> None:
        self.steps.append({"on": on.isoformat(), "do": do, **args})

    def drive_to(self, on: date, start: date, per_day: float) -> int:
        reading = int((on - start).days * per_day) + self.rng.randrange(0, 200)
        self.odometer = max(self.odometer + 1, reading)
        return self.odometer


def draw(i: int, rng: random.Random) -> Drawn:
    """One contract of the book: terms, history and end, as a scenario document."""
    contract = terms(i, rng)
    end = rng.choices([e for e, _ in ENDS], [w for _, w in ENDS])[0]
    start = month_add(FIRST_HANDOVER, rng.randrange(HANDOVER_SPREAD_MONTHS))
    term: int = contract["term_months"]
    months = 3 if contract["instalment_frequency"] == "QUARTERLY" else 1
    instalment: str = contract["instalment_amount"]
    per_day = contract["annual_km"] / 365 * rng.choice((0.8, 0.9, 1.0, 1.1, 1.25))
    h = History(rng, odometer=rng.randrange(5, 60))
    h.add(start - timedelta(days=40), "conclude")
    h.add(start - timedelta(days=38), "order_vehicle")
    h.add(start - timedelta(days=12), "notify_vehicle_ready")
    h.add(start - timedelta(days=5), "submit_insurance_proof")
    h.add(start, "hand_over", odometer=h.odometer)
    contractual_end = month_add(start, term) - timedelta(days=1)
    # The month the history stops at, by the end drawn.
    stop = {"term_expiry": term, "km_cap": term}.get(end, rng.randrange(14, max(15, term - 2)))
    cap = KM_CAPS[FuelType(contract["fuel_type"])]
    if end == "km_cap":  # the fuel type's km cap (P-31) passed at about 70% of the term
        per_day = cap / (term * 30.4 * 0.7)
    owed_late = False
    for month in range(stop):
        first = month_add(start, month)
        if first > BOOK_DATE:
            break
        if month % months == 0:
            draw_payment(h, first, instalment, owed_late)
            owed_late = h.steps[-1]["do"] == "send_formal_notice"
        if rng.random() < KM_READING_SHARE:
            on = first + timedelta(days=rng.randrange(5, 25))
            h.add(on, "report_odometer", odometer=h.drive_to(on, start, per_day))
        if rng.random() < DAMAGE_SHARE:
            on = first + timedelta(days=rng.randrange(6, 26))
            kind = rng.choice(("COLLISION", "GLASS_BREAKAGE", "VANDALISM", "NATURAL_FORCES"))
            cost = _amount(rng.randrange(300, 4000))
            h.add(on, "report_incident", kind=kind, incident_on=on.isoformat(), repair_cost=cost)
        if (
            month
            and month % 12 == 0
            and contract["instalment_components"].get("MAINTENANCE_REPAIR")
        ):
            on = first + timedelta(days=rng.randrange(7, 20))
            h.add(
                on,
                "record_maintenance",
                workshop_id="W-BK-01",
                work="SERVICING",
                odometer=h.drive_to(on, start, per_day),
                cost=_amount(rng.randrange(200, 500)),
                approval_number=f"AP-{i}-{month}",
            )
        if end == "km_cap" and h.odometer > cap:
            break
    last = month_add(start, stop)
    ending(h, end, start, last, contractual_end, per_day)
    kept = [s for s in h.steps if date.fromisoformat(s["on"]) <= BOOK_DATE]
    if len(kept) < len(h.steps):  # its end is after the book's date: running on it
        end = "running"
        h.steps = [*kept, {"on": BOOK_DATE.isoformat(), "do": "advance"}]
    document = {
        "scenario_version": 1,
        "contract": contract,
        "policy": {
            "auto_dissolve_grounds": [],
            "auto_suspend_grounds": [],
            "early_termination_fee_rate": "0.50",
        },
        "steps": sorted(h.steps, key=lambda s: str(s["on"])),
    }
    return Drawn(contract["contract_number"], end, document)


def draw_payment(h: History, first: date, instalment: str, owed_late: bool) -> None:
    """The instalment of the period beginning `first`: on time, late, or missed."""
    roll = h.rng.random()
    if owed_late:
        h.add(first, "receive_payment", amount=instalment)  # the one missed before
    if roll < MISSED_SHARE and not owed_late:
        h.add(first + timedelta(days=20), "send_formal_notice", kind="INSTALMENT_ARREARS")
        return
    late = h.rng.randrange(3, 21) if roll < MISSED_SHARE + LATE_SHARE else 0
    h.add(first + timedelta(days=late), "receive_payment", amount=instalment)


def ending(
    h: History, end: str, start: date, last: date, contractual_end: date, per_day: float
) -> None:
    """The steps that end the contract as drawn (none for a running one)."""
    rng = h.rng
    on = last + timedelta(days=rng.randrange(2, 20))
    if end in ("term_expiry", "km_cap"):
        back = (contractual_end if end == "term_expiry" else on) + timedelta(days=1)
        h.add(
            back,
            "return_vehicle",
            odometer=h.drive_to(back, start, per_day),
            damages=[],
            missing_items=[],
        )
    elif end == "early_termination":
        h.add(on, "request_early_termination")
        back = on + timedelta(days=rng.randrange(20, 60))
        damages = [{"item": "door panel", "amount": "750.00"}] if rng.random() < 0.3 else []
        h.add(
            back,
            "return_vehicle",
            odometer=h.drive_to(back, start, per_day),
            damages=damages,
            missing_items=[],
        )
    elif end == "theft":
        h.add(on, "report_theft", theft_on=(on - timedelta(days=1)).isoformat())
        h.add(on + timedelta(days=40), "advance")
    elif end == "total_loss":
        h.add(
            on,
            "report_incident",
            kind="COLLISION",
            incident_on=on.isoformat(),
            repair_cost="18000.00",
        )
        h.add(on + timedelta(days=15), "declare_total_loss", event_on=on.isoformat())
    elif end == "dissolution":
        h.add(on, "record_ground", ground="18.3(xiv)", rationale="forged income documents")
        h.add(on + timedelta(days=8), "estimate_market_value", amount="30000.00")
        h.add(on + timedelta(days=10), "dissolve")
        back = on + timedelta(days=11)
        h.add(
            back,
            "return_vehicle",
            odometer=h.drive_to(back, start, per_day),
            damages=[],
            missing_items=[],
        )
        sold = on + timedelta(days=rng.randrange(30, 90))
        h.add(
            sold,
            "record_vehicle_sale",
            sold_on=sold.isoformat(),
            gross_price="29500.00",
            net_proceeds="28000.00",
        )
    elif end == "death":
        h.add(on, "record_death", died_on=(on - timedelta(days=5)).isoformat())
        h.add(on + timedelta(days=9), "terminate_on_death", by="LESSOR")
        back = on + timedelta(days=25)
        h.add(
            back,
            "return_vehicle",
            odometer=h.drive_to(back, start, per_day),
            damages=[],
            missing_items=[],
        )


def live(app: ContractsApplication, drawn: Drawn, out: Lived) -> None:
    """Walk the document as `lease simulate` does, refusals counted; then settle and close."""
    try:
        scenario = parse_scenario(drawn.document)
    except ScenarioError:
        out.invalid += 1
        return
    run = Run(scenario, app, scenario.steps[0].on)
    concluded = False
    for day, steps in busy_days(scenario.steps):
        run.clock = day
        if concluded:
            day_work(run)
        for step in steps:
            out.steps += 1
            try:
                perform(run, step)
            except StepRefusedError:
                out.refused += 1
                out.refusals[step.do] += 1
            concluded = concluded or (step.do == "conclude" and app.exists(drawn.number))
            if concluded:
                day_work(run)
    out.contracts += 1
    out.ends[drawn.end] += 1
    if drawn.end != "running" and settle_and_close(app, drawn.number, run.clock, out):
        out.closed += 1


def day_work(run: Run) -> None:
    """The simulator's daily run (rules, billing, rules) on a contract known to exist
    (`infra.simulate.in_process.daily` asks first, and that costs a deep copy each day)."""
    react(run)
    run.app.execute(run.number, Bill(), billing_ctx(run))
    react(run)


def busy_days(steps: tuple[Step, ...]) -> list[tuple[date, list[Step]]]:
    """The days the walk stops on, each with its steps: every step's day and the first of
    every month in between (billing periods begin on the first: handovers are on a first).
    A deadline of the rules (a theft's recovery window, an arrears ground) is seen on the
    next of these days rather than on its own day (`lease simulate` walks every day; this
    walk is some 20 times cheaper and records the same kinds of events)."""
    by_day: dict[date, list[Step]] = {}
    for step in steps:
        by_day.setdefault(step.on, []).append(step)
    first, last = steps[0].on, steps[-1].on
    month = date(first.year, first.month, 1)
    while month <= last:
        by_day.setdefault(month, [])
        month = month_add(month, 1)
    return sorted(by_day.items())


def settle_and_close(app: ContractsApplication, number: str, day: date, out: Lived) -> bool:
    """Pay what is open, refund credits, close a week later; whether it closed."""
    ctx = Ctx(day, "INTEGRATION:bank", f"book:settle:{number}")

    def settle(contract: Contract) -> None:
        owed = contract.open_debits()
        if owed.is_positive:
            execute(contract, ReceivePayment(amount=owed.rounded()), ctx)
        credit = contract.open_credits()
        if credit.is_positive:
            execute(contract, PayRefund(amount=credit.rounded()), replace(ctx, actor="LESSOR_USER"))

    try:
        app.decide(number, settle)
        app.decide(number, settle)  # the late interest the first payment accrued
        close_on = day + timedelta(days=7)
        app.execute(number, CloseContract(), Ctx(close_on, "LESSOR_USER", f"book:close:{number}"))
    except ContractError:
        out.refused += 1
        out.refusals["settle_or_close"] += 1
        return False
    return True


def generate(app: ContractsApplication, first: int, count: int, seed: int) -> Lived:
    """Contracts first .. first+count-1 of the book lived into `app` (seeded per contract,
    so a slice is the same whichever process generates it)."""
    out = Lived()
    for i in range(first, first + count):
        live(app, draw(i, random.Random(seed * 1_000_003 + i)), out)
    return out
