"""What the applicant reads in 我的消息 and by SMS: every template of `texts.NOTICES` and of
`texts.SMS_TEMPLATES`, rendered, word for word. (Whether a provider takes each SMS's parameters:
tests/unit/test_sms_templates.py.)"""
from __future__ import annotations

import re
import string
from datetime import datetime, timezone

import pytest

from chalicelib.domain import notifications, texts
from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationReopened,
    ApplicationSubmitted,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.notifications import notices_for
from chalicelib.domain.outbox import SmsContent
from chalicelib.domain.reconsideration import (
    ReconsiderationDecided,
    ReconsiderationOutcome,
    ReconsiderationRequested,
    RejectedWithFixPeriod,
)
from chalicelib.domain.review import ReviewIssue
from chalicelib.domain.windows import SHANGHAI
from tests.ids import make_id

PERSON = make_id()
PHONE = "13800138000"
AT = datetime(2030, 3, 28, 10, 0, tzinfo=SHANGHAI)
CLOSE = datetime(2030, 4, 1, tzinfo=SHANGHAI)
FIX_UNTIL = datetime(2030, 4, 4, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
SIGNATURE = "【北京社工登记】"
CJK = re.compile(r"[\u4e00-\u9fff]")
DOUBLED = re.compile(r"[。；，、：！？][。；，、：！？]")

# (event, title, body): one row per template of texts.NOTICES, and then some.
EXPECTED = [
    pytest.param(
        ApplicationSubmitted("app-1", PERSON, AT, round_number=1),
        "登记申请已提交",
        "您的登记申请已提交，请等待审核。审核结果将以短信和“我的消息”通知您。",
        id="submitted"),
    pytest.param(
        ApplicationApproved("app-1", PERSON, AT, opinion=None),
        "您的登记申请通过",
        "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看。",
        id="approved"),
    pytest.param(
        ApplicationApproved("app-1", PERSON, AT, opinion=None, mailed=True),
        "您的登记申请通过",
        "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看；"
        "纸质证书随后按您填写的邮寄地址寄出，寄出时将以短信告知快递单号。",
        id="approved-and-mailed"),
    pytest.param(
        ApplicationRejected("app-1", PERSON, AT, opinion="照片不符合要求。", issues=(
            ReviewIssue("id_photo", "背景不是白色。"), ReviewIssue("id_card_front", ""),
            ReviewIssue("employer", "请填写单位全称；"), ReviewIssue("mailing_address.postal_code", ""))),
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：照片不符合要求。需要修改：两寸免冠照片（背景不是白色）；身份证人像面照片；"
        "工作单位（请填写单位全称）；邮政编码。请在登记时间内修改后重新提交。",
        id="rejected-with-issues-named-by-label"),
    pytest.param(
        ApplicationRejected("app-1", PERSON, AT, opinion="信息与登记库不符", issues=()),
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：信息与登记库不符。请在登记时间内修改后重新提交。",
        id="rejected-without-issues"),
    pytest.param(
        ApplicationExpired("app-1", PERSON, CLOSE),
        "登记申请已过期",
        "本年度登记时间已结束，您未提交的登记申请已过期。",
        id="expired-from-draft"),
    pytest.param(
        ApplicationExpired("app-1", PERSON, CLOSE, after_rejection=True),
        "登记申请已过期",
        "本年度登记时间已结束，您的登记申请审核不通过后未在截止前修改并重新提交，已过期。"
        "如对审核结论有异议，请在15天内登录申请复核。",
        id="expired-from-rejection"),
    # SPEC §2.6 fix period and reconsideration (复核): FIX_UNTIL is 2030年4月4日10:00, Beijing time
    pytest.param(
        RejectedWithFixPeriod("app-1", PERSON, AT, opinion="照片模糊。", issues=(), fix_until=FIX_UNTIL),
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：照片模糊。请于2030年4月4日10:00前修改后重新提交，逾期未重新提交的申请将过期。",
        id="rejected-with-a-fix-period"),
    pytest.param(
        RejectedWithFixPeriod("app-1", PERSON, AT, opinion="照片模糊", issues=(ReviewIssue("id_photo", "重拍"),),
                              fix_until=FIX_UNTIL),
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：照片模糊。需要修改：两寸免冠照片（重拍）。"
        "请于2030年4月4日10:00前修改后重新提交，逾期未重新提交的申请将过期。",
        id="rejected-with-issues-and-a-fix-period"),
    pytest.param(
        ReconsiderationRequested("app-1", PERSON, AT),
        "复核申请已收到",
        "您的复核申请已收到，将由其他审核人员重新审核。复核结果将以短信和“我的消息”通知您。",
        id="reconsideration-requested"),
    pytest.param(
        ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.OVERTURN, opinion="材料符合要求。"),
        "复核结果：您的登记申请通过",
        "经复核，您的登记申请通过。复核意见：材料符合要求。电子证书将在近期生成，请届时在“登记历史”中查看。",
        id="reconsideration-overturned"),
    pytest.param(
        ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.OVERTURN, opinion="材料符合要求。",
                               mailed=True),
        "复核结果：您的登记申请通过",
        "经复核，您的登记申请通过。复核意见：材料符合要求。电子证书将在近期生成，请届时在“登记历史”中查看；"
        "纸质证书随后按您填写的邮寄地址寄出，寄出时将以短信告知快递单号。",
        id="reconsideration-overturned-and-mailed"),
    pytest.param(
        ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.UPHOLD, opinion="维持原结论"),
        "复核结果：维持不通过",
        "经复核，维持您的登记申请不通过的审核结论。复核意见：维持原结论。如有疑问请联系登记机关（联系电话见办事指南）。",
        id="reconsideration-upheld"),
    pytest.param(
        ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.REOPEN, opinion="请补传照片",
                               fix_until=FIX_UNTIL),
        "复核结果：请修改后重新提交",
        "经复核，您的登记申请退回修改。复核意见：请补传照片。请于2030年4月4日10:00前修改后重新提交，逾期未重新提交的申请将过期。",
        id="reconsideration-reopened"),
    pytest.param(
        ApplicationReopened("app-1", PERSON, AT, note="窗口核实材料无误。", fix_until=FIX_UNTIL),
        "登记申请已重新开放修改",
        "登记机关已重新开放您的登记申请。说明：窗口核实材料无误。请于2030年4月4日10:00前修改后重新提交，逾期未重新提交的申请将过期。",
        id="reopened-by-an-admin"),
    pytest.param(
        ReminderDue("app-1", PERSON, AT, days_left=7, missing=("学历", "两寸免冠照片"), closes_at=CLOSE),
        "登记即将截止，请尽快提交",
        "距本年度登记截止已不足7天（2030年4月1日00:00截止），您的登记申请尚未提交。还需填写或上传：学历、两寸免冠照片。"
        "请补全后提交，截止时仍未提交的申请将过期。",
        id="reminder-with-missing-items"),
    pytest.param(
        ReminderDue("app-1", PERSON, AT, days_left=1, missing=(), closes_at=CLOSE),
        "登记即将截止，请尽快提交",
        "距本年度登记截止已不足1天（2030年4月1日00:00截止），您的登记申请尚未提交。"
        "信息已填写完整，请勾选“我保证上述所填信息均真实有效”后提交，截止时仍未提交的申请将过期。",
        id="reminder-without-missing-items"),
    pytest.param(
        ReminderDue("app-1", PERSON, AT, days_left=3, missing=("身份证国徽面照片",), closes_at=CLOSE,
                    after_rejection=True),
        "登记即将截止，请尽快重新提交",
        "距本年度登记截止已不足3天（2030年4月1日00:00截止），您审核不通过的登记申请尚未重新提交。"
        "还需填写或上传：身份证国徽面照片。请按审核意见修改并补全后重新提交，截止时仍未重新提交的申请将过期。",
        id="reminder-after-rejection-with-missing-items"),
    pytest.param(
        ReminderDue("app-1", PERSON, AT, days_left=3, missing=(), closes_at=CLOSE, after_rejection=True),
        "登记即将截止，请尽快重新提交",
        "距本年度登记截止已不足3天（2030年4月1日00:00截止），您审核不通过的登记申请尚未重新提交。"
        "信息已填写完整，请按审核意见修改后勾选“我保证上述所填信息均真实有效”并重新提交，截止时仍未重新提交的申请将过期。",
        id="reminder-after-rejection-without-missing-items"),
    pytest.param(
        ReminderDue("app-1", PERSON, AT, days_left=7, missing=("学历",)),
        "登记即将截止，请尽快提交",
        "距本年度登记截止已不足7天，您的登记申请尚未提交。还需填写或上传：学历。请补全后提交，截止时仍未提交的申请将过期。",
        id="reminder-without-a-known-close"),
    pytest.param(
        CertificateIssued("app-1", PERSON, AT, registration_no="BJ2030000123", registration_year=2030,
                          valid_until=2033),
        "电子证书已生成",
        "您的电子证书已生成，登记证书编号BJ2030000123，有效期至2033年。请在“登记历史”中查看和下载。",
        id="certificate-issued"),
]


