"""Guarantees, insurance cover and the linked services (T-18.3-vii, T-18.3-x, T-18.10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import cast

import pytest
from eventsourcing.domain import Snapshot

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.cover import (
    NotifyInsuranceLapse,
    ProvideReplacementInsurance,
    RecordGuaranteeLapsed,
)
from domain.contract.cover_events import AncillaryServiceStopped, InsuranceLapseNotified
from domain.contract.daily import ApplyArticle18
from domain.contract.dissolution import Dissolve
from domain.contract.registry import execute
from domain.contract.termination_events import DissolutionGroundCleared, DissolutionGroundDetected
from domain.errors import RuleViolationError
from domain.values import EndKind, InsuranceMode
from tests.contract_cases import (
    DISSOLUTION_DATE,
    LAPSE_NOTIFIED_ON,
    ONE_DAY,
    POLICY,
    REPLACEMENT_DEADLINE,
    assert_refused,
    assert_rules,
    collected,
    eur,
    names,
    of_type,
    only,
    record_trust_ground,
    running_ref_contract,
)
from tests.factories import ctx


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

    @pytest.mark.parametrize(
        ("notified_on", "deadline"),
        [
            # RULES D-17 worked example: Tue 2025-06-03 -> Tue 2025-06-17 (a working day).
            (date(2025, 6, 3), date(2025, 6, 17)),
            # Two weeks end on Sat 2025-06-28 -> Mon 2025-06-30 (A-05 roll-forward).
            (date(2025, 6, 14), date(2025, 6, 30)),
            # Two weeks end on Whit Monday 2025-06-09 -> Tue 2025-06-10.
            (date(2025, 5, 26), date(2025, 6, 10)),
            # Two weeks end on Mon 2025-07-21 (national holiday) -> Tue 2025-07-22.
            (date(2025, 7, 7), date(2025, 7, 22)),
        ],
    )
    def test_D_17_two_weeks_ending_on_a_non_working_day_roll_to_the_next_working_day(
        self, notified_on: date, deadline: date
    ) -> None:
        contract = running_ref_contract(notified_on)
        execute(
            contract,
            NotifyInsuranceLapse(
                policy_type="COMPREHENSIVE", lapse_type="CANCELLATION", notified_by="INSURER"
            ),
            ctx(notified_on),
        )
        notified = only(collected(contract), InsuranceLapseNotified)

        execute(contract, ApplyArticle18(), replace(ctx(deadline), policy=POLICY))
        on_the_last_day = collected(contract)
        execute(contract, ApplyArticle18(), replace(ctx(deadline + ONE_DAY), policy=POLICY))
        after = collected(contract)

        assert_rules(notified, "L-31", "D-17")
        assert notified.replacement_deadline == deadline
        assert on_the_last_day == []
        assert names(after) == ["InsuranceReplacementDeadlineExpired", "DissolutionGroundDetected"]
        assert after[0].occurred_on == deadline + ONE_DAY

    def test_D_18_the_protection_deadline_is_not_rolled(self) -> None:
        # D-18 [INT]: the own-insurance due date is the day Protection cover ends (Art. 10.2),
        # which does not move: Mon 2025-07-07 -> Mon 2025-07-21 although 21 July is a holiday.
        contract = running_ref_contract(date(2025, 7, 7))
        execute(
            contract,
            NotifyInsuranceLapse(
                policy_type="PROTECTION_ENDED", lapse_type="CANCELLATION", notified_by="LESSOR"
            ),
            ctx(date(2025, 7, 7)),
        )

        notified = only(collected(contract), InsuranceLapseNotified)

        assert_rules(notified, "L-31", "D-18")
        assert notified.replacement_deadline == date(2025, 7, 21)

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
