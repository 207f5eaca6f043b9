"""What a numbered document says: its lines and the article behind each rule that produced it.

Lines are plain JSON (the `invoices.documents.lines` jsonb column): a description, the amount
as a decimal string rounded to cents (RULES 0.5), and the facts the amount was computed from
(dates as ISO strings, other numbers as decimal strings). A line that concerns another
document (interest on an invoice, a credit on an invoice) names it by its number.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from domain.contract.billing_events import (
    CollectionIndemnityCharged,
    CreditNoteIssued,
    DissolutionIndemnityInvoiced,
    EarlyTerminationFeeInvoiced,
    FlatDamageFeeCharged,
    InstalmentInvoiced,
    InsurancePremiumRecharged,
    KmSettlementInvoiced,
    LateInterestAccrued,
    LateReturnCompensationCharged,
    MissingItemsCharged,
    PaperSurchargeCharged,
    ReceivableIssued,
    RegisteredLetterFeeCharged,
    RegistrationCostsCharged,
    ReturnDamageCharged,
    RunningCostCharged,
    TotalLossShortfallCharged,
)
from domain.contract.damage_events import DamageShortfallCharged
from domain.contract.fuel_events import (
    FuelCardReplacementCharged,
    FuelProvisionInvoiced,
    FuelSettlementInvoiced,
)
from domain.contract.levy_events import LevyProcessingFeeCharged, LevyRecharged
from domain.contract.replacement_events import ReplacementVehicleCharged
from domain.contract.tyres_events import TyreCostCharged
from domain.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from projections.engine.rows import Row

    Lookup = Callable[[str], Row | None]
    """A document of the same contract by its receivable id (None if unknown)."""
    Line = dict[str, Any]

RULE_ARTICLES: dict[str, str] = {
    "M-02": "Art. 5.1",
    "M-03": "Art. 5.1",
    "M-04": "Art. 5.1",
    "M-05": "Art. 4.4",
    "M-06": "Art. 5.2",
    "M-07": "Art. 5.3",
    "M-11": "Art. 2.2, 19.3",
    "M-14": "Art. 8.4",
    "M-15": "Art. 10.3",
    "M-16": "Art. 10.3",
    "M-17": "Art. 7.7, 7.8(i), 10.2",
    "M-18": "Art. 7.8(ii), 11.1",
    "M-19": "Art. 10.8",
    "M-20": "Art. 11.7",
    "M-21": "Art. 18.5",
    "M-22": "Art. 18.7",
    "M-23": "Art. 19.2",
    "M-24": "Art. 19.3",
    "M-28": "Art. 15.2, 15.3",
    "M-25": "Art. 16.3",
    "M-26": "Art. 16.2, 16.3",
    "M-27": "Art. 7.9, 16.4",
    "M-29": "Art. 11.6",
    "M-30": "Art. 6.2",
    "M-31": "Art. 6.3, 8.2, 8.3, 10.4, 12.2, 12.3",
    "M-32": "Art. 18.4",
    "M-33": "Art. 18.9",
    "M-36": "Art. 5.1, 22.3",
    "M-37": "Art. 13.1",
    "O-13": "Art. 13.1-13.3",
    "T-18.1-iii": "Art. 18.1(iii)",
    "T-18.1-iv": "Art. 18.1(iv)",
    "T-18.4": "Art. 18.4",
    "T-18.5": "Art. 18.5",
    "T-18.7": "Art. 18.7",
    "P-11": "Art. 2.2, 19.3",
    "P-21": "Art. 6.2",
    "P-38": "Art. 8.4",
    "P-42": "Art. 18.7",
    "P-29": "Art. 16.3",
    "P-44": "Art. 16.3",
    "P-45": "Art. 11.7",
    "D-13": "Art. 18.5",
    "D-14": "Art. 18.5",
    "D-25": "Art. 19.1",
    "D-37": "Art. 8.4",
    "D-39": "Art. 15.2, 15.3",
    "D-27": "Art. 16.2, 16.3",
    "A-08": "Art. 5.2",
    "A-09": "Art. 5.3, 5.4",
    "A-10": "Art. 5.3",
    "A-14": "Art. 2.2, 19.3",
    "A-16": "Art. 5.1, 19.2",
    "A-17": "Art. 19.2",
    "A-21": "Art. 18.7",
    "A-22": "Art. 18.5",
    "A-23": "Art. 18.1(iii)(iv)",
    "A-25": "Art. 10.3",
    "A-24": "Art. 11.7",
    "A-26": "Art. 10.8",
    "A-28": "Art. 18.9",
    "A-29": "Art. 18.8",
    "A-32": "Art. 13.1",
}
"""The article of the General Terms behind each rule ID that produces documents (RULES 4, 8)."""


def articles(rule_ids: Iterable[str]) -> list[dict[str, str]]:
    """Each rule ID with its article, in the event's order (IDs without one are left out)."""
    return [{"rule_id": r, "article": RULE_ARTICLES[r]} for r in rule_ids if r in RULE_ARTICLES]