@pytest.mark.parametrize("event, title, body", EXPECTED)
def test_each_notice_reads_exactly_as_written(event, title, body):
    [message], [sms] = notices_for(event, PHONE)
    assert (message.title, message.body) == (title, body)
    assert sms.phone == PHONE
    assert (message.owner, message.application_id, message.created_at, sms.due_at) == (
        PERSON, "app-1", event.at, event.at)


# (event, SMS template, SMS text): what each event texts. Of the reviewer's words, only the start of
# the opinion: the rest is in 我的消息.
SMS_EXPECTED = [
    pytest.param(ApplicationSubmitted("app-1", PERSON, AT, round_number=1), "ApplicationSubmitted",
                 "您的登记申请已提交，请等待审核。审核结果将以短信和“我的消息”通知您。", id="submitted"),
    pytest.param(ApplicationApproved("app-1", PERSON, AT, opinion="材料齐全"), "ApplicationApproved",
                 "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看。", id="approved"),
    pytest.param(ApplicationApproved("app-1", PERSON, AT, opinion=None, mailed=True), "ApplicationApproved.mail",
                 "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看；"
                 "纸质证书随后按您填写的邮寄地址寄出，寄出时将以短信告知快递单号。", id="approved-and-mailed"),
    pytest.param(ApplicationRejected("app-1", PERSON, AT, opinion="照片模糊。", issues=(ReviewIssue("id_photo", "重拍"),)),
                 "ApplicationRejected",
                 "您的登记申请不通过，审核意见：照片模糊。详见“我的消息”，请在登记时间内修改后重新提交。",
                 id="rejected-quotes-the-opinion-not-the-notes"),
    pytest.param(ApplicationRejected("app-1", PERSON, AT, opinion="身份证照片反光看不清，请在光线均匀处重新拍摄后上传", issues=()),
                 "ApplicationRejected",
                 "您的登记申请不通过，审核意见：身份证照片反光看不清，请在光线均匀处重…。详见“我的消息”，请在登记时间内修改后重新提交。",
                 id="rejected-quotes-the-start-of-a-long-opinion"),
    pytest.param(ApplicationRejected("app-1", PERSON, AT, opinion="https://example.cn/a", issues=()),
                 "ApplicationRejected.see_messages",
                 "您的登记申请不通过，审核意见已发送至“我的消息”，请登录查看，并在登记时间内修改后重新提交。",
                 id="rejected-with-nothing-an-sms-may-quote"),
    pytest.param(ApplicationExpired("app-1", PERSON, CLOSE), "ApplicationExpired",
                 "本年度登记时间已结束，您未提交的登记申请已过期。", id="expired-from-draft"),
    pytest.param(ApplicationExpired("app-1", PERSON, CLOSE, after_rejection=True), "ApplicationExpired.after_rejection",
                 "本年度登记时间已结束，您的登记申请审核不通过后未在截止前修改并重新提交，已过期。"
                 "如对审核结论有异议，请在15天内登录申请复核。", id="expired-from-rejection"),
    pytest.param(RejectedWithFixPeriod("app-1", PERSON, AT, opinion="照片模糊。", issues=(), fix_until=FIX_UNTIL),
                 "ApplicationRejected.fix_until",
                 "您的登记申请不通过，审核意见：照片模糊。详见“我的消息”，请于2030年4月4日10:00前修改后重新提交。",
                 id="rejected-with-a-fix-period"),
    pytest.param(RejectedWithFixPeriod("app-1", PERSON, AT, opinion="😀", issues=(), fix_until=FIX_UNTIL),
                 "ApplicationRejected.see_messages.fix_until",
                 "您的登记申请不通过，审核意见已发送至“我的消息”，请登录查看，并于2030年4月4日10:00前修改后重新提交。",
                 id="rejected-with-a-fix-period-and-nothing-to-quote"),
    pytest.param(ReconsiderationRequested("app-1", PERSON, AT), "ReconsiderationRequested",
                 "您的复核申请已收到，将由其他审核人员重新审核。复核结果将以短信和“我的消息”通知您。",
                 id="reconsideration-requested"),
    pytest.param(ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.OVERTURN, opinion="好"),
                 "ReconsiderationDecided.overturn",
                 "经复核，您的登记申请通过，电子证书将在近期生成。复核意见请登录查看“我的消息”。",
                 id="reconsideration-overturned"),
    pytest.param(ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.OVERTURN, opinion="好",
                                        mailed=True),
                 "ReconsiderationDecided.overturn.mail",
                 "经复核，您的登记申请通过，电子证书将在近期生成，纸质证书随后寄出。复核意见请登录查看“我的消息”。",
                 id="reconsideration-overturned-and-mailed"),
    pytest.param(ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.UPHOLD, opinion="否"),
                 "ReconsiderationDecided.uphold",
                 "经复核，维持您的登记申请不通过的审核结论。复核意见请登录查看“我的消息”。",
                 id="reconsideration-upheld"),
    pytest.param(ReconsiderationDecided("app-1", PERSON, AT, outcome=ReconsiderationOutcome.REOPEN, opinion="改",
                                        fix_until=FIX_UNTIL),
                 "ReconsiderationDecided.reopen",
                 "经复核，您的登记申请退回修改，请登录查看“我的消息”，并于2030年4月4日10:00前修改后重新提交。",
                 id="reconsideration-reopened"),
    pytest.param(ApplicationReopened("app-1", PERSON, AT, note="窗口核实", fix_until=FIX_UNTIL),
                 "ApplicationReopened",
                 "登记机关已重新开放您的登记申请，请登录查看“我的消息”，并于2030年4月4日10:00前修改后重新提交。",
                 id="reopened-by-an-admin"),
    pytest.param(ReminderDue("app-1", PERSON, AT, days_left=7, missing=("学历",), closes_at=CLOSE), "ReminderDue",
                 "距本年度登记截止已不足7天，您的登记申请尚未提交，请登录查看“我的消息”并尽快提交。截止时仍未提交的申请将过期。",
                 id="reminder"),
    pytest.param(ReminderDue("app-1", PERSON, AT, days_left=3, missing=(), after_rejection=True),
                 "ReminderDue.after_rejection",
                 "距本年度登记截止已不足3天，您审核不通过的登记申请尚未重新提交，请登录查看“我的消息”，按审核意见修改后重新提交。"
                 "截止时仍未重新提交的申请将过期。", id="reminder-after-rejection"),
    pytest.param(CertificateIssued("app-1", PERSON, AT, registration_no="BJ2030000123", registration_year=2030,
                                   valid_until=2033), "CertificateIssued",
                 "您的电子证书已生成，登记证书编号BJ2030000123，有效期至2033年。请在“登记历史”中查看和下载。",
                 id="certificate-issued"),
]


