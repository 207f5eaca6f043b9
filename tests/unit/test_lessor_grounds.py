"""Art. 18.8: the Customer dissolves against the Lessor only on an established ground
(T-18.8-i..v, L-25), with the registered notice and 8-day cure period of D-12."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, cast

import pytest
from eventsourcing.domain import Snapshot

from domain.application import ContractsApplication
from domain.contract import Contract
from domain.contract.lessor_grounds import (
    RecordLessorGround,
    RecordLessorRemedy,
    SendLessorDefaultNotice,
    lessor_cure_deadline,
)
from domain.contract.lessor_grounds_events import (
    LessorBreachRecorded,
    LessorCreditorInterferenceRecorded,
    LessorCureDeadlineExpired,
    LessorDefaultNoticeSent,
    LessorDefaultRemedied,
    LessorInsolvencyRecorded,
    LessorTrustBreakdownRecorded,
)
from domain.contract.registry import execute
from domain.contract.termination import DissolveAgainstLessor
from domain.contract.termination_events import ContractDissolvedAgainstLessor
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.values import ContractStatus, EndKind
from infra.simulate.in_process import simulate
from infra.simulate.scenario import parse_scenario
from tests.contract_cases import (
    ONE_DAY,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    names,
    only,
    running_ref_contract,
)
from tests.factories import ctx, ref_terms_dict, run_days

# D-12 worked example: registered letter dispatched Mon 2025-02-10 -> the right arises Wed 02-19.
DISPATCH = date(2025, 2, 10)
CURE_LAST_DAY = date(2025, 2, 18)
RIGHT_ARISES = date(2025, 2, 19)
OWED = eur("1200.00")  # e.g. the advance refund the Lessor has not paid (Art. 5.4)
EVIDENCE = ("letter-2025-02-10",)


@pytest.fixture(scope="module")
def dispatch_snapshot() -> Snapshot:
    return Snapshot.take(running_ref_contract(DISPATCH))


@pytest.fixture
def contract(dispatch_snapshot: Snapshot) -> Contract:
    """REF running on the dispatch day (a fresh copy per test)."""
    restored = copy.deepcopy(dispatch_snapshot).mutate(None)
    assert isinstance(restored, Contract)
    return restored


def notice(contract: Contract, ground: str, on: date = DISPATCH, **kw: Any) -> str:
    amount = kw.pop("amount", OWED if ground == "18.8(i)" else None)
    command = SendLessorDefaultNotice(ground=ground, amount=amount, **kw)
    execute(contract, command, ctx(on, actor="CUSTOMER"))
    return only(collected(contract), LessorDefaultNoticeSent).notice_id


def record(contract: Contract, ground: str, on: date = DISPATCH) -> None:
    execute(contract, RecordLessorGround(ground, EVIDENCE, "what happened"), ctx(on))
    contract.collect_events()


def dissolve(contract: Contract, ground: str, on: date) -> ContractDissolvedAgainstLessor:
    execute(contract, DissolveAgainstLessor(ground=ground), ctx(on, actor="CUSTOMER"))
    events = collected(contract)
    assert contract.status is ContractStatus.ENDED_AWAITING_RETURN
    assert contract.end_kind is EndKind.DISSOLVED_AGAINST_LESSOR
    return only(events, ContractDissolvedAgainstLessor)


def refused(contract: Contract, ground: str, on: date, rule_id: str) -> str:
    command = DissolveAgainstLessor(ground=ground)
    error = assert_refused(
        contract,
        lambda: execute(contract, command, ctx(on, actor="CUSTOMER")),
        RuleViolationError,
        rule_id,
    )
    return error.message


class TestD12CureDeadline:
    def test_D_12_dispatch_monday_last_day_tuesday_right_on_wednesday(self) -> None:
        assert lessor_cure_deadline(DISPATCH) == CURE_LAST_DAY

    def test_D_12_the_lessors_cure_period_is_not_rolled_to_a_working_day(self) -> None:
        # A-05 rolls Customer-side deadlines only: Fri 2025-02-07 + 8 = Sat 02-15, kept.
        assert lessor_cure_deadline(date(2025, 2, 7)) == date(2025, 2, 15)
        # Sun 2025-07-13 + 8 = Mon 07-21, a public holiday, kept.
        assert lessor_cure_deadline(date(2025, 7, 13)) == date(2025, 7, 21)

    def test_D_12_the_notice_records_its_dispatch_and_cure_deadline(
        self, contract: Contract
    ) -> None:
        execute(contract, SendLessorDefaultNotice("18.8(i)", amount=OWED), ctx(DISPATCH))
        sent = only(collected(contract), LessorDefaultNoticeSent)

        assert_rules(sent, "D-12", "T-18.8-i", "A-06")
        assert (sent.notice_id, sent.ground, sent.registered) == ("LN001", "18.8(i)", True)
        assert (sent.occurred_on, sent.cure_deadline) == (DISPATCH, CURE_LAST_DAY)
        assert sent.amount == OWED

    def test_D_12_a_weekend_last_day_gives_the_right_the_next_calendar_day(
        self, contract: Contract
    ) -> None:
        friday = date(2025, 2, 14)
        notice(contract, "18.8(i)", on=friday)  # last day Sat 02-22

        refused(contract, "18.8(i)", date(2025, 2, 22), "T-18.8-i")
        assert dissolve(contract, "18.8(i)", date(2025, 2, 23)).effective_end_date == date(
            2025, 2, 23
        )

    @pytest.mark.parametrize("ground", ["18.8(ii)", "18.8(v)", "18.8(vi)", "18.3(ii)"])
    def test_D_12_a_notice_to_the_lessor_is_only_for_grounds_i_iii_iv(
        self, contract: Contract, ground: str
    ) -> None:
        command = SendLessorDefaultNotice(ground=ground)
        assert_refused(
            contract, lambda: execute(contract, command, ctx(DISPATCH)), RuleViolationError, "D-12"
        )

    def test_D_12_a_remedy_names_a_known_notice_once(self, contract: Contract) -> None:
        notice_id = notice(contract, "18.8(iv)")
        unknown = RecordLessorRemedy(notice_id="LN999")
        assert_refused(
            contract, lambda: execute(contract, unknown, ctx(DISPATCH)), RuleViolationError, "D-12"
        )
        execute(contract, RecordLessorRemedy(notice_id), ctx(CURE_LAST_DAY))
        remedied = only(collected(contract), LessorDefaultRemedied)
        assert remedied.within_cure_period is True
        again = RecordLessorRemedy(notice_id)
        later = ctx(RIGHT_ARISES)
        assert_refused(
            contract, lambda: execute(contract, again, later), RuleViolationError, "D-12"
        )

    def test_D_12_a_notice_after_the_end_is_refused(self) -> None:
        ended = expired_ref_contract()
        command = SendLessorDefaultNotice("18.8(iv)")
        on = ended.effective_end_date or DISPATCH
        assert_refused(
            ended, lambda: execute(ended, command, ctx(on)), InvalidTransitionError, "D-12"
        )


class TestT188i:
    def test_T_18_8_i_unpaid_eight_days_after_a_registered_notice(self, contract: Contract) -> None:
        notice(contract, "18.8(i)")
        run_days(contract, DISPATCH + ONE_DAY, RIGHT_ARISES)
        contract.collect_events()

        dissolved = dissolve(contract, "18.8(i)", RIGHT_ARISES)

        assert_rules(dissolved, "L-25", "T-18.8-i", "D-12", "A-29")
        assert (dissolved.ground, dissolved.effective_end_date) == ("18.8(i)", RIGHT_ARISES)

    def test_T_18_8_i_refused_on_the_last_day_of_the_cure_period(self, contract: Contract) -> None:
        notice(contract, "18.8(i)")

        message = refused(contract, "18.8(i)", CURE_LAST_DAY, "T-18.8-i")

        assert "runs until 2025-02-18" in message
        assert "allowed from 2025-02-19" in message

    def test_T_18_8_i_refused_without_a_notice(self, contract: Contract) -> None:
        assert "no registered formal notice" in refused(contract, "18.8(i)", DISPATCH, "T-18.8-i")

    def test_T_18_8_i_an_unregistered_notice_does_not_count(self, contract: Contract) -> None:
        notice(contract, "18.8(i)", registered=False)

        message = refused(contract, "18.8(i)", RIGHT_ARISES, "T-18.8-i")

        assert "LN001 was not registered" in message

    def test_T_18_8_i_a_notice_on_another_ground_does_not_count(self, contract: Contract) -> None:
        notice(contract, "18.8(iv)")
        refused(contract, "18.8(i)", RIGHT_ARISES, "T-18.8-i")

    def test_T_18_8_i_paid_within_the_eight_days_takes_the_ground_away(
        self, contract: Contract
    ) -> None:
        notice_id = notice(contract, "18.8(i)")
        execute(contract, RecordLessorRemedy(notice_id), ctx(CURE_LAST_DAY))
        contract.collect_events()

        message = refused(contract, "18.8(i)", RIGHT_ARISES, "T-18.8-i")

        assert "remedied on 2025-02-18" in message

    def test_T_18_8_i_paid_after_the_eight_days_leaves_the_right(self, contract: Contract) -> None:
        # Reading: the terms make the right arise when the 8 days pass unpaid; a later payment
        # is recorded but does not undo it.
        notice_id = notice(contract, "18.8(i)")
        execute(contract, RecordLessorRemedy(notice_id), ctx(RIGHT_ARISES))
        assert only(collected(contract), LessorDefaultRemedied).within_cure_period is False

        dissolve(contract, "18.8(i)", RIGHT_ARISES + ONE_DAY)

    def test_T_18_8_i_the_notice_names_the_unpaid_amount(self, contract: Contract) -> None:
        command = SendLessorDefaultNotice("18.8(i)", amount=None)
        assert_refused(
            contract,
            lambda: execute(contract, command, ctx(DISPATCH)),
            RuleViolationError,
            "T-18.8-i",
        )

    def test_T_18_8_i_is_not_a_recorded_fact(self, contract: Contract) -> None:
        command = RecordLessorGround("18.8(i)", EVIDENCE)
        assert_refused(
            contract,
            lambda: execute(contract, command, ctx(DISPATCH)),
            RuleViolationError,
            "T-18.8-i",
        )


class TestT188ii:
    def test_T_18_8_ii_bankruptcy_recorded_with_evidence(self, contract: Contract) -> None:
        execute(contract, RecordLessorGround("18.8(ii)", ("judgment-2025-123",)), ctx(DISPATCH))
        fact = only(collected(contract), LessorInsolvencyRecorded)
        assert_rules(fact, "K-02", "T-18.8-ii")
        assert fact.evidence_refs == ["judgment-2025-123"]

        dissolved = dissolve(contract, "18.8(ii)", DISPATCH)

        assert_rules(dissolved, "L-25", "T-18.8-ii", "A-29")
        assert "D-12" not in dissolved.rule_ids

    def test_T_18_8_ii_refused_without_the_recorded_fact(self, contract: Contract) -> None:
        message = refused(contract, "18.8(ii)", DISPATCH, "T-18.8-ii")
        assert "payment stop or bankruptcy is not recorded" in message

    def test_T_18_8_ii_a_fact_needs_evidence(self, contract: Contract) -> None:
        command = RecordLessorGround("18.8(ii)", ())
        assert_refused(
            contract,
            lambda: execute(contract, command, ctx(DISPATCH)),
            RuleViolationError,
            "T-18.8-ii",
        )


class TestT188iii:
    def test_T_18_8_iii_seizure_not_remedied_eight_days_after_notice(
        self, contract: Contract
    ) -> None:
        execute(contract, RecordLessorGround("18.8(iii)", ("seizure-report-7",)), ctx(DISPATCH))
        assert names(collected(contract)) == ["LessorCreditorInterferenceRecorded"]
        notice(contract, "18.8(iii)")

        refused(contract, "18.8(iii)", CURE_LAST_DAY, "T-18.8-iii")
        dissolved = dissolve(contract, "18.8(iii)", RIGHT_ARISES)

        assert_rules(dissolved, "L-25", "T-18.8-iii", "D-12")

    def test_T_18_8_iii_refused_without_a_notice(self, contract: Contract) -> None:
        record(contract, "18.8(iii)")
        message = refused(contract, "18.8(iii)", RIGHT_ARISES, "T-18.8-iii")
        assert "no registered formal notice" in message

    def test_T_18_8_iii_refused_without_the_recorded_seizure(self, contract: Contract) -> None:
        notice(contract, "18.8(iii)")
        message = refused(contract, "18.8(iii)", RIGHT_ARISES, "T-18.8-iii")
        assert "seizure, confiscation or creditors' claims" in message

    def test_T_18_8_iii_remedied_in_time(self, contract: Contract) -> None:
        record(contract, "18.8(iii)")
        notice_id = notice(contract, "18.8(iii)")
        execute(contract, RecordLessorRemedy(notice_id), ctx(DISPATCH + ONE_DAY))
        contract.collect_events()

        refused(contract, "18.8(iii)", RIGHT_ARISES, "T-18.8-iii")


class TestT188iv:
    def test_T_18_8_iv_serious_failure_not_remedied(self, contract: Contract) -> None:
        execute(contract, RecordLessorGround("18.8(iv)", ("complaint-1",)), ctx(DISPATCH))
        assert names(collected(contract)) == ["LessorBreachRecorded"]
        notice(contract, "18.8(iv)")

        dissolved = dissolve(contract, "18.8(iv)", RIGHT_ARISES)

        assert_rules(dissolved, "L-25", "T-18.8-iv", "D-12", "A-29")

    def test_T_18_8_iv_refused_while_the_cure_period_runs(self, contract: Contract) -> None:
        record(contract, "18.8(iv)")
        notice(contract, "18.8(iv)")
        assert "runs until 2025-02-18" in refused(contract, "18.8(iv)", DISPATCH, "T-18.8-iv")

    def test_T_18_8_iv_a_second_notice_after_a_remedied_one(self, contract: Contract) -> None:
        record(contract, "18.8(iv)")
        first = notice(contract, "18.8(iv)")
        execute(contract, RecordLessorRemedy(first), ctx(DISPATCH + ONE_DAY))
        contract.collect_events()
        second = date(2025, 3, 3)
        assert notice(contract, "18.8(iv)", on=second) == "LN002"

        refused(contract, "18.8(iv)", date(2025, 3, 11), "T-18.8-iv")
        dissolve(contract, "18.8(iv)", date(2025, 3, 12))


class TestT188v:
    def test_T_18_8_v_trust_broken_recorded(self, contract: Contract) -> None:
        execute(contract, RecordLessorGround("18.8(v)", ("file-9",), "forged km"), ctx(DISPATCH))
        fact = only(collected(contract), LessorTrustBreakdownRecorded)
        assert fact.description == "forged km"

        assert_rules(dissolve(contract, "18.8(v)", DISPATCH), "L-25", "T-18.8-v")

    def test_T_18_8_v_refused_without_the_recorded_fact(self, contract: Contract) -> None:
        refused(contract, "18.8(v)", DISPATCH, "T-18.8-v")


class TestUnknownGrounds:
    @pytest.mark.parametrize("ground", ["18.8(vi)", "18.8(I)", "18.8", "18.3(xiv)", ""])
    def test_L_25_an_unknown_ground_code_is_refused(self, contract: Contract, ground: str) -> None:
        refused(contract, ground, DISPATCH, "L-25")

    def test_K_02_an_unknown_lessor_fact_is_refused(self, contract: Contract) -> None:
        command = RecordLessorGround("18.8(vi)", EVIDENCE)
        assert_refused(
            contract, lambda: execute(contract, command, ctx(DISPATCH)), RuleViolationError, "K-02"
        )

    def test_T_18_8_the_fact_events_per_ground(self, contract: Contract) -> None:
        kinds = {
            "18.8(ii)": LessorInsolvencyRecorded,
            "18.8(iii)": LessorCreditorInterferenceRecorded,
            "18.8(iv)": LessorBreachRecorded,
            "18.8(v)": LessorTrustBreakdownRecorded,
        }
        for ground, kind in kinds.items():
            execute(contract, RecordLessorGround(ground, EVIDENCE), ctx(DISPATCH))
            assert only(collected(contract), kind).ground == ground


class TestSnapshotsAndScenarios:
    def test_L_25_a_v7_snapshot_loads_with_no_notices_or_facts(
        self, dispatch_snapshot: Snapshot
    ) -> None:
        state = {
            k: v
            for k, v in dispatch_snapshot.state.items()
            if k not in ("lessor_notices", "lessor_facts")
        }
        v7 = Snapshot(
            originator_id=dispatch_snapshot.originator_id,
            originator_version=dispatch_snapshot.originator_version,
            timestamp=dispatch_snapshot.timestamp,
            topic=dispatch_snapshot.topic,
            state=dict(state, class_version=7),
        )

        restored = v7.mutate(None)

        assert isinstance(restored, Contract)
        assert (restored.lessor_notices, restored.lessor_facts) == ({}, {})

    def test_L_25_the_scenario_steps_refuse_then_dissolve(self) -> None:
        steps: list[dict[str, Any]] = [
            {"on": "2024-02-20", "do": "conclude"},
            {"on": "2024-02-21", "do": "order_vehicle"},
            {"on": "2024-03-01", "do": "notify_vehicle_ready"},
            {"on": "2024-03-05", "do": "submit_insurance_proof"},
            {"on": "2024-03-12", "do": "hand_over", "odometer": 12},
            {"on": "2025-02-10", "do": "dissolve_against_lessor", "ground": "18.8(i)"},
            {"on": "2025-02-10", "do": "send_lessor_default_notice", "ground": "18.8(i)"},
            {"on": "2025-02-10", "do": "send_lessor_default_notice", "ground": "18.8(i)",
             "amount": "1200.00"},
            {"on": "2025-02-18", "do": "dissolve_against_lessor", "ground": "18.8(i)"},
            {"on": "2025-02-19", "do": "dissolve_against_lessor", "ground": "18.8(i)"},
        ]  # fmt: skip
        for i in (5, 6, 8):
            steps[i]["expect_refusal"] = True
        scenario = {"scenario_version": 1, "contract": ref_terms_dict(), "steps": steps}

        output = simulate(parse_scenario(scenario))

        refusals = [(r["step"], r["do"], r["rule_id"]) for r in output["refusals"]]
        assert refusals == [
            (6, "dissolve_against_lessor", "T-18.8-i"),
            (7, "send_lessor_default_notice", "T-18.8-i"),
            (9, "dissolve_against_lessor", "T-18.8-i"),
        ]
        assert output["contract"]["end_kind"] == "DISSOLVED_AGAINST_LESSOR"
        assert output["contract"]["effective_end_date"] == "2025-02-19"


def test_D_12_a_notice_to_the_lessor_survives_a_snapshot_round_trip() -> None:
    """The application snapshots contracts as it saves them: a LessorNotice must encode."""
    contract = running_ref_contract(DISPATCH)
    execute(contract, SendLessorDefaultNotice(ground="18.8(iv)"), ctx(DISPATCH, "CUSTOMER"))
    contract.collect_events()
    mapper = ContractsApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper

    stored = mapper.to_stored_event(Snapshot.take(contract))
    restored = cast("Snapshot", mapper.to_domain_event(stored)).mutate(None)

    assert isinstance(restored, Contract)
    assert restored.lessor_notices == contract.lessor_notices


def test_D_11_a_reminder_of_an_unpaid_amount_expires_once_the_day_after_its_8_days(
    contract: Contract,
) -> None:
    # D-12 example dates: dispatched Mon 2025-02-10, last day Tue 02-18, expired on Wed 02-19.
    reminder = SendLessorDefaultNotice(ground="18.8(i)", registered=False, amount=OWED)
    execute(contract, reminder, ctx(DISPATCH, actor="CUSTOMER"))
    sent = only(collected(contract), LessorDefaultNoticeSent)
    assert_rules(sent, "D-11", "D-12", "T-18.8-i")
    notice_id = sent.notice_id
    run_days(contract, DISPATCH + ONE_DAY, RIGHT_ARISES + ONE_DAY)

    expired = only(collected(contract), LessorCureDeadlineExpired)
    assert_rules(expired, "D-11", "D-12", "T-18.8-i")
    assert (expired.notice_id, expired.deadline_id) == (notice_id, f"D-11:{notice_id}")
    assert (expired.occurred_on, expired.deadline) == (RIGHT_ARISES, CURE_LAST_DAY)


def test_D_11_no_expiry_when_the_lessor_paid_within_the_8_days(contract: Contract) -> None:
    notice_id = notice(contract, "18.8(i)")
    execute(contract, RecordLessorRemedy(notice_id=notice_id), ctx(CURE_LAST_DAY))
    run_days(contract, DISPATCH + ONE_DAY, RIGHT_ARISES + ONE_DAY)
    assert not [e for e in collected(contract) if isinstance(e, LessorCureDeadlineExpired)]
