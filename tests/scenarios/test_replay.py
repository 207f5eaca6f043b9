"""Bitemporal replay on the pinned scenarios with late facts (issue 12): as of a business
date before the fact it is absent; as known before its report was recorded the old truth
shows, as known after it the new one; and both cuts together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.incidents import ReportTheft
from domain.contract.registry import execute
from infra.audit.replay import Cut, NotKnownError, Replay, replay, replay_contract, select
from infra.simulate.in_process import IN_MEMORY_ENV, simulate
from infra.simulate.scenario import load_scenario
from tests.contract_cases import REF_CONTRACTUAL_END
from tests.factories import REF_START, ctx, handed_over_ref_contract, run_days

if TYPE_CHECKING:
    from datetime import datetime

    from domain.contract.base_events import ContractEvent

HERE = Path(__file__).parent


@dataclass
class Lived:
    """A scenario lived in memory: its application, contract number, events and output."""

    app: ContractsApplication
    number: str
    events: list[ContractEvent]
    output: dict[str, Any]

    def known_before(self, event_type: str) -> datetime:
        """The recorded time of the last event stored before the first `event_type`."""
        first = next(i for i, e in enumerate(self.events) if type(e).__name__ == event_type)
        return self.events[first - 1].timestamp

    def known_at(self, event_type: str) -> datetime:
        """The recorded time of the last `event_type`."""
        return [e for e in self.events if type(e).__name__ == event_type][-1].timestamp

    def replay(self, as_of: date | None = None, known_at: datetime | None = None) -> Replay:
        return replay_contract(self.app, self.number, Cut(as_of, known_at))


def live(name: str) -> Lived:
    app = ContractsApplication(env=IN_MEMORY_ENV)
    output = simulate(load_scenario(HERE / f"{name}.json"), app)
    number = output["contract"]["contract_number"]
    events = select(app.events.get(Contract.create_id(number)), Cut())
    return Lived(app, number, events, output)


@pytest.fixture(scope="module")
def theft() -> Lived:
    return live("theft-not-recovered")


@pytest.fixture(scope="module")
def total_loss() -> Lived:
    return live("total-loss")


@pytest.fixture(scope="module")
def dissolution() -> Lived:
    return live("dissolution-later-sale")


def numbers(r: Replay) -> list[str]:
    return [d["number"] for d in r.documents()]


def types(r: Replay) -> list[str]:
    return [e["event_type"] for e in r.timeline()]


def test_without_a_cut_the_replay_is_the_pinned_output(theft: Lived) -> None:
    r = theft.replay()
    clock = date.fromisoformat(theft.output["clock"])
    overview = r.overview(clock)
    assert overview["status"] == theft.output["contract"]["status"]
    assert overview["end_kind"] == "THEFT"
    assert numbers(r) == [d["number"] for d in theft.output["documents"]]
    assert [str(d["open"]) for d in r.documents()] == [d["open"] for d in theft.output["documents"]]
    assert [e["version"] for e in r.timeline()] == list(range(1, len(theft.events) + 1))


def test_theft_as_of_the_day_of_the_theft_is_absent(theft: Lived) -> None:
    r = theft.replay(as_of=date(2025, 9, 20))
    assert "VehicleTheftReported" not in types(r)
    assert r.overview(date(2025, 9, 20))["status"] == "ACTIVE"
    assert not [n for n in numbers(r) if n.startswith("CN-")]
    assert numbers(r)[-1] == "INV-2025-000009"


def test_theft_known_before_the_end_by_law_shows_the_old_truth(theft: Lived) -> None:
    on = date(2025, 10, 25)
    before = theft.replay(on, theft.known_before("ContractEndedByLaw"))
    after = theft.replay(on, theft.known_at("AncillaryServiceStopped"))
    old, new = before.overview(on), after.overview(on)
    assert (old["status"], old["end_kind"], old["effective_end_date"]) == (
        "THEFT_PENDING",
        None,
        None,
    )
    assert (new["status"], new["end_kind"]) == ("IN_SETTLEMENT", "THEFT")
    assert new["effective_end_date"] == date(2025, 9, 20)  # the late fact, back in business time
    assert not [n for n in numbers(before) if n.startswith("CN-")]
    assert "CN-2025-000001" in numbers(after)
    assert before.ledger(on)["balance"] == 0
    assert after.ledger(on)["balance"] < 0  # the credit notes are owed to the customer


def test_total_loss_known_before_the_declaration_is_an_active_contract(total_loss: Lived) -> None:
    on = date(2025, 11, 30)
    before = total_loss.replay(on, total_loss.known_before("TotalLossDeclared"))
    after = total_loss.replay(on, total_loss.known_at("CreditsSetOff"))
    assert before.overview(on)["status"] == "ACTIVE"
    assert numbers(before)[-1] == "DN-2025-000001"  # the flat damage fee of the incident
    ended = after.overview(on)
    assert (ended["end_kind"], ended["effective_end_date"]) == ("TOTAL_LOSS", date(2025, 11, 5))
    assert {"CN-2025-000001", "CN-2025-000002"} <= set(numbers(after))


def test_total_loss_as_of_before_the_incident_knows_nothing_of_it(total_loss: Lived) -> None:
    r = total_loss.replay(as_of=date(2025, 11, 4))
    assert "IncidentReported" not in types(r)
    assert "TotalLossDeclared" not in types(r)
    assert r.overview(date(2025, 11, 4))["status"] == "ACTIVE"


def test_dissolution_then_sale_known_before_and_after_the_sale(dissolution: Lived) -> None:
    on = date(2026, 2, 28)
    before = dissolution.replay(on, dissolution.known_before("VehicleSold"))
    after = dissolution.replay(on, dissolution.known_at("DebitNoteIssued"))
    assert "DN-2026-000001" not in numbers(before)
    assert numbers(after)[-1] == "DN-2026-000001"
    assert after.ledger(on)["balance"] - before.ledger(on)["balance"] == 2000
    assert types(after)[-3:] == ["VehicleSold", "DissolutionIndemnityCorrected", "DebitNoteIssued"]


def test_a_ground_is_open_before_the_dissolution_and_exercised_after(dissolution: Lived) -> None:
    open_ = dissolution.replay(as_of=date(2025, 11, 15)).grounds()
    done = dissolution.replay(as_of=date(2025, 11, 30)).grounds()
    assert [(g["ground"], g["status"]) for g in open_] == [("18.3(xiv)", "OPEN")]
    assert [(g["ground"], g["status"]) for g in done] == [("18.3(xiv)", "EXERCISED")]


def test_both_cuts_together_what_we_believed_then_about_a_day(dissolution: Lived) -> None:
    """Known just before the sale was recorded, about 20 November: dissolved, indemnity
    invoiced, the market-value correction not yet issued (it is dated 21 November)."""
    day = date(2025, 11, 20)
    r = dissolution.replay(day, dissolution.known_before("VehicleSold"))
    assert r.overview(day)["status"] == "ENDED_AWAITING_RETURN"
    assert numbers(r)[-2:] == ["CN-2025-000001", "DN-2025-000001"]
    assert "VehicleReturned" not in types(r)


def test_before_the_conclusion_the_contract_is_not_known(theft: Lived) -> None:
    with pytest.raises(NotKnownError):
        theft.replay(as_of=date(2024, 2, 19))
    with pytest.raises(NotKnownError):
        theft.replay(known_at=theft.events[0].timestamp.replace(year=2000))


def test_K_05_a_superseded_end_shows_the_old_and_the_new_truth() -> None:
    """REF's term expires on 11 March 2028 while a theft of 1 March is unrecovered; when the
    30-day window closes on 31 March, the theft's earlier end supersedes the expiry (K-05).
    About 1 April: known before the supersession was recorded, the contract had ended by
    expiry; known after, by theft on 1 March. (As of a day before 31 March the expiry is
    the truth under any known_at: the supersession had not happened yet.)"""
    theft_on = date(2028, 3, 1)
    contract = handed_over_ref_contract()
    run_days(contract, REF_START, theft_on)
    execute(contract, ReportTheft(theft_on=theft_on), ctx(theft_on))
    run_days(contract, theft_on + timedelta(days=1), date(2028, 4, 1))
    events = contract.collect_events()
    superseded = next(
        i for i, e in enumerate(events) if type(e).__name__ == "ContractEndSuperseded"
    )
    on = date(2028, 4, 1)
    number = contract.terms.contract_number

    old = replay(number, events, Cut(on, events[superseded - 1].timestamp)).overview(on)
    new = replay(number, events, Cut(on, events[-1].timestamp)).overview(on)

    assert (old["end_kind"], old["effective_end_date"]) == ("TERM_EXPIRED", REF_CONTRACTUAL_END)
    assert (new["end_kind"], new["effective_end_date"]) == ("THEFT", theft_on)
    earlier = replay(number, events, Cut(date(2028, 3, 20), events[-1].timestamp))
    assert earlier.overview(date(2028, 3, 20))["end_kind"] == "TERM_EXPIRED"
