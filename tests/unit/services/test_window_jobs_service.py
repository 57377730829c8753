"""The window tick on the fakes: expiry after the close, reminders before it, each once however often it runs."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.commands import SaveDraft
from chalicelib.domain.materials import MaterialKind
from chalicelib.services import applicant
from chalicelib.services.window_jobs import window_tick

from tests.unit.services.world import CLOSES_AT, NOW

NOTHING = {"expired": 0, "reminded": 0, "skipped": 0}


def _status(fakes, application) -> ApplicationStatus:
    return fakes.applications.get(application.application_id).status


def test_at_the_close_drafts_and_rejected_applications_expire_with_notices_and_reviewable_ones_stay(world, fakes):
    drafter, rejected_one, waiting = world.applicant("李雷"), world.applicant("韩梅梅"), world.applicant("王芳")
    draft = world.draft(drafter, phone="13800000001")
    rejected = world.rejected(rejected_one, world.reviewer())
    submitted = world.submitted(waiting)
    in_review = world.in_review(world.applicant("赵六"), world.reviewer("rev2"))
    assert window_tick(fakes, CLOSES_AT) == {**NOTHING, "expired": 2}
    assert [_status(fakes, a) for a in (draft, rejected, submitted, in_review)] == [
        ApplicationStatus.EXPIRED, ApplicationStatus.EXPIRED, ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW]
    expiry, = world.messages_of(drafter)
    assert world.texts_to("13800000001") == [texts.sms_text("ApplicationExpired")]
    assert world.messages_of(rejected_one)[0].body != expiry.body  # it names the rejection
    assert len(world.messages_of(waiting)) == 1  # the submission's only


def test_nothing_expires_before_the_close_and_a_second_tick_writes_nothing(world, fakes):
    draft = world.draft(world.applicant())
    assert window_tick(fakes, CLOSES_AT - timedelta(seconds=1))["expired"] == 0
    assert _status(fakes, draft) is ApplicationStatus.DRAFT
    window_tick(fakes, CLOSES_AT)
    texts, version = dict(fakes.outbox.texts), fakes.applications.get(draft.application_id).version
    assert window_tick(fakes, CLOSES_AT + timedelta(minutes=5)) == NOTHING
    assert fakes.outbox.texts == texts and fakes.applications.get(draft.application_id).version == version


def test_reminders_go_once_per_threshold_naming_the_deadline_and_exactly_what_is_missing(world, fakes):
    drafter, rejected_one = world.applicant("李雷"), world.applicant("韩梅梅")
    draft = world.draft(drafter, complete=False)
    applicant.update_application(fakes, drafter, draft.application_id, SaveDraft(
        {"phone": "13800000002", "employer": "西城社工", "pickup_method": "electronic"}), NOW)
    world.rejected(rejected_one, world.reviewer())
    assert window_tick(fakes, CLOSES_AT - timedelta(days=8)) == NOTHING

    almost_a_week = CLOSES_AT - timedelta(days=6, hours=23)
    assert window_tick(fakes, almost_a_week) == {**NOTHING, "reminded": 2}
    assert window_tick(fakes, almost_a_week + timedelta(minutes=5)) == NOTHING
    text, = world.texts_to("13800000002")
    assert text == texts.sms_text("ReminderDue", days_left=7)  # what is missing is in 我的消息
    reminder = world.messages_of(drafter)[0].body
    assert "不足7天" in reminder and "2026年4月1日00:00截止" in reminder
    assert ("还需填写或上传：所在区、学历、两寸免冠照片、身份证人像面照片、身份证国徽面照片、"
            "社会工作者职业水平证书照片。") in reminder
    assert "信息已填写完整" in world.messages_of(rejected_one)[0].body

    assert window_tick(fakes, CLOSES_AT - timedelta(days=2, hours=23))["reminded"] == 2
    assert window_tick(fakes, CLOSES_AT - timedelta(hours=1))["reminded"] == 2
    assert window_tick(fakes, CLOSES_AT - timedelta(minutes=5)) == NOTHING
    assert fakes.applications.get(draft.application_id).reminders_sent == (7, 3, 1)
    assert [("不足1天" in t, "不足3天" in t) for t in world.texts_to("13800000002")] == [
        (False, False), (False, True), (True, False)]


def test_a_reminder_started_two_days_before_the_close_is_the_three_day_one_only(world, fakes):
    account = world.applicant()
    world.draft(account, complete=False, at=CLOSES_AT - timedelta(days=2, hours=1))
    assert window_tick(fakes, CLOSES_AT - timedelta(days=2)) == {**NOTHING, "reminded": 1}
    reminder, = world.messages_of(account)
    assert "不足3天" in reminder.body


def test_a_reminder_names_a_refused_material_until_it_is_uploaded_again(world, fakes):
    account = world.applicant()
    draft = world.draft(account)
    draft.start_upload(MaterialKind.ID_PHOTO, "u-again", NOW)
    draft.record_material_rejected(MaterialKind.ID_PHOTO, "u-again", "BLURRY", "照片模糊", NOW)
    fakes.applications.save(draft)
    assert window_tick(fakes, CLOSES_AT - timedelta(hours=20))["reminded"] == 1
    assert "还需填写或上传：两寸免冠照片。" in world.messages_of(account)[0].body


def test_no_reminder_more_than_seven_days_before_the_close_or_for_a_submitted_application(world, fakes):
    world.draft(world.applicant(), complete=False)
    assert window_tick(fakes, CLOSES_AT - timedelta(days=7)) == NOTHING
    waiting = world.applicant("李雷")
    world.submitted(waiting)
    assert window_tick(fakes, CLOSES_AT - timedelta(days=1)) == {**NOTHING, "reminded": 1}  # the draft's
    assert len(world.messages_of(waiting)) == 1  # the submission's only


def test_a_draft_without_a_phone_is_reminded_in_the_app_only(world, fakes):
    account = world.applicant()
    world.draft(account, complete=False)
    assert window_tick(fakes, CLOSES_AT - timedelta(hours=12))["reminded"] == 1
    assert len(world.messages_of(account)) == 1 and fakes.outbox.texts == {}


def test_a_run_stops_at_its_write_budget_and_the_next_run_finishes_the_rest(world, fakes):
    drafts = [world.draft(world.applicant(f"申请人{n}")) for n in range(3)]
    assert window_tick(fakes, CLOSES_AT, max_changes=2) == {**NOTHING, "expired": 2}
    assert window_tick(fakes, CLOSES_AT, max_changes=2) == {**NOTHING, "expired": 1}
    assert {_status(fakes, draft) for draft in drafts} == {ApplicationStatus.EXPIRED}


def test_small_pages_reach_every_application(world, fakes):
    drafts = [world.draft(world.applicant(f"申请人{n}")) for n in range(5)]
    assert window_tick(fakes, CLOSES_AT, page_size=2) == {**NOTHING, "expired": 5}
    assert {_status(fakes, draft) for draft in drafts} == {ApplicationStatus.EXPIRED}


def test_an_application_changed_while_the_tick_ran_is_skipped_and_left_for_the_next_run(world, fakes):
    draft = world.draft(world.applicant())

    class ChangedMeanwhile(type(fakes.applications)):
        """The applicant saves the draft right after the tick read its page."""

        def queue_page(self, *args):
            page = super().queue_page(*args)
            for application in page.items:
                self.items[application.application_id].version += 1
            return page

    changed = ChangedMeanwhile(fakes.messages, fakes.outbox)
    changed.items, changed.live = fakes.applications.items, fakes.applications.live
    assert window_tick(replace(fakes, applications=changed), CLOSES_AT, max_pages=1) == {**NOTHING, "skipped": 1}
    assert _status(fakes, draft) is ApplicationStatus.DRAFT and fakes.messages.messages == {}


def test_a_tick_needs_an_aware_time():
    with pytest.raises(ValueError):
        window_tick(None, NOW.replace(tzinfo=None))
