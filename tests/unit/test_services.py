"""The ancillary-service status (L-33), the supplier that stops (T-18.2-i) and the vehicle that
never passes to the Customer (L-42)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING

from domain.contract.billing_events import RunningCostCharged
from domain.contract.charges import ChargeRunningCost
from domain.contract.cover_events import (
    AncillaryServiceStopped,
    ReplacementSupplierSearchFailed,
    ServiceSupplierCeased,
)
from domain.contract.fuel import StopFuelManagement
from domain.contract.fuel_events import FuelProvisionInvoiced
from domain.contract.registry import HANDLERS, VEHICLE_TRANSFER, event_types, execute
from domain.contract.services import (
    ACTIVE,
    STOPPED,
    RecordReplacementSupplierSearchFailed,
    RecordServiceSupplierCeased,
    StopAncillaryService,
    service_status,
)
from domain.errors import RuleViolationError
from domain.values import ContractStatus
from projections.views.portal_text import sentence
from tests.contract_cases import (
    ONE_DAY,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_days
from tests.unit.test_fuel import FUEL

if TYPE_CHECKING:
    from domain.contract import Contract

ON = date(2025, 6, 12)
SERVICE = "MAINTENANCE_REPAIR"
COMPONENTS = ((SERVICE, eur("45.00")), ("TYRES", eur("12.00")))


def _contract() -> Contract:
    return running_ref_contract(ON, instalment_components=COMPONENTS)


def _supplier_gone(contract: Contract, service: str = SERVICE) -> None:
    ceased = RecordServiceSupplierCeased(service=service, supplier_id="GARAGE-7")
    failed = RecordReplacementSupplierSearchFailed(service=service, supplier_id="GARAGE-7")
    execute(contract, ceased, ctx(ON))
    execute(contract, failed, ctx(ON))


def test_P_28_the_services_chosen_drive_what_is_invoiced() -> None:
    # P-28: two REF contracts, one with Maintenance & Repair (in the instalment, P-13) and Fuel
    # Management (M-25's example: 157.13 a month) chosen, one with none. The same 300.00
    # repair is the Customer's running cost (M-31) only where the service was not chosen,
    # and only the contract with Fuel Management is invoiced a provision for July.
    chosen = running_ref_contract(ON, instalment_components=COMPONENTS, **FUEL)
    bare = running_ref_contract(ON)
    repair = ChargeRunningCost(cost_type=SERVICE, amount=eur("300.00"))

    execute(bare, repair, ctx(ON))

    assert only(collected(bare), RunningCostCharged).amount == eur("300.00")
    assert_refused(chosen, lambda: execute(chosen, repair, ctx(ON)), RuleViolationError, "M-31")
    july = date(2025, 7, 1)
    for contract in (chosen, bare):
        run_days(contract, ON + ONE_DAY, july)
    assert only(collected(chosen), FuelProvisionInvoiced).amount == eur("157.13")
    assert of_type(collected(bare), FuelProvisionInvoiced) == []


class TestSupplierStops:
    def test_T_18_2_i_the_customer_stops_a_service_whose_supplier_was_not_replaced(
        self,
    ) -> None:
        # RULES T-18.2-i: the supplier ceased and no other was found (HUMAN); either party
        # may then stop the service at once, and the contract continues.
        contract = _contract()
        _supplier_gone(contract)
        stop = StopAncillaryService(service=SERVICE, ground="18.2(i)")
        execute(contract, stop, ctx(ON, actor="CUSTOMER"))
        events = collected(contract)

        assert names(events) == [
            "ServiceSupplierCeased",
            "ReplacementSupplierSearchFailed",
            "AncillaryServiceStopped",
        ]
        assert_rules(only(events, ServiceSupplierCeased), "T-18.2-i")
        assert only(events, ReplacementSupplierSearchFailed).supplier_id == "GARAGE-7"
        stopped = only(events, AncillaryServiceStopped)
        assert_rules(stopped, "T-18.2-i", "L-33")
        assert (stopped.service, stopped.ground, stopped.effective_on) == (SERVICE, "18.2(i)", ON)
        assert contract.status is ContractStatus.ACTIVE
        assert service_status(contract, "TYRES") == ACTIVE
        assert "no other could be found (Art. 18.2(i))" in (sentence(stopped) or "")

    def test_T_18_2_i_fuel_management_may_stop_when_its_supplier_is_gone(self) -> None:
        contract = running_ref_contract(ON, **FUEL)
        _supplier_gone(contract, "FUEL_MANAGEMENT")
        execute(
            contract, StopAncillaryService(service="FUEL_MANAGEMENT", ground="18.2(i)"), ctx(ON)
        )

        assert only(collected(contract), AncillaryServiceStopped).ground == "18.2(i)"

    def test_T_18_2_i_no_stop_while_a_replacement_supplier_may_still_be_found(self) -> None:
        contract = _contract()
        execute(contract, RecordServiceSupplierCeased(service=SERVICE, supplier_id="G"), ctx(ON))
        contract.collect_events()
        stop = StopAncillaryService(service=SERVICE, ground="18.2(i)")

        assert_refused(
            contract, lambda: execute(contract, stop, ctx(ON)), RuleViolationError, "T-18.2-i"
        )

    def test_T_18_2_i_the_search_needs_a_recorded_cessation_and_a_service_of_art_12_16(
        self,
    ) -> None:
        contract = _contract()
        search = RecordReplacementSupplierSearchFailed(service=SERVICE, supplier_id="G")
        protection = RecordServiceSupplierCeased(service="PROTECTION", supplier_id="G")

        for command in (search, protection):
            assert_refused(
                contract,
                lambda c=command: execute(contract, c, ctx(ON)),  # type: ignore[misc]
                RuleViolationError,
                "T-18.2-i",
            )


class TestServiceStatus:
    def test_L_33_a_service_goes_from_active_to_stopped_once(self) -> None:
        # RULES L-33: ACTIVE -> STOPPED on 18.2(i); a stopped service cannot stop again.
        contract = _contract()
        assert service_status(contract, SERVICE) == ACTIVE
        _supplier_gone(contract)
        stop = StopAncillaryService(service=SERVICE, ground="18.2(i)")
        execute(contract, stop, ctx(ON))
        contract.collect_events()

        assert service_status(contract, SERVICE) == STOPPED
        assert_refused(
            contract, lambda: execute(contract, stop, ctx(ON)), RuleViolationError, "T-18.2-i"
        )

    def test_L_33_fuel_management_by_agreement_is_a_stop_on_16_5(self) -> None:
        contract = running_ref_contract(ON, **FUEL)
        execute(contract, StopFuelManagement(), ctx(ON))

        assert only(collected(contract), AncillaryServiceStopped).ground == "16.5"
        assert service_status(contract, "FUEL_MANAGEMENT") == STOPPED

    def test_L_33_every_service_is_stopped_once_the_contract_has_ended(self) -> None:
        contract = _contract()
        contract.status = ContractStatus.CLOSED  # the state the end leaves, not a command

        assert {service_status(contract, s) for s, _ in COMPONENTS} == {STOPPED}


def test_L_42_no_event_or_command_passes_the_vehicle_to_the_customer() -> None:
    # RULES L-42: the Vehicle is never transferred to the Customer; no buy-out event exists.
    event_names = list(event_types())
    command_names = [c.name for c in HANDLERS]
    command_fields = [f.name for c in HANDLERS for f in fields(c)]

    for name in event_names + command_names + command_fields:
        assert not any(w in name.replace("_", "").lower() for w in VEHICLE_TRANSFER), name
