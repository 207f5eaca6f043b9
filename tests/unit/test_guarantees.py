"""Guarantees: P-22 provided (D-40), applied in the Art. 3.4 order and released (M-10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.contract import Contract
from domain.contract.cover import RecordGuaranteeLapsed
from domain.contract.dissolution import Dissolve, EstimateMarketValue
from domain.contract.guarantee_events import (
    GuaranteeApplied,
    GuaranteeProvided,
    GuaranteeReleased,
)
from domain.contract.guarantees import (
    APPLICATION_CLASSES,
    ApplyGuarantee,
    ProvideGuarantee,
    ReleaseGuarantee,
    application_class,
    guarantee_allocations,
)
from domain.contract.registry import execute
from domain.contract.settlement import CloseContract, Repossess, ReturnVehicle
from domain.contract.state import Receivable
from domain.errors import InvalidTransitionError, RuleViolationError
from domain.money import Money
from domain.values import Bucket, ReceivableKind
from tests.contract_cases import (
    DISSOLUTION_DATE,
    REF_LATE_RETURN,
    assert_refused,
    assert_rules,
    collected,
    eur,
    expired_ref_contract,
    only,
    pay_everything,
    record_trust_ground,
    running_ref_contract,
)
from tests.factories import REF_START, active_ref_contract, ctx, run_days

DEPOSIT = ProvideGuarantee(
    guarantee_id="G-1", guarantee_type="CASH_DEPOSIT", amount=eur("2000.00"), provider_ref="B-1"
)
DUE = date(2025, 11, 21)


def _debit(receivable_id: str, category: str, open_amount: str, due: date = DUE) -> Receivable:
    amount = eur(open_amount)
    return Receivable(
        receivable_id,
        ReceivableKind.DEBIT_NOTE,
        category,
        Bucket.OTHER,
        due,
        due,
        amount,
        amount,
        [],
    )


class TestApplication:
    def test_M_10_worked_example_2000_to_repossession_then_the_indemnity(self) -> None:
        items = [
            _debit("R1", "INSTALMENT", "650.00", date(2025, 11, 1)),
            _debit("R2", "DISSOLUTION_INDEMNITY", "9600.00", date(2025, 12, 5)),
            _debit("R3", "REPOSSESSION", "400.00"),
        ]

        lines = guarantee_allocations(eur("2000.00"), items)

        assert lines == [
            {
                "bucket": "RECOVERY_REPAIR_PRESERVATION",
                "receivable_id": "R3",
                "amount": eur("400.00"),
            },
            {"bucket": "INDEMNITIES_COSTS", "receivable_id": "R2", "amount": eur("1600.00")},
        ]  # left open: indemnity 8,000.00 and the instalment 650.00

    def test_M_10_applied_on_a_dissolution_takes_the_amounts_off_the_ledger(self) -> None:
        contract = running_ref_contract(date(2024, 4, 2))
        execute(contract, DEPOSIT, ctx(date(2024, 4, 2)))
        run_days(contract, date(2024, 4, 3), DISSOLUTION_DATE)
        dissolved = dissolved_after(contract)
        before = dissolved.open_debits()

        execute(dissolved, ApplyGuarantee(guarantee_id="G-1"), ctx(DUE))

        applied = only(collected(dissolved), GuaranteeApplied)
        assert_rules(applied, "M-10")
        assert [(line["bucket"], line["amount"]) for line in applied.allocations] == [
            ("RECOVERY_REPAIR_PRESERVATION", eur("400.00")),
            ("INDEMNITIES_COSTS", eur("1600.00")),
        ]
        assert dissolved.open_debits() == before - eur("2000.00")
        assert dissolved.guarantees["G-1"].available == Money.zero()
        assert_refused(
            dissolved,
            lambda: execute(dissolved, ApplyGuarantee(guarantee_id="G-1"), ctx(DUE)),
            RuleViolationError,
            "M-10",
        )

    def test_M_10_other_debit_notes_come_after_the_three_classes(self) -> None:
        items = [_debit("R1", "LEVY", "50.00"), _debit("R2", "INSTALMENT", "650.00")]
        lines = guarantee_allocations(eur("700.00"), items)
        assert [(x["receivable_id"], x["bucket"]) for x in lines] == [
            ("R2", "INSTALMENTS"),
            ("R1", "OTHER"),
        ]


def dissolved_after(contract: Contract) -> Contract:
    """The dissolution of `dissolved_ref_contract` (9,600.00 left after the EMV), on a
    contract that holds a Guarantee, then repossessed at a cost of 400.00 (M-32)."""
    record_trust_ground(contract, date(2025, 11, 18))
    execute(contract, EstimateMarketValue(amount=eur("30000.00")), ctx(DISSOLUTION_DATE))
    execute(
        contract,
        Dissolve(grounds=("18.3(xiv)",), written_notification_on=DISSOLUTION_DATE),
        ctx(DISSOLUTION_DATE),
    )
    execute(contract, Repossess(odometer=40_012, costs=eur("400.00")), ctx(DUE))
    contract.collect_events()
    return contract


class TestProvisionAndRelease:
    def test_D_40_a_guarantee_is_provided_before_execution(self) -> None:
        contract = active_ref_contract()
        contract.collect_events()

        execute(contract, DEPOSIT, ctx(REF_START))

        provided = only(collected(contract), GuaranteeProvided)
        assert_rules(provided, "P-22", "D-40", "M-10")
        assert (provided.guarantee_type, provided.amount) == ("CASH_DEPOSIT", eur("2000.00"))
        assert_refused(
            contract, lambda: execute(contract, DEPOSIT, ctx(REF_START)), RuleViolationError, "P-22"
        )

    def test_P_22_no_guarantee_is_provided_once_the_contract_ended(self) -> None:
        contract = expired_ref_contract()
        assert_refused(
            contract,
            lambda: execute(contract, DEPOSIT, ctx(date(2028, 3, 13))),
            InvalidTransitionError,
            "D-40",
        )

    def test_M_10_a_guarantee_reduced_under_18_3_vii_leaves_only_its_remaining_amount(
        self,
    ) -> None:
        contract = active_ref_contract()
        execute(contract, DEPOSIT, ctx(REF_START))
        lapse = RecordGuaranteeLapsed(guarantee_id="G-1", reason="REDUCED", remaining=eur("500.00"))

        execute(contract, lapse, ctx(REF_START))

        assert contract.guarantees["G-1"].available == eur("500.00")
        assert contract.lapsed_guarantees == ["G-1"]

    def test_M_10_released_without_interest_once_the_contract_is_closed(self) -> None:
        contract = active_ref_contract()
        execute(contract, DEPOSIT, ctx(REF_START))
        run_days(contract, REF_START, date(2028, 3, 12))
        execute(
            contract,
            ReturnVehicle(odometer=88_012, damages=(), missing_items=()),
            ctx(REF_LATE_RETURN),
        )
        contract.collect_events()
        release = ReleaseGuarantee(guarantee_id="G-1")
        assert_refused(
            contract,
            lambda: execute(contract, release, ctx(REF_LATE_RETURN)),
            InvalidTransitionError,
            "M-10",
        )
        pay_everything(contract, REF_LATE_RETURN)
        execute(contract, CloseContract(), ctx(REF_LATE_RETURN))
        contract.collect_events()

        execute(contract, release, ctx(REF_LATE_RETURN))

        released = only(collected(contract), GuaranteeReleased)
        assert released.amount_returned == eur("2000.00")  # no interest on a cash deposit


_CATEGORIES = [c for _, cats in APPLICATION_CLASSES for c in sorted(cats)] + ["LEVY", "KM_EXCESS"]


@given(
    available=st.integers(min_value=1, max_value=2_000_000),
    opens=st.lists(
        st.tuples(st.sampled_from(_CATEGORIES), st.integers(min_value=1, max_value=1_000_000)),
        max_size=8,
    ),
)
def test_M_10_allocation_never_exceeds_the_guarantee_nor_an_item_and_keeps_the_class_order(
    available: int, opens: list[tuple[str, int]]
) -> None:
    items = [
        _debit(f"R{i}", category, str(Decimal(cents) / 100))
        for i, (category, cents) in enumerate(opens)
    ]
    guarantee = Money(Decimal(available) / 100)
    lines = guarantee_allocations(guarantee, items)
    used = sum((line["amount"].amount for line in lines), Decimal(0))  # type: ignore[attr-defined]
    owed = sum((item.open.amount for item in items), Decimal(0))
    assert used == min(guarantee.amount, owed)
    by_id = {item.receivable_id: item for item in items}
    for line in lines:
        assert line["amount"] <= by_id[str(line["receivable_id"])].open  # type: ignore[operator]
    ranks = [
        [name for name, _ in APPLICATION_CLASSES].index(str(x["bucket"]))
        if x["bucket"] != "OTHER"
        else 3
        for x in lines
    ]
    assert ranks == sorted(ranks)
    fully_paid = [line["amount"] == by_id[str(line["receivable_id"])].open for line in lines]
    assert all(fully_paid[:-1])  # only the last item reached can be left partly open
    assert application_class("INSTALMENT") == "INSTALMENTS"
