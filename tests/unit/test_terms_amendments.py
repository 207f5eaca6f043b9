"""O-23 / D-29 (Art. 22.3): amended General Terms take effect at least one month after notice,
unless the Customer objects before. RULES D-29 example: notified 2025-05-15 -> from 06-15."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Snapshot

from domain.contract import Contract
from domain.contract.amendment_events import (
    GeneralTermsAmendmentApplied,
    GeneralTermsAmendmentNotified,
    GeneralTermsAmendmentObjected,
)
from domain.contract.amendments import (
    NotifyTermsAmendment,
    ObjectToTermsAmendment,
    earliest_effective_date,
)
from domain.contract.registry import execute
from domain.errors import RuleViolationError
from tests.contract_cases import (
    ONE_DAY,
    assert_refused,
    assert_rules,
    collected,
    of_type,
    only,
    running_ref_contract,
)
from tests.factories import ctx, run_days

NOTIFIED = date(2025, 5, 15)
EFFECTIVE = date(2025, 6, 15)


def _notified() -> Contract:
    contract = running_ref_contract(NOTIFIED)
    execute(contract, NotifyTermsAmendment("19-3/HP", EFFECTIVE), ctx(NOTIFIED))
    return contract


def test_D_29_example_notified_2025_05_15_may_take_effect_from_2025_06_15() -> None:
    assert earliest_effective_date(NOTIFIED) == EFFECTIVE
    contract = running_ref_contract(NOTIFIED)
    early = NotifyTermsAmendment("19-3/HP", EFFECTIVE - ONE_DAY)
    assert_refused(
        contract, lambda: execute(contract, early, ctx(NOTIFIED)), RuleViolationError, "D-29"
    )


def test_O_23_D_29_without_objection_the_new_version_applies_on_its_effective_date() -> None:
    contract = _notified()
    notified = only(collected(contract), GeneralTermsAmendmentNotified)
    assert_rules(notified, "O-23", "D-29")
    assert contract.terms.general_terms_version == "19-2/HP"

    run_days(contract, NOTIFIED + ONE_DAY, EFFECTIVE - ONE_DAY)
    assert of_type(collected(contract), GeneralTermsAmendmentApplied) == []
    run_days(contract, EFFECTIVE, EFFECTIVE + ONE_DAY)

    applied = only(collected(contract), GeneralTermsAmendmentApplied)
    assert_rules(applied, "O-23", "D-29", "P-02")
    assert (applied.occurred_on, applied.previous_version) == (EFFECTIVE, "19-2/HP")
    assert contract.terms.general_terms_version == "19-3/HP"
    assert contract.terms_amendment is None


def test_D_29_an_objection_before_the_effective_date_keeps_the_version() -> None:
    contract = _notified()
    execute(contract, ObjectToTermsAmendment(), ctx(EFFECTIVE - ONE_DAY, actor="CUSTOMER"))
    run_days(contract, NOTIFIED + ONE_DAY, EFFECTIVE + ONE_DAY)
    events = collected(contract)

    assert only(events, GeneralTermsAmendmentObjected).new_version == "19-3/HP"
    assert of_type(events, GeneralTermsAmendmentApplied) == []
    assert contract.terms.general_terms_version == "19-2/HP"


def test_D_29_refuses_a_late_objection_a_second_pending_amendment_and_the_same_version() -> None:
    contract = _notified()
    for command, on in (
        (NotifyTermsAmendment("19-4/HP", date(2025, 7, 1)), NOTIFIED),
        (NotifyTermsAmendment("19-2/HP", date(2025, 7, 1)), NOTIFIED),
    ):
        assert_refused(
            contract,
            lambda command=command, on=on: execute(contract, command, ctx(on)),  # type: ignore[misc]
            RuleViolationError,
            "D-29",
        )
    run_days(contract, NOTIFIED + ONE_DAY, EFFECTIVE)
    assert_refused(
        contract,
        lambda: execute(contract, ObjectToTermsAmendment(), ctx(EFFECTIVE)),
        RuleViolationError,
        "D-29",
    )


def test_D_29_a_pending_amendment_survives_a_snapshot() -> None:
    contract = _notified()
    contract.collect_events()
    restored = Snapshot.take(contract).mutate(None)
    assert isinstance(restored, Contract)
    assert restored.terms_amendment == {"new_version": "19-3/HP", "effective_from": "2025-06-15"}
