"""`explain_document` and its text (issue 12): what an explanation says, also for documents
issued before workings were recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from domain.application import ContractsApplication
from domain.contract.billing_events import CreditNoteIssued, ReceivableIssued
from infra.explanation import (
    NOT_RECORDED,
    DocumentNotFoundError,
    explain_document,
    explanation_text,
)
from infra.simulate.in_process import IN_MEMORY_ENV
from tests.explained import explained, scenario_run

if TYPE_CHECKING:
    from domain.contract.base_events import ContractEvent


def _as_stored_before_workings(event: ContractEvent) -> ContractEvent:
    """The event as the mapper rebuilds one stored before the `workings` field existed."""
    app = ContractsApplication(env=IN_MEMORY_ENV)
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    del state["workings"]
    old = app.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))
    assert type(old) is type(event)
    return old


def _issuing(events: tuple[ContractEvent, ...]) -> list[ContractEvent]:
    return [e for e in events if isinstance(e, ReceivableIssued | CreditNoteIssued)]


def test_an_event_stored_before_workings_loads_with_none() -> None:
    events, _ = scenario_run("late-return")
    old = _as_stored_before_workings(_issuing(events)[0])
    assert old.workings == ()  # type: ignore[attr-defined]


def test_a_document_without_recorded_workings_says_so_and_shows_its_facts() -> None:
    events, rows = scenario_run("late-return")
    first = _issuing(events)[0]
    older = [_as_stored_before_workings(e) if e is first else e for e in events]

    explanation = explain_document(rows[0], older)

    assert explanation["workings_recorded"] is False
    [line] = explanation["lines"]
    assert line["working_recorded"] is False
    assert line["note"] == NOT_RECORDED
    assert "formula" not in line
    assert line["facts"]["days_covered"] == 20  # the facts recorded with the document
    assert line["rule_id"] == "M-03"
    assert "was not recorded" in explanation_text(explanation)


def test_the_issuing_event_is_named_with_its_version_and_times() -> None:
    events, rows = scenario_run("late-return")
    explanation = explain_document(rows[0], events)
    issued = explanation["issued_by"]
    first = _issuing(events)[0]
    assert issued == {
        "type": "InstalmentInvoiced",
        "version": first.originator_version,
        "position": None,  # in memory: the log positions are PostgreSQL's
        "occurred_on": "2024-03-12",
        "recorded_at": first.timestamp.isoformat(),
        "rule_ids": ["M-03"],
    }
    assert explanation["lines"][0]["events"] == [issued]


def test_an_explanation_is_json_and_its_text_names_every_line() -> None:
    for explanation in explained("early-termination"):
        json.dumps(explanation)  # JSON-safe, as the API and the audit pack need
        text = explanation_text(explanation)
        assert explanation["document"]["number"] in text
        for line in explanation["lines"]:
            assert line["applied"] in text


def test_a_document_whose_event_is_missing_is_not_found() -> None:
    _, rows = scenario_run("late-return")
    with pytest.raises(DocumentNotFoundError, match=rows[0]["number"]):
        explain_document(rows[0], [])