@pytest.mark.parametrize("event, template, text", SMS_EXPECTED)
def test_each_event_texts_its_sms_template_signed_word_for_word(event, template, text):
    _, [sms] = notices_for(event, PHONE)
    assert (sms.phone, sms.content.template, sms.text) == (PHONE, template, SIGNATURE + text)


# SMS sent by other code than the application events, each checked word for word beside it: the login code
# (test_sms_login_code), the phone-change notice (services/account) and correction decisions (domain/corrections).
SENT_ELSEWHERE = {"LoginCode", "PhoneChanged", "CorrectionAccepted", "CorrectionDeclined"}
NOTICES_ELSEWHERE = {"CorrectionAccepted", "CorrectionAccepted.with_note", "CorrectionDeclined"}
# A shipped paper certificate (domain/mailing.py `shipped_notices`; tests/unit/domain/test_domain_mailing.py).
SENT_ELSEWHERE |= {"MailingShipped"}
NOTICES_ELSEWHERE |= {"MailingShipped"}


def test_the_sms_examples_and_those_sent_elsewhere_cover_every_sms_template():
    assert {case.values[1] for case in SMS_EXPECTED} | SENT_ELSEWHERE == set(texts.SMS_TEMPLATES)


@pytest.mark.parametrize("opinion, quoted", [
    ("照片模糊。", "照片模糊"),
    ("第一，照片模糊。\n第二，单位不符。", "第一，照片模糊。 第二，单位不符"),
    ("详见 www.example.com 的说明【附件】", "详见 的说明附件"),
    ("请重拍😀", "请重拍"),
    ("长" * 1000, "长" * 19 + "…"),
    ("🙂\t\u3000", ""),
])
def test_an_sms_quotes_the_opinion_without_links_symbols_or_breaks_and_cut_to_twenty_characters(opinion, quoted):
    assert notifications.sms_excerpt(opinion) == quoted


