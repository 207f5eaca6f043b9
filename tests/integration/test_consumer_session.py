"""The consumers' Kafka session comes from the settings (LEASE_CONSUMER_SESSION_TIMEOUT_MS):
production keeps 6 s; `lease simulate --stack` and the fault tests take less, which the
Tansu broker answers with a faster first join and a faster hand-over after a kill."""

from __future__ import annotations

import secrets
from datetime import date
from typing import TYPE_CHECKING

import pytest

from infra import workers
from infra.clock import SettableClock
from infra.settings import Settings
from infra.simulate.on_stack import SESSION_TIMEOUT_MS, isolated
from tests.conftest import fresh_schema

if TYPE_CHECKING:
    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("settings", "session_ms"),
    [
        (Settings(), 6000),
        (Settings(consumer_session_timeout_ms=3000), 3000),
        (isolated(Settings(), "session-test"), SESSION_TIMEOUT_MS),
    ],
    ids=["default", "set", "simulate on the stack"],
)
def test_a_feed_consumer_takes_its_session_and_heartbeats_six_times_in_it(
    settings: Settings, session_ms: int, pg_info: PostgresInfo, bootstrap_servers: str
) -> None:
    topic = f"test.payments.{secrets.token_hex(4)}"
    settings = settings.with_topics({"payments": topic}, topic_partitions=1)
    with fresh_schema(pg_info) as schema:
        env = pg_info.eventsourcing_env(schema=schema)
        wiring = workers.Wiring(settings, env, bootstrap_servers, SettableClock(date(2025, 1, 1)))
        try:
            runner = workers.feed(wiring, "payments")
            assert runner.consumer_settings["session_timeout_ms"] == session_ms
            assert runner.consumer_settings["heartbeat_interval_ms"] == session_ms // 6
        finally:
            wiring.close()
