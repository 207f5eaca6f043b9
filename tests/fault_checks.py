"""What the fault and outage tests check once everything has settled (tests/fault_lab.py):

(a) every stored event's (contract_id, sequence) is on the contract-events topic, with the
    envelope the relay makes of it (at least once; duplicates are expected), and nothing
    was dead-lettered;
(b) no effect was recorded twice: one KmCapReached + ContractEndedByLaw per over-cap
    contract and none elsewhere, no invoice credited twice, every payment booked and every
    reading reported exactly once, no period invoiced twice, every external agreement
    registered and ended exactly once on its customer's portal account;
(c) the views the projections worker kept equal the views rebuilt in memory from the log.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.billing_events import CreditNoteIssued, InstalmentInvoiced, PaymentReceived
from domain.contract.incidents_events import OdometerReported
from domain.contract.termination_events import ContractEndedByLaw
from domain.portal.application import PortalApplication
from domain.portal.content_events import ExternalAgreementEnded, ExternalAgreementRegistered
from infra import bootstrap
from infra.schemas.envelope import envelope
from tests.fault_lab import TERMINATION_ACTOR, count_of
from tests.integration.test_projection_runner import all_rows
from tests.topic_reader import deduplicated, keyed, read_topic

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import psycopg
    from eventsourcing.application import Application
    from eventsourcing.domain import DomainEventProtocol

    from domain.application import ContractsApplication
    from tests.fault_driver import Plan
    from tests.fault_lab import Lab

logger = logging.getLogger(__name__)

ENDED_ONCE = Counter({"KmCapReached": 1, "ContractEndedByLaw": 1})
Events = list[tuple[int, ContractEvent]]


def settled(the_plan: Plan) -> Callable[[psycopg.Connection[Any]], bool]:
    """`settle`'s condition: every over-cap contract ended, every payment booked, every
    reading reported, every external agreement ended."""
    readings = the_plan.count("reading")

    def done(conn: psycopg.Connection[Any]) -> bool:
        return (
            count_of(conn, ContractEndedByLaw) >= len(the_plan.over_cap)
            and count_of(conn, PaymentReceived) >= the_plan.payments
            and count_of(conn, OdometerReported) >= readings
            and count_of(conn, ExternalAgreementEnded, "portal") >= the_plan.agreements
        )

    return done


def logged(app: Application[Any]) -> Iterator[tuple[int, DomainEventProtocol[Any]]]:
    """Every event `app` stored, with its notification id, in log order."""
    start = 1
    while notifications := app.recorder.select_notifications(start, 1000):
        for notification in notifications:
            yield notification.id, app.mapper.to_domain_event(notification)
        start = notifications[-1].id + 1


def stored(app: ContractsApplication) -> Events:
    """Every stored contract event with its notification id, in log order."""
    out = []
    for n, event in logged(app):
        assert isinstance(event, ContractEvent)
        out.append((n, event))
    return out


def agreements_applied(env: dict[str, str]) -> Counter[tuple[str, str]]:
    """(event name, agreement id) -> how often the portal stored it."""
    portal = PortalApplication(env=env)
    try:
        return Counter(
            (type(event).__name__, event.agreement_id)
            for _, event in logged(portal)
            if isinstance(event, ExternalAgreementRegistered | ExternalAgreementEnded)
        )
    finally:
        portal.close()


def rebuilt_in_memory(app: ContractsApplication) -> dict[str, list[dict[str, Any]]]:
    """The views rebuilt from the whole log in memory: what the live ones must equal."""
    group = bootstrap.build_projection_group(app, None)
    bootstrap.catch_up(group)
    return all_rows(group)


def live_views(app: ContractsApplication, env: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The rows the projections worker left in PostgreSQL."""
    group = bootstrap.build_projection_group(app, env)
    try:
        return all_rows(group)
    finally:
        bootstrap.close_projection_group(group)


def ended_by_law(events: Events) -> dict[str, Counter[str]]:
    """Per contract id: how many KmCapReached and ContractEndedByLaw the termination
    consumer recorded."""
    out: dict[str, Counter[str]] = {}
    for _, event in events:
        name = type(event).__name__
        if event.actor == TERMINATION_ACTOR and name in ENDED_ONCE:
            out.setdefault(str(event.originator_id), Counter())[name] += 1
    return out


def repeated(keys: list[Any]) -> list[Any]:
    """The keys that occur more than once."""
    return sorted(k for k, n in Counter(keys).items() if n > 1)


def check_settled(lab: Lab, app: ContractsApplication, the_plan: Plan, last: int) -> Events:
    """(a), (b) and (c) of the module docstring; stops the lab's workers first. Returns the
    stored events."""
    lab.stop()
    events = stored(app)
    assert events[-1][0] == last

    # (a) every stored event reached the topic, at least once, as the relay makes it
    records = read_topic(lab.bootstrap, lab.topic, timeout=30.0)
    expected = [envelope(event, position=n) for n, event in events]
    logger.info("%d messages for %d events", len(records), len(expected))
    assert len(records) >= len(expected)
    assert deduplicated(records) == keyed(expected)
    assert read_topic(lab.bootstrap, lab.topics["dead_letter"]) == []

    # (b) each over-cap contract ended by law exactly once, no other did, nothing repeated
    over_cap = {str(Contract.create_id(n)): ENDED_ONCE for n in the_plan.over_cap}
    assert ended_by_law(events) == over_cap
    of = [(str(e.originator_id), e) for _, e in events]
    credited = [(c, e.relates_to) for c, e in of if isinstance(e, CreditNoteIssued)]
    assert repeated(credited) == []
    payments = [e.payment_id for _, e in of if isinstance(e, PaymentReceived)]
    assert repeated(payments) == []
    assert len(payments) == the_plan.payments
    readings = [(c, e.reading) for c, e in of if isinstance(e, OdometerReported)]
    assert repeated(readings) == []
    assert len(readings) == the_plan.count("reading")
    invoiced = [(c, e.period_start) for c, e in of if isinstance(e, InstalmentInvoiced)]
    assert repeated(invoiced) == []
    ends = (ExternalAgreementRegistered, ExternalAgreementEnded)
    agreements = [s.agreement_id for s in the_plan.steps if s.kind == "agreement"]
    once = Counter((e.__name__, a) for a in agreements for e in ends)
    assert agreements_applied(lab.env) == once

    # (c) the views the projections worker kept equal a rebuild
    live = live_views(app, lab.env)
    assert all(live[t] for t in ("history.events", "portal.contracts", "portal.timeline"))
    assert live == rebuilt_in_memory(app)
    return events
