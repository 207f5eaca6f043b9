"""`lease simulate` in-process: live one contract through its scenario under a business clock.

Every day between steps, and after each step, the runner does what the pipeline does: the
termination rules (ApplyArticle18: ends by law, deadlines, grounds, policy) until
they record nothing new, the scheduler's billing, then the rules again on what billing
recorded. Everything goes through ContractsApplication, as production does.

Most days nothing is due. A `QuietDays` probe (a loaded copy of the contract, never saved)
decides the day's rules and billing first; when they record nothing the day is skipped, in
both modes, and the probe stays valid because nothing changed. Skipping changes no output:
a test compares it with the day-by-day walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from domain.application import ContractsApplication
from domain.contract import Ctx
from domain.contract.daily import ApplyArticle18, Bill
from domain.contract.registry import execute
from domain.errors import ContractError, ContractNotFoundError
from domain.money import Money
from domain.money_rules import remaining_capital
from infra.simulate.scenario import SCENARIO_VERSION, Scenario, Step
from projections.engine.runner import ProjectionGroup
from projections.views.invoices import InMemoryInvoicesView, InvoicesProjection

if TYPE_CHECKING:
    from uuid import UUID

    from domain.contract import Contract
    from domain.contract.base_events import ContractEvent
    from projections.engine.rows import Row

IN_MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
SCHEDULER = "SYSTEM:scheduler"
RULES_ENGINE = "SYSTEM:termination"
MAX_REACTIONS = 10
STEP_ACTORS = {
    "conclude": "CUSTOMER",
    "hand_over": "CUSTOMER",
    "report_odometer": "CUSTOMER",
    "report_incident": "CUSTOMER",
    "report_theft": "CUSTOMER",
    "request_early_termination": "CUSTOMER",
    "dissolve_against_lessor": "CUSTOMER",
    "send_lessor_default_notice": "CUSTOMER",
    "receive_payment": "INTEGRATION:bank",
    "recover_vehicle": "INTEGRATION:insurer",
    "declare_total_loss": "EXPERT",
    "record_insurer_payout": "INTEGRATION:insurer",
}


class StepRefusedError(Exception):
    """A step the contract refused without `expect_refusal` (exit 1 with this message)."""


@dataclass
class Run:
    """The state of one simulation: its application, clock and recorded refusals."""

    scenario: Scenario
    app: ContractsApplication
    clock: date
    refusals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def number(self) -> str:
        return self.scenario.terms.contract_number


class Pipeline(Protocol):
    """How a run's commands and daily work reach the contract: in-process or through Kafka."""

    def new_day(self, run: Run) -> None:
        """The clock moved to `run.clock`: the day's timers, rules and billing."""

    def perform(self, run: Run, step: Step) -> None:
        """Run one step (recording an expected refusal in `run.refusals`)."""

    def after_step(self, run: Run) -> None:
        """React to what the step recorded: rules, billing, rules."""

    def documents(self, run: Run, contract_id: UUID) -> list[dict[str, Any]]:
        """The contract's documents as the invoices projection numbers them."""


class InProcess:
    """Everything in this process, one call after the other (the reference answer)."""

    def new_day(self, run: Run) -> None:
        daily(run)

    def perform(self, run: Run, step: Step) -> None:
        perform(run, step)

    def after_step(self, run: Run) -> None:
        daily(run)

    def documents(self, run: Run, contract_id: UUID) -> list[dict[str, Any]]:
        return documents(run.app, contract_id)


def simulate(
    scenario: Scenario,
    app: ContractsApplication | None = None,
    pipeline: Pipeline | None = None,
    *,
    skip_quiet_days: bool = True,
) -> dict[str, Any]:
    """Run the scenario and return the SCENARIOS.md output document."""
    app = app or ContractsApplication(env=IN_MEMORY_ENV)
    pipeline = pipeline or InProcess()
    run = Run(scenario, app, scenario.steps[0].on)
    quiet = QuietDays(run) if skip_quiet_days else None
    for step in scenario.steps:
        while run.clock < step.on:
            run.clock += timedelta(days=1)
            if quiet is None or not quiet.today():
                pipeline.new_day(run)
        pipeline.perform(run, step)
        pipeline.after_step(run)
        if quiet is not None:
            quiet.forget()
    return report(run, pipeline)


@dataclass
class QuietDays:
    """Tells the days on which the daily run would record nothing, without running it.

    It decides the day's rules and billing on a loaded copy of the contract that is never
    saved. A quiet day leaves the copy as it was, so it serves the next day too; a busy day
    discards it (the real run then records the events, and the copy is loaded again).
    """

    run: Run
    contract: Contract | None = None

    def today(self) -> bool:
        """Whether the daily run on `run.clock` would record nothing."""
        if self.contract is None:
            try:
                self.contract = self.run.app.get(self.run.number)
            except ContractNotFoundError:
                return True  # no contract yet: the daily run has nothing to do
        try:
            execute(self.contract, ApplyArticle18(), rules_ctx(self.run))
            execute(self.contract, Bill(), billing_ctx(self.run))
        except ContractError:
            self.contract = None
            return False  # the real run meets the same refusal and reports it
        if self.contract.pending_events:
            self.contract = None
            return False
        return True

    def forget(self) -> None:
        """A step changed the contract: load it again before the next day."""
        self.contract = None


def rules_ctx(run: Run) -> Ctx:
    """The termination consumer's context on the run's day, under the scenario's policy."""
    return Ctx(run.clock, RULES_ENGINE, f"rules:{run.clock.isoformat()}", run.scenario.policy)


def billing_ctx(run: Run) -> Ctx:
    """The scheduler's billing context on the run's day."""
    return Ctx(run.clock, SCHEDULER, f"billing:{run.clock.isoformat()}")


