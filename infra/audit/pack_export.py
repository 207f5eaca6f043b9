"""`lease audit export`: one contract's audit pack, built in memory as {file name: bytes}.

The pack holds the contract's stored events (events.jsonl), its documents as PDF (the same
rendering as `GET /v1/documents/{n}`, from the invoices view, which numbers them), the
explanation of every charge (explanations/, as `lease explain` gives it), the rule entries its
events and documents cite (rules.json), the chain proof (chain.json), a README for the
auditor and manifest.json with the sha256 of every other file. `write_pack` writes it as a
folder or a zip file; infra/audit/pack_verify.py checks it without the database.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent

from api.documents import render_html, render_pdf
from domain.catalogue import UnknownRuleError, lookup
from domain.contract import Contract
from domain.contract.base_events import ContractConcluded, ContractEvent
from domain.errors import ContractNotFoundError
from infra.audit.pack_format import (
    CHAIN,
    EVENTS,
    MANIFEST,
    chain_proof,
    event_line,
    events_jsonl,
    manifest,
)
from infra.audit.stored import StoredRow, first_rows, stored_rows
from infra.explanation import explain_document, explanation_text, log_positions

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from api.documents import Lessor
    from domain.application import ContractsApplication
    from projections.views.invoices import PostgresInvoicesView

README = Path(__file__).with_name("pack_readme.md")
RULES = "rules.json"


@dataclass(frozen=True)
class PackSources:
    """Where a pack's contents come from: the event store, the numbered documents (the
    invoices view) and the lessor's letterhead for the PDFs."""

    contracts: ContractsApplication
    invoices: PostgresInvoicesView
    lessor: Lessor


def contract_numbers(contracts: ContractsApplication) -> list[str]:
    """Every contract in the event store, in the order they were concluded."""
    numbers = []
    for row in first_rows(contracts):
        event = contracts.mapper.to_domain_event(_stored_event(row))
        if isinstance(event, ContractConcluded):
            numbers.append(event.terms.contract_number)
    return numbers


def build_pack(sources: PackSources, number: str, exported_at: datetime) -> dict[str, bytes]:
    """The contract's pack as {relative file name: bytes}; ContractNotFoundError if none."""
    contract_id = Contract.create_id(number)
    rows = stored_rows(sources.contracts, contract_id)
    if not rows:
        raise ContractNotFoundError(number)
    events = [sources.contracts.mapper.to_domain_event(_stored_event(row)) for row in rows]
    documents = sources.invoices.documents(contract_id)
    customer = sources.invoices.customer_of(contract_id)
    proof = chain_proof(contract_id, rows)
    files: dict[str, bytes] = {
        EVENTS: events_jsonl(
            [event_line(row, _recorded_at(e)) for row, e in zip(rows, events, strict=True)]
        ),
        CHAIN: _json(proof),
        RULES: _json(rule_entries(_cited(events, documents))),
        "README.md": README.read_text(encoding="utf-8").replace("{number}", number).encode(),
    }
    for document in documents:
        html = render_html(document, customer, sources.lessor)
        files[f"documents/{document['number']}.pdf"] = render_pdf(html)
    files.update(explanation_files(sources, documents, events))
    about = {
        "contract_number": number,
        "originator_id": str(contract_id),
        "exported_at": exported_at.isoformat(),
        "events": len(rows),
        "head": proof["head"],
        "chain_hash_stored": any(row.chain_hash is not None for row in rows),
        "invoices_view_position": sources.invoices.position(sources.contracts.name),
    }
    files[MANIFEST] = _json(manifest(files, about))
    return files


def explanation_files(
    sources: PackSources, documents: Sequence[Any], events: Sequence[Any]
) -> dict[str, bytes]:
    """explanations/<number>.json and .txt: each document explained as `lease explain` does
    (rule, article, inputs, formula with its numbers, the events a line came from), from the
    workings recorded in the events, never recomputed. `events` in version order."""
    contract_events = [e for e in events if isinstance(e, ContractEvent)]
    positions = log_positions(sources.contracts.recorder)
    numbers = {d["receivable_id"]: d["number"] for d in documents}.get
    files: dict[str, bytes] = {}
    for document in documents:
        explained = explain_document(document, contract_events, positions, numbers)
        files[f"explanations/{document['number']}.json"] = _json(explained)
        files[f"explanations/{document['number']}.txt"] = explanation_text(explained).encode()
    return files


def rule_entries(rule_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The registry's entry of each rule ID (as `GET /v1/rules/{id}`); unknown IDs say so."""
    out: list[dict[str, Any]] = []
    for rule_id in rule_ids:
        try:
            entry = lookup(rule_id)
        except UnknownRuleError:
            out.append({"rule_id": rule_id, "unknown": True})
            continue
        out.append(
            {
                "rule_id": entry.rule_id,
                "title": entry.title,
                "article": entry.article,
                "family": entry.family.name,
            }
        )
    return out


def write_pack(files: dict[str, bytes], target: Path, *, as_zip: bool) -> Path:
    """Write the pack as `target` (a new folder) or `target` + .zip; returns what was written.

    Refuses to write over an existing folder or file (a pack mixing two exports would not
    check out)."""
    path = target.with_name(target.name + ".zip") if as_zip else target
    if path.exists():
        msg = f"{path} already exists; remove it or export elsewhere"
        raise FileExistsError(msg)
    if as_zip:
        path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(path, "x", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(files):
                archive.writestr(name, files[name])
        return path
    for name, data in files.items():
        file = path / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
    return path


def _cited(events: Sequence[Any], documents: Sequence[Any]) -> list[str]:
    cited = {r for e in events for r in getattr(e, "rule_ids", [])}
    cited |= {r for d in documents for r in d["rule_ids"] or []}
    return sorted(cited)


def _recorded_at(event: Any) -> str | None:
    stamp = getattr(event, "timestamp", None)
    return stamp.isoformat() if stamp is not None else None


def _stored_event(row: StoredRow) -> StoredEvent:
    return StoredEvent(row.originator_id, row.version, row.topic, row.state)


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).encode() + b"\n"
