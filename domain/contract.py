"""The Contract aggregate: one private-lease contract, its lifecycle and its receivables.

Commands decide first (guards and pure rules, with the business date passed in a `Ctx`),
then trigger events whose bodies only assign (domain/events.py). The deciding code for each
part of the lifecycle lives in its own module; the methods here are the command surface.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain import (
    adjustments,
    billing,
    cover,
    formation,
    grounds,
    incidents,
    reporting,
    services,
    settlement,
    termination,
)
from domain.events import ContractConcluded, ContractEvent
from domain.money import Money, total
from domain.money_rules import OpenItem
from domain.values import Bucket, ContractStatus

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date
    from decimal import Decimal

    from domain.adjustments import Adjustment
    from domain.policy import LessorPolicy
    from domain.state import Dissolution, Ground, Notice, Receivable, Theft
    from domain.terms import ContractTerms
    from domain.values import EndKind

CONTRACT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:contract")


@dataclass(frozen=True)
class Ctx:
    """Who does what on which business date, and why (the event envelope's inputs)."""

    on: date
    actor: str
    causation_id: str

    def at(self, on: date) -> Ctx:
        """The same context on another business date (timers that ran out earlier)."""
        return replace(self, on=on)


class Contract(Aggregate):
    """A private-lease contract (G-01): lifecycle of RULES 3 and receivables (M-09)."""

    if TYPE_CHECKING:  # state attributes; runtime annotations would make it a dataclass
        number: str
        customer_number: str
        terms: ContractTerms
        status: ContractStatus
        end_kind: EndKind | None
        concluded_on: date
        start_date: date | None
        contractual_end_date: date | None
        effective_end_date: date | None
        return_due_date: date | None
        returned_on: date | None
        odometer_at_handover: int | None
        last_odometer: int | None
        last_odometer_on: date | None
        insurance_proof_accepted: bool
        ready_notified_on: date | None
        collection_deadline: date | None
        insurance_proof_deadline: date | None
        expired_deadlines: list[str]
        refused_on: date | None
        refusal_founded: bool | None
        theft: Theft | None
        total_loss_on: date | None
        death_on: date | None
        market_value: Money | None
        dissolution: Dissolution | None
        grounds: dict[str, Ground]
        notices: dict[str, Notice]
        receivables: dict[str, Receivable]
        invoiced_periods: list[date]
        credit_balance: Money
        payments_received: int
        incidents: int
        adjustments: int
        refunds_paid: int
        withdrawal_intent_on: date | None
        handover_suspended_on: date | None
        reporting_breaches: list[str]
        lapsed_guarantees: list[str]
        insurance_lapses: dict[str, dict[str, Any]]
        stopped_services: list[str]
        odometer_requests: dict[str, dict[str, Any]]
        reports_made: int

    class_version = 5
    """v2 added `reporting_breaches` (D-01/D-02), v3 `lapsed_guarantees` and
    `insurance_lapses` (T-18.3-vii/x), v4 `stopped_services` (T-18.10), v5
    `odometer_requests` and `reports_made` (D-03, D-04, D-06, D-24); older snapshots are
    upcast when loaded."""

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["reporting_breaches"] = []

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["lapsed_guarantees"] = []
        state["insurance_lapses"] = {}

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state["stopped_services"] = []

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        state["odometer_requests"] = {}
        state["reports_made"] = 0

    @staticmethod
    def create_id(contract_number: str) -> UUID:
        """Deterministic id, so a repeated command maps to the same aggregate (DESIGN 4)."""
        return uuid5(CONTRACT_NAMESPACE, contract_number)

    @classmethod
    def conclude(cls, terms: ContractTerms, ctx: Ctx) -> Contract:
        """L-01: form the contract from validated terms (P-49..P-53)."""
        terms.validate()
        return cls._create(
            ContractConcluded,
            id=cls.create_id(terms.contract_number),
            terms=terms,
            occurred_on=ctx.on,
            actor=ctx.actor,
            rule_ids=["L-01", "P-49", "P-50", "P-51", "P-52", "P-53"],
            causation_id=ctx.causation_id,
        )

    def initialise(self, terms: ContractTerms, on: date) -> None:
        """State right after ContractConcluded (called by the event body only)."""
        self.number, self.customer_number, self.terms = (
            terms.contract_number,
            terms.customer_number,
            terms,
        )
        self.status, self.end_kind, self.concluded_on = ContractStatus.CONCLUDED, None, on
        self.start_date = self.contractual_end_date = self.effective_end_date = None
        self.return_due_date = self.returned_on = self.last_odometer_on = None
        self.odometer_at_handover = self.last_odometer = None
        self.insurance_proof_accepted = False
        self.ready_notified_on = self.collection_deadline = self.insurance_proof_deadline = None
        self.refused_on, self.refusal_founded, self.theft = None, None, None
        self.total_loss_on = self.death_on = None
        self.market_value, self.dissolution = None, None
        self.expired_deadlines, self.invoiced_periods = [], []
        self.grounds, self.notices, self.receivables = {}, {}, {}
        self.credit_balance = Money.zero()
        self.payments_received = self.incidents = self.adjustments = self.refunds_paid = 0
        self.withdrawal_intent_on = self.handover_suspended_on = None
        self.reporting_breaches, self.lapsed_guarantees = [], []
        self.insurance_lapses, self.stopped_services = {}, []
        self.odometer_requests, self.reports_made = {}, 0

    # --- plumbing used by the deciding modules ------------------------------------------

    def emit(
        self, event_class: type[ContractEvent], ctx: Ctx, rule_ids: Iterable[str], **fields: Any
    ) -> None:
        """Trigger an event with the envelope of `ctx` (business date, actor, causation)."""
        self.trigger_event(
            event_class,
            occurred_on=ctx.on,
            actor=ctx.actor,
            rule_ids=list(rule_ids),
            causation_id=ctx.causation_id,
            **fields,
        )

    def issue(
        self, event_class: type[ContractEvent], ctx: Ctx, rule_ids: Iterable[str], **fields: Any
    ) -> None:
        """Emit an event that issues a document, under the contract's next receivable id."""
        self.emit(event_class, ctx, rule_ids, receivable_id=self.next_receivable_id(), **fields)

    def next_receivable_id(self) -> str:
        return f"R{len(self.receivables) + 1:04d}"

    def add_receivable(self, item: Receivable) -> None:
        self.receivables[item.receivable_id] = item

    def add_credit(self, credit: Receivable) -> None:
        """A credit note first reduces what is open on the document it relates to."""
        self.receivables[credit.receivable_id] = credit
        target = self.receivables.get(credit.relates_to or "")
        if target is not None and not target.is_credit and target.open.is_positive:
            taken = min(target.open.amount, credit.open.amount)
            target.open = Money(target.open.amount - taken)
            credit.open = Money(credit.open.amount - taken)

    # --- queries ------------------------------------------------------------------------

    def open_items(self) -> list[OpenItem]:
        """Open debit documents for the M-09 allocation, in issue order."""
        return [
            OpenItem(item.receivable_id, Bucket(item.bucket), item.due_on, item.open, seq)
            for seq, item in enumerate(self.receivables.values())
            if not item.is_credit and item.open.is_positive
        ]

    def open_debits(self) -> Money:
        return total([i.open for i in self.receivables.values() if not i.is_credit])

    def open_credits(self) -> Money:
        owed = [i.open for i in self.receivables.values() if i.is_credit]
        return total(owed) + self.credit_balance

    def overdue(self, on: date) -> Money:
        """Open debit amounts whose due date has passed (L-34)."""
        items = self.receivables.values()
        return total([i.open for i in items if not i.is_credit and i.due_on < on])

    def open_grounds(self, prefix: str = "18.3") -> list[Ground]:
        return [
            g for g in self.grounds.values() if g.status == "OPEN" and g.ground.startswith(prefix)
        ]

    @property
    def vehicle_with_customer(self) -> bool:
        return self.start_date is not None and self.returned_on is None

    # --- commands: formation and handover (RULES 3.2 L-01..L-09) --------------------------

    def change_vehicle_specification(
        self, ctx: Ctx, instalment: Money, invested_capital: Money, special_conditions_id: str
    ) -> None:
        formation.change_vehicle_specification(
            self, ctx, instalment, invested_capital, special_conditions_id
        )

    def record_withdrawal_intent(self, ctx: Ctx, channel: str) -> None:
        formation.record_withdrawal_intent(self, ctx, channel)

    def issue_contract_adjustment(self, ctx: Ctx, change: Adjustment) -> None:
        adjustments.issue_contract_adjustment(self, ctx, change)

    def order_vehicle(self, ctx: Ctx) -> None:
        formation.order_vehicle(self, ctx)

    def notify_vehicle_ready(self, ctx: Ctx) -> None:
        formation.notify_vehicle_ready(self, ctx)

    def accept_insurance_proof(self, ctx: Ctx) -> None:
        formation.accept_insurance_proof(self, ctx)

    def suspend_handover(self, ctx: Ctx, ground: str) -> None:
        formation.suspend_handover(self, ctx, ground)

    def lift_handover_suspension(self, ctx: Ctx) -> None:
        formation.lift_handover_suspension(self, ctx)

    def hand_over(self, ctx: Ctx, odometer: int) -> None:
        formation.hand_over(self, ctx, odometer)

    def refuse_handover(self, ctx: Ctx, *, founded: bool, reason: str = "") -> None:
        formation.refuse_handover(self, ctx, founded=founded, reason=reason)

    # --- commands: billing, payments, dunning (M-02..M-09, D-10) ------------------------

    def invoice_period(self, ctx: Ctx, period_start: date) -> None:
        billing.invoice_period(self, ctx, period_start)

    def receive_payment(self, ctx: Ctx, amount: Money, payment_id: str | None = None) -> None:
        billing.receive_payment(self, ctx, amount, payment_id)

    def pay_refund(self, ctx: Ctx, amount: Money, reason: str = "CREDIT_BALANCE") -> None:
        billing.pay_refund(self, ctx, amount, reason)

    def send_formal_notice(self, ctx: Ctx, kind: str, *, registered: bool = True) -> None:
        billing.send_formal_notice(self, ctx, kind, registered=registered)

    # --- commands: usage and incidents ---------------------------------------------------

    def report_odometer(self, ctx: Ctx, reading: int, source: str = "CUSTOMER") -> None:
        incidents.report_odometer(self, ctx, reading, source)

    def report_incident(self, ctx: Ctx, kind: str, incident_on: date, repair_cost: Money) -> None:
        incidents.report_incident(self, ctx, kind, incident_on, repair_cost)

    def report_theft(self, ctx: Ctx, theft_on: date) -> None:
        incidents.report_theft(self, ctx, theft_on)

    def recover_vehicle(self, ctx: Ctx, recovered_on: date) -> None:
        incidents.recover_vehicle(self, ctx, recovered_on)

    def declare_total_loss(self, ctx: Ctx, event_on: date) -> None:
        incidents.declare_total_loss(self, ctx, event_on)

    # --- commands: Article 18 ------------------------------------------------------------

    def record_guarantee_lapsed(
        self, ctx: Ctx, guarantee_id: str, reason: str, remaining: Money
    ) -> None:
        cover.record_guarantee_lapsed(self, ctx, guarantee_id, reason, remaining)

    def notify_insurance_lapse(
        self, ctx: Ctx, policy_type: str, lapse_type: str, notified_by: str
    ) -> None:
        cover.notify_insurance_lapse(self, ctx, policy_type, lapse_type, notified_by)

    def provide_replacement_insurance(self, ctx: Ctx, provided_by: str) -> None:
        cover.provide_replacement_insurance(self, ctx, provided_by)

    def report_third_party_claim(self, ctx: Ctx, kind: str, happened_on: date) -> None:
        reporting.report_third_party_claim(self, ctx, kind, happened_on)

    def report_fuel_card_lost(self, ctx: Ctx, happened_on: date) -> None:
        reporting.report_fuel_card_lost(self, ctx, happened_on)

    def report_insurance_change(self, ctx: Ctx, change_type: str, changed_on: date) -> None:
        reporting.report_insurance_change(self, ctx, change_type, changed_on)

    def request_odometer_reading(self, ctx: Ctx) -> None:
        reporting.request_odometer_reading(self, ctx)

    def stop_ancillary_service(self, ctx: Ctx, service: str) -> None:
        services.stop_ancillary_service(self, ctx, service)

    def note_customer_grounds(self, ctx: Ctx, elsewhere: Mapping[str, bool]) -> None:
        grounds.note_customer_grounds(self, ctx, elsewhere)

    def record_ground(self, ctx: Ctx, ground: str, rationale: str) -> None:
        grounds.record_ground(self, ctx, ground, rationale)

    def suspend(self, ctx: Ctx, ground_names: list[str] | None = None) -> None:
        termination.suspend(self, ctx, ground_names)

    def lift_suspension(self, ctx: Ctx) -> None:
        termination.lift_suspension(self, ctx)

    def estimate_market_value(self, ctx: Ctx, amount: Money) -> None:
        termination.estimate_market_value(self, ctx, amount)

    def dissolve(
        self, ctx: Ctx, ground_names: list[str] | None = None, notified_on: date | None = None
    ) -> None:
        termination.dissolve(self, ctx, ground_names, notified_on)

    def record_vehicle_sale(self, ctx: Ctx, sold_on: date, gross: Money, net: Money) -> None:
        termination.record_vehicle_sale(self, ctx, sold_on, gross, net)

    def request_early_termination(self, ctx: Ctx) -> None:
        termination.request_early_termination(self, ctx)

    def record_death(self, ctx: Ctx, died_on: date) -> None:
        termination.record_death(self, ctx, died_on)

    def terminate_on_death(self, ctx: Ctx, by: str) -> None:
        termination.terminate_on_death(self, ctx, by)

    def dissolve_against_lessor(self, ctx: Ctx, ground: str) -> None:
        termination.dissolve_against_lessor(self, ctx, ground)

    # --- commands: return, settlement, closure -------------------------------------------

    def return_vehicle(
        self,
        ctx: Ctx,
        odometer: int,
        damages: list[tuple[str, Money]],
        missing_items: list[tuple[str, Money]],
        fee_rate: Decimal,
    ) -> None:
        settlement.return_vehicle(self, ctx, odometer, damages, missing_items, fee_rate)

    def repossess(
        self,
        ctx: Ctx,
        odometer: int,
        costs: Money,
        damages: list[tuple[str, Money]],
        missing: list[tuple[str, Money]],
    ) -> None:
        settlement.repossess(self, ctx, odometer, costs, damages, missing)

    def close(self, ctx: Ctx) -> None:
        settlement.close(self, ctx)

    # --- the daily run: what the rules engine and the scheduler do each business day -------

    def apply_article_18(self, ctx: Ctx, policy: LessorPolicy) -> None:
        """The termination consumer's decision (RULES 6, K-02..K-05) on `ctx.on`.

        Ends by law (18.1, 4.4), expired timers (section 5), grounds detected and cleared,
        then the Lessor's policy on them. State-based, so applying it again changes nothing.
        """
        termination.apply_ends_by_law(self, ctx)
        formation.process_deadlines(self, ctx)
        cover.process_replacement_deadlines(self, ctx)
        reporting.process_odometer_requests(self, ctx)
        billing.process_notice_deadlines(self, ctx)
        grounds.detect_grounds(self, ctx)
        termination.apply_policy(self, ctx, policy)
        services.stop_linked_services(self, ctx)

    def bill(self, ctx: Ctx) -> None:
        """The scheduler's billing (M-02..M-04, DESIGN 5), then set-off of open credits."""
        billing.run_billing(self, ctx)
        billing.set_off_credits(self, ctx)

    def run_daily(self, ctx: Ctx, policy: LessorPolicy) -> None:
        """One business day in one process: Article 18 rules, then billing."""
        self.apply_article_18(ctx, policy)
        self.bill(ctx)
