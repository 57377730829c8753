"""Correction requests (反馈): what may be proposed (the import's own rules), deciding once, the evidence's
states, and what the applicant is told."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import texts
from chalicelib.domain.corrections import (
    Correction, CorrectionField, CorrectionOutcome, CorrectionStatus, EvidenceStatus, decision_notices,
    parse_note, parse_proposal)
from chalicelib.domain.errors import ConflictError, RuleViolationError, ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner, Registration
from tests.ids import make_id

NOW = datetime(2026, 3, 10, 2, tzinfo=timezone.utc)
PERSON = Practitioner(make_id(), "周晓梅", "Z123456789", Level.ASSISTANT, 2020)


def _request(field=CorrectionField.NAME, proposed=None, registrations=()) -> Correction:
    return Correction.request("c1", "acct1", PERSON, list(registrations), field, proposed or {"name": "周晓玫"}, "",
                              NOW)


@pytest.mark.parametrize("field, raw, proposed", [
    (CorrectionField.NAME, " 阿依古丽·买买提 ", {"name": "阿依古丽·买买提"}),
    (CorrectionField.LEVEL, "社会工作师", {"level": "intermediate"}),
    (CorrectionField.LEVEL, "SENIOR", {"level": "senior"}),
    (CorrectionField.QUALIFICATION_YEAR, 2019, {"qualification_year": "2019"}),
    (CorrectionField.QUALIFICATION_YEAR, "２０１９", {"qualification_year": "2019"}),
    (CorrectionField.CERTIFICATE_NO, "z 1234 5678", {"certificate_no": "Z12345678"}),
    (CorrectionField.REGISTRATION, {"registration_year": 2021, "registration_no": "bj2021000123"},
     {"registration_year": "2021", "registration_no": "BJ2021000123"}),
])
def test_a_proposed_value_is_normalised_as_the_import_stores_it(field, raw, proposed):
    assert parse_proposal(field, raw, PERSON) == proposed


@pytest.mark.parametrize("field, raw, where", [
    (CorrectionField.NAME, "Zhou 3", "proposed_value"),
    (CorrectionField.LEVEL, "专家", "proposed_value"),
    (CorrectionField.QUALIFICATION_YEAR, "1989", "proposed_value"),
    (CorrectionField.QUALIFICATION_YEAR, True, "proposed_value"),
    (CorrectionField.CERTIFICATE_NO, "证书#1", "proposed_value"),
    (CorrectionField.REGISTRATION, "2021", "proposed_value"),
    (CorrectionField.REGISTRATION, {"registration_year": 2021}, "proposed_value.registration_no"),
    (CorrectionField.REGISTRATION, {"registration_year": "今年", "registration_no": "BJ1"},
     "proposed_value.registration_year"),
])
def test_a_value_the_import_would_refuse_is_refused_naming_where(field, raw, where):
    with pytest.raises(ValidationError) as refused:
        parse_proposal(field, raw, PERSON)
    assert refused.value.code == "CORRECTION_INVALID"
    assert list(refused.value.details) == [where]


def test_a_request_for_the_value_the_register_already_holds_is_refused():
    with pytest.raises(RuleViolationError) as refused:
        _request(proposed={"name": "周晓梅"})
    assert refused.value.code == "CORRECTION_UNCHANGED"
    with pytest.raises(RuleViolationError):
        _request(CorrectionField.REGISTRATION, {"registration_year": "2021", "registration_no": "BJ1"},
                 [Registration(PERSON.id_number, 2021, "BJ1")])


def test_a_request_remembers_what_the_register_held():
    assert _request().current == {"name": "周晓梅"}
    fixed = _request(CorrectionField.REGISTRATION, {"registration_year": "2021", "registration_no": "BJ2"},
                     [Registration(PERSON.id_number, 2021, "BJ1")])
    assert fixed.current == {"registration_year": "2021", "registration_no": "BJ1"}
    assert _request(CorrectionField.REGISTRATION, {"registration_year": "2022", "registration_no": "BJ2"}).current == {}


def test_someone_not_in_the_register_has_nothing_to_correct():
    with pytest.raises(RuleViolationError) as refused:
        Correction.request("c1", "acct1", None, [], CorrectionField.NAME, {"name": "周晓玫"}, "", NOW)
    assert refused.value.code == "NOT_IN_REGISTER"


def test_accepting_builds_the_import_row_on_the_register_row_as_it_is_now():
    correction = _request(CorrectionField.LEVEL, {"level": "senior"})
    imported_since = Practitioner(PERSON.id_number, "周晓玫", "Z999", Level.ASSISTANT, 2019)
    assert correction.row(imported_since) == Practitioner(PERSON.id_number, "周晓玫", "Z999", Level.SENIOR, 2019)


def test_a_request_is_decided_once():
    correction = _request()
    correction.decide(CorrectionOutcome.ACCEPT, "", "admin1", NOW)
    assert (correction.status, correction.decided_by, correction.decided_at) == (
        CorrectionStatus.ACCEPTED, "admin1", NOW)
    with pytest.raises(ConflictError) as refused:
        correction.decide(CorrectionOutcome.DECLINE, "晚了", "admin2", NOW)
    assert refused.value.code == "CORRECTION_ALREADY_DECIDED"
    assert correction.status is CorrectionStatus.ACCEPTED


def test_a_decline_must_say_why():
    correction = _request()
    with pytest.raises(ValidationError) as refused:
        correction.decide(CorrectionOutcome.DECLINE, "", "admin1", NOW)
    assert list(refused.value.details) == ["note"]
    assert correction.is_open


def test_a_note_is_trimmed_optional_and_bounded():
    assert parse_note(None) == parse_note("  ") == ""
    assert parse_note(" 见附件 ") == "见附件"
    with pytest.raises(ValidationError):
        parse_note("长" * 501)


def test_the_newest_evidence_upload_wins_and_is_recorded_once():
    correction = _request()
    assert correction.start_evidence("u2", NOW + timedelta(seconds=2))
    assert not correction.start_evidence("u1", NOW + timedelta(seconds=1))  # issued before: stale
    assert correction.start_evidence("u2", NOW + timedelta(seconds=2))  # a redelivery finishes the work
    assert correction.record_evidence("u2", object_key="evidence/c1/u2.jpg")
    assert correction.evidence.status is EvidenceStatus.READY
    assert not correction.record_evidence("u2", reason="再来一次")
    assert not correction.start_evidence("u2", NOW + timedelta(seconds=2))


def test_a_decided_request_takes_no_evidence():
    correction = _request()
    correction.decide(CorrectionOutcome.ACCEPT, "", "admin1", NOW)
    assert not correction.start_evidence("u1", NOW)


def test_the_applicant_is_told_of_an_acceptance_with_the_fields_name_and_the_admins_note():
    correction = _request()
    correction.decide(CorrectionOutcome.ACCEPT, "已核对档案。", "admin1", NOW)
    [message], [sms] = decision_notices(correction, "13800138000")
    assert message.title == texts.NOTICES["CorrectionAccepted"].title
    assert "姓名更正申请已处理" in message.body and "处理说明：已核对档案。" in message.body
    assert (sms.phone, sms.content.template) == ("13800138000", "CorrectionAccepted")
    assert (message.owner, message.application_id) == (PERSON.id_number, None)


def test_the_applicant_is_told_why_a_request_was_declined_and_nobody_is_texted_without_a_phone():
    correction = _request(CorrectionField.QUALIFICATION_YEAR, {"qualification_year": "2019"})
    correction.decide(CorrectionOutcome.DECLINE, "档案显示2020年通过考试", "admin1", NOW)
    [message], texts_sent = decision_notices(correction, None)
    assert "取得资格年份更正申请未通过。说明：档案显示2020年通过考试。" in message.body
    assert texts_sent == []


@pytest.mark.parametrize("outcome, note, title, body, sms", [
    (CorrectionOutcome.ACCEPT, "", "登记信息已更正",
     "您提交的姓名更正申请已处理，登记信息已按申请更正。可申请的登记类型已按更正后的信息确定，请登录查看。",
     "您提交的登记信息更正申请已处理，登记信息已更正，详见“我的消息”。"),
    (CorrectionOutcome.ACCEPT, "已核对档案。", "登记信息已更正",
     "您提交的姓名更正申请已处理，登记信息已按申请更正。处理说明：已核对档案。可申请的登记类型已按更正后的信息确定，请登录查看。",
     "您提交的登记信息更正申请已处理，登记信息已更正，详见“我的消息”。"),
    (CorrectionOutcome.DECLINE, "证明材料看不清！", "登记信息更正申请未通过",
     "您提交的姓名更正申请未通过。说明：证明材料看不清。如有疑问，请联系登记机关（联系电话见办事指南）。",
     "您提交的登记信息更正申请未通过，请登录查看“我的消息”中的说明。"),
])
def test_each_decision_notice_and_sms_reads_exactly_as_written(outcome, note, title, body, sms):
    correction = _request()
    correction.decide(outcome, note, "admin1", NOW)
    [message], [text] = decision_notices(correction, "13800138000")
    assert (message.title, message.body, text.text) == (title, body, texts.SMS_SIGNATURE + sms)