def test_an_sms_quotes_the_opinion_but_never_the_notes_on_items():
    event = ApplicationRejected("app-1", PERSON, AT, opinion="身份证照片反光", issues=(ReviewIssue("id_photo", "背景偏暗"),))
    [message], [sms] = notices_for(event, PHONE)
    assert "背景偏暗" in message.body and "背景偏暗" not in sms.text
    assert sms.content.params == {"opinion": "身份证照片反光"}


def test_the_examples_above_render_every_notice_template(monkeypatch):
    used = []
    real = texts.notice
    monkeypatch.setattr(texts, "notice", lambda name, **params: used.append(name) or real(name, **params))
    for case in EXPECTED:
        notices_for(case.values[0], PHONE)
    assert set(used) | NOTICES_ELSEWHERE == set(texts.NOTICES)


def test_a_rejection_names_each_item_by_its_label_never_its_key():
    event = ApplicationRejected("app-1", PERSON, AT, opinion="请按意见修改", issues=tuple(
        ReviewIssue(item) for item in ("id_photo", "id_card_front", "id_card_back", "qualification_cert",
                                       "registration_cert", "ce_proof", "phone", "employer", "district",
                                       "education", "pickup_method", "mailing_address", "reissue_reason",
                                       "declared_ce_hours", "mailing_address.recipient")))
    [message], _ = notices_for(event, None)
    assert re.search(r"[a-z_]{3,}", message.body) is None, message.body
    assert "两寸免冠照片；身份证人像面照片；身份证国徽面照片；社会工作者职业水平证书照片；登记证书照片或电子证书；" in message.body
    assert "工作单位；所在区；学历；取证方式；邮寄地址；补证原因；申报继续教育学时；收件人。" in message.body


