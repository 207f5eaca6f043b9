"""`/v1/me` for the mobile app under the portal's rules: a registered, active account
(PT-04), the app's own authentication recorded before its first login (PT-06), every
access audited (PT-08), refused while new terms wait for acceptance (PT-13)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from domain.portal import events as ev
from domain.portal.account import PortalAccount
from tests.conftest import fresh_schema
from tests.portal_accounts import activate
from tests.portal_stack import PortalStack, portal_stack

if TYPE_CHECKING:
    from collections.abc import Iterator

    from httpx2 import Response

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration


@pytest.fixture
def portal(pg_info: PostgresInfo, bootstrap_servers: str) -> Iterator[PortalStack]:
    with (
        fresh_schema(pg_info) as schema,
        portal_stack(pg_info, schema, bootstrap_servers, serve=False) as stack,
        TestClient(stack.app),
    ):
        yield stack


def _get(portal: PortalStack, path: str, customer: str, token: str | None = None) -> Response:
    token = token or portal.keys.token(Role.CUSTOMER, customer=customer)
    client = TestClient(portal.app)
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def _events(portal: PortalStack, customer: str) -> list[str]:
    account_id = PortalAccount.create_id(customer)
    return [type(e).__name__ for e in portal.backend.app.repository.event_store.get(account_id)]


def test_PT_04_an_unregistered_customer_is_refused(portal: PortalStack) -> None:
    customer = portal.customers[0]
    answer = _get(portal, "/v1/me/contracts", customer.number)
    assert answer.status_code == 403
    assert answer.json()["rule_id"] == "PT-04"


def test_PT_06_the_apps_authentication_comes_before_its_first_login(portal: PortalStack) -> None:
    customer = portal.customers[0]
    activate(portal.backend, customer.number, datetime.now(UTC))
    token = portal.keys.token(Role.CUSTOMER, customer=customer.number)
    for path in ("/v1/me/contracts", f"/v1/me/contracts/{customer.contract}"):
        answer = _get(portal, path, customer.number, token)
        assert answer.status_code == 200, answer.text
    names = _events(portal, customer.number)
    first = names.index(ev.ConnectedServiceAuthenticated.__name__)
    assert names[first + 1] == ev.PortalLoginSucceeded.__name__
    assert names.count(ev.PortalLoginSucceeded.__name__) == 1  # one token, one app login
    assert names[-2:] == [ev.PortalActionPerformed.__name__] * 2  # PT-08: both accesses


def test_PT_13_new_terms_block_the_app_until_accepted(portal: PortalStack) -> None:
    customer = portal.customers[1]
    activate(portal.backend, customer.number, datetime.now(UTC))
    portal.publish_terms("2099.1")
    answer = _get(portal, "/v1/me/contracts", customer.number)
    assert answer.status_code == 403
    assert answer.json()["rule_id"] == "PT-13"
