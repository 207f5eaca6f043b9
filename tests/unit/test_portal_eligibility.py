"""PT-01, PT-03, D-34, A-39: who may use the portal and until when."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import add_months
from domain.portal.account import PortalAccount
from domain.portal.eligibility import (
    Agreement,
    access_valid_until,
    expired,
    is_eligible,
    last_agreement_end,
)
from domain.portal.events import PortalAccessExpiryScheduled, PortalAccessRevoked
from domain.portal.values import (
    AccessState,
    AgreementKind,
    PortalRefusal,
    RevocationReason,
    mask_mobile,
)
from tests.unit.portal_steps import LEASE, T0, WEB, at, names, registered

LEASE_KIND, FINANCING = AgreementKind.LEASE, AgreementKind.FINANCING


def access_of(account: PortalAccount) -> AccessState:
    """The access state (a call, so the type checker does not keep an earlier narrowing)."""
    return account.access


def ended(agreement_id: str, on: date, recorded: date | None = None) -> Agreement:
    return Agreement(agreement_id, LEASE_KIND, on, recorded or on)


def test_PT_01_eligible_only_with_an_agreement() -> None:
    assert not is_eligible([])
    assert is_eligible([Agreement("F-1", FINANCING)])


def test_PT_01_registration_refused_without_any_agreement() -> None:
    account = PortalAccount.open("C-1", T0)
    with pytest.raises(PortalRefusal) as refused:
        account.start_registration(T0, WEB, [])
    assert (refused.value.rule, refused.value.code) == ("PT-01", "not_eligible")


def test_PT_01_a_financing_agreement_from_another_system_makes_eligible() -> None:
    account = PortalAccount.open("C-2", T0)
    account.register_external_agreement("F-9", FINANCING, T0)
    account.start_registration(at(1), WEB, [])
    assert account.access is AccessState.REGISTERING


def test_D_34_worked_example_access_until_18_months_after_last_end() -> None:
    assert access_valid_until([ended("L-1", date(2028, 3, 13))]) == date(2029, 9, 13)


def test_PT_03_access_until_18_months_after_the_latest_of_several_agreements() -> None:
    agreements = [ended("L-1", date(2027, 1, 31)), ended("L-2", date(2028, 3, 13))]
    assert last_agreement_end(agreements) == date(2028, 3, 13)
    assert access_valid_until(agreements) == date(2029, 9, 13)


def test_PT_03_month_end_is_clamped() -> None:
    assert access_valid_until([ended("L-1", date(2027, 8, 31))]) == date(2029, 2, 28)


def test_A_39_a_retroactive_end_counts_from_its_recording() -> None:
    late = Agreement("L-1", LEASE_KIND, date(2028, 3, 13), date(2028, 5, 2))
    assert access_valid_until([late]) == date(2029, 11, 2)


def test_PT_03_a_running_agreement_keeps_access_open() -> None:
    agreements = [ended("L-1", date(2020, 1, 1)), Agreement("F-1", FINANCING)]
    assert access_valid_until(agreements) is None
    assert not expired(agreements, date(2100, 1, 1))


def test_PT_03_expired_only_after_the_last_day() -> None:
    agreements = [ended("L-1", date(2028, 3, 13))]
    assert not expired(agreements, date(2029, 9, 13))
    assert expired(agreements, date(2029, 9, 14))


agreement_lists = st.lists(
    st.builds(
        Agreement,
        st.text(min_size=1, max_size=4),
        st.sampled_from(AgreementKind),
        st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2040, 12, 31))),
        st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2040, 12, 31))),
    ),
    max_size=6,
)


@given(agreement_lists)
def test_PT_03_property_access_outlives_every_end_by_18_months(agreements: list[Agreement]) -> None:
    until = access_valid_until(agreements)
    if not agreements or any(a.ended_on is None for a in agreements):
        assert until is None
        return
    assert until is not None
    for agreement in agreements:
        assert agreement.ended_on is not None
        assert until >= add_months(agreement.ended_on, 18)
        if agreement.end_recorded_on is not None:
            assert until >= add_months(agreement.end_recorded_on, 18)


@given(agreement_lists, st.dates(date(2020, 1, 1), date(2045, 1, 1)))
def test_PT_03_property_a_new_agreement_reopens(agreements: list[Agreement], today: date) -> None:
    assert not expired([*agreements, Agreement("new", LEASE_KIND)], today)


def test_PT_03_expire_access_schedules_then_revokes() -> None:
    account = registered()
    account.collect_events()
    contracts = [ended("L-1", date(2028, 3, 13))]
    account.expire_access(date(2028, 3, 14), contracts, at(10))
    scheduled = account.collect_events()
    assert [type(e) for e in scheduled] == [PortalAccessExpiryScheduled]
    assert account.access_valid_until == date(2029, 9, 13)
    account.expire_access(date(2029, 9, 13), contracts, at(11))
    assert names(account) == []  # same date, last day: nothing new
    account.expire_access(date(2029, 9, 14), contracts, at(12))
    (revoked,) = account.collect_events()
    assert isinstance(revoked, PortalAccessRevoked)
    assert revoked.reason is RevocationReason.ELIGIBILITY_EXPIRED
    assert account.access is AccessState.REVOKED


def test_PT_03_a_new_agreement_reopens_registration_after_expiry() -> None:
    account = registered()
    old = [ended("L-1", date(2028, 3, 13))]
    later = datetime(2030, 1, 1, 8, 0, tzinfo=UTC)
    account.expire_access(later.date(), old, later)
    assert account.access is AccessState.REVOKED
    with pytest.raises(PortalRefusal) as refused:
        account.start_registration(later, WEB, old)
    assert (refused.value.rule, refused.value.code) == ("PT-03", "eligibility_expired")
    account.expire_access(later.date(), [*old, LEASE], later)
    assert account.access_valid_until is None
    account.start_registration(later, WEB, [*old, LEASE])
    assert access_of(account) is AccessState.REGISTERING


def test_mask_mobile_shows_only_country_code_and_last_two_digits() -> None:
    assert mask_mobile("+32 470 12 34 34") == "+32 4** ** ** 34"
    masked = mask_mobile("0470/99.88.12")
    assert masked.endswith("12")
    assert "99" not in masked
    assert "88" not in masked
