"""One source of state: every read model agrees with the Contract aggregate (RULES 3.1, M-09, L-34).

Random histories of REF (payments, odometer readings, formal notices, suspensions, thefts and
recoveries, dissolutions, daily runs over random spans) are stored step by step; after each
step the in-memory read models catch up and must show the aggregate's status and end, each
document's open amount, what is overdue and the balance. The views derive these from the
events through the domain's own rules (`ContractEvent.standing`, domain/contract/ledger.py),
so a view that re-implemented them differently would fail here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.contract.billing import ReceivePayment, SendFormalNotice
from domain.contract.dissolution import Dissolve, LiftSuspension, Suspend
from domain.contract.incidents import RecoverVehicle, ReportOdometer, ReportTheft
from domain.contract.registry import execute
from domain.errors import ContractError
from domain.money import Money, total
from domain.policy import LessorPolicy
from projections.registry import all_specs, build_group
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_daily

if TYPE_CHECKING:
    from domain.contract import Contract
    from domain.contract.command import Command
    from projections.engine.runner import ProjectionGroup

IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
POLICY = LessorPolicy()
ONE_DAY = timedelta(days=1)

Step = tuple[str, int]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.integers(min_value=1, max_value=200_000)),
        st.tuples(st.just("odometer"), st.integers(min_value=0, max_value=60_000)),
        st.tuples(st.just("run"), st.integers(min_value=1, max_value=120)),
        st.tuples(
            st.sampled_from(["notice", "suspend", "lift", "theft", "recover", "dissolve"]),
            st.just(0),
        ),
    ),
    min_size=2,
    max_size=25,
)


@dataclass
class History:
    """The live contract, its business date, and the views following its stored events."""

    contract: Contract
    today: date
    app: ContractsApplication
    group: ProjectionGroup
    views: dict[str, Any]

    def command(self, step: Step) -> Command | None:
        kind, value = step
        if kind == "pay":
            return ReceivePayment(amount=Money(Decimal(value).scaleb(-2)))
        if kind == "odometer":
            return ReportOdometer(odometer=(self.contract.last_odometer or 0) + value)
        return {
            "notice": SendFormalNotice(kind="INSTALMENT_ARREARS"),
            "suspend": Suspend(),
            "lift": LiftSuspension(),
            "theft": ReportTheft(theft_on=self.today),
            "recover": RecoverVehicle(recovered_on=self.today),
            "dissolve": Dissolve(),
        }.get(kind)

    def apply(self, step: Step) -> None:
        """One generated step; a command the rules refuse records nothing and is skipped."""
        command = self.command(step)
        if command is None:
            for _ in range(step[1]):
                self.today += ONE_DAY
                run_daily(self.contract, ctx(self.today, actor="SYSTEM:scheduler"), POLICY)
        else:
            try:
                execute(self.contract, command, ctx(self.today))
            except ContractError:
                return
        self.app.save(self.contract)
        self.group.catch_up()


def started(*, seed_steps: list[Step]) -> History:
    contract = handed_over_ref_contract()
    app = ContractsApplication(env=IN_MEMORY)
    specs = all_specs()
    group = build_group(app, specs)
    views = {spec.name: p.view for spec, p in zip(specs, group.projections, strict=True)}
    history = History(contract, REF_START, app, group, views)
    for step in seed_steps:
        history.apply(step)
    return history


def assert_views_equal_the_aggregate(h: History) -> None:
    c, on = h.contract, h.today
    standing = {
        "status": c.status.value,
        "end_kind": c.end_kind.value if c.end_kind else None,
        "effective_end_date": c.effective_end_date,
    }
    open_by_id = {r.receivable_id: r.open.amount for r in c.receivables.values()}
    overdue, balance = c.overdue(on), c.open_debits() - c.open_credits()

    documents = h.views["invoices"].documents(c.id)
    assert {d["receivable_id"]: d["open"] for d in documents} == open_by_id

    ledger = h.views["ledger"]
    assert {i["receivable_id"]: i["open"] for i in ledger.items(c.id)} == open_by_id
    assert ledger.arrears(c.id, on).overdue == overdue
    assert ledger.balance(c.id) == balance

    overview = h.views["portal"].overview(c.id, on)
    assert {k: overview[k] for k in standing} == standing
    overdue_items = [i["open"] for i in overview["open_items"] if i["overdue"]]
    assert Money(sum(overdue_items, Decimal(0))) == overdue

    [exposure] = h.views["exposure"].customer(c.customer_number, on)["contracts"]
    assert (exposure["status"], exposure["end_kind"]) == (standing["status"], standing["end_kind"])
    assert Money(exposure["overdue_amount"]) == overdue
    assert Money(exposure["open_amount"]) == total(
        [r.open for r in c.receivables.values() if not r.is_credit]
    )


@settings(max_examples=40, deadline=None)
@given(steps=steps)
def test_views_show_the_aggregates_status_open_and_overdue_after_every_step(
    steps: list[Step],
) -> None:
    history = started(seed_steps=[("run", 1)])
    assert_views_equal_the_aggregate(history)
    for step in steps:
        history.apply(step)
        assert_views_equal_the_aggregate(history)


def test_a_theft_and_its_recovery_move_the_views_as_the_aggregate() -> None:
    # RULES 3.1, L-14/L-15: THEFT_PENDING, then back to the status before the theft.
    history = started(seed_steps=[("run", 40), ("theft", 0)])
    assert history.contract.status.value == "THEFT_PENDING"
    assert_views_equal_the_aggregate(history)
    history.apply(("run", 3))
    history.apply(("recover", 0))
    assert history.contract.status.value == "ACTIVE"
    assert_views_equal_the_aggregate(history)
