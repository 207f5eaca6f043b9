"""The Contract aggregate: one private-lease contract, its state and its receivables.

The aggregate holds state and the plumbing to record events; it has no command methods.
Each area of the lifecycle is a module of this package that owns its commands (frozen
dataclasses), their handlers, its named rule checks and its events (`*_events.py`):
formation, adjustments, billing, incidents, reporting, cover, services, grounds,
termination, dissolution, settlement and the daily run. `registry.py` maps every command to
its handler; `execute` there is the one way a command reaches a contract. Handlers decide
first (guards and pure rules, with the business date passed in a `Ctx`), then trigger
events whose bodies only assign.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.calendar import month_index
from domain.contract.base_events import ContractConcluded, ContractEvent, event_maker
from domain.contract.formation_events import warn_defaulted_km_cap
from domain.contract.ledger import OpenChange, is_overdue, netting
from domain.contract.standing import Standing
from domain.contract.state import FuelAccount
from domain.contract.upcasts import SnapshotUpcasts
from domain.money import Money, total
from domain.money_rules import OpenItem
from domain.policy import STANDARD_POLICY, LessorPolicy
from domain.values import ContractStatus, GroundStatus

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from domain.contract.state import (
        Dissolution,
        Ground,
        Guarantee,
        LessorNotice,
        Levy,
        Notice,
        Receivable,
        Theft,
    )
    from domain.terms import ContractTerms
    from domain.values import EndKind

CONTRACT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:lease-lifecycle:contract")
ID_CACHE = 65_536
"""Contract numbers whose id `Contract.create_id` remembers (a few MiB at most)."""


@dataclass(frozen=True)
class Ctx:
    """Who does what on which business date, and why (the event envelope's inputs), under
    the Lessor's policy in force (K-02, P-42).

    K-04: `on` is the business date of the command, and the rules compare it with the facts'
    own dates (`happened_on`, `event_on`...), never with the time it is processed.
    """

    on: date
    actor: str
    causation_id: str
    policy: LessorPolicy = STANDARD_POLICY

    def at(self, on: date) -> Ctx:
        """The same context on another business date (timers that ran out earlier)."""
        return replace(self, on=on)


class Contract(SnapshotUpcasts, Aggregate):
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
        km_cap_reading: int | None
        km_cap_reading_on: date | None
        km_cap_noted: bool
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
        lessor_notices: dict[str, LessorNotice]
        lessor_facts: dict[str, date]
        loss_incident_id: str | None
        protection_ends_on: date | None
        loss_settled: bool
        protection_refusals: dict[str, str]
        levies: dict[str, Levy]
        guarantees: dict[str, Guarantee]
        damage_claims: dict[str, dict[str, Any]]
        immobilisations: dict[str, dict[str, Any]]
        replacements: dict[str, dict[str, Any]]
        replacement_km: int
        winter_seasons: dict[str, dict[str, int]]
        fuel: FuelAccount

        compensation_shares: list[dict[str, Any]]
        terms_amendment: dict[str, Any] | None
        repairs_due: dict[str, str]
        service_suppliers: dict[str, str]
        missed_repairs: list[str]
        lessor_insurance_ended_on: date | None
        _open: dict[str, Receivable]
        _invoiced_months: set[int]

    __slots__ = ("_invoiced_months", "_open")  # indexes of the state: snapshots hold `vars()`

    class_version = 18
    """The snapshot state's version; what each version added, and how older snapshots are
    upcast when loaded, is in domain/contract/upcasts.py."""

    @staticmethod
    @lru_cache(maxsize=ID_CACHE)
    def create_id(contract_number: str) -> UUID:
        """Deterministic id, so a repeated command maps to the same aggregate (DESIGN 4).
        Remembered for recent numbers: a uuid5 is a SHA-1, a noticeable part of a query."""
        return uuid5(CONTRACT_NAMESPACE, contract_number)

    @classmethod
    def conclude(cls, terms: ContractTerms, ctx: Ctx) -> Contract:
        """L-01: form the contract from validated terms (P-49..P-53)."""
        terms.validate()
        contract = cls._create(
            ContractConcluded,
            id=cls.create_id(terms.contract_number),
            terms=terms,
            occurred_on=ctx.on,
            actor=ctx.actor,
            rule_ids=["L-01", "P-49", "P-50", "P-51", "P-52", "P-53"],
            causation_id=ctx.causation_id,
        )
        warn_defaulted_km_cap(contract, ctx)
        return contract

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
        self.km_cap_reading = self.km_cap_reading_on = None
        self.km_cap_noted = False
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
        self.lessor_notices, self.lessor_facts = {}, {}
        self.loss_incident_id, self.protection_ends_on, self.loss_settled = None, None, False
        self.protection_refusals, self.levies, self.guarantees = {}, {}, {}
        self.damage_claims = {}
        self.immobilisations, self.replacements, self.winter_seasons = {}, {}, {}
        self.replacement_km = 0
        self.fuel = FuelAccount()
        self.compensation_shares, self.service_suppliers = [], {}
        self.terms_amendment, self.repairs_due, self.missed_repairs = None, {}, []
        self.lessor_insurance_ended_on = None

    # --- plumbing used by the deciding modules ------------------------------------------

    def emit(
        self, event_class: type[ContractEvent], ctx: Ctx, rule_ids: Iterable[str], **fields: Any
    ) -> None:
        """Trigger an event with the envelope of `ctx` (business date, actor, causation).

        What the library's `trigger_event` does (the next version, a timestamp, mutate,
        pending), built in one call: its copying of the arguments and its per-call topic
        check (contract events register their topics when defined) were a third of it. The
        event is made by its class's `event_maker`, as calling the class would make it."""
        event = event_maker(event_class)(
            originator_id=self.id,
            originator_version=self.version + 1,
            timestamp=event_class.create_timestamp(),
            occurred_on=ctx.on,
            actor=ctx.actor,
            rule_ids=list(rule_ids),
            causation_id=ctx.causation_id,
            **fields,
        )
        event.mutate(self)
        self.pending_events.append(event)

    def issue(
        self, event_class: type[ContractEvent], ctx: Ctx, rule_ids: Iterable[str], **fields: Any
    ) -> None:
        """Emit an event that issues a document, under the contract's next receivable id."""
        self.emit(event_class, ctx, rule_ids, receivable_id=self.next_receivable_id(), **fields)

    def next_receivable_id(self) -> str:
        return f"R{len(self.receivables) + 1:04d}"

    def add_receivable(self, item: Receivable) -> None:
        self.receivables[item.receivable_id] = item
        self._track(item)

    def add_credit(self, credit: Receivable) -> None:
        """A credit note first reduces what is open on the document it relates to."""
        self.receivables[credit.receivable_id] = credit
        target = self.receivables.get(credit.relates_to or "")
        if target is not None and not target.is_credit:
            taken = netting(credit.open, target.open)
            target.open = target.open - taken
            credit.open = credit.open - taken
            self._track(target)
        self._track(credit)

    def settle(self, change: OpenChange) -> None:
        """Take a payment's, set-off's or refund's amounts off the documents it names."""
        for receivable_id, amount in change.reductions:
            item = self.receivables[receivable_id]
            item.open = item.open - amount
            self._track(item)
        self.credit_balance = self.credit_balance + change.balance

    def open_documents(self) -> dict[str, Receivable]:
        """The documents whose open amount is not zero, in issue order: what the ledger's
        queries look through (a five-year contract has sixty or more settled ones).

        Not state but an index of it: built from the receivables when first asked for
        after a load, then kept as events issue and reduce documents (`_track`)."""
        try:
            return self._open
        except AttributeError:
            items = self.receivables.items()
            self._open = {key: item for key, item in items if not item.open.is_zero}
            return self._open

    def _track(self, item: Receivable) -> None:
        """Keep `open_documents` (once built) in step with a document just issued or changed."""
        try:
            index = self._open
        except AttributeError:
            return  # built from the receivables when first asked for
        if item.open.is_zero:
            index.pop(item.receivable_id, None)
        elif item.receivable_id not in index:
            if next(reversed(self.receivables.values())) is item:
                index[item.receivable_id] = item  # the newest document: issue order kept
            else:  # an older one open again: rebuilt in issue order when next asked for
                del self._open

    def add_invoiced_period(self, period_start: date) -> None:
        """Record an invoiced period (InstalmentInvoiced), in `invoiced_months` too once built."""
        self.invoiced_periods.append(period_start)
        try:
            months = self._invoiced_months
        except AttributeError:
            return  # built from the periods when first asked for
        if period_start.day == 1:
            months.add(month_index(period_start))

    def invoiced_months(self) -> set[int]:
        """The invoiced periods that begin on a 1st (all of them, as billing makes them), by
        `month_index`: M-02's due periods are looked up here without making a date for
        every month of the term. An index like `open_documents`."""
        try:
            return self._invoiced_months
        except AttributeError:
            periods = self.invoiced_periods
            self._invoiced_months = {month_index(p) for p in periods if p.day == 1}
            return self._invoiced_months

    def standing(self) -> Standing:
        """Where the contract stands (status, theft, end), as events move it."""
        before_theft = self.theft.prior_status if self.theft is not None else None
        return Standing(
            self.status,
            before_theft,
            self.end_kind,
            self.effective_end_date,
            self.return_due_date,
        )

    def stand(self, standing: Standing) -> None:
        """Assign a new standing (called when an event is applied, never by a command)."""
        self.status, self.end_kind = standing.status, standing.end_kind
        self.effective_end_date = standing.effective_end_date
        self.return_due_date = standing.return_due_date

    # --- queries ------------------------------------------------------------------------

    def open_items(self) -> list[OpenItem]:
        """Open debit documents for the M-09 allocation, in issue order."""
        return [
            OpenItem(item.receivable_id, item.bucket, item.due_on, item.open, seq)
            for seq, item in enumerate(self.open_documents().values())
            if item.open.is_positive and not item.is_credit
        ]

    def open_debits(self) -> Money:
        """What is open on the debits. Settled ones add nothing, so only the open documents are
        summed; with every debit settled that is 0 (summing the settled ones gave 0.00)."""
        return total([i.open for i in self.open_documents().values() if not i.is_credit])

    def open_credits(self) -> Money:
        owed = [i.open for i in self.open_documents().values() if i.is_credit]
        return total(owed) + self.credit_balance

    def overdue(self, on: date) -> Money:
        """Open debit amounts whose due date has passed (L-34)."""
        items = self.open_documents().values()
        return total(
            [i.open for i in items if not i.is_credit and is_overdue(i.open, i.due_on, on)]
        )

    def open_grounds(self, prefix: str = "18.3") -> list[Ground]:
        return [
            g
            for g in self.grounds.values()
            if g.status is GroundStatus.OPEN and g.ground.startswith(prefix)
        ]

    def driven_km(self, odometer: int) -> int:
        """M-11, O-15: km since handover, with those driven in a replacement vehicle."""
        return odometer - (self.odometer_at_handover or 0) + self.replacement_km

    @property
    def vehicle_with_customer(self) -> bool:
        return self.start_date is not None and self.returned_on is None
