"""Property-based fuzzing of the served OpenAPI document with schemathesis (API.md 5):
every operation, as each staff role, on PostgreSQL. No answer is a server error and every
answer conforms to the documented status codes, content types and schemas.

The contract the examples name (`DEMO-2024-0001`) exists and is handed over, so the
examples reach the rules; generated numbers mostly reach the 404 path.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

import pytest
import schemathesis
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import ServerError
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from api.auth import Role
from infra.bootstrap import build_projection_group, close_projection_group
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from tests.api.served import served
from tests.api.tokens import new_keys
from tests.conftest import fresh_schema
from tests.factories import REF_START, handed_over_ref_contract

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

    from infra.settings import PostgresInfo

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 6
"""Generated cases per operation, each sent as every role (about 115 operations x 6 x 4
roles, so well over the 2,000 requests API.md 5 asks for)."""
MIN_REQUESTS_PER_ROLE = 500
DEMO = "DEMO-2024-0001"
FUZZ_KEYS = new_keys()
AUTH = {role: {"Authorization": f"Bearer {FUZZ_KEYS.token(role)}"} for role in Role}


@pytest.fixture(scope="module")
def fuzzed_app(pg_info: PostgresInfo) -> Iterator[FastAPI]:
    with fresh_schema(pg_info) as schema:
        env = pg_info.eventsourcing_env(schema=schema)
        contracts = IdempotentContracts(env=env)
        contracts.save(handed_over_ref_contract(contract_number=DEMO))
        group = build_projection_group(contracts, env)
        group.catch_up()
        with served(contracts, env, FUZZ_KEYS, SettableClock(REF_START), 50) as client:
            yield cast("FastAPI", client.app)
        close_projection_group(group)
        contracts.close()


def operations(app: FastAPI) -> list[Any]:
    """Every operation of the served OpenAPI document."""
    schema = schemathesis.openapi.from_asgi("/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


def no_server_fault(_ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx, except the documented 503 of a read model that is not at `min_position` yet
    (API.md 4): the client asked to wait for a write that has not happened."""
    if response.status_code == 503 and "min_position" in (case.query or {}):
        return None
    if response.status_code >= 500:
        raise ServerError(operation=case.operation.label, status_code=response.status_code)
    return None


def fuzz(operation: Any, answers: dict[Role, Counter[int]]) -> None:
    """Send generated requests to one operation, valid ones and ones outside the schema
    (which must be refused with a 4xx), each once with every role's token; check each
    answer against every documented property (no 5xx, status, content type, schema).

    Each case is generated once and sent as every role: generation is most of this test's
    time, and with `derandomize` each role drew the same cases anyway. A request the schema
    admits may still be refused by a rule the schema cannot state (a km cap, a lease part
    left after the services): that is a 409 or 422 with its rule ID, not an error, so the
    "schema-valid data is accepted" check is left out. So is "the API ignores invalid
    authentication": it takes the valid token this test sets for a generated one (it
    reported a 200 to this test's own valid token); tests/api/test_auth.py walks every
    operation with every kind of bad token instead."""
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, headers=AUTH[Role.OPERATOR]),
        operation.as_strategy(GenerationMode.NEGATIVE, headers=AUTH[Role.OPERATOR]),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for role, auth in AUTH.items():
            note(f"as {role.value}")
            response = case.call_and_validate(
                headers=auth,
                excluded_checks=[positive_data_acceptance, not_a_server_error, ignored_auth],
                additional_checks=[no_server_fault],
            )
            answers[role][response.status_code] += 1

    run()


def test_no_server_error_and_every_answer_as_documented(fuzzed_app: FastAPI) -> None:
    answers: dict[Role, Counter[int]] = {role: Counter() for role in Role}
    for operation in operations(fuzzed_app):
        fuzz(operation, answers)
    for role, statuses in answers.items():
        assert statuses.total() >= MIN_REQUESTS_PER_ROLE, role
        assert statuses[200] > 0, f"{role}: nothing was answered"
    # Every role's own token reached the API: the staff roles read what the customer may not.
    assert answers[Role.CUSTOMER][403] > answers[Role.OPERATOR][403]
    assert answers[Role.AUDITOR][403] > answers[Role.OPERATOR][403]
