"""The application entity and its transitions: the lifecycle table, start, submit, expiry,
reminders, certificates and the history.

(Its form in test_domain_application_form.py, its material slots in test_domain_materials.py,
claiming and deciding in test_domain_review.py; random walks through the lifecycle in
test_domain_application_lifecycle.py.)
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.application import TRANSITIONS, ApplicationStatus
from chalicelib.domain.eligibility import PickupMethod, RegistrationType, ReissueReason
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, RuleViolationError
from chalicelib.domain.events import ApplicationExpired, ApplicationSubmitted, CertificateIssued
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.windows import Window
from tests.unit.domain.applications import (
    AFTER_CLOSE,
    FORM,
    NOW,
    PERSON,
    WINDOW,
    approved,
    complete,
    in_review,
    rejected,
    start,
    submitted,
    upload,
)

S = ApplicationStatus
K = MaterialKind


# --- the table -----------------------------------------------------------------------

def test_the_transition_table_is_the_specs_lifecycle():
    assert TRANSITIONS == {
        S.DRAFT: {S.SUBMITTED, S.EXPIRED, S.DISCARDED}, S.DISCARDED: set(),
        S.SUBMITTED: {S.IN_REVIEW}, S.IN_REVIEW: {S.APPROVED, S.REJECTED, S.SUBMITTED},
        S.REJECTED: {S.SUBMITTED, S.EXPIRED, S.REJECTED}, S.APPROVED: {S.CERTIFIED}, S.CERTIFIED: set(),
        S.EXPIRED: {S.RECONSIDERATION_REQUESTED, S.REJECTED},
        S.RECONSIDERATION_REQUESTED: {S.APPROVED, S.EXPIRED, S.REJECTED},
    }
    assert [s for s in S if s.is_terminal] == [S.CERTIFIED, S.DISCARDED]
    assert all(s.chinese for s in S)


# --- start -----------------------------------------------------------------------------

def test_a_new_application_is_a_draft_with_the_registers_data_and_one_history_entry():
    app = start()
    assert (app.status, app.window_year, app.type) == (S.DRAFT, 2022, RegistrationType.FIRST)
    assert (app.id_number, app.name, app.certificate_no, app.level) == (PERSON, "周晓梅", "Z2015000001",
                                                                        Level.ASSISTANT)
    assert [(h.from_status, h.to_status, h.actor, h.at) for h in app.history] == [(None, S.DRAFT, "applicant", NOW)]
    assert app.pull_events() == []


@pytest.mark.parametrize("type_, pickup", [
    (RegistrationType.FIRST, PickupMethod.MAIL), (RegistrationType.RENEWAL, PickupMethod.ELECTRONIC),
    (RegistrationType.LATE, PickupMethod.ELECTRONIC), (RegistrationType.REISSUE, PickupMethod.MAIL),
])
def test_pickup_method_is_prefilled_per_type(type_, pickup):
    assert start(type_).fields.pickup_method is pickup


def test_starting_a_type_that_does_not_apply_is_refused_with_the_verdicts_reason():
    with pytest.raises(RuleViolationError) as caught:
        start(RegistrationType.FIRST, qualified=2020)
    assert caught.value.code == "TYPE_NOT_ELIGIBLE"
    assert caught.value.message == (
        "您于2020年取得社会工作者职业资格，首登记应在2021年进行；从未登记的请申请补证。请选择符合条件的登记类型。")


@pytest.mark.parametrize("now", [WINDOW.opens_at - timedelta(seconds=1), WINDOW.closes_at])
def test_an_application_cannot_be_started_outside_the_window(now):
    with pytest.raises(RuleViolationError) as caught:
        start(now=now)
    assert caught.value.code == "WINDOW_CLOSED"


def test_reissue_for_a_never_registered_practitioner_prefills_its_only_reason():
    assert start(RegistrationType.REISSUE).fields.reissue_reason is ReissueReason.NEVER_REGISTERED
    lost = start(RegistrationType.REISSUE, qualified=2019, years=(2020,))
    assert lost.fields.reissue_reason is None
    assert lost.reissue_reasons == (ReissueReason.LOST, ReissueReason.DAMAGED)


# --- submit ----------------------------------------------------------------------------

def test_submit_names_every_missing_item_at_once():
    app = start()
    app.start_upload(K.ID_PHOTO, "u1", NOW)
    app.start_upload(K.ID_CARD_FRONT, "u2", NOW)
    app.record_material_rejected(K.ID_CARD_FRONT, "u2", "BLURRY", "照片模糊", NOW)
    with pytest.raises(RuleViolationError) as caught:
        app.submit(AFTER_CLOSE, WINDOW, declaration=False, actor="applicant")
    assert caught.value.code == "SUBMIT_INCOMPLETE"
    assert set(caught.value.details) == {
        "declaration", "window", "phone", "employer", "district", "education",
        "mailing_address.recipient", "mailing_address.phone", "mailing_address.address",
        "mailing_address.postal_code", "id_photo", "id_card_front", "id_card_back", "qualification_cert"}
    assert "处理中" in caught.value.details["id_photo"]
    assert "照片模糊" in caught.value.details["id_card_front"]
    assert app.status is S.DRAFT and len(app.history) == 1


def test_a_complete_application_is_submitted_and_starts_the_first_review_round():
    app = complete(start())
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert (app.status, app.submitted_at) == (S.SUBMITTED, NOW)
    assert [(r.number, r.submitted_at, r.outcome) for r in app.review_rounds] == [(1, NOW, None)]
    assert [(h.from_status, h.to_status, h.actor) for h in app.history[1:]] == [(S.DRAFT, S.SUBMITTED, "applicant")]
    assert app.pull_events() == [ApplicationSubmitted("app-1", PERSON, NOW, round_number=1)]
    assert app.pull_events() == []


def test_electronic_pickup_needs_no_mailing_address():
    app = start(RegistrationType.RENEWAL)
    app.update_fields({k: v for k, v in FORM.items() if k != "mailing_address"}, NOW, WINDOW)
    for kind in app.required_materials:
        upload(app, kind)
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED


@pytest.mark.parametrize("declaration", [False, None, "true", 1])
def test_submit_demands_the_declaration_itself(declaration):
    app = complete(start())
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=declaration, actor="applicant")
    assert set(caught.value.details) == {"declaration"}


@pytest.mark.parametrize("now, window", [
    (WINDOW.opens_at - timedelta(seconds=1), WINDOW),
    (WINDOW.closes_at, WINDOW),
    (NOW, Window.create(2023, NOW, NOW + timedelta(days=30))),
])
def test_submit_needs_this_years_window_open(now, window):
    app = complete(start())
    with pytest.raises(RuleViolationError) as caught:
        app.submit(now, window, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"window"}


def test_a_reissue_needs_its_reason():
    app = complete(start(RegistrationType.REISSUE, qualified=2019, years=(2020,)))
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"reissue_reason"}


def test_short_ce_needs_proof_and_enough_declared_hours():
    app = complete(start(RegistrationType.RENEWAL, ce_hours=58))
    assert K.CE_PROOF in app.required_materials
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"declared_ce_hours"}
    app.update_fields({"declared_ce_hours": "13.9"}, NOW, WINDOW)
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert "仍不足助理社会工作师要求的72学时" in caught.value.details["declared_ce_hours"]
    app.update_fields({"declared_ce_hours": 14}, NOW, WINDOW)
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED


def test_optional_ce_proof_once_uploaded_must_be_ready_and_declared():
    app = complete(start(RegistrationType.REISSUE))
    app.start_upload(K.CE_PROOF, "ce", NOW)
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"ce_proof", "declared_ce_hours"}


def test_declared_hours_without_proof_ask_for_the_proof():
    app = complete(start(RegistrationType.RENEWAL), declared_ce_hours="10")
    with pytest.raises(RuleViolationError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"ce_proof"}


def test_a_submitted_application_cannot_be_submitted_again_until_reviewed():
    app = submitted()
    with pytest.raises(InvalidTransitionError) as caught:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert (caught.value.current, caught.value.target) == ("submitted", "submitted")


# --- expiry and certificates ------------------------------------------------------------

@pytest.mark.parametrize("make, after_rejection", [(start, False), (rejected, True)])
def test_drafts_and_rejected_applications_expire_and_the_event_says_which(make, after_rejection):
    app = make()
    app.pull_events()
    app.expire(AFTER_CLOSE)
    assert app.status is S.EXPIRED and app.history[-1].actor == "system"
    assert app.pull_events() == [ApplicationExpired("app-1", PERSON, AFTER_CLOSE, after_rejection=after_rejection)]


@pytest.mark.parametrize("make, after_rejection", [(start, False), (rejected, True)])
def test_a_reminder_says_whether_the_application_awaits_its_first_submit_or_a_resubmit(make, after_rejection):
    app = make()
    app.pull_events()
    assert app.remind(3, NOW, WINDOW.closes_at) is True
    [event] = app.pull_events()
    assert event.after_rejection is after_rejection


def test_refusals_name_who_and_what_in_their_chinese_message():
    with pytest.raises(ConflictError) as claimed:
        in_review("rev-a").claim("rev-b", NOW)
    assert claimed.value.message == "该申请正由rev-a审核，请选择其他申请或稍后再试。"
    with pytest.raises(ConflictError) as locked:
        submitted().update_fields({"education": "master"}, NOW, WINDOW)
    assert (locked.value.code, locked.value.message) == ("NOT_EDITABLE", "申请已提交，不能修改。请刷新页面查看申请的最新状态。")
    with pytest.raises(RuleViolationError) as closed:
        rejected().update_fields({"education": "master"}, AFTER_CLOSE, WINDOW)
    assert closed.value.message == "2022年度登记不在开放时间内，请在登记开放期间办理。"


@pytest.mark.parametrize("make", [submitted, in_review, approved])
def test_submitted_applications_stay_reviewable_and_do_not_expire(make):
    app = make()
    with pytest.raises(InvalidTransitionError):
        app.expire(AFTER_CLOSE)


def test_an_approved_application_gets_exactly_one_certificate():
    app = approved()
    app.pull_events()
    app.certify("BJ2022-000123", WINDOW.certificates_due_at)
    assert (app.status, app.registration_no) == (S.CERTIFIED, "BJ2022-000123")
    assert app.pull_events() == [CertificateIssued("app-1", PERSON, WINDOW.certificates_due_at,
                                                   registration_no="BJ2022-000123", registration_year=2022,
                                                   valid_until=2025)]
    with pytest.raises(InvalidTransitionError):
        app.certify("BJ2022-000999", WINDOW.certificates_due_at)
    assert app.registration_no == "BJ2022-000123"


def test_a_reissue_for_a_lost_certificate_keeps_its_validity():
    app = start(RegistrationType.REISSUE, qualified=2019, years=(2020,))
    assert (app.certificate_registration_year, app.certificate_valid_until) == (2020, 2023)
    assert start(RegistrationType.REISSUE).certificate_valid_until == 2025


@pytest.mark.parametrize("make", [start, submitted, in_review, rejected])
def test_only_approved_applications_are_certified(make):
    app = make()
    with pytest.raises(InvalidTransitionError):
        app.certify("BJ2022-000123", NOW)
    assert app.registration_no is None


def test_every_status_change_is_in_the_history_with_who_when_and_note():
    app = rejected()
    assert [(h.from_status, h.to_status, h.actor) for h in app.history] == [
        (None, S.DRAFT, "applicant"), (S.DRAFT, S.SUBMITTED, "applicant"),
        (S.SUBMITTED, S.IN_REVIEW, "rev-a"), (S.IN_REVIEW, S.REJECTED, "rev-a")]
    assert all(h.at == NOW and h.note for h in app.history)


def test_time_must_be_timezone_aware():
    with pytest.raises(ValueError):
        start().update_fields({"employer": "某单位"}, NOW.replace(tzinfo=None), WINDOW)
