"""M-10 / K-01 over HTTP on PostgreSQL: a Guarantee held under one contract applied to another
contract of the same Customer (both stored at once), and its release refused while the
exposure view shows the Customer's other contract still running or with documents open."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from domain.contract.guarantees import ProvideGuarantee
from domain.contract.registry import execute
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.money import Money
from infra.clock import SettableClock
from infra.idempotency import IdempotentContracts
from tests.api.served import served
from tests.api.tokens import new_keys
from tests.contract_cases import REF_LATE_RETURN, pay_everything
from tests.factories import REF_START, ctx, handed_over_ref_contract, ref_terms_dict, run_days
from tests.integration.test_api_commands import TODAY, Api

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from projections.engine.runner import ProjectionGroup

pytestmark = pytest.mark.integration

DEPOSIT = {"guarantee_id": "G-1", "guarantee_type": "CASH_DEPOSIT", "amount": "2000.00"}


class Customers(Api):
    """The API with its projection group, to bring the views up to date."""

    group: ProjectionGroup

    def handed_over_for(self, customer: str) -> str:
        terms = ref_terms_dict(customer_number=customer)
        assert self.post("/v1/contracts", terms).status_code == 201
        number = str(terms["contract_number"])
        for name in ("order_vehicle", "notify_vehicle_ready", "submit_insurance_proof"):
            assert self.command(number, name).status_code == 200, name
        assert self.command(number, "hand_over", {"odometer": 12}).status_code == 200
        return number


@pytest.fixture
def customers(
    pg_env: dict[str, str], groups: Callable[..., ProjectionGroup]
) -> Iterator[Customers]:
    contracts = IdempotentContracts(env=pg_env)
    group = groups(contracts, pg_env)
    group.catch_up()  # the views' tables exist
    keys, clock = new_keys(), SettableClock(TODAY)
    with served(contracts, pg_env, keys, clock) as client:
        api = Customers(client, keys, clock, contracts)
        api.group = group
        yield api
    contracts.close()


def closed_holding_a_deposit(customers: Customers, customer: str) -> str:
    """A contract of `customer` run to its end and closed, still holding its deposit G-1 (the
    one contract the release itself would accept); stored, its number returned."""
    contract = handed_over_ref_contract(customer_number=customer)
    deposit = ProvideGuarantee(
        guarantee_id="G-1", guarantee_type="CASH_DEPOSIT", amount=Money.of("2000.00")
    )
    execute(contract, deposit, ctx(REF_START))
    run_days(contract, REF_START, date(2028, 3, 12))
    returned = ReturnVehicle(odometer=88_012, damages=(), missing_items=())
    execute(contract, returned, ctx(REF_LATE_RETURN))
    pay_everything(contract, REF_LATE_RETURN)
    execute(contract, CloseContract(), ctx(REF_LATE_RETURN))
    customers.contracts.save(contract)
    return contract.number


def test_M_10_a_guarantee_applied_to_another_contract_of_the_customer(
    customers: Customers,
) -> None:
    holder = customers.handed_over_for("K-API-M10")
    other = customers.handed_over_for("K-API-M10")
    assert customers.command(holder, "provide_guarantee", DEPOSIT).status_code == 200
    cost = {"cost_type": "MAINTENANCE_REPAIR", "amount": "650.00"}
    assert customers.command(other, "charge_running_cost", cost).status_code == 200
    owed = customers.contracts.get(other).open_debits()
    assert owed == Money.of("650.00")

    response = customers.command(
        holder, "apply_guarantee_to_contract", {"guarantee_id": "G-1", "contract_number": other}
    )

    assert response.status_code == 200, response.text
    assert [e["type"] for e in response.json()["events"]] == ["GuaranteeAppliedToContract"]
    assert customers.stored(other)[-1] == "GuaranteeAppliedFromContract"
    assert customers.contracts.get(other).open_debits().is_zero
    left = customers.contracts.get(holder).guarantees["G-1"].available
    assert left == Money.of("2000.00") - owed


def test_M_10_another_customers_contract_is_409_naming_the_field(customers: Customers) -> None:
    holder = customers.handed_over_for("K-API-ONE")
    stranger = customers.handed_over_for("K-API-TWO")
    assert customers.command(holder, "provide_guarantee", DEPOSIT).status_code == 200

    response = customers.command(
        holder, "apply_guarantee_to_contract", {"guarantee_id": "G-1", "contract_number": stranger}
    )

    assert response.status_code == 409
    assert response.json()["rule_id"] == "M-10"
    assert "contract_number" in response.json()["detail"]
    assert "GuaranteeAppliedFromContract" not in customers.stored(stranger)


def test_M_10_release_is_409_while_another_contract_of_the_customer_runs(
    customers: Customers,
) -> None:
    holder = closed_holding_a_deposit(customers, "K-API-REL")
    other = customers.handed_over_for("K-API-REL")
    customers.group.catch_up()

    response = customers.command(holder, "release_guarantee", {"guarantee_id": "G-1"})

    assert response.status_code == 409
    problem = response.json()
    assert problem["rule_id"] == "M-10"
    assert other in problem["detail"]  # the exposure view's other contract, not the aggregate
    assert "GuaranteeReleased" not in customers.stored(holder)


def test_M_10_a_replayed_key_answers_the_holder_s_events_and_records_nothing(
    customers: Customers,
) -> None:
    holder = customers.handed_over_for("K-API-KEY")
    other = customers.handed_over_for("K-API-KEY")
    assert customers.command(holder, "provide_guarantee", DEPOSIT).status_code == 200
    cost = {"cost_type": "MAINTENANCE_REPAIR", "amount": "120.00"}
    assert customers.command(other, "charge_running_cost", cost).status_code == 200
    body = {"guarantee_id": "G-1", "contract_number": other}

    first = customers.command(holder, "apply_guarantee_to_contract", body, Idempotency_Key="k-1")
    again = customers.command(holder, "apply_guarantee_to_contract", body, Idempotency_Key="k-1")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert customers.stored(other).count("GuaranteeAppliedFromContract") == 1
    assert customers.stored(holder).count("GuaranteeAppliedToContract") == 1


def test_M_10_a_release_the_contract_refuses_is_answered_without_the_views(
    customers: Customers,
) -> None:
    """The views are not caught up here (nothing follows the log): a release the contract
    itself refuses is answered at once from the contract, never a 503 of a lagging view."""
    holder = customers.handed_over_for("K-API-M10-LAG")
    assert customers.command(holder, "provide_guarantee", DEPOSIT).status_code == 200

    running = customers.command(holder, "release_guarantee", {"guarantee_id": "G-1"})
    unknown = customers.command("LC-2024-999999", "release_guarantee", {"guarantee_id": "G-1"})

    assert running.status_code == 409, running.text
    assert running.json()["rule_id"] == "M-10"
    assert "release_guarantee" in running.json()["detail"]
    assert unknown.status_code == 404, unknown.text
