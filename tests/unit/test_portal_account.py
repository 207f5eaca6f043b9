"""PortalAccount: registration order (PT-04..PT-06), audit (PT-08), suspicious access
(PT-09, D-38), content (PT-15..PT-17), usage (PT-20), status (PT-22), transfer (PT-24)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.portal.account import PortalAccount
from domain.portal.attempts import UnrecognisedEntryLog
from domain.portal.content_events import Message
from domain.portal.events import CustomerNumberNotRecognised
from domain.portal.values import (
    STAGES,
    AccessState,
    Action,
    AgreementKind,
    Channel,
    ConnectedService,
    CustomerStatus,
    Direction,
    DocumentType,
    Measure,
    PortalRefusal,
    ProhibitedUse,
    RevocationReason,
    Severity,
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

APP = Channel.CONNECTED_APP
Step = Callable[[PortalAccount], None]

STEPS: list[tuple[Stage, Step]] = [  # the command that reaches each stage after STARTED
    (Stage.CODE_REQUESTED, lambda a: a.request_code(REG, MASKED, at(1))),
    (Stage.CODE_SENT, lambda a: a.code_sent(REG, MASKED, at(1))),
    (Stage.CODE_VERIFIED, lambda a: a.code_checked(REG, MASKED, at(2), valid=True)),
    (Stage.CREDENTIALS_CREATED, lambda a: a.create_credentials("e", "f", "l", at(3))),
    (Stage.TERMS_ACCEPTED, lambda a: a.accept_terms("2026.1", at(4), WEB, "ua")),
    (Stage.SECURITY_CODE_REQUESTED, lambda a: a.request_code(SEC, MASKED, at(5))),
    (Stage.SECURITY_CODE_SENT, lambda a: a.code_sent(SEC, MASKED, at(5))),
    (Stage.SECURITY_CODE_VERIFIED, lambda a: a.code_checked(SEC, MASKED, at(6), valid=True)),
    (Stage.SECURITY_DATA_SET, lambda a: a.set_security_data(at(7), contract_number_verified=True)),
    (Stage.COMPLETED, lambda a: a.complete_registration(at(7))),
]


def attempt(account: PortalAccount, step: Step) -> PortalRefusal | None:
    """The refusal of `step`, or None when it was taken."""
    try:
        step(account)
    except PortalRefusal as refused:
        return refused
    return None


def refusal(account: PortalAccount, step: Step) -> tuple[str, str]:
    with pytest.raises(PortalRefusal) as refused:
        step(account)
    return refused.value.rule, refused.value.code


def test_PT_04_the_steps_in_order_reach_an_active_account() -> None:
    account = started()
    for stage, step in STEPS:
        step(account)
        assert account.stage is stage
    assert account.access is AccessState.ACTIVE


def test_PT_04_no_step_before_the_customer_number_is_entered() -> None:
    account = PortalAccount.open("C-9", T0)
    assert account.stage is Stage.NONE
    for _, step in STEPS:
        assert refusal(account, step)[1] in {"out_of_order", "registration_incomplete"}


@pytest.mark.parametrize("index", range(1, len(STEPS)))
def test_PT_04_each_step_is_refused_before_the_previous_one(index: int) -> None:
    account = started()
    for _, step in STEPS[: index - 1]:
        step(account)
    before = account.stage
    assert refusal(account, STEPS[index][1]) == ("PT-04", "out_of_order")
    assert account.stage is before


@given(st.lists(st.integers(0, len(STEPS) - 1), max_size=30))
def test_PT_04_property_any_sequence_only_advances_in_order(tried: list[int]) -> None:
    account = started()
    for index in tried:
        before = STAGES.index(account.stage)
        refused = attempt(account, STEPS[index][1])
        if refused is not None:
            assert refused.code == "out_of_order"
            assert STAGES.index(account.stage) == before
        else:  # the step reached its own stage, never skipping one (a re-request goes back)
            assert account.stage is STEPS[index][0] or account.stage is Stage.COMPLETED
            assert STAGES.index(account.stage) <= before + 1
    assert (account.access is AccessState.ACTIVE) == (account.stage is Stage.COMPLETED)


def test_PT_04_a_wrong_code_keeps_the_step_and_counts_the_attempt() -> None:
    account = started()
    account.request_code(REG, MASKED, at(1))
    account.code_sent(REG, MASKED, at(1))
    account.code_checked(REG, MASKED, at(2), valid=False)
    assert account.stage is Stage.CODE_SENT
    account.request_code(REG, MASKED, at(3))
    assert account.code_attempts == 2
    assert names(account)[-2:] == ["AuthenticationCodeFailed", "AuthenticationCodeRequested"]


def test_PT_04_security_data_needs_the_contract_number() -> None:
    account = started()
    for _, step in STEPS[:8]:
        step(account)
    assert refusal(
        account, lambda a: a.set_security_data(at(7), contract_number_verified=False)
    ) == (
        "PT-04",
        "contract_number_mismatch",
    )


def test_PT_04_registering_again_when_active_is_refused() -> None:
    account = registered()
    assert refusal(account, lambda a: a.start_registration(at(9), WEB, [LEASE])) == (
        "PT-04",
        "already_registered",
    )


def test_PT_05_code_not_received_is_recorded_with_a_hash() -> None:
    account = started()
    assert refusal(account, lambda a: a.report_code_not_received(at(1))) == (
        "PT-04",
        "out_of_order",
    )
    account.request_code(REG, MASKED, at(1))
    account.report_code_not_received(at(2))
    event = account.collect_events()[-1]
    assert type(event).__name__ == "AuthenticationCodeNotReceivedReported"
    assert event.entered_value_hash == hashed("C-100")  # type: ignore[attr-defined]
    assert "C-100" not in str(event.__dict__.get("entered_value_hash"))


def test_PT_05_an_unrecognised_number_is_logged_hashed() -> None:
    log = UnrecognisedEntryLog.open(hashed("typo@example"), T0)
    log.not_recognised(T0, WEB)
    log.not_recognised(at(1), WEB)
    events = log.collect_events()
    assert [type(e) for e in events[1:]] == [CustomerNumberNotRecognised] * 2
    assert log.attempts == 2
    assert all("typo" not in str(vars(e)) for e in events)


def test_PT_06_connected_app_registration_needs_the_service_login_first() -> None:
    account = PortalAccount.open("C-7", T0)
    assert refusal(account, lambda a: a.start_registration(T0, APP, [LEASE])) == (
        "PT-06",
        "connected_service_required",
    )
    account.start_registration(T0, APP, [LEASE], ConnectedService.MINI_APP)
    assert names(account)[1:] == ["ConnectedServiceAuthenticated", "PortalRegistrationStarted"]


def test_PT_06_connected_app_login_needs_the_service_login_each_time() -> None:
    account = registered()
    assert refusal(account, lambda a: a.login_succeeded(at(9), APP)) == (
        "PT-06",
        "connected_service_required",
    )
    account.authenticate_connected_service(ConnectedService.MYBMW, at(9))
    account.login_succeeded(at(9), APP)
    assert refusal(account, lambda a: a.login_succeeded(at(10), APP))[0] == "PT-06"


def test_PT_08_actions_are_audited_with_channel_and_time() -> None:
    account = registered()
    account.collect_events()
    account.login_succeeded(at(9), WEB)
    account.performed(Action.VIEW_DOCUMENT, "DOC-1", at(10), WEB)
    events = account.collect_events()
    audit = [e for e in events if type(e).__name__ == "PortalActionPerformed"]
    assert [(e.action, e.target_ref, e.at, e.channel) for e in audit] == [  # type: ignore[attr-defined]
        ("LOGIN", str(account.id), at(9), WEB),
        ("VIEW_DOCUMENT", "DOC-1", at(10), WEB),
    ]


def test_PT_08_no_action_before_registration_is_complete() -> None:
    account = through_credentials(started())
    assert refusal(account, lambda a: a.performed(Action.VIEW_CONTRACT, "L-1", at(9), WEB)) == (
        "PT-04",
        "registration_incomplete",
    )


def test_PT_09_D_38_suspicious_access_resets_credentials() -> None:
    account = registered()
    account.collect_events()
    account.report_suspicious_access(at(9), WEB, "my neighbour saw my password")
    assert names(account) == [
        "SuspiciousAccessReported",
        "PortalActionPerformed",
        "PortalCredentialsReset",
    ]
    assert account.credentials_generation == 1
    assert account.access is AccessState.REGISTERING
    assert (
        refusal(account, lambda a: a.login_succeeded(at(10), WEB))[1] == "registration_incomplete"
    )


def test_PT_09_after_a_reset_steps_2_4_and_6_again_without_new_terms() -> None:
    account = registered()
    account.report_suspicious_access(at(9), WEB, "x")
    through_credentials(account)
    assert account.stage is Stage.TERMS_ACCEPTED  # step 5 kept from before
    for _, step in STEPS[5:]:
        step(account)
    assert account.access is AccessState.ACTIVE


def test_PT_09_the_description_is_stored_only_hashed() -> None:
    account = registered()
    account.collect_events()
    account.report_suspicious_access(at(9), WEB, "secret text")
    assert all("secret text" not in str(vars(e)) for e in account.collect_events())


def test_PT_15_PT_16_messages_are_kept_per_thread() -> None:
    account = registered()
    account.send_message("T-1", Direction.CUSTOMER_TO_LESSOR, "h1", at(9), WEB, "L-1")
    account.send_message("T-1", Direction.LESSOR_TO_CUSTOMER, "h2", at(10), WEB)
    assert account.threads["T-1"] == [
        Message(Direction.CUSTOMER_TO_LESSOR, "h1", "L-1", at(9)),
        Message(Direction.LESSOR_TO_CUSTOMER, "h2", None, at(10)),
    ]


def test_PT_15_customer_messages_need_an_active_account() -> None:
    account = started()
    send: Step = lambda a: a.send_message("T", Direction.CUSTOMER_TO_LESSOR, "h", at(1), WEB)  # noqa: E731
    assert refusal(account, send) == ("PT-04", "registration_incomplete")


def test_PT_17_a_document_is_published_once_and_never_changes() -> None:
    account = registered()
    account.collect_events()
    account.publish_document("D-1", DocumentType.INVOICE, "L-1", "abc", at(9))
    account.publish_document("D-1", DocumentType.INVOICE, "L-1", "abc", at(10))
    assert names(account) == ["DocumentPublished"]
    publish_other: Step = lambda a: a.publish_document(  # noqa: E731
        "D-1", DocumentType.INVOICE, "L-1", "xyz", at(11)
    )
    assert refusal(account, publish_other) == ("PT-17", "document_immutable")
    assert account.documents == {"D-1": "abc"}


def test_PT_20_measures_are_proportionate_and_severe_misuse_revokes() -> None:
    account = registered()
    account.record_violation("V-1", ProhibitedUse.SPAM, Severity.MINOR, at(9))
    revoke: Step = lambda a: a.take_measure("V-1", Measure.ACCESS_REVOKED, at(10))  # noqa: E731
    assert refusal(account, revoke) == ("PT-20", "disproportionate_measure")
    assert refusal(account, lambda a: a.take_measure("V-9", Measure.WARNING, at(10)))[1] == (
        "unknown_violation"
    )
    account.take_measure("V-1", Measure.WARNING, at(10))
    account.record_violation("V-2", ProhibitedUse.MALWARE, Severity.SEVERE, at(11))
    account.take_measure("V-2", Measure.ACCESS_REVOKED, at(12))
    assert account.access is AccessState.REVOKED
    assert account.revoked_reason is RevocationReason.MISUSE
    assert refusal(account, lambda a: a.login_succeeded(at(13), WEB)) == ("PT-20", "access_revoked")
    account.restore(at(14))
    account.login_succeeded(at(15), WEB)


def test_PT_22_customer_status_is_recorded_when_it_changes() -> None:
    account = PortalAccount.open("C-5", T0)
    account.collect_events()
    account.record_customer_status(CustomerStatus.CONSUMER, at(1))
    account.record_customer_status(CustomerStatus.CONSUMER, at(2))
    account.record_customer_status(CustomerStatus.BUSINESS, at(3))
    assert names(account) == ["CustomerStatusRecorded"] * 2
    assert account.customer_status is CustomerStatus.BUSINESS


def test_PT_24_transfer_consent_only_after_notice_and_once() -> None:
    account = registered()
    answer: Step = lambda a: a.answer_transfer("NEWCO", consent=True, at=at(9), channel=WEB)  # noqa: E731
    assert refusal(account, answer) == ("PT-24", "transfer_not_notified")
    account.notify_transfer("NEWCO", at(9))
    answer(account)
    assert account.transfers == {"NEWCO": True}
    assert refusal(account, answer)[1] == "transfer_already_answered"
    account.notify_transfer("OTHERCO", at(10))
    account.answer_transfer("OTHERCO", consent=False, at=at(11), channel=WEB)
    assert account.transfers["OTHERCO"] is False


def test_PT_01_external_agreements_are_kept_idempotently() -> None:
    account = PortalAccount.open(str(uuid4()), T0)
    account.collect_events()
    account.register_external_agreement("F-1", AgreementKind.FINANCING, at(1))
    account.register_external_agreement("F-1", AgreementKind.FINANCING, at(2))
    assert names(account) == ["ExternalAgreementRegistered"]
    assert refusal(account, lambda a: a.end_external_agreement("F-2", T0.date(), at(3)))[1] == (
        "unknown_agreement"
    )


def test_create_id_is_deterministic() -> None:
    assert PortalAccount.create_id("C-1") == PortalAccount.create_id("C-1")
    assert PortalAccount.create_id("C-1") != PortalAccount.create_id("C-2")