def line(description: str, amount: Money, **facts: object) -> Line:
    """One document line: description, amount (decimal string) and its facts as JSON values."""
    out: Line = {"description": description, "amount": str(amount)}
    out.update({name: _json(value) for name, value in facts.items()})
    return out


def _json(value: object) -> object:
    if isinstance(value, Money | Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def _number(lookup: Lookup, receivable_id: str | None) -> str | None:
    row = lookup(receivable_id) if receivable_id else None
    return row["number"] if row is not None else None


def lines_of(event: ReceivableIssued | CreditNoteIssued, lookup: Lookup) -> list[Line]:
    """The lines of the document an event issues."""
    if isinstance(event, CreditNoteIssued):
        number = _number(lookup, event.relates_to)
        words = f"Credit: {_words(event.reason).lower()}"
        return [line(words, event.amount, relates_to=event.relates_to, document=number)]
    build = _BUILDERS.get(type(event))
    if build is not None:
        return build(event, lookup)
    return [line(_words(event.category()), event.amount)]


def _instalment(e: InstalmentInvoiced, _: Lookup) -> list[Line]:
    words = f"Instalment {e.period_start} to {e.period_end}"
    if e.pro_rata:
        words += f" ({e.days_covered}/{e.days_in_period} days)"
    return [
        line(
            words,
            e.amount,
            period_start=e.period_start,
            period_end=e.period_end,
            days_covered=e.days_covered,
            days_in_period=e.days_in_period,
            instalment=e.instalment,
        )
    ]


def _interest(e: LateInterestAccrued, lookup: Lookup) -> list[Line]:
    return [_interest_line(part, lookup(part["receivable_id"]), e.occurred_on) for part in e.lines]


def _interest_line(part: dict[str, Any], paid: Row | None, paid_on: date) -> Line:
    """M-06: interest on one late-paid chunk, from the day after its due date to payment."""
    if paid is None:  # pragma: no cover - interest is charged on the contract's own documents
        return line("Late interest", part["amount"], principal=part["principal"])
    due: date = paid["due_on"]
    return line(
        f"Late interest on {paid['number']}",
        part["amount"],
        document=paid["number"],
        principal=part["principal"],
        due_on=due,
        paid_on=paid_on,
        days=(paid_on - due).days,
    )


def _collection(e: CollectionIndemnityCharged, lookup: Lookup) -> list[Line]:
    number = _number(lookup, e.for_receivable_id)
    words = f"Collection indemnity on {number or e.for_receivable_id}"
    return [line(words, e.amount, document=number, unpaid_base=e.unpaid_base)]


def _letter(e: RegisteredLetterFeeCharged, _: Lookup) -> list[Line]:
    return [line(f"File costs: registered letter {e.notice_id}", e.amount, notice_id=e.notice_id)]


def _flat_fee(e: FlatDamageFeeCharged, _: Lookup) -> list[Line]:
    return [line("Flat damage fee", e.amount, incident_id=e.incident_id)]


def _damage_shortfall(e: DamageShortfallCharged, _: Lookup) -> list[Line]:
    """M-17: one line, the repair cost less what an insurer paid and Protection accepted."""
    facts = {"repair_cost": e.repair_cost, "insurer_paid": e.insurer_paid}
    words = "Damage not covered by insurance or Protection"
    return [line(words, e.amount, incident_id=e.incident_id, **facts)]


def _registration(e: RegistrationCostsCharged, _: Lookup) -> list[Line]:
    """M-30: each of the three items passed on in full (those that cost something)."""
    parts = [
        ("Registration costs", e.registration_costs),
        ("Number plates", e.plate_costs),
        ("Registration tax (BIV)", e.registration_tax),
    ]
    return [line(words, amount) for words, amount in parts if amount.is_positive]


def _running_cost(e: RunningCostCharged, _: Lookup) -> list[Line]:
    words = e.description or _words(e.cost_type)
    return [line(words, e.amount, cost_type=e.cost_type)]


def _replacement(e: ReplacementVehicleCharged, _: Lookup) -> list[Line]:
    """M-28: the overrun days at the handover form's day rate, and damage to the car."""
    lines = []
    if e.overrun_days:
        words = f"Replacement vehicle kept {e.overrun_days} day(s) beyond the entitlement"
        lines.append(
            line(
                words,
                e.short_term_day_rate * e.overrun_days,
                replacement_id=e.replacement_id,
                overrun_days=e.overrun_days,
                short_term_day_rate=e.short_term_day_rate,
            )
        )
    if e.damage_cost.is_positive:
        words = "Damage to the replacement vehicle"
        lines.append(line(words, e.damage_cost, replacement_id=e.replacement_id))
    return lines


def _tyres(e: TyreCostCharged, _: Lookup) -> list[Line]:
    """O-13, M-37, A-32: one line per working (rims, an extra fitting, tyres at cost)."""
    facts = {"cost_type": e.cost_type, "season": e.season}
    return [line(w["formula"], Money.of(w["amount"]), **facts) for w in e.workings]


def _premium(e: InsurancePremiumRecharged, _: Lookup) -> list[Line]:
    """M-29: one premium the Lessor paid, for its policy and period."""
    words = f"Insurance premium {e.policy_ref}, {e.period_start} to {e.period_end}"
    facts = {"period_start": e.period_start, "period_end": e.period_end}
    return [line(words, e.amount, policy_ref=e.policy_ref, **facts)]


def _paper(e: PaperSurchargeCharged, _: Lookup) -> list[Line]:
    words = f"Surcharge for non-electronic communication: {e.document_ref}"
    return [line(words, e.amount, document_ref=e.document_ref)]


def _levy_fee(e: LevyProcessingFeeCharged, _: Lookup) -> list[Line]:
    """M-14 / P-38: one processing of a Levy, the actual cost or the minimum if higher."""
    words = f"Levy processing fee ({'first' if e.sequence == 1 else 'repeated'} processing)"
    return [line(words, e.amount, levy_id=e.levy_id, sequence=e.sequence)]


def _levy(e: LevyRecharged, _: Lookup) -> list[Line]:
    return [line("Levy paid by the Lessor", e.amount, levy_id=e.levy_id)]


def _fuel_provision(e: FuelProvisionInvoiced, _: Lookup) -> list[Line]:
    """M-25: the month's estimated fuel (DIN consumption + 10%), card and management costs."""
    facts = {k: e.inputs[k] for k in ("avg_monthly_km", "din_consumption_per_100km")}
    words = f"Fuel provision {e.month:%m/%Y}"
    return [
        line(words, e.amount, month=e.month, fuel_price=e.inputs["fuel_price_per_unit"], **facts)
    ]


def _fuel_settlement(e: FuelSettlementInvoiced, _: Lookup) -> list[Line]:
    """M-26: the quarter's actual costs less its provisions."""
    facts = {"actual_costs": e.actual_costs, "provisions": e.provisions}
    return [
        line(f"Fuel settlement, quarter from {e.quarter}", e.amount, quarter=e.quarter, **facts)
    ]


def _fuel_card(e: FuelCardReplacementCharged, _: Lookup) -> list[Line]:
    return [line("Replacement Fuel Card (lost or stolen)", e.amount, card_id=e.card_id)]


def _loss_shortfall(e: TotalLossShortfallCharged, _: Lookup) -> list[Line]:
    """M-18: the Remaining Capital less what the insurer paid and Protection waived."""
    lines = [line("Remaining capital at the end", e.remaining_capital, incident_id=e.incident_id)]
    if e.insurer_payout.is_positive:
        lines.append(line("Insurer payout deducted", -e.insurer_payout))
    if e.protection_waived.is_positive:
        lines.append(line("Protection waiver deducted", -e.protection_waived))
    return lines


def _dissolution(e: DissolutionIndemnityInvoiced, _: Lookup) -> list[Line]:
    lines = [
        line("Remaining capital", e.remaining_capital),
        line("Reinvestment costs", e.reinvestment),
    ]
    if e.market_value_deducted.is_positive:
        lines.append(line("Market value of the Vehicle deducted", -e.market_value_deducted))
    return lines


def _early_termination(e: EarlyTerminationFeeInvoiced, _: Lookup) -> list[Line]:
    base = line(
        "Early termination fee",
        e.base_fee,
        rate=e.rate,
        remaining_months=e.remaining_months,
        remaining_instalments=e.remaining_instalments,
    )
    extras = [
        (e.excess_km_charge, line("Excess km", e.excess_km_charge, excess_km=e.excess_km)),
        (e.damage_charge, line("Damage", e.damage_charge)),
        (e.missing_items_charge, line("Missing items", e.missing_items_charge)),
    ]
    return [base, *[extra for amount, extra in extras if not amount.is_zero]]


def _late_return(e: LateReturnCompensationCharged, _: Lookup) -> list[Line]:
    facts = {"late_days": e.late_days, "return_due_date": e.return_due_date}
    return [
        line("Instalment for the late days", e.pro_rata_part, **facts),
        line("Flat compensation per late day", e.flat_part, **facts),
    ]


def _km(e: KmSettlementInvoiced, _: Lookup) -> list[Line]:
    facts = {"expected_km": e.expected_km, "actual_km": e.actual_km}
    return [line("Excess km", e.amount, deviation_km=e.deviation_km, **facts)]


def _items(e: ReturnDamageCharged | MissingItemsCharged, _: Lookup) -> list[Line]:
    return [line(str(part["item"]), part["amount"]) for part in e.lines]


_BUILDERS: dict[type[ReceivableIssued], Callable[[Any, Lookup], list[Line]]] = {
    InstalmentInvoiced: _instalment,
    LateInterestAccrued: _interest,
    CollectionIndemnityCharged: _collection,
    RegisteredLetterFeeCharged: _letter,
    FlatDamageFeeCharged: _flat_fee,
    DamageShortfallCharged: _damage_shortfall,
    RegistrationCostsCharged: _registration,
    RunningCostCharged: _running_cost,
    PaperSurchargeCharged: _paper,
    ReplacementVehicleCharged: _replacement,
    TyreCostCharged: _tyres,
    InsurancePremiumRecharged: _premium,
    LevyProcessingFeeCharged: _levy_fee,
    LevyRecharged: _levy,
    FuelProvisionInvoiced: _fuel_provision,
    FuelSettlementInvoiced: _fuel_settlement,
    FuelCardReplacementCharged: _fuel_card,
    TotalLossShortfallCharged: _loss_shortfall,
    DissolutionIndemnityInvoiced: _dissolution,
    EarlyTerminationFeeInvoiced: _early_termination,
    LateReturnCompensationCharged: _late_return,
    KmSettlementInvoiced: _km,
    ReturnDamageCharged: _items,
    MissingItemsCharged: _items,
}
"""How each kind of document is itemised; other debit notes get one line of their category."""
