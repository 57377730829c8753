"""Reminders before a window closes, with no I/O: when one is due, what it lists, that it goes once."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.application_form import item_label
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import RuleViolationError
from chalicelib.domain.events import ReminderDue
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.notifications import notices_for
from chalicelib.domain.register import Practitioner
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services.window_jobs import due_reminder
from tests.ids import make_id

WINDOW = Window.create(2030, datetime(2030, 3, 1, 9, tzinfo=SHANGHAI), datetime(2030, 4, 1, 0, tzinfo=SHANGHAI))
CLOSE = WINDOW.closes_at
START = WINDOW.opens_at + timedelta(days=1)
PHONE = "13800138000"
COMPLETE = {"phone": PHONE, "employer": "西城社工", "district": "西城区", "education": "bachelor",
            "pickup_method": "electronic"}


def _draft() -> Application:
    person = Practitioner(make_id(), "周晓梅", "Z2029000001", Level.ASSISTANT, 2029)
    verdict = evaluate(person, [], [], WINDOW).verdict(RegistrationType.FIRST)
    return Application.start("app-1", person, verdict, WINDOW, START, actor="applicant")


def _ready(application: Application, kind: MaterialKind) -> None:
    application.start_upload(kind, f"u-{kind.value}", START)
    application.record_material_ready(kind, f"u-{kind.value}", width=1200, height=1600, size_bytes=400_000,
                                      sha256="0" * 64, object_key=f"m/{kind.value}", now=START)


@pytest.mark.parametrize("before_close, expected", [
    (timedelta(days=8), None),
    (timedelta(days=7), None),
    (timedelta(days=7) - timedelta(seconds=1), 7),
    (timedelta(days=6, hours=23), 7),
    (timedelta(days=3), 7),
    (timedelta(days=2, hours=23), 3),
    (timedelta(hours=24), 3),
    (timedelta(hours=23), 1),
    (timedelta(seconds=1), 1),
    (timedelta(0), None),  # closed: expiry's business, not a reminder's
    (-timedelta(days=1), None),
])
def test_the_tightest_threshold_is_due_by_elapsed_time_before_the_close(before_close, expected):
    assert due_reminder(WINDOW, CLOSE - before_close) == expected


def test_no_reminder_before_the_window_opens():
    early = Window.create(2030, CLOSE - timedelta(days=2), CLOSE)
    assert due_reminder(early, CLOSE - timedelta(days=3)) is None


def test_missing_for_submit_is_what_submit_refuses_with_besides_declaration_and_window():
    application = _draft()
    missing = application.missing_for_submit()
    with pytest.raises(RuleViolationError) as refused:
        application.submit(START, WINDOW, declaration=False, actor="applicant")
    assert refused.value.details == {"declaration": "请勾选“我保证上述所填信息均真实有效”", **missing}
    assert {"phone", "employer", "district", "education", "id_photo", "qualification_cert"} <= set(missing)


def test_a_complete_form_misses_nothing_and_submits():
    application = _draft()
    application.update_fields(COMPLETE, START, WINDOW)
    for kind in application.required_materials:
        _ready(application, kind)
    assert application.missing_for_submit() == {}
    application.submit(START, WINDOW, declaration=True, actor="applicant")
    assert application.status is ApplicationStatus.SUBMITTED


def test_a_reminder_goes_once_per_threshold_and_lists_what_is_missing_in_chinese():
    application = _draft()
    application.update_fields({"phone": PHONE, "employer": "西城社工", "pickup_method": "mail"}, START, WINDOW)
    _ready(application, MaterialKind.ID_PHOTO)
    at = CLOSE - timedelta(days=6, hours=23)

    assert application.remind(7, at, CLOSE) is True
    assert application.remind(7, at + timedelta(minutes=5), CLOSE) is False
    assert application.reminders_sent == (7,)
    [event] = application.pull_events()
    assert isinstance(event, ReminderDue) and event.days_left == 7 and event.at == at
    assert event.missing == ("所在区", "学历", "收件人", "收件人电话", "收件地址", "邮政编码",
                             "身份证人像面照片", "身份证国徽面照片", "社会工作者职业水平证书照片")

    assert application.remind(3, CLOSE - timedelta(days=2), CLOSE) is True
    assert application.reminders_sent == (7, 3)
    assert application.history[-1].to_status is ApplicationStatus.DRAFT  # not a transition


def test_only_a_draft_or_a_rejected_application_is_reminded():
    application = _draft()
    application.update_fields(COMPLETE, START, WINDOW)
    for kind in application.required_materials:
        _ready(application, kind)
    application.submit(START, WINDOW, declaration=True, actor="applicant")
    application.pull_events()
    assert application.remind(1, CLOSE - timedelta(hours=2), CLOSE) is False
    assert application.reminders_sent == () and application.pull_events() == []


def test_the_reminder_message_names_the_deadline_and_each_missing_item_and_the_sms_points_to_it():
    event = ReminderDue("app-1", make_id(), CLOSE - timedelta(days=2), days_left=3,
                        missing=("学历", "两寸免冠照片"), closes_at=CLOSE)
    [message], [sms] = notices_for(event, PHONE)
    assert message.title == "登记即将截止，请尽快提交"
    assert "不足3天" in message.body and "2030年4月1日00:00截止" in message.body
    assert "学历、两寸免冠照片" in message.body
    assert sms.text == texts.sms_text("ReminderDue", days_left=3) and sms.phone == PHONE


def test_a_complete_but_unsubmitted_application_is_told_to_submit():
    event = ReminderDue("app-1", make_id(), CLOSE - timedelta(hours=3), days_left=1, missing=(), closes_at=CLOSE)
    [message], sms = notices_for(event, None)
    assert "信息已填写完整" in message.body and sms == []


@pytest.mark.parametrize("item, label", [("phone", "联系电话"), ("mailing_address.postal_code", "邮政编码"),
                                         ("ce_proof", "继续教育证明照片"), ("declared_ce_hours", "申报继续教育学时")])
def test_every_item_has_a_chinese_label(item, label):
    assert item_label(item) == label