@pytest.mark.parametrize("opinion, note", [
    ("材料不全。", "请重新上传。"), ("材料不全！", "模糊；"), ("材料不全.", "模糊，"), ("材料不全。 ", "模糊。\u3000"),
    ("第一，照片模糊。第二，单位不符。", "见审核意见："),
])
def test_a_reviewers_closing_punctuation_is_never_doubled(opinion, note):
    event = ApplicationRejected("app-1", PERSON, AT, opinion=opinion, issues=(ReviewIssue("id_photo", note),))
    [message], [sms] = notices_for(event, PHONE)
    assert DOUBLED.search(message.body) is None and DOUBLED.search(sms.text) is None, message.body
    assert "审核意见：" + opinion.strip().rstrip("。！. ") + "。需要修改：两寸免冠照片（" in message.body


def test_nobody_is_texted_without_a_phone_but_the_message_is_kept():
    [message], sms = notices_for(ApplicationSubmitted("app-1", PERSON, AT, round_number=1), None)
    assert sms == [] and message.body.startswith("您的登记申请已提交")


def _sample(field: str) -> str:
    return {"opinion": "照片模糊", "issues": "两寸免冠照片（背景不是白色）；工作单位", "missing": "学历、两寸免冠照片",
            "deadline": "（2030年4月1日00:00截止）", "registration_no": "BJ2030000123"}.get(field, "7")


@pytest.mark.parametrize("name", sorted(texts.NOTICES))
def test_every_notice_template_is_chinese_complete_and_fills_every_parameter(name):
    title, template = texts.NOTICES[name]
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    _, body = texts.notice(name, **{field: _sample(field) for field in fields})
    assert CJK.search(title) and CJK.search(body)
    assert "{" not in body and "}" not in body
    assert body.endswith("。") and DOUBLED.search(body) is None
    assert body.count("“") == body.count("”")


@pytest.mark.parametrize("name", sorted(texts.NOTICE_PARTS))
def test_every_notice_part_renders(name):
    template = texts.NOTICE_PARTS[name]
    fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
    rendered = template.format(**{field: "示例" for field in fields})
    assert rendered and "{" not in rendered


def test_the_login_code_sms_renders_with_the_signature():
    text = SmsContent.of("LoginCode", code="482913").text
    assert text == SIGNATURE + "您的验证码是482913，5分钟内有效。请勿告诉他人。"


@pytest.mark.parametrize("name", sorted(texts.SMS_TEMPLATES))
def test_every_sms_template_is_a_chinese_sentence_with_named_parameters(name):
    template = texts.SMS_TEMPLATES[name]
    fields = [field for _, field, _, _ in string.Formatter().parse(template) if field is not None]
    assert all(field.isidentifier() for field in fields), f"{name}: positional or odd placeholder"
    text = texts.sms_text(name, **{field: "7" for field in fields})
    assert text.startswith(texts.SMS_SIGNATURE) and CJK.search(text) and "{" not in text
    assert text.endswith("。") and DOUBLED.search(text) is None and text.count("“") == text.count("”")


def test_notifications_holds_no_sentence_of_its_own():
    """Every sentence lives in texts.py; notifications.py only picks and fills templates."""
    source = open(notifications.__file__, encoding="utf-8").read()
    code = re.sub(r'"""[\s\S]*?"""|#[^\n]*', "", source)  # docstrings and comments may be Chinese
    assert CJK.search(code) is None, CJK.search(code)
