"""Every charge explained (issue 12): a numbered document, line by line, from its events.

`explain_document` takes a document (its row in the `invoices` read model: number, kind,
lines) and the stored events of its contract, and says for each line: the rule ID, the
article and title of the rule (the registry, domain/catalogue), the inputs, the formula with
the numbers filled in, and the events the line came from: the event that issued the document,
and the events of the facts the working cites (the payment that made interest due, the
invoice a collection indemnity is on, the notice, the incident).

Nothing is recomputed: the workings are the ones the event recorded when the amount was
computed (domain/workings.py). A document issued before workings were recorded says so, and
shows the facts recorded with it instead.

The result is a plain JSON-safe dict (`explain_document`), rendered as text by
`explanation_text`; `explain` finds the document by its number first (the CLI, the API and
the audit pack call it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from domain.catalogue import UnknownRuleError, lookup
from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import (
    CreditNoteIssued,
    FormalNoticeSent,
    PaymentReceived,
    ReceivableIssued,
)
from infra.schemas.envelope import json_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from uuid import UUID

    from domain.application import ContractsApplication
    from projections.views.invoices import InvoicesView

    PositionOf = Callable[[UUID, int], int | None]
    """The log position (notification id) of a contract's event version, None if unknown."""

NOT_RECORDED = (
    "The working of this line was not recorded: the document was issued before the service "
    "recorded workings with each charge. The facts recorded with the document are shown; "
    "nothing is recomputed."
)
CITED_BY: dict[str, tuple[type[ContractEvent], ...]] = {
    "receivable_id": (ReceivableIssued, CreditNoteIssued),
    "payment_id": (PaymentReceived,),
    "notice_id": (FormalNoticeSent,),
    "incident_id": (ContractEvent,),
}
"""What a working may cite, and the kinds of event that state that fact first."""


class DocumentNotFoundError(LookupError):
    """No document has that number (or its contract's events are gone)."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no document {number}")
        self.number = number


def explain(contracts: ContractsApplication, view: InvoicesView, number: str) -> dict[str, Any]:
    """The explanation of document `number` (raises DocumentNotFoundError): its row in the
    `invoices` view, its contract's events from the event store and their log positions."""
    row = view.document(number)
    if row is None:
        raise DocumentNotFoundError(number)
    events = [e for e in contracts.events.get(row["contract_id"]) if isinstance(e, ContractEvent)]
    numbers = _numbers(view, row["contract_id"])
    return explain_document(row, events, log_positions(contracts.recorder), numbers)


def log_positions(recorder: object) -> PositionOf | None:
    """The notification id of a stored event, read from PostgreSQL (None elsewhere)."""
    if not isinstance(recorder, PostgresApplicationRecorder):
        return None
    datastore = recorder.datastore
    query = SQL(
        "SELECT notification_id FROM {0}.{1} WHERE originator_id = %s AND originator_version = %s"
    ).format(Identifier(datastore.schema), Identifier(recorder.events_table_name))

    def position_of(originator_id: UUID, version: int) -> int | None:
        with datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(query, (originator_id, version))
            row = curs.fetchone()
        return int(row["notification_id"]) if row is not None else None

    return position_of


def _numbers(view: InvoicesView, contract_id: UUID) -> Callable[[str], str | None]:
    numbers = {d["receivable_id"]: d["number"] for d in view.documents(contract_id)}
    return numbers.get


def explain_document(
    document: Mapping[str, Any],
    events: Sequence[ContractEvent],
    position_of: PositionOf | None = None,
    number_of: Callable[[str], str | None] | None = None,
) -> dict[str, Any]:
    """The explanation of one document from its contract's events (see the module docstring).

    `document` is its row in the `invoices` view (number, contract_id, receivable_id,
    version, kind, category, amount, lines); `events` the contract's events in order."""
    issuing = _issuing_event(document, events)
    source = _reference(issuing, position_of)
    workings = list(getattr(issuing, "workings", ()))
    lines = list(document.get("lines") or [])
    explained = [
        _line(line, workings[i] if i < len(workings) else None, issuing, source)
        for i, line in enumerate(lines)
    ]
    for line in explained:
        line["events"] += [
            _cited(kind, ref, events, position_of, number_of)
            for kind, ref in line.pop("cites", {}).items()
        ]
    return {
        "document": {
            "number": document["number"],
            "kind": document["kind"],
            "category": document["category"],
            "contract_number": document.get("contract_number"),
            "receivable_id": document["receivable_id"],
            "issued_on": json_safe(document["issued_on"]),
            "amount": str(issuing.amount),
            "rule_ids": list(issuing.rule_ids),
        },
        "workings_recorded": bool(workings),
        "issued_by": source,
        "lines": explained,
    }


