"""The topic registry (infra/topics.py) and the worker registry (infra/workers.py) agree with
each other and drive the settings, the published documents and `lease run`."""

from __future__ import annotations

import pytest

from infra.schemas.asyncapi import asyncapi_document
from infra.schemas.json_schemas import MESSAGE_DIRS
from infra.settings import Settings
from infra.topics import TOPICS, topic_spec
from infra.workers import KAFKA_WORKERS, WORKERS, worker_spec


def test_every_topic_is_a_setting_named_by_its_key_with_its_default() -> None:
    settings = Settings.model_construct()
    assert settings.all_topics() == [t.default for t in TOPICS]
    assert all(settings.topic(t.key) == getattr(settings, f"{t.key}_topic") for t in TOPICS)


def test_a_topic_name_comes_from_its_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEASE_PAYMENTS_TOPIC", "bank.payments")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.topic("payments") == "bank.payments"
    assert "bank.payments" in settings.all_topics()


AWAITING_WORKER: set[str] = set()
"""Portal topics (issue 11) registered before the workers that write and read them: the
notifications outbox relay and the external-agreements consumer. Remove a key when its
worker is registered (the test below fails until then)."""


def test_workers_read_and_write_registered_topics_and_every_topic_has_a_worker() -> None:
    used = {key for w in WORKERS for key in (*w.reads, *w.writes)}
    assert used == {t.key for t in TOPICS} - AWAITING_WORKER
    assert not used & AWAITING_WORKER, "a portal topic has its worker: drop it from the set"
    for worker in WORKERS:
        assert worker.needs_broker == (worker.name in KAFKA_WORKERS)
        assert (worker.build is None) == (not worker.needs_broker)


def test_a_topic_with_a_handler_is_read_by_a_worker() -> None:
    readers = {key for w in WORKERS for key in w.reads}
    assert all(t.key in readers for t in TOPICS if t.handler is not None)


def test_the_asyncapi_document_has_a_channel_per_topic_and_a_schema_per_message() -> None:
    channels = asyncapi_document()["channels"]
    assert [c["address"] for c in channels.values()] == [t.default for t in TOPICS]
    assert set(MESSAGE_DIRS) == {t.message for t in TOPICS if t.message is not None}


def test_unknown_names_say_which_ones_exist() -> None:
    with pytest.raises(KeyError, match="topics are contract_events"):
        topic_spec("invoices")
    with pytest.raises(KeyError, match="workers are projections, relay"):
        worker_spec("billing")
