"""The portal's workers on PostgreSQL and the session's broker: the external-agreements
consumer (PT-01, idempotent on redelivery), the notifications relay, and the scheduler's
access expiry (PT-03, D-34's worked example shape)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

import pytest
from kafka import KafkaProducer

from domain.application import ContractsApplication
from domain.calendar import add_months
from domain.portal.application import PortalApplication
from domain.portal.values import AccessState, RevocationReason
from infra import workers
from infra.clock import SettableClock
from infra.kafka import create_topics
from infra.portal.backend import portal_datastore
from infra.portal.expiry import AccessExpiry
from infra.portal.notifications import Notification, NotificationOutbox
from infra.portal.relay import console_line
from infra.portal.sessions import ABSOLUTE_TIMEOUT, Sessions
from infra.settings import Settings
from projections.registry import all_specs, build_group, postgres_view
from tests.contract_cases import ONE_DAY, REF_CONTRACTUAL_END
from tests.factories import REF_START, handed_over_ref_contract, run_days
from tests.topic_reader import read_topic
from tests.unit.portal_steps import registered

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from infra.portal.notifications import Notification as NotificationType
    from projections.views.portal import PortalView

pytestmark = pytest.mark.integration

WAIT = 20.0
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Deadline loop until `condition()` holds."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {WAIT}s"
        threading.Event().wait(0.05)


class Running:
    """A worker on a thread until `stop()`."""

    def __init__(self, run: Callable[[threading.Event], None]) -> None:
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=run, args=(self.stop_event,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


@pytest.fixture
def wiring(pg_env: dict[str, str], bootstrap_servers: str) -> Iterator[workers.Wiring]:
    token = secrets.token_hex(4)
    names = {
        "external_agreements": f"test.external-agreements.{token}",
        "notifications": f"test.notifications.{token}",
        "dead_letter": f"test.dead-letter.{token}",
    }
    prefix = f"test.{token}."  # a group of its own: no member left by another test to wait for
    settings = Settings(consumer_group_prefix=prefix).with_topics(names, topic_partitions=1)
    create_topics(bootstrap_servers, list(names.values()), partitions=1)
    built = workers.Wiring(settings, pg_env, bootstrap_servers, SettableClock(REF_START))
    yield built
    built.close()


def agreement(event: str, end: str | None = None, agreement_id: str = "FIN-1") -> bytes:
    message: dict[str, Any] = {
        "schema_version": 1,
        "customer_number": "K-EXT-1",
        "agreement_id": agreement_id,
        "type": "FINANCING",
        "event": event,
        "effective_end_date": end,
    }
    return json.dumps(message).encode()


def test_PT_01_external_agreements_reach_the_account_and_a_redelivery_is_harmless(
    wiring: workers.Wiring,
) -> None:
    topic = wiring.settings.topic("external_agreements")
    portal = wiring.portal_app()
    running = Running(workers.external_agreements(wiring).run)
    producer = KafkaProducer(bootstrap_servers=wiring.bootstrap, acks="all")
    try:
        for value in (agreement("REGISTERED"), agreement("REGISTERED")):
            producer.send(topic, key=b"K-EXT-1", value=value).get(timeout=WAIT)
        producer.send(topic, key=b"K-EXT-1", value=agreement("ENDED", "2026-01-31")).get(
            timeout=WAIT
        )
        producer.send(topic, key=b"K-EXT-1", value=agreement("ENDED", "2026-02-28", "FIN-4")).get(
            timeout=WAIT
        )
        producer.send(topic, key=b"K-EXT-1", value=agreement("ENDED", None, "FIN-2")).get(
            timeout=WAIT
        )
        producer.send(topic, key=b"K-EXT-1", value=agreement("REGISTERED", None, "FIN-3")).get(
            timeout=WAIT
        )

        def known() -> bool:
            account = portal.account("K-EXT-1")
            return account is not None and "FIN-3" in account.agreements

        wait_until(known, "the third agreement on the account")
    finally:
        producer.close()
        running.stop()
    account = portal.account("K-EXT-1")
    assert account is not None
    assert sorted(account.agreements) == ["FIN-1", "FIN-3", "FIN-4"]  # FIN-4: ended, unseen
    assert account.agreements["FIN-1"].ended_on == date(2026, 1, 31)
    assert account.agreements["FIN-3"].running
    assert account.agreements["FIN-4"].ended_on == date(2026, 2, 28)
    dead = read_topic(wiring.bootstrap, wiring.settings.topic("dead_letter"))
    assert len(dead) == 1  # ENDED without its end date


def test_the_notifications_relay_publishes_the_outbox_and_reports_each_one(
    wiring: workers.Wiring,
) -> None:
    seen: list[NotificationType] = []
    wiring.on_notification = seen.append
    outbox = NotificationOutbox(portal_datastore(wiring.portal_app()))
    relay = workers.notifications(wiring)
    running = Running(relay.run)
    try:
        sms = Notification.new(
            "SMS", "+32470000000", "authentication-code", "nl", {"code": "123456"}, "K-N-1", AT
        )
        outbox.add(sms)
        wait_until(lambda: len(seen) == 1, "the notification relayed")
    finally:
        running.stop()
    records = read_topic(wiring.bootstrap, wiring.settings.topic("notifications"))
    assert [Notification.from_json(json.loads(r.value)) for r in records] == [sms]
    assert records[0].key == b"K-N-1"
    line = console_line(seen[0])
    assert line == ("Notification SMS to +32470000000: authentication-code [nl] code=123456")


def ended_and_running(app: ContractsApplication) -> tuple[str, str]:
    """A contract ended by law on its contractual end, and one still running."""
    ended = handed_over_ref_contract()
    run_days(ended, REF_START, REF_CONTRACTUAL_END + ONE_DAY)
    running = handed_over_ref_contract()
    run_days(running, REF_START, REF_CONTRACTUAL_END - ONE_DAY)
    app.save(ended, running)
    return ended.terms.customer_number, running.terms.customer_number


def test_D_34_access_ends_18_months_after_the_last_contract_ended(
    pg_env: dict[str, str],
) -> None:
    app = ContractsApplication(env=pg_env)
    portal = PortalApplication(env=pg_env)
    try:
        ended, running = ended_and_running(app)
        specs = all_specs(["portal"])
        build_group(app, specs, pg_env).catch_up()
        view = cast("PortalView", postgres_view(specs[0], pg_env, create=False))
        for number in (ended, running):
            portal.save(registered(number))
        expiry = AccessExpiry(portal, lambda: view)
        until = add_months(REF_CONTRACTUAL_END, 18)

        assert expiry.run(until, AT) == 0  # the last day of access
        assert portal.account(ended).access_valid_until == until  # type: ignore[union-attr]
        assert expiry.run(until + ONE_DAY, AT) == 1
        account = portal.account(ended)
        assert account is not None
        assert account.access is AccessState.REVOKED
        assert account.revoked_reason is RevocationReason.ELIGIBILITY_EXPIRED
        still = portal.account(running)
        assert still is not None
        assert (still.access, still.access_valid_until) == (AccessState.ACTIVE, None)
        assert expiry.done_on == until + ONE_DAY
    finally:
        portal.close()
        app.close()


def test_the_daily_run_purges_timed_out_sessions(pg_env: dict[str, str]) -> None:
    portal = PortalApplication(env=pg_env)
    try:
        sessions = Sessions(portal_datastore(portal))
        old = sessions.open(None, AT - ABSOLUTE_TIMEOUT)
        live = sessions.open(None, AT)
        expiry = AccessExpiry(portal, lambda: cast("PortalView", None), (sessions,))
        expiry.run(AT.date(), AT)
        with sessions.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT count(*) AS n FROM {sessions.datastore.schema}.portal_sessions")
            row = curs.fetchone()
        assert row is not None
        assert row["n"] == 1  # the anonymous session of 12 hours ago is gone
        assert sessions.get(live.token, AT) is not None
        assert sessions.get(old.token, AT) is None
    finally:
        portal.close()