def _issuing_event(
    document: Mapping[str, Any], events: Sequence[ContractEvent]
) -> ReceivableIssued | CreditNoteIssued:
    for event in events:
        if (
            isinstance(event, ReceivableIssued | CreditNoteIssued)
            and event.receivable_id == document["receivable_id"]
        ):
            return event
    raise DocumentNotFoundError(str(document["number"]))


def _line(
    line: Mapping[str, Any],
    working: Mapping[str, Any] | None,
    issuing: ContractEvent,
    source: dict[str, Any],
) -> dict[str, Any]:
    facts = {k: v for k, v in line.items() if k not in ("description", "amount")}
    out: dict[str, Any] = {"description": line.get("description", ""), "amount": line["amount"]}
    if working is None:
        rule_ids = list(issuing.rule_ids)
        return out | {
            "working_recorded": False,
            "rule_id": rule_ids[0] if rule_ids else None,
            "rules": [_rule(r) for r in rule_ids],
            "note": NOT_RECORDED,
            "facts": facts,
            "events": [source],
        }
    return out | {
        "working_recorded": True,
        "rule_id": working["rule_id"],
        "rules": [_rule(working["rule_id"])],
        "formula": working["formula"],
        "applied": working["applied"],
        "result": working["amount"],
        "inputs": dict(working.get("inputs") or {}),
        "facts": facts,
        "events": [source],
        "cites": dict(working.get("cites") or {}),
    }


def _rule(rule_id: str) -> dict[str, str | None]:
    try:
        entry = lookup(rule_id)
    except UnknownRuleError:
        return {"rule_id": rule_id, "article": None, "title": None}
    return {"rule_id": rule_id, "article": entry.article, "title": entry.title}


def _reference(event: ContractEvent, position_of: PositionOf | None) -> dict[str, Any]:
    """Where an event stands in the log: type, version, position, business date, recorded."""
    version = event.originator_version
    return {
        "type": type(event).__name__,
        "version": version,
        "position": position_of(event.originator_id, version) if position_of else None,
        "occurred_on": event.occurred_on.isoformat(),
        "recorded_at": event.timestamp.isoformat(),
        "rule_ids": list(event.rule_ids),
    }


def _cited(
    kind: str,
    ref: str,
    events: Iterable[ContractEvent],
    position_of: PositionOf | None,
    number_of: Callable[[str], str | None] | None,
) -> dict[str, Any]:
    """The first event stating the fact `kind` = `ref`, or just the reference if none does."""
    out: dict[str, Any] = {"cites": kind, "ref": ref}
    if kind == "receivable_id" and number_of is not None:
        out["document"] = number_of(ref)
    for event in events:
        if isinstance(event, CITED_BY.get(kind, ())) and getattr(event, kind, None) == ref:
            return out | _reference(event, position_of)
    return out


def explanation_text(explanation: Mapping[str, Any]) -> str:
    """An explanation as plain text, one block per line (what `lease explain` prints)."""
    doc = explanation["document"]
    kind = doc["kind"].lower().replace("_", " ")
    head = f"{doc['number']} ({kind}, {doc['category']}) of contract {doc['contract_number']}"
    out = [
        f"{head}, issued {doc['issued_on']}: {doc['amount']}",
        f"  issued by {_event_text(explanation['issued_by'])}",
    ]
    for n, line in enumerate(explanation["lines"], start=1):
        out.append(f"{n}. {line['description']}: {line['amount']}")
        out += [f"   {_rule_text(rule)}" for rule in line["rules"]]
        if line["working_recorded"]:
            out.append(f"   formula: {line['formula']}")
            out.append(f"   applied: {line['applied']}")
            out += _pairs("inputs", line["inputs"])
        else:
            out.append(f"   {line['note']}")
            out += _pairs("facts", line["facts"])
        out += [f"   cites: {_event_text(event)}" for event in line["events"][1:]]
    return "\n".join(out) + "\n"


def _rule_text(rule: Mapping[str, Any]) -> str:
    article = rule["article"] or "article unknown"
    title = f" ({rule['title']})" if rule["title"] else ""
    return f"rule {rule['rule_id']}{title}, {article}"


def _pairs(label: str, values: Mapping[str, Any]) -> list[str]:
    shown = ", ".join(f"{k} {v}" for k, v in values.items() if v is not None)
    return [f"   {label}: {shown}"] if shown else []


def _event_text(ref: Mapping[str, Any]) -> str:
    if "type" not in ref:
        return f"{ref['cites']} {ref['ref']} (no event states it)"
    where = f"position {ref['position']}" if ref.get("position") is not None else "position -"
    document = f" ({ref['document']})" if ref.get("document") else ""
    cited = f"{ref['cites']} {ref['ref']}{document}: " if "cites" in ref else ""
    return (
        f"{cited}{ref['type']} v{ref['version']}, {where}, business date {ref['occurred_on']},"
        f" recorded {ref['recorded_at']}"
    )
