"""How a charged amount was worked out: the rule, the formula, the numbers put into it.

A `Working` is made by the very function that computes an amount (domain/money_rules.py,
domain/end_money.py return one beside, or instead of, the bare amount), so what a document
says about a line can never differ from what was charged. The events that issue documents
record one working per document line (`ReceivableIssued.workings`, `CreditNoteIssued.workings`)
as a plain JSON-safe mapping (`record()`): strings only, so stored events and the published
payload carry it as they are.

- `formula` is symbolic: "instalment x days_covered / days_in_period".
- `applied` is the same with the numbers filled in and the result: "650.00 x 20 / 31 = 419.35".
- `inputs` are the named values the formula took, as strings, in the formula's order.
- `cites` names other facts of the contract the line rests on (a document's receivable id,
  a payment id, a notice id, an incident id), so an explanation can point at their events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from domain.money import Money

Record = dict[str, Any]
"""A working as stored in an event: rule_id, formula, applied, amount, inputs, cites."""


def text(value: object) -> str:
    """A value as a working shows it: Money to cents, Decimal exact, dates ISO."""
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def percent(rate: Decimal) -> str:
    """A rate as a percentage: Decimal('0.025') -> '2.5%'."""
    return f"{(rate * 100).normalize():f}%"


@dataclass(frozen=True)
class Working:
    """The working of one amount (a document line) under one rule."""

    rule_id: str
    formula: str
    applied: str
    amount: Money
    inputs: tuple[tuple[str, str], ...] = ()
    cites: tuple[tuple[str, str], ...] = ()

    def citing(self, **refs: str | None) -> Working:
        """The same working, also naming the facts it rests on (None values are left out)."""
        more = tuple((k, v) for k, v in refs.items() if v is not None)
        return replace(self, cites=self.cites + more)

    def record(self) -> Record:
        """The JSON-safe form an event stores."""
        return {
            "rule_id": self.rule_id,
            "formula": self.formula,
            "applied": self.applied,
            "amount": str(self.amount),
            "inputs": dict(self.inputs),
            "cites": dict(self.cites),
        }


def working(rule_id: str, formula: str, applied: str, amount: Money, **inputs: object) -> Working:
    """A working whose `applied` ends with its amount ("... = 419.35")."""
    named = tuple((name, text(value)) for name, value in inputs.items())
    return Working(rule_id, formula, f"{applied} = {amount}", amount, named)


def stated(rule_id: str, what: str, amount: Money, **inputs: object) -> Working:
    """A line whose amount is an input, not a computation: charged as stated, to the cent."""
    charged = amount.rounded()
    named = tuple(
        (name, text(value)) for name, value in {"amount": amount.amount, **inputs}.items()
    )
    return Working(rule_id, what, f"{what}: {charged}", charged, named)


def passed_on(rule_id: str, what: str, amount: Money, **inputs: object) -> Working:
    """A cost passed on to the Customer as it was stated ("passed on at cost: 120.00")."""
    worked = stated(rule_id, "passed on at cost", amount, **inputs)
    return replace(worked, formula=f"{what}, passed on at cost")


def records(workings: list[Working] | tuple[Working, ...]) -> tuple[Record, ...]:
    """The workings of a document's lines as an event stores them."""
    return tuple(w.record() for w in workings)
