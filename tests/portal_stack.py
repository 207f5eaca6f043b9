"""The portal on a real back end for the browser and abuse tests: PostgreSQL, the views, the broker.

`PortalStack` holds two customers with a billed contract each (their contact data kept as
a conclusion would keep it, P-30), the app served on a free port, and what a test needs
to act as the outside world: the SMS read from `lease.notifications.v1` after the relay
sent them, the staff publishing a terms version, the projections catching up.
"""

from __future__ import annotations

import json
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Literal

from api.app import create_app
from api.deps import Services
from api.metrics import Metrics
from api.readmodels import ReadModels
from domain.application import ContractsApplication
from domain.contract import Contract
from infra.bootstrap import build_projection_group, close_projection_group
from infra.clock import SettableClock
from infra.kafka import acknowledged_producer, create_topics
from infra.portal.backend import PortalBackend
from infra.portal.contact import CustomerContact
from infra.portal.registration import CODE_TEMPLATE
from infra.settings import Settings
from projections.views.invoices import PostgresInvoicesView
from projections.views.portal import PostgresPortalView
from tests.api.tokens import Keys, new_keys
from tests.browser.live import live_server
from tests.factories import REF_START, handed_over_ref_contract, run_days
from tests.topic_reader import read_topic

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from kafka import KafkaProducer

    from infra.settings import PostgresInfo

Language = Literal["nl", "fr", "en"]
TODAY = date(2024, 6, 20)
LANGUAGES: tuple[Language, ...] = ("nl", "fr")
"""The business date of the stack: the contracts are billed up to it."""


@dataclass(frozen=True)
class Customer:
    number: str
    contract: str
    language: Language
    email: str
    password: str


@dataclass
class PortalStack:
    """Two customers, the served app, the relay and the views of one test session."""

    url: str
    """Where the app is served ("" when it is not: use `app` with a test client)."""
    app: FastAPI
    backend: PortalBackend
    contracts: ContractsApplication
    env: dict[str, str]
    customers: list[Customer]
    producer: KafkaProducer
    bootstrap: str
    topic: str
    read_models: ReadModels
    keys: Keys
    """The keys the app trusts (customer tokens for /v1/me)."""

    def latest_code(self, customer: Customer) -> str:
        """The last authentication code sent to the customer, read from the notifications
        topic once the outbox relay sent what is pending (as the notification service would
        receive it)."""
        self.backend.outbox.relay_once(self.producer, self.topic)
        codes = [
            body["parameters"]["code"]
            for body in (json.loads(r.value) for r in read_topic(self.bootstrap, self.topic))
            if body["customer_number"] == customer.number and body["template"] == CODE_TEMPLATE
        ]
        assert codes, f"no code for {customer.number} on {self.topic}"
        return str(codes[-1])

    def publish_terms(self, version: str) -> None:
        """The lessor publishes a new portal terms version in force today."""
        texts = {lang: f"Version {version} ({lang}).\n\nNew clause." for lang in ("nl", "fr")}
        self.backend.terms_texts.put(version, texts)
        now = datetime.now(UTC)
        self.backend.app.publish_terms(version, now.date(), now)

    def contracts_documents(self, customer: Customer) -> list[str]:
        """The numbers of the documents of the customer's contract (the invoices view)."""
        view = self.read_models.view("invoices", PostgresInvoicesView)
        return [row["number"] for row in view.documents(Contract.create_id(customer.contract))]

    def catch_up(self) -> None:
        """The projections apply what the contracts recorded since."""
        group = build_projection_group(self.contracts, self.env)
        try:
            group.catch_up()
        finally:
            close_projection_group(group)


def _customer(backend: PortalBackend, contract: Contract, language: Language) -> Customer:
    """The customer of `contract`, with the contact data a conclusion keeps (P-30)."""
    number = contract.terms.customer_number
    contact = CustomerContact(
        postal_address="Rue de la Loi 16, 1000 Bruxelles",
        email=f"{number.lower()}@example.com",
        mobile_number="+32470" + str(secrets.randbelow(10**6)).zfill(6),
        language=language,
    )
    backend.contacts.put(number, contact, datetime.now(UTC))
    email = f"portal-{number.lower()}@example.com"
    return Customer(number, contract.number, language, email, secrets.token_urlsafe(12) + "aA1")


@contextmanager
def portal_stack(
    info: PostgresInfo, schema: str, bootstrap: str, *, serve: bool = True
) -> Iterator[PortalStack]:
    """The stack on a fresh schema of the session's PostgreSQL and the session's broker,
    served on a free port (or not: `serve=False`)."""
    env = info.eventsourcing_env(schema=schema)
    contracts = ContractsApplication(env=env)
    contract_rows = [handed_over_ref_contract() for _ in range(2)]
    for contract in contract_rows:
        run_days(contract, REF_START, TODAY)
        contracts.save(contract)
    group = build_projection_group(contracts, env)
    group.catch_up()
    close_projection_group(group)
    read_models = ReadModels.open(env, contracts.name, 200)
    view = partial(read_models.view, "portal", PostgresPortalView)
    backend = PortalBackend.open(env, secrets.token_bytes(32), view, contracts)
    customers = [
        _customer(backend, contract, lang)
        for contract, lang in zip(contract_rows, LANGUAGES, strict=True)
    ]
    topic = f"test.notifications.{secrets.token_hex(4)}"
    create_topics(bootstrap, [topic], 1)
    producer = acknowledged_producer(bootstrap, "browser-tests")
    keys = new_keys()
    services = Services(
        settings=Settings(),
        verifier=keys.verifier(),
        clock=SettableClock(TODAY),
        metrics=Metrics(),
        read_models=read_models,
        contracts=contracts,
        portal=backend,
    )
    app = create_app(services)
    stack = PortalStack(
        "", app, backend, contracts, env, customers, producer, bootstrap, topic, read_models, keys
    )
    try:
        if not serve:
            yield stack
            return
        with live_server(app) as url:
            stack.url = url
            yield stack
    finally:
        producer.close()
        backend.close()
        read_models.close()
        contracts.close()
