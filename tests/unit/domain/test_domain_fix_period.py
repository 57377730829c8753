"""The fix period (SPEC §2.6): a rejection decided after the window closed, or fewer than `fix_days`
before, may be edited and resubmitted until `fix_until = max(closes_at, decided_at + fix_days)`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.errors import ConflictError, RuleViolationError
from chalicelib.domain.reconsideration import RejectedWithFixPeriod
from chalicelib.domain.review import beijing_time, fix_until
from chalicelib.domain.windows import SHANGHAI
from tests.unit.domain.applications import WINDOW, in_review

CLOSES = WINDOW.closes_at
DAY = timedelta(days=1)


@pytest.mark.parametrize("decided, expected", [
    (CLOSES - 10 * DAY, None),                             # the window leaves more than enough
    (CLOSES - 7 * DAY, None),                              # exactly fix_days left: the window is enough
    (CLOSES - 7 * DAY + timedelta(minutes=1), CLOSES + timedelta(minutes=1)),
    (CLOSES - 2 * DAY, CLOSES + 5 * DAY),                  # fewer than 7 days before the close
    (CLOSES + 3 * DAY, CLOSES + 10 * DAY),                 # after the close
])
def test_the_fix_period_runs_fix_days_from_a_rejection_late_in_or_after_the_window(decided, expected):
    assert fix_until(decided, CLOSES, 7) == expected


def test_a_longer_fix_days_setting_gives_a_longer_period():
    assert fix_until(CLOSES - 2 * DAY, CLOSES, 14) == CLOSES + 12 * DAY


@pytest.mark.parametrize("days", [0, -1, True, 1.5])
def test_fix_days_must_be_a_positive_whole_number(days):
    with pytest.raises(ValueError):
        fix_until(CLOSES, CLOSES, days)


def test_the_applicant_reads_the_date_in_beijing_time_as_a_chinese_date():
    assert beijing_time(datetime(2022, 4, 7, 16, 30, tzinfo=timezone.utc)) == "2022年4月8日00:30"


def _rejected_at(at: datetime, fix_days: int = 7):
    app = in_review()
    app.pull_events()
    app.reject("rev-a", at, "照片不清晰", [{"item": "id_photo", "note": "请重新拍摄"}], window=WINDOW,
               fix_days=fix_days)
    return app


def test_a_rejection_early_in_the_window_has_no_fix_period_and_a_plain_event():
    app = _rejected_at(CLOSES - 20 * DAY)
    assert app.fix_until is None
    [event] = app.pull_events()
    assert not isinstance(event, RejectedWithFixPeriod)


def test_a_rejection_after_the_close_gets_a_fix_period_and_says_until_when():
    decided = CLOSES + 2 * DAY
    app = _rejected_at(decided)
    assert app.fix_until == decided + 7 * DAY
    [event] = app.pull_events()
    assert isinstance(event, RejectedWithFixPeriod) and event.fix_until == decided + 7 * DAY


def test_resubmission_on_the_last_minute_of_the_fix_period_is_accepted():
    app = _rejected_at(CLOSES + DAY)
    last_minute = app.fix_until - timedelta(minutes=1)
    app.update_fields({"employer": "北京市另一家社工机构"}, last_minute, WINDOW)
    app.submit(last_minute, WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED
    assert app.fix_until is None  # a new rejection sets its own


def test_resubmission_one_minute_after_the_fix_period_is_refused_naming_the_date():
    app = _rejected_at(CLOSES + DAY)
    too_late = app.fix_until + timedelta(minutes=1)
    with pytest.raises(RuleViolationError) as refused:
        app.submit(too_late, WINDOW, declaration=True, actor="applicant")
    assert refused.value.code == "SUBMIT_INCOMPLETE"
    assert beijing_time(app.fix_until) in refused.value.details["window"]
    with pytest.raises(RuleViolationError) as edit:
        app.update_fields({"employer": "某机构"}, too_late, WINDOW)
    assert edit.value.code == "WINDOW_CLOSED" and beijing_time(app.fix_until) in edit.value.details["window"]
    assert app.status is S.REJECTED


def test_a_rejected_application_does_not_expire_inside_its_fix_period():
    app = _rejected_at(CLOSES - DAY)
    assert app.in_fix_period(CLOSES + DAY)
    with pytest.raises(ConflictError) as refused:
        app.expire(CLOSES + DAY)
    assert refused.value.code == "FIX_PERIOD_OPEN"
    app.expire(app.fix_until)
    assert app.status is S.EXPIRED


def test_a_rejection_with_a_fix_period_gets_no_reminder_of_the_windows_close():
    app = _rejected_at(CLOSES - 2 * DAY)
    app.pull_events()
    assert app.remind(3, CLOSES - DAY, CLOSES) is False
    assert app.pull_events() == []


def test_a_pending_reconsideration_cannot_be_expired_by_the_window_job():
    app = _rejected_at(CLOSES - 20 * DAY)
    app.expire(CLOSES)
    app.request_reconsideration("审核意见与事实不符", CLOSES + DAY, actor="applicant")
    with pytest.raises(ConflictError):
        app.expire(CLOSES + 2 * DAY)
    assert app.status is S.RECONSIDERATION_REQUESTED


def test_the_fix_period_is_stored_in_beijing_or_utc_alike():
    decided = datetime(2022, 4, 2, 8, 0, tzinfo=SHANGHAI)
    assert fix_until(decided, CLOSES, 7) == decided.astimezone(timezone.utc) + 7 * DAY
