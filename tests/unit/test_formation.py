"""Formation, order and handover of the Vehicle (L-01..L-09, D-08, D-09)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.contract import Contract
from domain.contract.billing_events import CreditNoteIssued
from domain.contract.formation import (
    HandOverVehicle,
    LiftHandoverSuspension,
    NotifyVehicleReady,
    OrderVehicle,
    RefuseHandover,
    SuspendHandover,
)
from domain.contract.formation_events import (
    HandoverRefusalAssessed,
    HandoverSuspended,
    HandoverSuspensionLifted,
    InsuranceProofDeadlineExpired,
    VehicleCollectionDeadlineExpired,
    VehicleHandedOver,
    VehicleHandoverRefused,
    VehicleOrdered,
    VehicleReadyForHandoverNotified,
)
from domain.contract.guarantee_events import GuaranteeReleased
from domain.contract.guarantees import ProvideGuarantee
from domain.contract.incidents_events import AdvanceRefundDetermined
from domain.contract.registry import execute
from domain.contract.termination_events import ContractEndedByLaw, DissolutionGroundDetected
from domain.errors import InvalidTransitionError, RuleViolationError, TermsError
from domain.money import Money
from domain.terms import ContractTerms
from domain.values import ContractStatus, EndKind, FuelType
from tests.contract_cases import (
    COLLECTION_DEADLINE,
    HANDOVER_SUSPENDED_ON,
    INSURANCE_PROOF_DEADLINE,
    ONE_DAY,
    ORDERED_ON,
    POLICY,
    READY_NOTICE,
    REF_CONTRACTUAL_END,
    REFUSED_ON,
    assert_refused,
    assert_rules,
    collected,
    names,
    of_type,
    only,
    ordered_contract,
    ready_contract,
)
from tests.factories import (
    REF_START,
    concluded_ref_contract,
    ctx,
    ref_terms,
    ref_terms_dict,
    run_daily,
    run_days,
)


class TestFormation:
    def test_L_01_conclude_records_the_contract(self) -> None:
        terms = ref_terms()
        contract = Contract.conclude(terms, ctx(date(2024, 2, 1)))

        assert contract.status is ContractStatus.CONCLUDED
        assert contract.number == terms.contract_number
        assert contract.version == 1
        events = collected(contract)
        assert names(events) == ["ContractConcluded"]
        assert_rules(events[0], "L-01", "P-49", "P-50")

    @pytest.mark.parametrize(
        ("change", "field", "rule_id"),
        [
            ({"term_months": None}, "term_months", "P-49"),
            ({"fuel_type": "BEV", "annual_km": 40_000}, "annual_km", "P-50"),
        ],
        ids=["P-49-missing-term", "P-50-BEV-160000-km"],
    )
    def test_L_01_conclude_validates_terms(
        self, change: dict[str, object], field: str, rule_id: str
    ) -> None:
        data = ref_terms_dict()
        data.update(change)

        with pytest.raises(TermsError) as refused:
            ContractTerms.from_dict(data)

        assert refused.value.rule_id == rule_id
        assert refused.value.field == field

    def test_L_01_conclude_refuses_terms_above_the_km_cap(self) -> None:
        # P-50: a BEV with 40,000 km/year x 48 months = 160,000 km > 140,000.
        terms = ref_terms(fuel_type=FuelType.BEV, annual_km=40_000)

        with pytest.raises(TermsError) as refused:
            Contract.conclude(terms, ctx(date(2024, 2, 1)))

        assert refused.value.rule_id == "P-50"
        assert refused.value.field == "annual_km"

    def test_L_02_order_vehicle(self) -> None:
        contract = concluded_ref_contract()
        contract.collect_events()

        execute(contract, OrderVehicle(), ctx(ORDERED_ON))

        assert contract.status is ContractStatus.ORDERED
        assert_rules(only(collected(contract), VehicleOrdered), "L-02")

    def test_L_02_second_order_is_refused(self) -> None:
        contract = ordered_contract()

        assert_refused(
            contract,
            lambda: execute(contract, OrderVehicle(), ctx(ORDERED_ON)),
            InvalidTransitionError,
            "L-02",
        )

    def test_L_04_ready_notice_starts_D_08_and_D_09(self) -> None:
        contract = ordered_contract()

        execute(contract, NotifyVehicleReady(), ctx(READY_NOTICE))

        assert contract.status is ContractStatus.READY_FOR_HANDOVER
        assert contract.collection_deadline == COLLECTION_DEADLINE
        assert contract.insurance_proof_deadline == INSURANCE_PROOF_DEADLINE
        notice = only(collected(contract), VehicleReadyForHandoverNotified)
        assert_rules(notice, "L-04", "D-08", "D-09")
        assert notice.collection_deadline == COLLECTION_DEADLINE
        assert notice.insurance_proof_deadline == INSURANCE_PROOF_DEADLINE

    def test_L_04_ready_notice_before_the_order_is_refused(self) -> None:
        contract = concluded_ref_contract()
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, NotifyVehicleReady(), ctx(READY_NOTICE)),
            InvalidTransitionError,
            "L-04",
        )

    def test_L_05_suspend_handover(self) -> None:
        contract = ready_contract()

        execute(contract, SuspendHandover(ground="GUARANTEE_MISSING"), ctx(HANDOVER_SUSPENDED_ON))

        assert contract.status is ContractStatus.HANDOVER_SUSPENDED
        assert_rules(only(collected(contract), HandoverSuspended), "L-05")

    def test_L_05_suspend_handover_on_unknown_ground_is_refused(self) -> None:
        contract = ready_contract()

        assert_refused(
            contract,
            lambda: execute(
                contract, SuspendHandover(ground="BAD_WEATHER"), ctx(HANDOVER_SUSPENDED_ON)
            ),
            RuleViolationError,
            "L-05",
        )

    def test_L_05_hand_over_while_suspended_is_refused(self) -> None:
        contract = ready_contract()
        execute(
            contract, SuspendHandover(ground="INSURANCE_DATA_MISSING"), ctx(HANDOVER_SUSPENDED_ON)
        )
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, HandOverVehicle(odometer=12), ctx(REF_START)),
            InvalidTransitionError,
            "L-07",
        )

    def test_L_05_suspended_handover_pauses_the_D_08_timer(self) -> None:
        contract = ready_contract()
        execute(contract, SuspendHandover(ground="GUARANTEE_MISSING"), ctx(HANDOVER_SUSPENDED_ON))
        contract.collect_events()

        run_days(contract, HANDOVER_SUSPENDED_ON, date(2024, 3, 25))

        assert collected(contract) == []
        assert contract.status is ContractStatus.HANDOVER_SUSPENDED

    def test_L_06_lift_handover_suspension(self) -> None:
        contract = ready_contract()
        execute(contract, SuspendHandover(ground="GUARANTEE_MISSING"), ctx(HANDOVER_SUSPENDED_ON))
        contract.collect_events()

        execute(contract, LiftHandoverSuspension(), ctx(REFUSED_ON))

        assert contract.status is ContractStatus.READY_FOR_HANDOVER
        assert_rules(only(collected(contract), HandoverSuspensionLifted), "L-06")

    def test_L_06_lift_without_suspension_is_refused(self) -> None:
        contract = ready_contract()

        assert_refused(
            contract,
            lambda: execute(contract, LiftHandoverSuspension(), ctx(REFUSED_ON)),
            InvalidTransitionError,
            "L-06",
        )

    def test_L_06_timers_resume_with_their_remaining_time(self) -> None:
        # Suspended on 03-05 with 10 of the 14 collection days left; lifted on 03-20.
        contract = ready_contract()
        execute(contract, SuspendHandover(ground="GUARANTEE_MISSING"), ctx(HANDOVER_SUSPENDED_ON))
        execute(contract, LiftHandoverSuspension(), ctx(date(2024, 3, 20)))
        contract.collect_events()

        run_days(contract, date(2024, 3, 20), date(2024, 3, 25))

        assert of_type(collected(contract), VehicleCollectionDeadlineExpired) == []

    def test_D_05_the_handover_checklist_records_rented_storage_and_the_landlord(self) -> None:
        contract = ready_contract()
        told = HandOverVehicle(odometer=12, rented_storage=True, landlord_informed=True)

        execute(contract, told, ctx(REF_START))

        handed_over = only(collected(contract), VehicleHandedOver)
        assert_rules(handed_over, "L-07", "D-05")
        assert (handed_over.rented_storage, handed_over.landlord_informed) == (True, True)
        assert contract.status is ContractStatus.ACTIVE  # a missed D-05 is a HUMAN breach only

    def test_D_05_not_cited_without_rented_storage(self) -> None:
        contract = ready_contract()
        execute(contract, HandOverVehicle(odometer=12, landlord_informed=True), ctx(REF_START))
        handed_over = only(collected(contract), VehicleHandedOver)
        assert "D-05" not in handed_over.rule_ids
        assert (handed_over.rented_storage, handed_over.landlord_informed) == (False, False)

    def test_L_07_hand_over_starts_the_contract(self) -> None:
        contract = ready_contract()

        execute(contract, HandOverVehicle(odometer=12), ctx(REF_START))

        assert contract.status is ContractStatus.ACTIVE
        assert contract.start_date == REF_START
        assert contract.contractual_end_date == REF_CONTRACTUAL_END
        assert contract.odometer_at_handover == 12
        handed_over = only(collected(contract), VehicleHandedOver)
        assert_rules(handed_over, "L-07")
        assert handed_over.contractual_end_date == REF_CONTRACTUAL_END

    def test_L_07_hand_over_without_insurance_proof_is_refused(self) -> None:
        contract = ready_contract(proof=False)

        assert_refused(
            contract,
            lambda: execute(contract, HandOverVehicle(odometer=12), ctx(REF_START)),
            RuleViolationError,
            "L-07",
        )
        assert contract.start_date is None

    def test_L_08_founded_refusal_ends_by_law_T_4_4(self) -> None:
        contract = ready_contract()
        refused_on = REFUSED_ON

        execute(contract, RefuseHandover(founded=True, reason="paint damage"), ctx(refused_on))
        refusal = collected(contract)
        run_daily(contract, ctx(refused_on), POLICY)
        ended = collected(contract)

        assert names(refusal) == ["VehicleHandoverRefused", "HandoverRefusalAssessed"]
        assert isinstance(refusal[0], VehicleHandoverRefused)
        assert_rules(refusal[0], "L-08")
        assert_rules(refusal[1], "L-08", "T-4.4")
        end = only(ended, ContractEndedByLaw)
        assert_rules(end, "T-4.4", "L-08")
        assert end.end_kind == EndKind.NONCONFORMITY_REFUSAL.value
        assert end.effective_end_date == refused_on
        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert contract.end_kind is EndKind.NONCONFORMITY_REFUSAL
        assert of_type(ended, DissolutionGroundDetected) == []

    def test_A_30_a_founded_refusal_refunds_the_advance_and_releases_the_guarantee(self) -> None:
        # RULES A-30: on a founded refusal (Art. 4.4) the advance (REF: 3,000.00) comes back
        # in full (the contract never started: no month elapsed) and the Guarantee is released.
        contract = ready_contract()
        deposit = ProvideGuarantee(
            guarantee_id="G1", guarantee_type="CASH_DEPOSIT", amount=Money.of("1500.00")
        )
        execute(contract, deposit, ctx(REFUSED_ON))
        execute(contract, RefuseHandover(founded=True, reason="paint damage"), ctx(REFUSED_ON))
        contract.collect_events()
        run_daily(contract, ctx(REFUSED_ON), POLICY)
        ended = collected(contract)

        refund = only(ended, AdvanceRefundDetermined)
        assert_rules(refund, "A-30")
        assert (refund.amount, refund.elapsed_months) == (Money.of("3000.00"), 0)
        credit = only(ended, CreditNoteIssued)
        assert (credit.amount, credit.reason) == (Money.of("3000.00"), "ADVANCE_REFUND")
        released = only(ended, GuaranteeReleased)
        assert_rules(released, "A-30", "M-10")
        assert (released.guarantee_id, released.amount_returned) == ("G1", Money.of("1500.00"))

    def test_L_09_T_4_6_unfounded_refusal_detects_ground_18_3_i(self) -> None:
        contract = ready_contract()
        refused_on = REFUSED_ON

        execute(contract, RefuseHandover(founded=False, reason="wrong colour"), ctx(refused_on))
        assessed = only(collected(contract), HandoverRefusalAssessed)
        run_daily(contract, ctx(refused_on), POLICY)

        assert assessed.founded is False
        assert_rules(assessed, "L-09", "T-18.3-i")
        ground = only(collected(contract), DissolutionGroundDetected)
        assert ground.ground == "18.3(i)"
        assert_rules(ground, "K-02", "T-18.3-i", "T-4.6", "L-09")
        assert contract.status is ContractStatus.READY_FOR_HANDOVER
        assert [g.ground for g in contract.open_grounds()] == ["18.3(i)"]

    def test_L_09_D_08_collection_deadline_expiry_detects_ground_18_3_i(self) -> None:
        contract = ready_contract()

        run_days(contract, READY_NOTICE, COLLECTION_DEADLINE)
        before = collected(contract)
        run_days(contract, COLLECTION_DEADLINE + ONE_DAY, COLLECTION_DEADLINE + ONE_DAY)
        after = collected(contract)

        assert before == []
        assert names(after) == ["VehicleCollectionDeadlineExpired", "DissolutionGroundDetected"]
        expired = only(after, VehicleCollectionDeadlineExpired)
        assert_rules(expired, "D-08", "T-18.3-i")
        assert expired.deadline == COLLECTION_DEADLINE
        assert expired.occurred_on == date(2024, 3, 16)
        ground = only(after, DissolutionGroundDetected)
        assert ground.ground == "18.3(i)"
        assert ground.evidence == ["D-08"]
        assert contract.status is ContractStatus.READY_FOR_HANDOVER

    def test_L_09_D_09_insurance_proof_deadline_expiry_detects_ground_18_3_i(self) -> None:
        contract = ready_contract(proof=False)

        run_days(contract, READY_NOTICE, INSURANCE_PROOF_DEADLINE + ONE_DAY)
        events = collected(contract)

        expired = only(events, InsuranceProofDeadlineExpired)
        assert_rules(expired, "D-09", "T-18.3-i")
        assert expired.deadline == INSURANCE_PROOF_DEADLINE
        assert expired.occurred_on == date(2024, 4, 3)
        grounds = of_type(events, DissolutionGroundDetected)
        assert [g.evidence for g in grounds] == [["D-08"], ["D-09"]]
