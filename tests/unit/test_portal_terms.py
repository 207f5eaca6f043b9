"""Portal terms (PT-10..PT-14, D-35), maintenance (PT-21) and the PortalApplication."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import ContractsApplication
from domain.errors import ConcurrencyConflictError
from domain.portal.application import SNAPSHOT_INTERVAL, PortalApplication
from domain.portal.attempts import UnrecognisedEntryLog
from domain.portal.terms import PortalTermsCatalogue, terms_gate
from domain.portal.values import (
    AccessState,
    Action,
    AgreementKind,
    Channel,
    ConnectedService,
    Direction,
    PortalRefusal,
    RevocationReason,
    Stage,
    hashed,
)
from tests.unit.portal_steps import (
    LEASE,
    MASKED,
    REG,
    SEC,
    T0,
    WEB,
    at,
    names,
    registered,
    started,
    through_credentials,
)

V1, V2 = "2026.1", "2026.2"
IN_FORCE = date(2026, 1, 1)
CHANGE = date(2026, 6, 1)


def catalogue() -> PortalTermsCatalogue:
    terms = PortalTermsCatalogue.open(T0)
    terms.publish(V1, IN_FORCE, T0)
    terms.publish(V2, CHANGE, at(1))
    return terms


def test_PT_12_current_version_is_the_latest_in_force() -> None:
    terms = catalogue()
    assert terms.current_for(date(2025, 12, 31)) is None
    current = terms.current_for(date(2026, 5, 31))
    assert current is not None
    assert current.version == V1
    later = terms.current_for(CHANGE)
    assert later is not None
    assert later.version == V2


def test_PT_12_versions_are_unique_and_in_order() -> None:
    terms = catalogue()
    with pytest.raises(PortalRefusal) as refused:
        terms.publish(V1, date(2027, 1, 1), at(2))
    assert refused.value.code == "version_exists"
    with pytest.raises(PortalRefusal) as refused:
        terms.publish("2025.9", date(2025, 9, 1), at(2))
    assert refused.value.code == "not_after_previous"


def test_D_35_PT_13_gate_blocks_only_from_the_entry_into_force() -> None:
    terms, account = catalogue(), registered(version=V1)
    assert terms_gate(account, terms, CHANGE - timedelta(days=1)) is None
    pending = terms_gate(account, terms, CHANGE)
    assert pending is not None
    assert pending.version == V2
    with pytest.raises(PortalRefusal) as refused:
        account.performed(Action.VIEW_CONTRACT, "L-1", at(9), WEB, pending.version)
    assert (refused.value.rule, refused.value.code) == ("PT-13", "terms_not_accepted")
    account.performed(Action.LOGOUT, "-", at(9), WEB, pending.version)  # the gate itself
    assert account.access is AccessState.ACTIVE  # blocked, not revoked
    account.accept_terms(V2, at(10), WEB, "ua")
    assert terms_gate(account, terms, CHANGE) is None
    account.performed(Action.VIEW_CONTRACT, "L-1", at(11), WEB)


@given(
    st.lists(st.integers(0, 400), min_size=1, max_size=6),
    st.sets(st.integers(0, 5)),
    st.integers(-10, 420),
)
def test_D_35_property_gate_frees_exactly_when_the_version_in_force_is_accepted(
    offsets: list[int], accepted: set[int], day: int
) -> None:
    terms = PortalTermsCatalogue.open(T0)
    for index, offset in enumerate(sorted(offsets)):
        terms.publish(f"v{index}", IN_FORCE + timedelta(days=offset), T0)
    account = registered(version="none")
    for index in accepted & set(range(len(offsets))):
        account.accept_terms(f"v{index}", at(20), WEB, "ua")
    today = IN_FORCE + timedelta(days=day)
    pending = terms_gate(account, terms, today)
    in_force = [v for v in terms.versions if v.effective_from <= today]
    if not in_force or in_force[-1].version in account.accepted_terms:
        assert pending is None
    else:
        assert pending == in_force[-1]
        assert pending.effective_from <= today


def test_PT_14_accepted_versions_are_kept_with_their_time() -> None:
    account = registered(version=V1)
    account.accept_terms(V2, at(20), WEB, "ua")
    assert account.accepted_terms == {V1: at(4), V2: at(20)}


def test_PT_13_rejecting_a_change_revokes_access() -> None:
    account = registered(version=V1)
    account.collect_events()
    account.decline_terms(V2, at(9), WEB, "ua")
    assert names(account) == ["PortalTermsDeclined", "PortalActionPerformed", "PortalAccessRevoked"]
    assert account.revoked_reason is RevocationReason.TERMS_REJECTED


def test_PT_11_declining_during_registration_stops_it_without_revoking() -> None:
    account = through_credentials(started())
    account.decline_terms(V1, at(4), WEB, "ua")
    assert account.stage is Stage.CREDENTIALS_CREATED
    assert account.access is AccessState.REGISTERING
    with pytest.raises(PortalRefusal) as refused:
        account.request_code(SEC, MASKED, at(5))
    assert refused.value.code == "out_of_order"


def test_PT_10_a_copy_of_the_terms_is_emailed() -> None:
    account = registered()
    account.collect_events()
    account.email_terms(V2, at(9))
    (event,) = account.collect_events()
    assert type(event).__name__ == "PortalTermsEmailed"
    assert event.terms_version == V2  # type: ignore[attr-defined]


def test_PT_21_maintenance_is_announced_in_advance() -> None:
    terms = catalogue()
    terms.announce_maintenance(at(60), at(120), at(2))
    assert terms.maintenance_at(at(90)) is not None
    assert terms.maintenance_at(at(121)) is None
    with pytest.raises(PortalRefusal) as refused:
        terms.announce_maintenance(at(200), at(100), at(3))
    assert (refused.value.rule, refused.value.code) == ("PT-21", "invalid_window")


# --- the application (in memory) ------------------------------------------------------


def register_through_app(app: PortalApplication, number: str) -> None:
    app.start_registration(number, Channel.CONNECTED_APP, T0, [LEASE], ConnectedService.MYBMW)
    for purpose in (REG, SEC):
        app.request_code(number, purpose, MASKED, at(1))
        app.code_sent(number, purpose, MASKED, at(1))
        app.code_checked(number, purpose, MASKED, at(2), valid=True)
        if purpose is REG:
            app.create_credentials(number, ("e", "f", "l"), at(3))
            app.answer_terms(number, V1, at(4), WEB, "ua", accept=True)
    app.set_security_data(number, at(7), contract_number_verified=True)


def test_PT_04_application_registers_and_stores_the_account() -> None:
    app = PortalApplication()
    app.publish_terms(V1, IN_FORCE, T0)
    register_through_app(app, "C-1")
    account = app.account("C-1")
    assert account is not None
    assert account.stage is Stage.COMPLETED
    assert account.connected_service is ConnectedService.MYBMW  # decoded as the enum
    assert app.account("C-2") is None


def test_PT_05_application_logs_an_unknown_number_hashed() -> None:
    app = PortalApplication()
    with pytest.raises(PortalRefusal) as refused:
        app.start_registration("nobody@example.com", WEB, T0, [])
    assert (refused.value.rule, refused.value.code) == ("PT-01", "not_eligible")
    assert app.account("nobody@example.com") is None
    log: UnrecognisedEntryLog = app.repository.get(
        UnrecognisedEntryLog.create_id(hashed("nobody@example.com"))
    )
    assert log.attempts == 1


def test_PT_12_application_refuses_an_unpublished_version() -> None:
    app = PortalApplication()
    app.publish_terms(V1, IN_FORCE, T0)
    with pytest.raises(PortalRefusal) as refused:
        app.answer_terms("C-1", "1999.1", at(4), WEB, "ua", accept=True)
    assert refused.value.code == "unknown_terms_version"


def test_PT_13_application_gate_records_reacceptance_once_and_blocks() -> None:
    app = PortalApplication()
    app.publish_terms(V1, IN_FORCE, T0)
    register_through_app(app, "C-1")
    app.publish_terms(V2, T0.date(), at(8))
    pending = app.gate("C-1", at(9))
    assert pending is not None
    assert pending.version == V2
    app.gate("C-1", at(10))
    account = app.account("C-1")
    assert account is not None
    assert account.reacceptance_required == [V2]
    with pytest.raises(PortalRefusal) as refused:
        app.send_message("C-1", "T-1", Direction.CUSTOMER_TO_LESSOR, "h", at(11), WEB)
    assert refused.value.code == "terms_not_accepted"
    app.answer_terms("C-1", V2, at(12), WEB, "ua", accept=True)
    app.send_message("C-1", "T-1", Direction.CUSTOMER_TO_LESSOR, "h", at(13), WEB)
    assert app.gate("C-1", at(14)) is None


def test_application_concurrent_change_is_a_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    app = PortalApplication()
    app.publish_terms(V1, IN_FORCE, T0)
    register_through_app(app, "C-1")
    stale = app.account("C-1")
    app.login_failed("C-1", at(8), WEB)
    monkeypatch.setattr(app, "account", lambda _number: stale)
    with pytest.raises(ConcurrencyConflictError):
        app.login_failed("C-1", at(9), WEB)


def test_application_tables_are_apart_from_the_contracts_ones() -> None:
    """eventsourcing 9.5's PostgreSQL recorder names tables `<env.name.lower()>_events`."""
    portal = str(getattr(PortalApplication().env, "name", "")).lower()
    contracts = str(getattr(ContractsApplication().env, "name", "")).lower()
    assert portal == "portal"
    assert portal != contracts


def test_PT_08_a_long_audit_trail_loads_from_a_snapshot_with_the_same_state() -> None:
    app = PortalApplication()
    app.publish_terms(V1, IN_FORCE, T0)
    register_through_app(app, "C-1")
    app.register_external_agreement("C-1", "FIN-1", AgreementKind.FINANCING, at(8))
    app.send_message("C-1", "T-1", Direction.CUSTOMER_TO_LESSOR, "ab" * 32, at(9), WEB)
    for minute in range(SNAPSHOT_INTERVAL + 5):
        app.perform("C-1", Action.VIEW_CONTRACT, "PL-1", at(10 + minute), WEB)
    account = app.account("C-1")  # from the latest snapshot and the events after it
    assert account is not None
    assert app.snapshots is not None
    assert list(app.snapshots.get(account.id)), "no snapshot taken"
    from_events: Any = None
    for event in app.repository.event_store.get(account.id):
        from_events = event.mutate(from_events)  # type: ignore[attr-defined]
    assert from_events is not None
    assert vars(account) == vars(from_events)
    assert account.agreements["FIN-1"].kind is AgreementKind.FINANCING
    assert account.stage is Stage.COMPLETED
