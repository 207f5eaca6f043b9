"""The Contract aggregate against RULES 3.2 (L-01..L-28) and the section 4 worked examples.

Each test drives the aggregate with commands and `run_daily` (the scheduler), then asserts the
new state and the events collected (types and rule ids). Refusals assert the error class, its
`rule_id`, and that nothing changed (version, state, no pending events).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest
from eventsourcing.domain import Snapshot

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.base_events import ContractEvent
from domain.contract.billing import InvoicePeriod, PayRefund, ReceivePayment, SendFormalNotice
from domain.contract.billing_events import (
    CollectionIndemnityCharged,
    CreditNoteIssued,
    DebitNoteIssued,
    DissolutionIndemnityInvoiced,
    EarlyTerminationFeeInvoiced,
    FlatDamageFeeCharged,
    FormalNoticeCureDeadlineExpired,
    FormalNoticeSent,
    InstalmentInvoiced,
    KmSettlementInvoiced,
    LateInterestAccrued,
    LateReturnCompensationCharged,
    PaymentReceived,
    RegisteredLetterFeeCharged,
)
from domain.contract.cover import (
    NotifyInsuranceLapse,
    ProvideReplacementInsurance,
    RecordGuaranteeLapsed,
)
from domain.contract.cover_events import AncillaryServiceStopped, InsuranceLapseNotified
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import (
    Dissolve,
    EstimateMarketValue,
    LiftSuspension,
    RecordVehicleSale,
    Suspend,
)
from domain.contract.formation import (
    HandOverVehicle,
    LiftHandoverSuspension,
    NotifyVehicleReady,
    OrderVehicle,
    RefuseHandover,
    SubmitInsuranceProof,
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
from domain.contract.grounds import RecordGround
from domain.contract.incidents import (
    DeclareTotalLoss,
    RecoverVehicle,
    ReportIncident,
    ReportOdometer,
    ReportTheft,
)
from domain.contract.incidents_events import (
    AdvanceRefundDetermined,
    KmCapReached,
    OdometerReadingRequested,
    ProtectionClaimDecided,
    ReportingDutyBreached,
    StolenVehicleRecovered,
    TheftRecoveryDeadlineExpired,
    TotalLossDeclared,
    VehicleTheftReported,
)
from domain.contract.registry import execute
from domain.contract.reporting import (
    ReportFuelCardLost,
    ReportInsuranceChange,
    ReportThirdPartyClaim,
    RequestOdometerReading,
)
from domain.contract.services import StopAncillaryService
from domain.contract.settlement import CloseContract, ReturnVehicle
from domain.contract.settlement_events import (
    ContractClosed,
    FinalSettlementStarted,
    ReturnInspectionCompleted,
    VehicleReturned,
)
from domain.contract.termination import (
    DissolveAgainstLessor,
    RecordDeath,
    RequestEarlyTermination,
    TerminateOnDeath,
)
from domain.contract.termination_events import (
    ContractDissolvedAgainstCustomer,
    ContractDissolvedAgainstLessor,
    ContractEndedByLaw,
    ContractSuspended,
    ContractSuspensionLifted,
    ContractTermExpired,
    ContractTerminatedEarlyByCustomer,
    ContractTerminatedOnDeath,
    CustomerDeathRecorded,
    DissolutionGroundCleared,
    DissolutionGroundDetected,
    DissolutionGroundRecorded,
    DissolutionIndemnityCorrected,
    EarlyTerminationAccepted,
    EarlyTerminationRequested,
    VehicleSold,
)
from domain.errors import (
    ContractError,
    InvalidTransitionError,
    RuleViolationError,
    TermsError,
)
from domain.money import Money
from domain.policy import LessorPolicy
from domain.terms import ContractTerms
from domain.values import ContractStatus, EndKind, FuelType, InsuranceMode
from tests.factories import (
    REF_START,
    active_ref_contract,
    concluded_ref_contract,
    ctx,
    ref_terms,
    ref_terms_dict,
    run_daily,
    run_days,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# --- RULES dates (REF starts Tue 2024-03-12) ---------------------------------------------------

REF_CONTRACTUAL_END = date(2028, 3, 11)  # Sat; 0.6
REF_RETURN_DUE = date(2028, 3, 13)  # Mon; D-25
REF_LATE_RETURN = date(2028, 3, 17)  # Fri; M-23 example
ORDERED_ON = date(2024, 2, 10)
READY_NOTICE = date(2024, 3, 1)  # Fri; D-08/D-09 examples
COLLECTION_DEADLINE = date(2024, 3, 15)  # D-08
INSURANCE_PROOF_DEADLINE = date(2024, 4, 2)  # D-09: 1 Apr 2024 is Easter Monday
LOCK_LAST_DAY = date(2025, 3, 11)  # D-28: still within the first 12 months
MONTH_13_FIRST_DAY = date(2025, 3, 12)  # D-28
THEFT_DATE = date(2025, 9, 20)  # D-15, M-19
THEFT_RECOVERY_DEADLINE = date(2025, 10, 20)  # D-15
TOTAL_LOSS_EVENT = date(2025, 11, 5)  # M-18 example
DISSOLUTION_DATE = date(2025, 11, 20)  # M-21
INDEMNITY_DUE = date(2025, 12, 5)  # D-13
SALE_WITHIN_WINDOW = date(2025, 11, 30)  # M-21, D-14
LATER_SALE = date(2026, 2, 10)  # M-21
DEATH_LETTER = date(2026, 2, 3)  # M-33
HEIRS_RETURN = date(2026, 2, 20)  # M-33
EARLY_RETURN = date(2026, 9, 11)  # M-22
KM_CAP_READING_DAY = date(2027, 6, 1)  # M-12
KM_CAP_RETURN_DUE = date(2027, 6, 2)  # M-12
NOTICE_DISPATCH = date(2025, 2, 10)  # Mon; D-10
NOTICE_LAST_DAY = date(2025, 2, 18)  # Tue; D-10
COLLECTION_COSTS_DAY = date(2025, 2, 19)  # Wed; D-10
HANDOVER_SUSPENDED_ON = date(2024, 3, 5)  # L-05: 10 of the 14 D-08 days left
REFUSED_ON = date(2024, 3, 8)  # L-08/L-09
M09_START = date(2024, 12, 1)  # M-09 contract: December invoiced in full
M09_LATE_PAYMENT = date(2025, 1, 20)  # December (due 12-15) paid 36 days late
JANUARY_START = date(2025, 1, 1)  # M-06/M-07 contracts: January invoiced in full
M06_DUE = date(2025, 1, 5)  # M-06: due date of the January instalment
M06_PAID = date(2025, 3, 21)  # M-06: paid 75 days late
INCIDENT_ON = date(2025, 5, 10)  # M-15
INCIDENT_REPORTED_ON = date(2025, 5, 11)  # M-15; D-01: Sat 14:00 -> report by Sun 14:00
INCIDENT_REPORTED_LATE = date(2025, 5, 12)  # D-01: Monday, too late
SERVICE_NOTICE = date(2025, 3, 10)  # T-18.2-ii: January and February overdue
SERVICE_GROUND_DAY = date(2025, 3, 19)  # D-12: dispatch + 8 days passed
LAPSE_NOTIFIED_ON = date(2025, 6, 3)  # D-17: Tue
REPLACEMENT_DEADLINE = date(2025, 6, 17)  # D-17: Tue, two weeks later
LESSOR_DISSOLUTION = date(2025, 6, 10)  # L-25
TOTAL_LOSS_DECLARED_ON = date(2025, 11, 10)  # L-17: the expert's declaration
DATE_OF_DEATH = date(2026, 1, 28)  # L-24

POLICY = LessorPolicy()
FEE_RATE = POLICY.early_termination_fee_rate
ONE_DAY = timedelta(days=1)

E = TypeVar("E", bound=ContractEvent)


def eur(amount: str) -> Money:
    return Money.of(amount)


# --- helpers -------------------------------------------------------------------------------------


def collected(contract: Contract) -> list[ContractEvent]:
    """The pending events of the contract (and forget them)."""
    events = contract.collect_events()
    contract_events = [e for e in events if isinstance(e, ContractEvent)]
    assert len(contract_events) == len(events)
    return contract_events


def names(events: Sequence[ContractEvent]) -> list[str]:
    return [type(e).__name__ for e in events]


def of_type(events: Sequence[ContractEvent], kind: type[E]) -> list[E]:
    return [e for e in events if isinstance(e, kind)]


def only(events: Sequence[ContractEvent], kind: type[E]) -> E:
    """The single event of `kind` among `events`."""
    matching = of_type(events, kind)
    assert len(matching) == 1, f"expected one {kind.__name__}, got {names(events)}"
    return matching[0]


def assert_rules(event: ContractEvent, *rule_ids: str) -> None:
    missing = set(rule_ids) - set(event.rule_ids)
    assert not missing, f"{type(event).__name__} lacks {sorted(missing)}: {event.rule_ids}"


def assert_refused(
    contract: Contract, command: Callable[[], object], error: type[ContractError], rule_id: str
) -> ContractError:
    """The command raises `error` naming `rule_id`, and the aggregate is left as it was."""
    version, status, pending = contract.version, contract.status, len(contract.pending_events)
    with pytest.raises(error) as refused:
        command()
    assert refused.value.rule_id == rule_id
    assert contract.version == version
    assert contract.status is status
    assert len(contract.pending_events) == pending
    return refused.value


def ordered_contract() -> Contract:
    contract = concluded_ref_contract()
    execute(contract, OrderVehicle(), ctx(ORDERED_ON))
    contract.collect_events()
    return contract


def ready_contract(*, proof: bool = True) -> Contract:
    """REF with the ready notice dispatched on Fri 2024-03-01 (and proof of insurance if asked)."""
    contract = ordered_contract()
    execute(contract, NotifyVehicleReady(), ctx(READY_NOTICE))
    if proof:
        execute(contract, SubmitInsuranceProof(), ctx(READY_NOTICE + ONE_DAY))
    contract.collect_events()
    return contract


def running_ref_contract(until: date, **overrides: Any) -> Contract:
    """REF handed over on 2024-03-12 and run daily up to `until`; events collected."""
    contract = active_ref_contract(**overrides)
    run_days(contract, REF_START, until)
    contract.collect_events()
    return contract


def record_trust_ground(contract: Contract, on: date) -> None:
    execute(
        contract,
        RecordGround(ground="18.3(xiv)", rationale="Customer lied about the vehicle's whereabouts"),
        ctx(on),
    )


def expired_ref_contract() -> Contract:
    """REF run to the day after its contractual end: ended by law, awaiting return."""
    contract = running_ref_contract(REF_CONTRACTUAL_END + ONE_DAY)
    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
    return contract


def instalment(contract: Contract, period_start: date) -> str:
    """Receivable id of the instalment invoice whose billing period starts on `period_start`."""
    ids = [
        r.receivable_id
        for r in contract.receivables.values()
        if r.category == "INSTALMENT"
        and r.period_start is not None
        and r.period_start.replace(day=1) == period_start
    ]
    assert len(ids) == 1, ids
    return ids[0]


def pay_everything(contract: Contract, on: date) -> None:
    """Pay what is open until nothing is (late payment adds interest the next payment clears)."""
    for _ in range(3):
        owed = contract.open_debits()
        if owed.is_zero:
            return
        execute(contract, ReceivePayment(amount=owed.rounded()), ctx(on, actor="CUSTOMER"))
    assert contract.open_debits().is_zero


# --- L-01..L-09: formation and handover ----------------------------------------------------------


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

    def test_L_09_unfounded_refusal_detects_ground_18_3_i(self) -> None:
        contract = ready_contract()
        refused_on = REFUSED_ON

        execute(contract, RefuseHandover(founded=False, reason="wrong colour"), ctx(refused_on))
        assessed = only(collected(contract), HandoverRefusalAssessed)
        run_daily(contract, ctx(refused_on), POLICY)

        assert assessed.founded is False
        assert_rules(assessed, "L-09", "T-18.3-i")
        ground = only(collected(contract), DissolutionGroundDetected)
        assert ground.ground == "18.3(i)"
        assert_rules(ground, "K-02", "T-18.3-i", "L-09")
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


# --- L-10..L-13: suspension and dissolution against the Customer ---------------------------------


class TestSuspensionAndDissolution:
    def test_L_10_dissolve_without_an_open_ground_is_refused_L_41(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, Dissolve(), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "L-41",
        )
        assert contract.dissolution is None

    def test_L_10_dissolve_on_a_recorded_ground(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        recorded = only(collected(contract), DissolutionGroundRecorded)

        execute(contract, Dissolve(), ctx(DISSOLUTION_DATE))
        events = collected(contract)

        assert_rules(recorded, "K-02", "T-18.3-xiv")
        assert names(events) == [
            "ContractDissolvedAgainstCustomer",
            "CreditNoteIssued",
            "DissolutionIndemnityInvoiced",
        ]
        dissolved = only(events, ContractDissolvedAgainstCustomer)
        assert_rules(dissolved, "L-10", "L-41", "T-18.3-xiv")
        assert dissolved.ground_ids == [recorded.ground_id]
        assert dissolved.return_due_date == date(2025, 11, 21)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_CUSTOMER
        assert contract.grounds[recorded.ground_id].status == "EXERCISED"
        # M-04: November is kept for 1-20 Nov (433.33 of 650.00).
        assert only(events, CreditNoteIssued).amount == eur("216.67")

    def test_L_10_dissolve_before_delivery_goes_to_settlement(self) -> None:
        # T-18.3-i before delivery: m = 0, a = 45,000, b = 4,500, EMV 43,000 -> 6,500.
        contract = ready_contract()
        run_days(contract, READY_NOTICE, COLLECTION_DEADLINE + ONE_DAY)
        execute(contract, EstimateMarketValue(amount=eur("43000.00")), ctx(date(2024, 3, 18)))
        contract.collect_events()

        execute(contract, Dissolve(grounds=("18.3(i)",)), ctx(date(2024, 3, 18)))
        events = collected(contract)

        assert names(events) == ["ContractDissolvedAgainstCustomer", "DissolutionIndemnityInvoiced"]
        assert only(events, ContractDissolvedAgainstCustomer).return_due_date is None
        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert only(events, DissolutionIndemnityInvoiced).amount == eur("6500.00")

    def test_L_11_suspend_on_an_open_ground(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        contract.collect_events()

        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))

        assert contract.status is ContractStatus.SUSPENDED
        assert_rules(only(collected(contract), ContractSuspended), "L-11", "T-18.3-S")

    def test_L_11_suspend_without_a_ground_is_refused(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, Suspend(), ctx(DISSOLUTION_DATE)),
            RuleViolationError,
            "T-18.3-S",
        )

    def test_L_11_suspended_contract_is_still_billed(self) -> None:
        # instalments stay due during a suspension.
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))
        contract.collect_events()

        run_days(contract, DISSOLUTION_DATE + ONE_DAY, date(2025, 12, 1))

        invoice = only(collected(contract), InstalmentInvoiced)
        assert invoice.billing_period_start == date(2025, 12, 1)

    def test_L_12_lift_suspension(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, DISSOLUTION_DATE)
        execute(contract, Suspend(), ctx(DISSOLUTION_DATE))
        contract.collect_events()

        execute(contract, LiftSuspension(), ctx(date(2025, 11, 25)))

        assert contract.status is ContractStatus.ACTIVE
        assert_rules(only(collected(contract), ContractSuspensionLifted), "L-12")

    def test_L_12_lift_when_not_suspended_is_refused(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)

        assert_refused(
            contract,
            lambda: execute(contract, LiftSuspension(), ctx(DISSOLUTION_DATE)),
            InvalidTransitionError,
            "L-12",
        )

    def test_L_13_dissolve_a_suspended_contract(self) -> None:
        contract = running_ref_contract(DISSOLUTION_DATE)
        record_trust_ground(contract, TOTAL_LOSS_DECLARED_ON)
        execute(contract, Suspend(), ctx(TOTAL_LOSS_DECLARED_ON))
        contract.collect_events()

        execute(contract, Dissolve(), ctx(DISSOLUTION_DATE))

        assert_rules(only(collected(contract), ContractDissolvedAgainstCustomer), "L-10")
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_CUSTOMER


# --- L-14..L-17: theft and total loss ------------------------------------------------------------


class TestTheftAndTotalLoss:
    def test_L_14_theft_report_starts_the_recovery_window(self) -> None:
        contract = running_ref_contract(THEFT_DATE)

        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))

        assert contract.status is ContractStatus.THEFT_PENDING
        reported = only(collected(contract), VehicleTheftReported)
        assert_rules(reported, "L-14", "D-15")
        assert contract.theft is not None
        assert contract.theft.recovery_deadline == THEFT_RECOVERY_DEADLINE

    def test_L_14_theft_is_still_billed_and_not_ended_within_the_window(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        contract.collect_events()

        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)

        assert names(collected(contract)) == ["InstalmentInvoiced"]  # October, Art. 5.6
        assert contract.status is ContractStatus.THEFT_PENDING

    def test_L_15_recovery_within_the_window_restores_the_state(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, date(2025, 10, 10))
        contract.collect_events()

        execute(contract, RecoverVehicle(recovered_on=date(2025, 10, 9)), ctx(date(2025, 10, 10)))

        recovered = only(collected(contract), StolenVehicleRecovered)
        assert_rules(recovered, "L-15", "D-15")
        assert recovered.occurred_on == date(2025, 10, 9)
        assert contract.status is ContractStatus.ACTIVE
        assert contract.theft is None
        run_days(contract, date(2025, 10, 11), date(2025, 10, 31))
        assert of_type(collected(contract), ContractEndedByLaw) == []

    def test_L_15_recovery_after_the_window_is_refused(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        contract.collect_events()
        late = THEFT_RECOVERY_DEADLINE + ONE_DAY

        assert_refused(
            contract,
            lambda: execute(contract, RecoverVehicle(recovered_on=late), ctx(late)),
            RuleViolationError,
            "L-15",
        )

    def test_L_16_theft_not_recovered_ends_by_law_from_the_theft_date(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE)
        contract.collect_events()

        run_days(contract, THEFT_RECOVERY_DEADLINE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        events = collected(contract)

        assert names(events) == [
            "TheftRecoveryDeadlineExpired",
            "ContractEndedByLaw",
            "CreditNoteIssued",
            "CreditNoteIssued",
            "AdvanceRefundDetermined",
            "CreditNoteIssued",
            "AncillaryServiceStopped",  # Protection (T-18.10)
            "CreditsSetOff",  # the unpaid instalments are settled from the credits (M-09)
        ]
        assert_rules(only(events, TheftRecoveryDeadlineExpired), "T-18.1-iii", "D-15")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-iii", "L-16")
        assert end.end_kind == EndKind.THEFT.value
        assert end.effective_end_date == THEFT_DATE
        assert end.return_due_date is None
        assert contract.status is ContractStatus.IN_SETTLEMENT
        # September kept for 1-20 Sep (433.33), October credited in full.
        credit_notes = of_type(events, CreditNoteIssued)
        assert [(c.relates_to, c.amount, c.reason) for c in credit_notes] == [
            (instalment(contract, date(2025, 9, 1)), eur("216.67"), "RETROACTIVE_END"),
            (instalment(contract, date(2025, 10, 1)), eur("650.00"), "RETROACTIVE_END"),
            (None, eur("1875.00"), "ADVANCE_REFUND"),
        ]
        for credit in credit_notes[:2]:
            assert_rules(credit, "M-04", "A-23")
        # M-19: 3,000 x (48 - 18) / 48.
        refund = only(events, AdvanceRefundDetermined)
        assert_rules(refund, "M-19")
        assert refund.amount == eur("1875.00")
        assert refund.elapsed_months == 18

    def test_L_17_total_loss_ends_by_law_from_the_event_date(self) -> None:
        contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON)

        execute(contract, DeclareTotalLoss(event_on=TOTAL_LOSS_EVENT), ctx(TOTAL_LOSS_DECLARED_ON))
        declared = only(collected(contract), TotalLossDeclared)
        run_days(contract, date(2025, 11, 11), date(2025, 11, 11))
        events = collected(contract)

        assert_rules(declared, "L-17", "T-18.1-iv")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-iv", "L-17")
        assert end.end_kind == EndKind.TOTAL_LOSS.value
        assert end.effective_end_date == TOTAL_LOSS_EVENT
        assert contract.status is ContractStatus.IN_SETTLEMENT
        [credit] = [e for e in of_type(events, CreditNoteIssued) if e.reason == "RETROACTIVE_END"]
        assert credit.amount == eur("541.67")  # Nov kept 1-5 Nov
        assert only(events, AdvanceRefundDetermined).amount == eur("1812.50")  # 3,000 x 29/48

    def test_L_17_total_loss_date_before_the_start_is_refused(self) -> None:
        contract = running_ref_contract(TOTAL_LOSS_DECLARED_ON)

        assert_refused(
            contract,
            lambda: execute(
                contract, DeclareTotalLoss(event_on=date(2024, 3, 1)), ctx(TOTAL_LOSS_DECLARED_ON)
            ),
            RuleViolationError,
            "L-17",
        )


# --- L-18, L-19: ends by law ------------------------------------------------------------------


class TestEndsByLaw:
    def test_L_18_term_expiry_ends_by_law_with_return_due_and_last_credit(self) -> None:
        contract = running_ref_contract(REF_CONTRACTUAL_END)
        assert contract.end_kind is None

        run_days(contract, REF_CONTRACTUAL_END + ONE_DAY, REF_CONTRACTUAL_END + ONE_DAY)
        events = collected(contract)

        assert names(events) == ["ContractTermExpired", "ContractEndedByLaw", "CreditNoteIssued"]
        assert_rules(only(events, ContractTermExpired), "D-30", "T-18.1-i")
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "K-03", "T-18.1-i", "L-18")
        assert end.end_kind == EndKind.TERM_EXPIRED.value
        assert end.effective_end_date == REF_CONTRACTUAL_END
        assert end.return_due_date == REF_RETURN_DUE
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        # M-04: March 2028 kept for 1-11 March (230.65) of the 650.00 invoiced in advance.
        credit = only(events, CreditNoteIssued)
        assert_rules(credit, "M-04")
        assert credit.amount == eur("419.35")
        assert credit.relates_to == instalment(contract, date(2028, 3, 1))

    def test_L_18_no_invoice_after_the_end(self) -> None:
        contract = expired_ref_contract()

        run_days(contract, date(2028, 3, 13), date(2028, 4, 2))

        assert of_type(collected(contract), InstalmentInvoiced) == []

    def test_L_19_km_cap_reading_ends_by_law_on_the_reading_date(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
        reported = collected(contract)
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)
        events = collected(contract)

        assert names(reported)[0] == "OdometerReported"
        # June had not been billed yet: it is billed up to the end (M-04, A-16).
        assert names(events) == ["KmCapReached", "ContractEndedByLaw", "InstalmentInvoiced"]
        assert only(events, InstalmentInvoiced).amount == eur("21.67")
        reached = only(events, KmCapReached)
        assert_rules(reached, "M-12", "T-18.1-ii")
        assert (reached.reading, reached.km_cap) == (140_250, 140_000)
        end = only(events, ContractEndedByLaw)
        assert_rules(end, "T-18.1-ii", "L-19")
        assert end.end_kind == EndKind.KM_CAP.value
        assert end.effective_end_date == KM_CAP_READING_DAY
        assert end.return_due_date == KM_CAP_RETURN_DUE
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN

    def test_L_19_reading_below_the_cap_does_not_end(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=139_999), ctx(KM_CAP_READING_DAY))
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)

        assert of_type(collected(contract), ContractEndedByLaw) == []
        assert contract.status is ContractStatus.ACTIVE

    def test_L_19_reading_below_the_last_reading_is_refused(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)
        execute(contract, ReportOdometer(odometer=100_000), ctx(date(2027, 5, 1)))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, ReportOdometer(odometer=99_999), ctx(KM_CAP_READING_DAY)),
            RuleViolationError,
            "M-11",
        )

    def test_M_04_km_cap_on_the_first_of_a_month_bills_that_day(self) -> None:
        contract = running_ref_contract(KM_CAP_READING_DAY - ONE_DAY, fuel_type=FuelType.BEV)

        execute(contract, ReportOdometer(odometer=140_250), ctx(KM_CAP_READING_DAY))
        run_daily(contract, ctx(KM_CAP_READING_DAY), POLICY)

        # billingEndDate = 2027-06-01: June stands for 1 of 30 days, 650 x 1/30 = 21.67.
        june = [
            r
            for r in contract.receivables.values()
            if r.category == "INSTALMENT" and r.period_start == date(2027, 6, 1)
        ]
        assert len(june) == 1
        credited = [
            r.amount for r in contract.receivables.values() if r.relates_to == june[0].receivable_id
        ]
        assert june[0].amount - sum(credited, Money.zero()) == eur("21.67")

    def test_K_05_unrecovered_theft_after_term_expiry_supersedes_the_end(self) -> None:
        theft_on = date(2028, 3, 1)  # recovery window runs to 2028-03-31
        contract = running_ref_contract(theft_on)
        execute(contract, ReportTheft(theft_on=theft_on), ctx(theft_on))
        contract.collect_events()

        run_days(contract, theft_on + ONE_DAY, date(2028, 4, 1))

        assert contract.end_kind is EndKind.THEFT
        assert contract.effective_end_date == theft_on
        assert contract.status is ContractStatus.IN_SETTLEMENT


# --- L-20..L-23: early termination by the Customer ----------------------------------------------


class TestEarlyTermination:
    def test_L_20_L_22_request_within_the_first_12_months_is_refused_T_18_6(self) -> None:
        contract = running_ref_contract(LOCK_LAST_DAY)

        assert_refused(
            contract,
            lambda: execute(
                contract, RequestEarlyTermination(), ctx(LOCK_LAST_DAY, actor="CUSTOMER")
            ),
            RuleViolationError,
            "T-18.6",
        )
        assert contract.status is ContractStatus.ACTIVE

    def test_L_21_request_from_month_13_is_accepted(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)

        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        events = collected(contract)

        assert names(events) == ["EarlyTerminationRequested", "EarlyTerminationAccepted"]
        assert_rules(only(events, EarlyTerminationRequested), "L-20")
        assert_rules(only(events, EarlyTerminationAccepted), "L-21", "T-18.7", "L-40")
        assert contract.status is ContractStatus.EARLY_TERMINATION_PENDING

    def test_L_22_request_with_an_open_ground_is_refused_T_18_7(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        record_trust_ground(contract, date(2025, 3, 1))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER")
            ),
            RuleViolationError,
            "T-18.7",
        )

    def test_L_21_pending_early_termination_is_still_billed(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        contract.collect_events()

        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, date(2025, 4, 1))

        assert only(collected(contract), InstalmentInvoiced).amount == eur("650.00")

    def test_L_23_return_after_early_termination_charges_the_M_22_fee(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        run_days(contract, MONTH_13_FIRST_DAY + ONE_DAY, EARLY_RETURN)
        contract.collect_events()

        execute(
            contract,
            ReturnVehicle(
                odometer=56_012,
                damages=(("rear bumper beyond RENTA", eur("750.00")),),
                missing_items=(("spare key", eur("300.00")),),
            ),
            ctx(EARLY_RETURN),
        )
        events = collected(contract)

        assert names(events) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "ContractTerminatedEarlyByCustomer",
            "CreditNoteIssued",
            "EarlyTerminationFeeInvoiced",
            "FinalSettlementStarted",
        ]
        ended = only(events, ContractTerminatedEarlyByCustomer)
        assert_rules(ended, "L-23", "T-18.7")
        assert ended.effective_end_date == EARLY_RETURN
        # M-04: September 2026 kept for 1-11 Sep (238.33).
        assert only(events, CreditNoteIssued).amount == eur("411.67")
        fee = only(events, EarlyTerminationFeeInvoiced)
        assert_rules(fee, "M-22", "T-18.7")
        assert fee.remaining_months == 18
        assert fee.base_fee == eur("5850.00")
        assert fee.excess_km == 6_000
        assert fee.excess_km_charge == eur("600.00")
        assert (fee.damage_charge, fee.missing_items_charge) == (eur("750.00"), eur("300.00"))
        assert fee.amount == eur("7500.00")
        assert contract.end_kind is EndKind.EARLY_TERMINATION
        assert contract.status is ContractStatus.IN_SETTLEMENT

    def test_L_23_fee_rate_above_50_percent_is_refused_without_changes(self) -> None:
        contract = running_ref_contract(MONTH_13_FIRST_DAY)
        execute(contract, RequestEarlyTermination(), ctx(MONTH_13_FIRST_DAY, actor="CUSTOMER"))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=30_012, damages=(), missing_items=()),
                replace(
                    ctx(date(2025, 4, 1)),
                    policy=LessorPolicy(early_termination_fee_rate=Decimal("0.60")),
                ),
            ),
            RuleViolationError,
            "P-42",
        )


# --- L-24, L-25: death of the Customer, dissolution against the Lessor ---------------------------


class TestDeathAndLessorDissolution:
    def test_L_24_termination_on_death_and_return_M_33(self) -> None:
        contract = running_ref_contract(DEATH_LETTER)

        execute(contract, RecordDeath(died_on=DATE_OF_DEATH), ctx(DEATH_LETTER))
        execute(contract, TerminateOnDeath(by="LESSOR"), ctx(DEATH_LETTER))
        terminated = collected(contract)
        run_days(contract, DEATH_LETTER + ONE_DAY, HEIRS_RETURN)
        contract.collect_events()
        execute(
            contract,
            ReturnVehicle(odometer=35_012, damages=(), missing_items=()),
            ctx(HEIRS_RETURN, actor="HEIR"),
        )
        returned = collected(contract)

        assert names(terminated) == ["CustomerDeathRecorded", "ContractTerminatedOnDeath"]
        assert_rules(only(terminated, CustomerDeathRecorded), "L-24", "T-18.9")
        ended = only(terminated, ContractTerminatedOnDeath)
        assert_rules(ended, "L-24", "T-18.9", "M-33")
        assert ended.end_kind == EndKind.DEATH.value
        assert ended.terminated_by == "LESSOR"
        # M-33: no termination costs, no late return; February stands for 1-20 Feb (464.29).
        assert names(returned) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "CreditNoteIssued",
            "FinalSettlementStarted",
        ]
        assert only(returned, VehicleReturned).returned_by == "HEIR"
        credit = only(returned, CreditNoteIssued)
        assert_rules(credit, "M-04", "M-33")
        assert credit.amount == eur("185.71")
        assert credit.relates_to == instalment(contract, date(2026, 2, 1))
        assert contract.status is ContractStatus.IN_SETTLEMENT

    def test_L_24_heirs_are_billed_until_the_return(self) -> None:
        # L-37 exception: instalments stay due after the termination until the Vehicle is back.
        contract = running_ref_contract(DEATH_LETTER)
        execute(contract, RecordDeath(died_on=DATE_OF_DEATH), ctx(DEATH_LETTER))
        execute(contract, TerminateOnDeath(by="HEIRS"), ctx(DEATH_LETTER))
        contract.collect_events()

        run_days(contract, DEATH_LETTER + ONE_DAY, date(2026, 3, 1))

        invoice = only(collected(contract), InstalmentInvoiced)
        assert invoice.billing_period_start == date(2026, 3, 1)
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN

    def test_L_24_termination_without_a_recorded_death_is_refused(self) -> None:
        contract = running_ref_contract(DEATH_LETTER)

        assert_refused(
            contract,
            lambda: execute(contract, TerminateOnDeath(by="LESSOR"), ctx(DEATH_LETTER)),
            RuleViolationError,
            "T-18.9",
        )

    def test_L_25_dissolution_against_the_lessor(self) -> None:
        dissolved_on = LESSOR_DISSOLUTION
        contract = running_ref_contract(dissolved_on)

        execute(
            contract, DissolveAgainstLessor(ground="18.8(ii)"), ctx(dissolved_on, actor="CUSTOMER")
        )
        events = collected(contract)

        assert names(events) == ["ContractDissolvedAgainstLessor", "CreditNoteIssued"]
        dissolved = only(events, ContractDissolvedAgainstLessor)
        assert_rules(dissolved, "L-25", "T-18.8-ii")
        assert dissolved.effective_end_date == dissolved_on
        assert only(events, CreditNoteIssued).amount == eur("433.33")  # June kept 1-10 Jun
        assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
        assert contract.end_kind is EndKind.DISSOLVED_AGAINST_LESSOR

    def test_L_25_dissolution_on_a_customer_ground_is_refused(self) -> None:
        contract = running_ref_contract(LESSOR_DISSOLUTION)

        assert_refused(
            contract,
            lambda: execute(
                contract, DissolveAgainstLessor(ground="18.3(ii)"), ctx(LESSOR_DISSOLUTION)
            ),
            RuleViolationError,
            "T-18.8",
        )


# --- L-26..L-28: return, settlement, closure -----------------------------------------------------


class TestReturnAndSettlement:
    def test_L_26_return_after_term_expiry_charges_M_23_and_M_11(self) -> None:
        contract = expired_ref_contract()
        run_days(contract, date(2028, 3, 13), REF_LATE_RETURN)
        contract.collect_events()

        execute(
            contract,
            ReturnVehicle(odometer=88_012, damages=(), missing_items=()),
            ctx(REF_LATE_RETURN),
        )
        events = collected(contract)

        assert names(events) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "LateReturnCompensationCharged",
            "KmSettlementInvoiced",
            "FinalSettlementStarted",
        ]
        assert_rules(only(events, VehicleReturned), "L-26")
        assert_rules(only(events, ReturnInspectionCompleted), "L-26", "M-24")
        late = only(events, LateReturnCompensationCharged)
        assert_rules(late, "M-23", "D-25")
        assert late.return_due_date == REF_RETURN_DUE
        assert late.late_days == 4
        assert (late.pro_rata_part, late.flat_part) == (eur("83.87"), eur("200.00"))
        assert late.amount == eur("283.87")
        km = only(events, KmSettlementInvoiced)
        assert_rules(km, "M-11")
        assert (km.expected_km, km.actual_km, km.deviation_km) == (
            Decimal(80_000),
            88_000,
            Decimal(8_000),
        )
        assert km.amount == eur("800.00")
        assert contract.returned_on == REF_LATE_RETURN

    def test_L_26_return_on_the_due_date_has_no_late_charge(self) -> None:
        contract = expired_ref_contract()

        execute(
            contract,
            ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
            ctx(REF_RETURN_DUE),
        )

        assert names(collected(contract)) == [
            "VehicleReturned",
            "ReturnInspectionCompleted",
            "FinalSettlementStarted",
        ]

    def test_L_26_return_of_a_running_contract_is_refused(self) -> None:
        contract = running_ref_contract(LESSOR_DISSOLUTION)

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=30_000, damages=(), missing_items=()),
                ctx(LESSOR_DISSOLUTION),
            ),
            InvalidTransitionError,
            "L-26",
        )

    def test_L_27_final_settlement_starts_after_the_return(self) -> None:
        contract = expired_ref_contract()

        execute(
            contract,
            ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
            ctx(REF_RETURN_DUE),
        )
        events = collected(contract)

        assert isinstance(events[-1], FinalSettlementStarted)
        assert_rules(events[-1], "L-27")
        assert contract.status is ContractStatus.IN_SETTLEMENT
        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReturnVehicle(odometer=80_012, damages=(), missing_items=()),
                ctx(REF_RETURN_DUE),
            ),
            InvalidTransitionError,
            "L-26",
        )

    def test_L_28_close_is_refused_while_a_balance_is_open_then_accepted_when_paid(self) -> None:
        contract = expired_ref_contract()
        execute(
            contract,
            ReturnVehicle(odometer=88_012, damages=(), missing_items=()),
            ctx(REF_LATE_RETURN),
        )
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(REF_LATE_RETURN)),
            RuleViolationError,
            "L-28",
        )
        pay_everything(contract, REF_LATE_RETURN)
        contract.collect_events()
        execute(contract, CloseContract(), ctx(REF_LATE_RETURN))

        closed = only(collected(contract), ContractClosed)
        assert_rules(closed, "L-28", "D-33")
        assert closed.retention_until == date(2038, 3, 17)
        assert contract.status is ContractStatus.CLOSED

    def test_L_28_close_is_refused_while_the_M_19_advance_refund_is_owed(self) -> None:
        contract = running_ref_contract(THEFT_DATE)
        pay_everything(contract, THEFT_DATE)
        execute(contract, ReportTheft(theft_on=THEFT_DATE), ctx(THEFT_DATE))
        run_days(contract, THEFT_DATE + ONE_DAY, THEFT_RECOVERY_DEADLINE + ONE_DAY)
        contract.collect_events()
        assert contract.status is ContractStatus.IN_SETTLEMENT
        # Sept credit 216.67 + refund 1,875.00 (October's credit cleared October itself).
        assert contract.open_credits() == eur("2091.67")

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY)),
            RuleViolationError,
            "L-28",
        )
        execute(contract, PayRefund(amount=eur("2091.67")), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        execute(contract, CloseContract(), ctx(THEFT_RECOVERY_DEADLINE + ONE_DAY))
        assert contract.status.value == "CLOSED"  # narrowed above, read it afresh

    def test_L_28_close_before_settlement_is_refused(self) -> None:
        contract = expired_ref_contract()

        assert_refused(
            contract,
            lambda: execute(contract, CloseContract(), ctx(REF_RETURN_DUE)),
            InvalidTransitionError,
            "L-28",
        )


# --- M-02..M-09, D-10: billing, payments and dunning ---------------------------------------------


class TestBilling:
    def test_M_02_second_invoice_for_the_same_period_is_refused(self) -> None:
        contract = running_ref_contract(REF_START)

        assert_refused(
            contract,
            lambda: execute(contract, InvoicePeriod(period_start=date(2024, 3, 1)), ctx(REF_START)),
            RuleViolationError,
            "M-02",
        )
        assert contract.invoiced_periods == [date(2024, 3, 1)]

    def test_M_02_invoice_for_a_period_not_yet_begun_is_refused_L_37(self) -> None:
        contract = running_ref_contract(REF_START)

        assert_refused(
            contract,
            lambda: execute(contract, InvoicePeriod(period_start=date(2024, 4, 1)), ctx(REF_START)),
            RuleViolationError,
            "L-37",
        )

    def test_M_03_first_invoice_is_pro_rata(self) -> None:
        contract = active_ref_contract()

        run_daily(contract, ctx(REF_START), POLICY)

        invoice = only(collected(contract), InstalmentInvoiced)
        assert_rules(invoice, "M-03")
        assert invoice.amount == eur("419.35")
        assert (invoice.period_start, invoice.period_end) == (REF_START, date(2024, 3, 31))
        assert (invoice.days_covered, invoice.days_in_period) == (20, 31)
        assert invoice.pro_rata is True

    def test_M_02_following_invoices_are_full_and_in_advance(self) -> None:
        contract = running_ref_contract(date(2024, 3, 31))

        run_daily(contract, ctx(date(2024, 4, 1)), POLICY)

        invoice = only(collected(contract), InstalmentInvoiced)
        assert_rules(invoice, "M-02")
        assert invoice.amount == eur("650.00")
        assert invoice.due_date == date(2024, 4, 1)  # P-16: payable on receipt

    def test_M_06_interest_debit_note_when_an_instalment_is_paid_late(self) -> None:
        # January invoice issued 2025-01-01, due 2025-01-05 (4 days' term), paid 2025-03-21.
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=4)
        run_days(contract, start, M06_PAID)
        contract.collect_events()
        january = instalment(contract, start)
        assert contract.receivables[january].due_on == M06_DUE

        execute(contract, ReceivePayment(amount=eur("650.00")), ctx(M06_PAID, actor="CUSTOMER"))
        events = collected(contract)

        assert names(events) == ["PaymentReceived", "LateInterestAccrued"]
        payment = only(events, PaymentReceived)
        assert [line["receivable_id"] for line in payment.allocations] == [january]
        interest = only(events, LateInterestAccrued)
        assert_rules(interest, "M-06")
        assert interest.amount == eur("3.21")  # 650 x 2.4% x 75/365
        assert interest.lines == [
            {"receivable_id": january, "principal": eur("650.00"), "amount": eur("3.21")}
        ]
        note = contract.receivables[interest.receivable_id]
        assert (note.category, note.bucket, note.open) == ("INTEREST", "INTEREST_5_2", eur("3.21"))

    def test_M_06_payment_on_the_due_date_carries_no_interest(self) -> None:
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=4)
        run_days(contract, start, M06_DUE)
        contract.collect_events()

        execute(contract, ReceivePayment(amount=eur("650.00")), ctx(M06_DUE, actor="CUSTOMER"))

        assert names(collected(contract)) == ["PaymentReceived"]

    def test_M_07_D_10_collection_indemnity_after_a_registered_notice(self) -> None:
        # January (650.00, due 2025-01-15) unpaid; notice Mon 2025-02-10, last day Tue 02-18.
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=14)
        run_days(contract, start, NOTICE_DISPATCH)
        contract.collect_events()
        january = instalment(contract, start)

        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        notice = only(collected(contract), FormalNoticeSent)
        run_days(contract, NOTICE_DISPATCH + ONE_DAY, NOTICE_LAST_DAY)
        within = collected(contract)
        run_days(contract, COLLECTION_COSTS_DAY, COLLECTION_COSTS_DAY)
        expired = collected(contract)

        assert_rules(notice, "D-10")
        assert notice.receivable_ids == [january]
        assert notice.cure_deadline == NOTICE_LAST_DAY
        assert within == []
        assert names(expired) == [
            "FormalNoticeCureDeadlineExpired",
            "CollectionIndemnityCharged",
            "RegisteredLetterFeeCharged",
        ]
        assert only(expired, FormalNoticeCureDeadlineExpired).unpaid_receivable_ids == [january]
        indemnity = only(expired, CollectionIndemnityCharged)
        assert_rules(indemnity, "M-07")
        assert indemnity.amount == eur("53.75")
        assert indemnity.for_receivable_id == january
        assert indemnity.occurred_on == COLLECTION_COSTS_DAY
        fee = only(expired, RegisteredLetterFeeCharged)
        assert_rules(fee, "M-07")
        assert fee.amount == eur("30.00")
        assert fee.occurred_on == COLLECTION_COSTS_DAY

    def test_D_10_payment_within_the_cure_period_avoids_the_indemnity(self) -> None:
        start = JANUARY_START
        contract = active_ref_contract(start, payment_term_days=14)
        run_days(contract, start, NOTICE_DISPATCH)
        execute(
            contract,
            SendFormalNotice(kind="INSTALMENT_ARREARS", registered=True),
            ctx(NOTICE_DISPATCH),
        )
        execute(
            contract, ReceivePayment(amount=eur("650.00")), ctx(NOTICE_LAST_DAY, actor="CUSTOMER")
        )
        contract.collect_events()

        run_days(contract, COLLECTION_COSTS_DAY, COLLECTION_COSTS_DAY)
        events = collected(contract)

        assert names(events) == ["FormalNoticeCureDeadlineExpired"]
        assert only(events, FormalNoticeCureDeadlineExpired).unpaid_receivable_ids == []

    def test_D_10_notice_without_overdue_instalments_is_refused(self) -> None:
        contract = running_ref_contract(date(2024, 4, 10))
        pay_everything(contract, date(2024, 4, 1))
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(date(2024, 4, 10))
            ),
            RuleViolationError,
            "D-10",
        )

    def test_M_09_payment_is_allocated_indemnities_interest_then_oldest_instalments(self) -> None:
        # Open items shaped like the M-09 example: indemnity 53.75 + file costs 30.00,
        # interest, January instalment 650.00, February instalment 650.00.
        contract = active_ref_contract(M09_START, payment_term_days=14)
        run_days(contract, M09_START, M09_LATE_PAYMENT)
        execute(
            contract, ReceivePayment(amount=eur("650.00")), ctx(M09_LATE_PAYMENT, actor="CUSTOMER")
        )
        run_days(contract, date(2025, 1, 21), NOTICE_DISPATCH)
        execute(contract, SendFormalNotice(kind="INSTALMENT_ARREARS"), ctx(NOTICE_DISPATCH))
        run_days(contract, NOTICE_DISPATCH + ONE_DAY, COLLECTION_COSTS_DAY)
        history = collected(contract)
        interest = only(history, LateInterestAccrued)  # December paid 36 days late
        indemnity = only(history, CollectionIndemnityCharged)
        file_costs = only(history, RegisteredLetterFeeCharged)
        january = instalment(contract, JANUARY_START)
        february = instalment(contract, date(2025, 2, 1))
        assert interest.amount == eur("1.54")

        execute(
            contract,
            ReceivePayment(amount=eur("800.00")),
            ctx(COLLECTION_COSTS_DAY, actor="CUSTOMER"),
        )
        payment = of_type(collected(contract), PaymentReceived)[0]

        assert [(line["receivable_id"], line["amount"]) for line in payment.allocations] == [
            (indemnity.receivable_id, eur("53.75")),
            (file_costs.receivable_id, eur("30.00")),
            (interest.receivable_id, eur("1.54")),
            (january, eur("650.00")),
            (february, eur("64.71")),
        ]
        assert [line["bucket"] for line in payment.allocations] == [
            "INDEMNITY_5_3",
            "INDEMNITY_5_3",
            "INTEREST_5_2",
            "INSTALMENT",
            "INSTALMENT",
        ]
        assert payment.unallocated == Money.zero()
        assert contract.receivables[february].open == eur("585.29")


# --- M-15: flat damage fee under Protection ---------------------------------------------------


class TestCoverGrounds:
    """T-18.3-vii (guarantees) and T-18.3-x (insurance lapses, L-31, D-17)."""

    def test_T_18_3_vii_a_lapsed_guarantee_is_a_ground(self) -> None:
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)

        execute(
            contract,
            RecordGuaranteeLapsed(guarantee_id="BG-1", reason="CANCELLED", remaining=eur("0")),
            ctx(LAPSE_NOTIFIED_ON),
        )
        execute(contract, ApplyArticle18(), replace(ctx(LAPSE_NOTIFIED_ON), policy=POLICY))
        events = collected(contract)

        assert names(events) == ["GuaranteeLapsed", "DissolutionGroundDetected"]
        ground = only(events, DissolutionGroundDetected)
        assert_rules(ground, "K-02", "T-18.3-vii")
        assert (ground.ground, ground.evidence) == ("18.3(vii)", ["BG-1"])

    def test_D_17_T_18_3_x_no_replacement_within_two_weeks_is_a_ground(self) -> None:
        # RULES D-17: notice Tue 2025-06-03 -> deadline Tue 2025-06-17.
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)
        execute(
            contract,
            NotifyInsuranceLapse(
                policy_type="COMPREHENSIVE", lapse_type="CANCELLATION", notified_by="INSURER"
            ),
            ctx(LAPSE_NOTIFIED_ON),
        )
        notified = only(collected(contract), InsuranceLapseNotified)

        execute(contract, ApplyArticle18(), replace(ctx(REPLACEMENT_DEADLINE), policy=POLICY))
        on_the_last_day = collected(contract)
        execute(
            contract, ApplyArticle18(), replace(ctx(REPLACEMENT_DEADLINE + ONE_DAY), policy=POLICY)
        )
        after = collected(contract)

        assert notified.replacement_deadline == REPLACEMENT_DEADLINE
        assert on_the_last_day == []
        assert names(after) == ["InsuranceReplacementDeadlineExpired", "DissolutionGroundDetected"]
        assert after[0].occurred_on == REPLACEMENT_DEADLINE + ONE_DAY
        ground = only(after, DissolutionGroundDetected)
        assert_rules(ground, "K-02", "T-18.3-x", "D-17")
        assert (ground.ground, ground.evidence) == ("18.3(x)", [notified.lapse_id])

    def test_D_17_a_replacement_in_time_leaves_no_ground(self) -> None:
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)
        execute(
            contract,
            NotifyInsuranceLapse(policy_type="MTPL", lapse_type="SUSPENSION", notified_by="LESSOR"),
            ctx(LAPSE_NOTIFIED_ON),
        )
        execute(
            contract, ProvideReplacementInsurance(provided_by="CUSTOMER"), ctx(REPLACEMENT_DEADLINE)
        )
        contract.collect_events()

        execute(
            contract, ApplyArticle18(), replace(ctx(REPLACEMENT_DEADLINE + ONE_DAY), policy=POLICY)
        )

        assert collected(contract) == []

    def test_K_02_a_late_replacement_clears_the_18_3_x_ground(self) -> None:
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)
        execute(
            contract,
            NotifyInsuranceLapse(policy_type="MTPL", lapse_type="SUSPENSION", notified_by="LESSOR"),
            ctx(LAPSE_NOTIFIED_ON),
        )
        execute(
            contract, ApplyArticle18(), replace(ctx(REPLACEMENT_DEADLINE + ONE_DAY), policy=POLICY)
        )
        contract.collect_events()
        late = REPLACEMENT_DEADLINE + timedelta(days=5)

        execute(contract, ProvideReplacementInsurance(provided_by="LESSOR"), ctx(late))
        execute(contract, ApplyArticle18(), replace(ctx(late), policy=POLICY))
        events = collected(contract)

        assert names(events) == ["ReplacementInsuranceProvided", "DissolutionGroundCleared"]
        assert only(events, DissolutionGroundCleared).reason == "REMEDIED"

    def test_L_31_lapses_survive_a_snapshot_round_trip(self) -> None:
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)
        execute(
            contract,
            NotifyInsuranceLapse(policy_type="MTPL", lapse_type="SUSPENSION", notified_by="LESSOR"),
            ctx(LAPSE_NOTIFIED_ON),
        )
        execute(
            contract,
            RecordGuaranteeLapsed(guarantee_id="BG-1", reason="REDUCED", remaining=eur("5.00")),
            ctx(LAPSE_NOTIFIED_ON),
        )
        contract.collect_events()
        mapper = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper

        stored = mapper.to_stored_event(Snapshot.take(contract))
        restored = cast("Snapshot", mapper.to_domain_event(stored)).mutate(None)

        assert isinstance(restored, Contract)
        assert restored.insurance_lapses == contract.insurance_lapses
        assert restored.lapsed_guarantees == ["BG-1"]

    def test_L_31_a_replacement_without_a_lapse_is_refused(self) -> None:
        contract = running_ref_contract(LAPSE_NOTIFIED_ON)

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ProvideReplacementInsurance(provided_by="CUSTOMER"),
                ctx(LAPSE_NOTIFIED_ON),
            ),
            RuleViolationError,
            "L-31",
        )


class TestLinkedServices:
    """T-18.10: linked services stop with an early end (A-18: on the end date)."""

    def test_T_18_10_a_dissolution_stops_protection_and_lessor_insurance_once(self) -> None:
        contract = running_ref_contract(
            DISSOLUTION_DATE,
            protection_included=True,
            flat_damage_fee=eur("500.00"),
            insurance_mode=InsuranceMode.LESSOR_MTPL_WITH_PROTECTION,
        )
        record_trust_ground(contract, date(2025, 11, 18))
        execute(
            contract,
            Dissolve(grounds=("18.3(xiv)",), written_notification_on=DISSOLUTION_DATE),
            ctx(DISSOLUTION_DATE),
        )
        contract.collect_events()

        execute(contract, ApplyArticle18(), replace(ctx(DISSOLUTION_DATE), policy=POLICY))
        stopped = of_type(collected(contract), AncillaryServiceStopped)
        execute(contract, ApplyArticle18(), replace(ctx(DISSOLUTION_DATE + ONE_DAY), policy=POLICY))

        assert [(s.service, s.ground, s.effective_on) for s in stopped] == [
            ("PROTECTION", "18.10", DISSOLUTION_DATE),
            ("LESSOR_INSURANCE", "18.10", DISSOLUTION_DATE),
        ]
        assert_rules(stopped[0], "T-18.10", "A-18")
        assert of_type(collected(contract), AncillaryServiceStopped) == []

    def test_T_18_10_an_end_at_term_stops_nothing(self) -> None:
        contract = running_ref_contract(
            date(2028, 3, 11), protection_included=True, flat_damage_fee=eur("500.00")
        )
        execute(contract, ApplyArticle18(), replace(ctx(date(2028, 3, 12)), policy=POLICY))

        assert contract.end_kind is EndKind.TERM_EXPIRED
        assert of_type(collected(contract), AncillaryServiceStopped) == []


class TestServiceArrears:
    """T-18.2-ii (A-13): the service part of the instalments unpaid after a registered notice."""

    def service_contract(self, **overrides: Any) -> Contract:
        """January to March 2025 invoiced, nothing paid, a registered SERVICE_ARREARS notice
        on 2025-03-10 covering January and February, run to the day the cure period ends."""
        contract = active_ref_contract(JANUARY_START, payment_term_days=14, **overrides)
        run_days(contract, JANUARY_START, SERVICE_NOTICE)
        execute(
            contract, SendFormalNotice(kind="SERVICE_ARREARS", registered=True), ctx(SERVICE_NOTICE)
        )
        contract.collect_events()
        return contract

    def test_T_18_2_ii_two_unpaid_instalments_with_a_service_part_are_a_ground(self) -> None:
        contract = self.service_contract(
            instalment_components=(("MAINTENANCE_REPAIR", eur("45.00")),)
        )

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY)
        ground = only(collected(contract), DissolutionGroundDetected)
        execute(
            contract, StopAncillaryService(service="MAINTENANCE_REPAIR"), ctx(SERVICE_GROUND_DAY)
        )
        stopped = only(collected(contract), AncillaryServiceStopped)

        assert_rules(ground, "K-02", "T-18.2-ii", "A-13")
        assert ground.ground == "18.2(ii)"
        assert contract.open_grounds() == []  # not a ground for dissolution (18.3)
        assert (stopped.service, stopped.ground) == ("MAINTENANCE_REPAIR", "18.2(ii)")
        assert contract.status is ContractStatus.ACTIVE

    def test_T_18_2_ii_without_a_service_part_there_is_no_ground(self) -> None:
        contract = self.service_contract()

        run_days(contract, SERVICE_NOTICE + ONE_DAY, SERVICE_GROUND_DAY)

        assert of_type(collected(contract), DissolutionGroundDetected) == []

    def test_T_18_2_ii_a_service_cannot_be_stopped_without_the_ground(self) -> None:
        contract = running_ref_contract(
            SERVICE_NOTICE, instalment_components=(("TYRES", eur("12.00")),)
        )

        assert_refused(
            contract,
            lambda: execute(contract, StopAncillaryService(service="TYRES"), ctx(SERVICE_NOTICE)),
            RuleViolationError,
            "T-18.2-ii",
        )


class TestReportingDuties:
    """D-03, D-04, D-06, D-24 (and D-18): late is a breach, and a breach a ground (18.3(viii))."""

    def breaches(self, contract: Contract) -> list[ReportingDutyBreached]:
        return of_type(collected(contract), ReportingDutyBreached)

    def test_D_06_the_odometer_request_is_due_in_5_working_days(self) -> None:
        # RULES D-06: request Wed 2025-04-30 -> Fri 2 (1 May a holiday), Mon 5 .. Thu 8 May.
        contract = running_ref_contract(date(2025, 4, 30))
        execute(contract, RequestOdometerReading(), ctx(date(2025, 4, 30)))
        request = only(collected(contract), OdometerReadingRequested)

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 8)), policy=POLICY))
        on_the_last_day = collected(contract)
        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 9)), policy=POLICY))
        after = collected(contract)

        assert request.due_by == date(2025, 5, 8)
        assert on_the_last_day == []
        assert names(after) == ["ReportingDutyBreached", "DissolutionGroundDetected"]
        breach = only(after, ReportingDutyBreached)
        assert_rules(breach, "D-06", "T-18.3-viii")
        assert (breach.subject_id, breach.occurred_on) == (request.request_id, date(2025, 5, 9))
        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 12)), policy=POLICY))
        assert collected(contract) == []  # breached once, not every day

    def test_D_06_a_reading_in_time_answers_the_request(self) -> None:
        contract = running_ref_contract(date(2025, 4, 30))
        execute(contract, RequestOdometerReading(), ctx(date(2025, 4, 30)))
        execute(contract, ReportOdometer(odometer=20_000), ctx(date(2025, 5, 7)))
        contract.collect_events()

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 5, 9)), policy=POLICY))

        assert collected(contract) == []

    def test_D_24_an_insurance_change_is_due_in_3_working_days(self) -> None:
        # RULES D-24: change Fri 2025-07-18, Mon 21 Jul a holiday -> due Thu 2025-07-24.
        in_time = running_ref_contract(date(2025, 7, 24))
        late = running_ref_contract(date(2025, 7, 25))

        execute(
            in_time,
            ReportInsuranceChange(change_type="COVERAGE", changed_on=date(2025, 7, 18)),
            ctx(date(2025, 7, 24)),
        )
        execute(
            late,
            ReportInsuranceChange(change_type="COVERAGE", changed_on=date(2025, 7, 18)),
            ctx(date(2025, 7, 25)),
        )

        assert self.breaches(in_time) == []
        breach = only(self.breaches(late), ReportingDutyBreached)
        assert (breach.duty, breach.due_by) == ("D-24", date(2025, 7, 24))

    def test_D_03_a_seizure_reported_two_days_later_is_late(self) -> None:
        contract = running_ref_contract(date(2025, 6, 12))

        execute(
            contract,
            ReportThirdPartyClaim(kind="SEIZURE", happened_on=date(2025, 6, 10)),
            ctx(date(2025, 6, 12)),
        )

        breach = only(self.breaches(contract), ReportingDutyBreached)
        assert_rules(breach, "D-03", "T-18.3-viii")

    def test_D_04_a_lost_fuel_card_reported_the_next_day_is_in_time(self) -> None:
        contract = running_ref_contract(date(2025, 6, 11))

        execute(contract, ReportFuelCardLost(happened_on=date(2025, 6, 10)), ctx(date(2025, 6, 11)))

        assert names(collected(contract)) == ["FuelCardLostOrStolen"]

    def test_D_18_protection_ended_own_insurance_due_in_two_weeks(self) -> None:
        # RULES D-18: letter Mon 2025-06-02 -> own insurance due by Mon 2025-06-16.
        contract = running_ref_contract(date(2025, 6, 2))
        execute(
            contract,
            NotifyInsuranceLapse(
                policy_type="PROTECTION_ENDED", lapse_type="CANCELLATION", notified_by="LESSOR"
            ),
            ctx(date(2025, 6, 2)),
        )
        notified = only(collected(contract), InsuranceLapseNotified)

        execute(contract, ApplyArticle18(), replace(ctx(date(2025, 6, 17)), policy=POLICY))

        assert_rules(notified, "L-31", "D-18")
        assert notified.replacement_deadline == date(2025, 6, 16)
        ground = only(collected(contract), DissolutionGroundDetected)
        assert ground.ground == "18.3(x)"


class TestDamage:
    def test_M_15_collision_charges_the_flat_fee(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="COLLISION", incident_on=INCIDENT_ON, repair_cost=eur("1800.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        events = collected(contract)

        assert names(events) == [
            "IncidentReported",
            "ProtectionClaimDecided",
            "FlatDamageFeeCharged",
        ]
        decided = only(events, ProtectionClaimDecided)
        assert_rules(decided, "M-15")
        assert (decided.customer_share, decided.waived_amount) == (eur("500.00"), eur("1300.00"))
        fee = only(events, FlatDamageFeeCharged)
        assert_rules(fee, "M-15")
        assert fee.amount == eur("500.00")
        assert contract.receivables[fee.receivable_id].category == "FLAT_DAMAGE_FEE"

    def test_M_15_glass_breakage_is_exempt(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        events = collected(contract)

        assert names(events) == ["IncidentReported", "ProtectionClaimDecided"]
        decided = only(events, ProtectionClaimDecided)
        assert (decided.customer_share, decided.waived_amount) == (Money.zero(), eur("900.00"))

    def test_D_01_T_18_3_viii_a_report_two_days_late_breaches_the_duty_and_is_a_ground(
        self,
    ) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_LATE)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_LATE, actor="CUSTOMER"),
        )
        reported = collected(contract)
        execute(contract, ApplyArticle18(), replace(ctx(INCIDENT_REPORTED_LATE), policy=POLICY))
        rules = collected(contract)

        breach = only(reported, ReportingDutyBreached)
        assert_rules(breach, "D-01", "T-18.3-viii")
        assert (breach.duty, breach.happened_on, breach.due_by) == (
            "D-01",
            INCIDENT_ON,
            date(2025, 5, 11),
        )
        ground = only(rules, DissolutionGroundDetected)
        assert_rules(ground, "K-02", "T-18.3-viii")
        assert (ground.ground, ground.evidence) == ("18.3(viii)", [breach.breach_id])

    def test_D_01_a_snapshot_from_before_the_reporting_checks_loads_without_breaches(
        self,
    ) -> None:
        snapshot = Snapshot.take(running_ref_contract(INCIDENT_REPORTED_ON))
        state = {
            k: v
            for k, v in snapshot.state.items()
            if k not in ("class_version", "reporting_breaches")
        }
        v1 = Snapshot(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            timestamp=snapshot.timestamp,
            topic=snapshot.topic,
            state=state,
        )

        restored = v1.mutate(None)

        assert isinstance(restored, Contract)
        assert restored.reporting_breaches == []

    def test_D_01_a_report_the_next_day_is_in_time(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        execute(
            contract,
            ReportIncident(kind="GLASS", incident_on=INCIDENT_ON, repair_cost=eur("900.00")),
            ctx(INCIDENT_REPORTED_ON, actor="CUSTOMER"),
        )
        execute(contract, ApplyArticle18(), replace(ctx(INCIDENT_REPORTED_ON), policy=POLICY))

        assert of_type(collected(contract), ReportingDutyBreached) == []
        assert of_type(collected(contract), DissolutionGroundDetected) == []

    def test_M_15_incident_before_the_start_is_refused_L_43(self) -> None:
        contract = running_ref_contract(INCIDENT_REPORTED_ON)

        assert_refused(
            contract,
            lambda: execute(
                contract,
                ReportIncident(
                    kind="COLLISION", incident_on=date(2024, 3, 1), repair_cost=eur("1800.00")
                ),
                ctx(INCIDENT_REPORTED_ON),
            ),
            RuleViolationError,
            "L-43",
        )


# --- M-21: dissolution indemnity and sale corrections --------------------------------------------


def dissolved_ref_contract(*, returned: bool = True) -> Contract:
    """REF dissolved on 2025-11-20 on a recorded 18.3(xiv) ground, EMV 30,000 estimated.

    With `returned`, the Vehicle is handed in on Fri 2025-11-21 (the D-25 due date).
    """
    contract = running_ref_contract(DISSOLUTION_DATE)
    record_trust_ground(contract, date(2025, 11, 18))
    execute(contract, EstimateMarketValue(amount=eur("30000.00")), ctx(DISSOLUTION_DATE))
    execute(
        contract,
        Dissolve(grounds=("18.3(xiv)",), written_notification_on=DISSOLUTION_DATE),
        ctx(DISSOLUTION_DATE),
    )
    if returned:
        execute(
            contract,
            ReturnVehicle(odometer=40_012, damages=(), missing_items=()),
            ctx(RETURNED_AFTER_DISSOLUTION),
        )
    return contract


RETURNED_AFTER_DISSOLUTION = date(2025, 11, 21)


class TestDissolutionIndemnity:
    def test_M_21_vehicle_with_the_customer_deducts_nothing(self) -> None:
        contract = dissolved_ref_contract(returned=False)

        indemnity = only(collected(contract), DissolutionIndemnityInvoiced)

        assert_rules(indemnity, "M-21", "T-18.5", "D-13")
        assert indemnity.remaining_capital == eur("36000.00")  # m = 20
        assert indemnity.reinvestment == eur("3600.00")
        assert indemnity.market_value_deducted == eur("0")
        assert indemnity.amount == eur("39600.00")  # RULES M-21: never recovered -> 39,600
        assert indemnity.due_date == INDEMNITY_DUE
        assert contract.receivables[indemnity.receivable_id].category == "DISSOLUTION_INDEMNITY"

    def test_M_21_dissolution_indemnity_once_the_vehicle_is_back(self) -> None:
        contract = dissolved_ref_contract()
        events = collected(contract)

        invoiced = only(events, DissolutionIndemnityInvoiced)
        corrected = only(events, DissolutionIndemnityCorrected)
        assert corrected.basis == "VEHICLE_RECOVERED"
        assert (corrected.previous_amount, corrected.new_amount) == (
            eur("39600.00"),
            eur("9600.00"),
        )
        assert corrected.market_value_deducted == eur("30000.00")
        [credit] = [
            e for e in of_type(events, CreditNoteIssued) if e.reason == "INDEMNITY_CORRECTION"
        ]
        assert credit.amount == eur("30000.00")
        assert credit.relates_to == invoiced.receivable_id
        assert contract.dissolution is not None
        assert contract.dissolution.amount == eur("9600.00")

    def test_M_21_sale_within_15_days_credits_the_difference(self) -> None:
        contract = dissolved_ref_contract()
        invoiced = only(collected(contract), DissolutionIndemnityInvoiced)

        execute(
            contract,
            RecordVehicleSale(
                sold_on=SALE_WITHIN_WINDOW,
                gross_price=eur("31000.00"),
                net_proceeds=eur("31000.00"),
            ),
            ctx(SALE_WITHIN_WINDOW),
        )
        events = collected(contract)

        assert names(events)[:3] == [
            "VehicleSold",
            "DissolutionIndemnityCorrected",
            "CreditNoteIssued",
        ]
        assert only(events, VehicleSold).within_window is True
        corrected = only(events, DissolutionIndemnityCorrected)
        assert_rules(corrected, "M-21", "D-14")
        assert corrected.basis == "SALE_WITHIN_15_DAYS"
        assert (corrected.previous_amount, corrected.new_amount) == (
            eur("9600.00"),
            eur("8600.00"),
        )
        credit = only(events, CreditNoteIssued)
        assert credit.amount == eur("1000.00")
        assert credit.reason == "INDEMNITY_CORRECTION"
        assert credit.relates_to == invoiced.receivable_id

    def test_M_21_later_sale_debits_the_difference(self) -> None:
        contract = dissolved_ref_contract()
        contract.collect_events()

        execute(
            contract,
            RecordVehicleSale(
                sold_on=LATER_SALE, gross_price=eur("28500.00"), net_proceeds=eur("28000.00")
            ),
            ctx(LATER_SALE),
        )
        events = collected(contract)

        assert names(events)[:3] == [
            "VehicleSold",
            "DissolutionIndemnityCorrected",
            "DebitNoteIssued",
        ]
        assert only(events, VehicleSold).within_window is False
        corrected = only(events, DissolutionIndemnityCorrected)
        assert corrected.basis == "LATER_SALE"
        assert corrected.new_amount == eur("11600.00")
        debit = only(events, DebitNoteIssued)
        assert_rules(debit, "M-21")
        assert debit.amount == eur("2000.00")
        assert debit.debit_category == "DISSOLUTION_INDEMNITY"

    def test_M_21_second_sale_is_refused(self) -> None:
        contract = dissolved_ref_contract()
        execute(
            contract,
            RecordVehicleSale(
                sold_on=LATER_SALE, gross_price=eur("28500.00"), net_proceeds=eur("28000.00")
            ),
            ctx(LATER_SALE),
        )
        contract.collect_events()

        assert_refused(
            contract,
            lambda: execute(
                contract,
                RecordVehicleSale(
                    sold_on=LATER_SALE, gross_price=eur("29000.00"), net_proceeds=eur("29000.00")
                ),
                ctx(LATER_SALE),
            ),
            RuleViolationError,
            "M-21",
        )
