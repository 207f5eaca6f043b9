"""P-30: a conclusion's `customer_contact` goes to the portal's contact store, never into an
event; an invalid contact is a 422 naming its field; the demo scenario carries one."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import pytest

from api.auth import Role
from infra.bootstrap import DEMO_SCENARIO
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from infra.simulate.scenario import load_scenario
from tests.api.served import served
from tests.api.tokens import new_keys
from tests.factories import REF_START, ref_terms_dict

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from infra.portal.backend import PortalBackend

pytestmark = pytest.mark.integration

CONTACT = {
    "postal_address": "Voorbeeldstraat 1, 1000 Brussel",
    "email": "contact.test@example.com",
    "mobile_number": "+32 470 00 00 00",
    "language": "nl",
}


@pytest.fixture
def client(pg_env: dict[str, str]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    contracts = IdempotentContracts(env=pg_env)
    keys = new_keys()
    headers = {"Authorization": f"Bearer {keys.token(Role.OPERATOR)}"}
    try:
        with served(contracts, pg_env, keys, SettableClock(REF_START)) as test_client:
            yield test_client, headers
    finally:
        contracts.close()


def test_P_30_the_contact_is_kept_for_the_portal_and_not_in_the_events(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, headers = client
    terms = ref_terms_dict(customer_contact=CONTACT)
    response = test_client.post("/v1/contracts", json=terms, headers=headers)
    assert response.status_code == 201, response.text
    portal = cast("PortalBackend", test_client.app.state.services.portal)  # type: ignore[attr-defined]
    kept = portal.contacts.get(terms["customer_number"])
    assert kept is not None
    assert (kept.email, kept.mobile_number) == (CONTACT["email"], "+32470000000")
    contracts = test_client.app.state.services.contracts  # type: ignore[attr-defined]
    events = list(contracts.events.get(contracts.get(terms["contract_number"]).id))
    payloads = " ".join(str(vars(e)) for e in events)
    for personal in ("example.com", "+32470000000", "Voorbeeldstraat"):
        assert personal not in payloads


def test_an_invalid_contact_is_422_naming_the_field(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, headers = client
    bad = ref_terms_dict(customer_contact={**CONTACT, "mobile_number": "0470"})
    response = test_client.post("/v1/contracts", json=bad, headers=headers)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body.customer_contact"
    assert "mobile_number" in error["message"]


def test_the_demo_scenario_carries_a_clearly_fake_contact() -> None:
    scenario = load_scenario(DEMO_SCENARIO)
    assert scenario.contact is not None
    assert scenario.contact.email.endswith("@example.com")
    assert scenario.contact.mobile_number == "+32470000000"
