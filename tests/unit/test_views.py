"""What pages are told beside the data when there is nothing to show (texts.PAGE_NOTES)."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.handlers import views
from chalicelib.services.applicant import EligibilityAnswer, Profile

NEXT = Window.create(2031, datetime(2031, 3, 1, 9, tzinfo=SHANGHAI), datetime(2031, 4, 1, tzinfo=SHANGHAI))


def test_someone_outside_the_register_is_told_to_wait_for_the_import():
    account = Account("a1", "phone#13800000000", Role.APPLICANT, "x", datetime(2030, 1, 1, tzinfo=timezone.utc),
                      phone="13800000000", id_number="110101199003077715")
    body = views.profile(Profile(account, None, [], []))
    assert body["notice"] == "您的身份证号不在职业水平证书登记名册中；如已通过考试，请等待名册导入后再申请登记。"


def test_eligibility_outside_a_window_names_the_next_one_when_there_is_one():
    assert views.eligibility(EligibilityAnswer(None, None, NEXT, True))["message"] == (
        "当前不在登记时间内，2031年度登记将于2031-03-01 09:00开始")
    assert views.eligibility(EligibilityAnswer(None, None, None, True))["message"] == "当前不在登记时间内"
    assert views.eligibility(EligibilityAnswer(None, None, None, False))["message"] == (
        "您不在职业水平证书登记名册中，暂不能申请登记")