def daily(run: Run) -> None:
    """The day's work in the order the pipeline does it: rules, billing, rules again."""
    if run.app.exists(run.number):
        react(run)
        run.app.execute(run.number, Bill(), billing_ctx(run))
        react(run)


def react(run: Run) -> None:
    """What the termination consumer does: apply Article 18 until it records nothing new.

    The consumer evaluates the rules after every event, its own included, so it stops
    only when an evaluation emits nothing; `MAX_REACTIONS` guards against a rule loop.
    """
    ctx = rules_ctx(run)
    for _ in range(MAX_REACTIONS):
        if run.app.execute(run.number, ApplyArticle18(), ctx).position is None:
            return
    msg = f"Article 18 rules still emitting after {MAX_REACTIONS} rounds on {run.clock}"
    raise RuntimeError(msg)


def perform(run: Run, step: Step) -> None:
    """Run one step; a refusal is recorded if expected, otherwise it stops the run."""
    actor = STEP_ACTORS.get(step.do, "LESSOR_USER")
    if step.do == "terminate_on_death" and step.args.get("by") == "HEIRS":
        actor = "HEIR"
    ctx = Ctx(step.on, actor, f"scenario:{run.number}:step:{step.index}", run.scenario.policy)
    try:
        _dispatch(run, step, ctx)
    except ContractError as refusal:
        if not step.expect_refusal:
            msg = f"step {step.index} {step.do} refused: {refusal.rule_id} {refusal.message}"
            raise StepRefusedError(msg) from None
        run.refusals.append(
            {
                "step": step.index,
                "do": step.do,
                "rule_id": refusal.rule_id,
                "message": refusal.message,
            }
        )
        return
    if step.expect_refusal:
        msg = f"step {step.index} {step.do} was expected to be refused but was accepted"
        raise StepRefusedError(msg)


def _dispatch(run: Run, step: Step, ctx: Ctx) -> None:
    if step.do == "advance":
        return
    if step.do == "conclude":
        run.app.conclude(run.scenario.terms, ctx)
        return
    command = step.command
    assert command is not None  # every other step is a registered command
    run.app.execute(run.number, command, ctx)


# --- output --------------------------------------------------------------------------------


def report(run: Run, pipeline: Pipeline) -> dict[str, Any]:
    """The SCENARIOS.md output: contract, documents, balance, grounds, refusals, events."""
    if not run.app.exists(run.number):
        contract_part: dict[str, Any] = {"contract_number": run.number, "status": None}
        return _document(run, contract_part, [], [], {"open": "0.00", "overdue": "0.00"}, [])
    c = run.app.get(run.number)
    events = list(run.app.events.get(c.id))
    balance = {
        "open": str(c.open_debits() - c.open_credits()),
        "overdue": str(c.overdue(run.clock)),
    }
    docs = pipeline.documents(run, c.id)
    return _document(run, contract_summary(c, run.clock), docs, grounds(c), balance, events)


def _document(
    run: Run,
    contract: dict[str, Any],
    docs: list[dict[str, Any]],
    grounds_: list[dict[str, Any]],
    balance: dict[str, str],
    events: list[Any],
) -> dict[str, Any]:
    return {
        "scenario_version": SCENARIO_VERSION,
        "clock": run.clock.isoformat(),
        "contract": contract,
        "documents": docs,
        "balance": balance,
        "grounds": grounds_,
        "refusals": run.refusals,
        "events": [event_line(e) for e in events],
    }


def contract_summary(c: Contract, clock: date) -> dict[str, Any]:
    """Status, dates and M-01 remaining capital on the clock's date (capped at the end)."""
    on = min(clock, c.effective_end_date) if c.effective_end_date else clock
    return {
        "contract_number": c.number,
        "status": c.status.value,
        "end_kind": c.end_kind.value if c.end_kind else None,
        "start_date": _iso(c.start_date),
        "contractual_end_date": _iso(c.contractual_end_date),
        "effective_end_date": _iso(c.effective_end_date),
        "remaining_capital": str(remaining_capital(c.terms.invested_capital, c.start_date, on)),
        "version": c.version,
    }


def documents(app: ContractsApplication, contract_id: UUID) -> list[dict[str, Any]]:
    """Invoices, debit and credit notes in issue order, as the invoices projection numbers them."""
    view = InMemoryInvoicesView()
    ProjectionGroup(app, [InvoicesProjection(view)]).catch_up()
    return [document_line(row) for row in view.documents(contract_id)]


def document_line(row: Row) -> dict[str, Any]:
    return {
        "number": row["number"],
        "kind": row["kind"],
        "category": row["category"],
        "issued_on": row["issued_on"].isoformat(),
        "due_on": row["due_on"].isoformat(),
        "period_start": _iso(row["period_start"]),
        "period_end": _iso(row["period_end"]),
        "amount": str(Money(row["amount"])),
        "open": str(Money(row["open"])),
        "rule_ids": list(row["rule_ids"]),
    }


def grounds(c: Contract) -> list[dict[str, Any]]:
    return [
        {"ground": g.ground, "detected_on": g.detected_on.isoformat(), "status": g.status.value}
        for g in c.grounds.values()
    ]


def event_line(event: ContractEvent) -> dict[str, Any]:
    """Type, business date and rule IDs (stable), plus the amount where the event has one."""
    line: dict[str, Any] = {
        "type": type(event).__name__,
        "occurred_on": event.occurred_on.isoformat(),
        "rule_ids": list(event.rule_ids),
    }
    amount = getattr(event, "amount", None)
    if amount is not None:
        line["amount"] = str(amount)
    return line


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
