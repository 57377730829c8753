"""The application entity: the form, the materials, submit, review and the lifecycle table."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.application import TRANSITIONS, Application, ApplicationStatus
from chalicelib.domain.application_form import MailingAddress
from chalicelib.domain.eligibility import PickupMethod, RegistrationType, ReissueReason, evaluate
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, RuleViolationError, ValidationError
from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationSubmitted,
    CertificateIssued,
)
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind, MaterialStatus
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.review import ReviewIssue, ReviewOutcome
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

S = ApplicationStatus
K = MaterialKind
WINDOW = Window.create(2022, datetime(2022, 3, 1, 9, tzinfo=SHANGHAI), datetime(2022, 4, 1, tzinfo=SHANGHAI))
NOW = datetime(2022, 3, 2, 10, 0, tzinfo=SHANGHAI)
AFTER_CLOSE = WINDOW.closes_at + timedelta(hours=1)
PERSON = make_id()
ADDRESS = {"recipient": "周晓梅", "phone": "13900139000", "address": "北京市海淀区中关村大街1号",
           "postal_code": "100080"}
FORM = {"phone": "13800138000", "employer": "北京市某社会工作服务中心", "district": "海淀区", "education": "本科",
        "mailing_address": ADDRESS}

# (qualification year, registration years, CE hours on record) per type.
SCENARIOS = {
    RegistrationType.FIRST: (2021, (), 0),
    RegistrationType.RENEWAL: (2016, (2019,), 80),
    RegistrationType.LATE: (2010, (2017,), 80),
    RegistrationType.REISSUE: (2019, (), 0),
}


def start(type_: RegistrationType = RegistrationType.FIRST, *, qualified: int | None = None,
          years: tuple[int, ...] | None = None, ce_hours: float | None = None, now: datetime = NOW) -> Application:
    default_q, default_years, default_hours = SCENARIOS[type_]
    person = Practitioner(PERSON, "周晓梅", "Z2015000001", Level.ASSISTANT,
                          default_q if qualified is None else qualified)
    registrations = [Registration(PERSON, y, f"BJ{y}-1") for y in (default_years if years is None else years)]
    hours = default_hours if ce_hours is None else ce_hours
    records = [CeRecord(PERSON, date(2020, 6, 1), Decimal(str(hours)), "课程", "机构")] if hours else []
    verdict = evaluate(person, registrations, records, WINDOW).verdict(type_)
    return Application.start("app-1", person, verdict, WINDOW, now, actor="applicant")


def upload(app: Application, kind: MaterialKind, upload_id: str | None = None, now: datetime = NOW) -> bool:
    upload_id = upload_id or f"up-{kind.value}"
    app.start_upload(kind, upload_id, now)
    return app.record_material_ready(kind, upload_id, width=1600, height=1200, size_bytes=400_000,
                                     sha256="ab" * 32, object_key=f"materials/{kind.value}.jpg", now=now)


def complete(app: Application, **extra) -> Application:
    app.update_fields({**FORM, **extra}, NOW, WINDOW)
    for kind in app.required_materials:
        upload(app, kind)
    return app


def submitted(type_: RegistrationType = RegistrationType.FIRST, **kwargs) -> Application:
    app = complete(start(type_, **kwargs))
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    return app


def in_review(reviewer: str = "rev-a") -> Application:
    app = submitted()
    app.claim(reviewer, NOW)
    return app


def rejected() -> Application:
    app = in_review()
    app.reject("rev-a", NOW, "照片不清晰", [{"item": "id_photo", "note": "请重新拍摄"}])
    return app


def approved() -> Application:
    app = in_review()
    app.approve("rev-a", NOW)
    return app


# --- the table -----------------------------------------------------------------------

def test_the_transition_table_is_the_specs_lifecycle():
    assert TRANSITIONS == {
        S.DRAFT: {S.SUBMITTED, S.EXPIRED}, S.SUBMITTED: {S.IN_REVIEW}, S.IN_REVIEW: {S.APPROVED, S.REJECTED},
        S.REJECTED: {S.SUBMITTED, S.EXPIRED}, S.APPROVED: {S.CERTIFIED}, S.EXPIRED: set(), S.CERTIFIED: set(),
    }
    assert [s for s in S if s.is_terminal] == [S.EXPIRED, S.CERTIFIED]
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


# --- the form ------------------------------------------------------------------------

def test_saving_part_of_the_form_normalises_it_and_keeps_the_rest():
    app = start()
    app.update_fields({"phone": "+86 138-0013-8000", "district": "海淀"}, NOW, WINDOW)
    app.update_fields({"employer": " 某社工机构 "}, NOW + timedelta(minutes=1), WINDOW)
    assert (app.fields.phone, app.fields.district, app.fields.employer) == ("13800138000", "海淀区", "某社工机构")
    assert app.updated_at == NOW + timedelta(minutes=1)
    assert len(app.history) == 1


def test_a_save_names_every_bad_unknown_and_read_only_field_and_saves_nothing():
    app = start()
    with pytest.raises(ValidationError) as caught:
        app.update_fields({"phone": "12345", "district": "浦东新区", "employer": "好单位", "name": "张三",
                           "id_number": PERSON, "certificate_no": "X", "status": "approved", "type": "renewal",
                           "favourite_colour": "blue", "pickup_method": "courier",
                           "mailing_address": {"postal_code": "1000", "floor": "3"}}, NOW, WINDOW)
    assert set(caught.value.details) == {
        "phone", "district", "name", "id_number", "certificate_no", "status", "type", "favourite_colour",
        "pickup_method", "mailing_address.postal_code", "mailing_address.floor"}
    assert app.fields.employer is None


def test_empty_values_clear_a_field_and_the_address_is_merged_part_by_part():
    app = start()
    app.update_fields({"phone": "13800138000", "mailing_address": {"recipient": "周晓梅", "postal_code": "100080"}},
                      NOW, WINDOW)
    app.update_fields({"phone": "", "mailing_address": {"postal_code": "100081", "recipient": None}}, NOW, WINDOW)
    assert app.fields.phone is None
    assert app.fields.mailing_address == MailingAddress(recipient=None, postal_code="100081")


@pytest.mark.parametrize("type_, changes, bad", [
    (RegistrationType.FIRST, {"reissue_reason": "lost"}, "reissue_reason"),
    (RegistrationType.REISSUE, {"reissue_reason": "lost"}, "reissue_reason"),
    (RegistrationType.REISSUE, {"reissue_reason": "stolen"}, "reissue_reason"),
    (RegistrationType.FIRST, {"declared_ce_hours": "10"}, "declared_ce_hours"),
    (RegistrationType.RENEWAL, {"declared_ce_hours": "10.25"}, "declared_ce_hours"),
    (RegistrationType.RENEWAL, {"mailing_address": "北京市海淀区"}, "mailing_address"),
])
def test_fields_are_checked_against_the_applications_type(type_, changes, bad):
    with pytest.raises(ValidationError) as caught:
        start(type_).update_fields(changes, NOW, WINDOW)
    assert set(caught.value.details) == {bad}


def test_lost_or_damaged_are_the_reasons_for_a_registered_practitioners_reissue():
    app = start(RegistrationType.REISSUE, qualified=2019, years=(2020,))
    app.update_fields({"reissue_reason": "damaged"}, NOW, WINDOW)
    assert app.fields.reissue_reason is ReissueReason.DAMAGED
    with pytest.raises(ValidationError):
        app.update_fields({"reissue_reason": "never_registered"}, NOW, WINDOW)


def test_nothing_can_be_edited_after_submit():
    app = submitted()
    with pytest.raises(ConflictError) as caught:
        app.update_fields({"employer": "新单位"}, NOW, WINDOW)
    assert caught.value.code == "NOT_EDITABLE"
    for attempt in (lambda: app.start_upload(K.ID_PHOTO, "new", NOW), lambda: app.remove_material(K.ID_PHOTO, NOW)):
        with pytest.raises(ConflictError):
            attempt()
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.READY


def test_a_rejected_application_can_be_edited_only_while_its_window_is_open():
    app = rejected()
    app.update_fields({"employer": "新单位"}, NOW, WINDOW)
    assert app.fields.employer == "新单位"
    with pytest.raises(RuleViolationError) as caught:
        app.update_fields({"employer": "另一单位"}, AFTER_CLOSE, WINDOW)
    assert caught.value.code == "WINDOW_CLOSED"


def test_a_draft_can_still_be_saved_after_the_window_closes_until_it_expires():
    app = start()
    app.update_fields({"employer": "某单位"}, AFTER_CLOSE, WINDOW)
    assert app.fields.employer == "某单位"


# --- materials ---------------------------------------------------------------------------

def test_an_upload_is_pending_until_the_pipeline_reports_on_it():
    app = start()
    material = app.start_upload("id_photo", "u1", NOW)
    assert (material.kind, material.status, material.upload_id) == (K.ID_PHOTO, MaterialStatus.PENDING, "u1")
    assert app.record_material_ready(K.ID_PHOTO, "u1", width=413, height=626, size_bytes=80_000,
                                     sha256="cd" * 32, object_key="m/u1.jpg", now=NOW) is True
    ready = app.materials[K.ID_PHOTO]
    assert (ready.status, ready.width, ready.height, ready.object_key) == (MaterialStatus.READY, 413, 626, "m/u1.jpg")


def test_a_refused_upload_keeps_the_reason_the_applicant_can_act_on():
    app = start()
    app.start_upload(K.ID_CARD_FRONT, "u1", NOW)
    assert app.record_material_rejected(K.ID_CARD_FRONT, "u1", "IMAGE_TOO_SMALL", "图片太小，短边至少300像素", NOW)
    material = app.materials[K.ID_CARD_FRONT]
    assert (material.status, material.reason_code) == (MaterialStatus.REJECTED, "IMAGE_TOO_SMALL")


def test_late_or_repeated_pipeline_results_are_ignored():
    app = start()
    app.start_upload(K.ID_PHOTO, "old", NOW)
    app.start_upload(K.ID_PHOTO, "new", NOW)
    ready = dict(width=413, height=626, size_bytes=1, sha256="x", object_key="k", now=NOW)
    assert app.record_material_ready(K.ID_PHOTO, "old", **ready) is False
    assert app.record_material_rejected(K.ID_PHOTO, "old", "BAD", "坏", NOW) is False
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.PENDING
    assert app.record_material_ready(K.ID_PHOTO, "new", **ready) is True
    assert app.record_material_ready(K.ID_PHOTO, "new", **ready) is False
    assert app.record_material_rejected(K.ID_PHOTO, "new", "BAD", "坏", NOW) is False
    assert app.record_material_ready(K.ID_CARD_BACK, "new", **ready) is False
    assert app.record_material_ready("not_a_kind", "new", **ready) is False
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.READY


def test_uploading_again_or_deleting_replaces_the_material():
    app = start()
    upload(app, K.ID_PHOTO, "u1")
    app.start_upload(K.ID_PHOTO, "u2", NOW)
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.PENDING
    assert app.remove_material(K.ID_PHOTO, NOW) is True
    assert app.remove_material(K.ID_PHOTO, NOW) is False
    assert K.ID_PHOTO not in app.materials


def test_asking_to_upload_checks_the_rules_and_changes_nothing():
    app = start()
    upload(app, K.ID_PHOTO)
    updated_at, material = app.updated_at, app.materials[K.ID_PHOTO]
    assert app.allow_upload("id_photo") is K.ID_PHOTO
    assert (app.updated_at, app.materials[K.ID_PHOTO]) == (updated_at, material)
    with pytest.raises(RuleViolationError) as caught:
        app.allow_upload(K.CE_PROOF)
    assert caught.value.code == "MATERIAL_NOT_ALLOWED" and "请" in caught.value.message


def test_an_upload_issued_before_the_slots_floor_never_replaces_the_material():
    app = start()
    minute = timedelta(minutes=1)
    assert app.start_upload(K.ID_PHOTO, "newer", NOW, issued_at=NOW) is not None
    assert app.start_upload(K.ID_PHOTO, "older", NOW + minute, issued_at=NOW - minute) is None
    assert app.start_upload(K.ID_PHOTO, "newer", NOW + minute, issued_at=NOW) is None  # redelivered
    assert app.materials[K.ID_PHOTO].upload_id == "newer"
    app.remove_material(K.ID_PHOTO, NOW + 2 * minute)
    assert app.start_upload(K.ID_PHOTO, "before-the-x", NOW + 3 * minute, issued_at=NOW + minute) is None
    assert K.ID_PHOTO not in app.materials
    assert app.start_upload(K.ID_PHOTO, "after-the-x", NOW + 3 * minute, issued_at=NOW + 3 * minute) is not None


@pytest.mark.parametrize("type_, kind", [
    (RegistrationType.FIRST, K.REGISTRATION_CERT), (RegistrationType.FIRST, K.CE_PROOF),
    (RegistrationType.REISSUE, K.REGISTRATION_CERT), (RegistrationType.FIRST, "passport"),
])
def test_a_material_the_type_does_not_take_is_refused(type_, kind):
    with pytest.raises(RuleViolationError) as caught:
        start(type_).start_upload(kind, "u1", NOW)
    assert caught.value.code == "MATERIAL_NOT_ALLOWED"


def test_the_pipelines_result_after_submit_changes_nothing():
    app = start()
    complete(app)
    app.start_upload(K.ID_PHOTO, "late", NOW)
    upload(app, K.ID_PHOTO, "final")
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert app.record_material_rejected(K.ID_PHOTO, "final", "BAD", "坏", NOW) is False


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


# --- review ------------------------------------------------------------------------------

def test_claiming_takes_a_submitted_application_into_review_with_a_lease():
    app = submitted()
    lease = app.claim("rev-a", NOW, timedelta(minutes=10))
    assert (app.status, lease.reviewer, lease.until) == (S.IN_REVIEW, "rev-a", NOW + timedelta(minutes=10))
    assert (app.current_round.reviewer, app.current_round.claimed_at) == ("rev-a", NOW)
    assert app.history[-1].to_status is S.IN_REVIEW and app.history[-1].actor == "rev-a"


def test_renewing_or_taking_over_a_lease_is_not_a_transition():
    app = in_review("rev-a")
    entries = len(app.history)
    later = NOW + timedelta(minutes=20)
    assert app.claim("rev-a", later).until == later + timedelta(minutes=30)
    with pytest.raises(ConflictError) as caught:
        app.claim("rev-b", later + timedelta(minutes=29))
    assert caught.value.code == "CLAIMED" and caught.value.details["reviewer"] == "rev-a"
    takeover = later + timedelta(minutes=30)
    assert app.claim("rev-b", takeover).reviewer == "rev-b"
    assert (app.current_round.reviewer, app.current_round.claimed_at) == ("rev-b", takeover)
    assert len(app.history) == entries and app.status is S.IN_REVIEW


@pytest.mark.parametrize("make", [start, approved, rejected])
def test_only_submitted_applications_can_be_claimed(make):
    with pytest.raises(InvalidTransitionError):
        make().claim("rev-a", NOW)


def test_only_the_lease_holder_decides():
    app = in_review("rev-a")
    with pytest.raises(ConflictError) as caught:
        app.approve("rev-b", NOW)
    assert caught.value.code == "NOT_CLAIMED"
    with pytest.raises(ConflictError):
        app.reject("rev-b", NOW, "不通过")
    app.approve("rev-a", NOW + timedelta(hours=2))  # the lease ran out but nobody took over
    assert app.status is S.APPROVED


def test_an_unclaimed_application_cannot_be_decided():
    with pytest.raises(InvalidTransitionError):
        submitted().approve("rev-a", NOW)


def test_approval_closes_the_round_and_raises_an_event():
    app = in_review()
    app.pull_events()
    app.approve("rev-a", NOW, opinion="材料齐全")
    assert (app.status, app.lease) == (S.APPROVED, None)
    round_ = app.current_round
    assert (round_.outcome, round_.opinion, round_.decided_at) == (ReviewOutcome.APPROVED, "材料齐全", NOW)
    assert app.pull_events() == [ApplicationApproved("app-1", PERSON, NOW, opinion="材料齐全")]


def test_rejection_needs_an_opinion_and_names_only_items_of_this_application():
    app = in_review()
    with pytest.raises(ValidationError) as caught:
        app.reject("rev-a", NOW, "  ", [{"item": "registration_cert"}, {"item": "phone", "note": "号码停机"},
                                         {"item": "salary"}, "照片"])
    assert set(caught.value.details) == {"opinion", "issues[0].item", "issues[2].item", "issues[3]"}
    assert app.status is S.IN_REVIEW


def test_rejection_closes_the_round_with_its_issues_and_raises_an_event():
    app = in_review()
    app.pull_events()
    issues = [ReviewIssue("id_photo", "背景有杂物"), {"item": "mailing_address.postal_code", "note": ""}]
    app.reject("rev-a", NOW, "请按意见修改", issues)
    expected = (ReviewIssue("id_photo", "背景有杂物"), ReviewIssue("mailing_address.postal_code", ""))
    assert app.status is S.REJECTED and app.lease is None
    assert (app.current_round.outcome, app.current_round.issues) == (ReviewOutcome.REJECTED, expected)
    assert app.history[-1].note == "请按意见修改"
    assert app.pull_events() == [ApplicationRejected("app-1", PERSON, NOW, opinion="请按意见修改", issues=expected)]


def test_rejected_application_can_be_resubmitted_while_window_open():
    app = rejected()
    upload(app, K.ID_PHOTO, "retake")
    later = NOW + timedelta(days=1)
    app.submit(later, WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED
    assert [(r.number, r.outcome) for r in app.review_rounds] == [(1, ReviewOutcome.REJECTED), (2, None)]
    assert app.history[-1].note == "修改后重新提交"


def test_rejected_application_cannot_be_resubmitted_after_the_window_closes():
    app = rejected()
    with pytest.raises(RuleViolationError) as caught:
        app.submit(AFTER_CLOSE, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"window"}


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
        submitted().update_fields({"education": "硕士"}, NOW, WINDOW)
    assert (locked.value.code, locked.value.message) == ("NOT_EDITABLE", "申请已提交，不能修改。请刷新页面查看申请的最新状态。")
    with pytest.raises(RuleViolationError) as closed:
        rejected().update_fields({"education": "硕士"}, AFTER_CLOSE, WINDOW)
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
