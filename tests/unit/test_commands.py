"""Commands at the edge: a request body becomes a frozen command, or one error naming every bad field."""
from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.commands import (
    REVIEWABLE, CreateApplication, Decision, Login, QueueQuery, RequestSmsCode, SaveDraft, Signup, StatsQuery, Submit,
)
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ValidationError
from tests.ids import make_id

PHONE = "13812345678"


def _refusal(parse, body) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        parse(body)
    return caught.value


def test_a_sms_code_request_normalises_the_phone_and_reads_the_purpose():
    assert RequestSmsCode.from_json({"phone": "+86 138-1234-5678", "purpose": "login"}) == RequestSmsCode(
        PHONE, SmsPurpose.LOGIN)
    assert RequestSmsCode.from_json({"phone": PHONE}).purpose is None


def test_a_sms_code_request_with_one_bad_field_keeps_that_fields_own_error():
    refused = _refusal(RequestSmsCode.from_json, {"phone": PHONE, "purpose": "recover"})
    assert refused.code == "SMS_CODE_REQUEST_INVALID" and set(refused.details) == {"purpose"}
    refused = _refusal(RequestSmsCode.from_json, {"phone": "12"})
    assert refused.code == "VALIDATION_FAILED" and set(refused.details) == {"phone"}


def test_a_sms_code_request_names_a_bad_phone_and_a_bad_purpose_at_once():
    refused = _refusal(RequestSmsCode.from_json, {"phone": "12", "purpose": "recover"})
    assert refused.code == "SMS_CODE_REQUEST_INVALID" and set(refused.details) == {"phone", "purpose"}


def test_a_signup_names_every_bad_field_at_once_under_signup_invalid():
    refused = _refusal(Signup.from_json, {"phone": "1", "name": "", "id_number": "x", "password": "1",
                                          "code": "abc"})
    assert refused.code == "SIGNUP_INVALID"
    assert set(refused.details) == {"phone", "name", "id_number", "password", "code"}
    assert all(isinstance(reason, str) and reason for reason in refused.details.values())


def test_a_signup_with_one_bad_field_is_still_signup_invalid():
    refused = _refusal(Signup.from_json, {"phone": PHONE, "name": "张三", "id_number": make_id(),
                                          "password": "goodpass123", "code": "12"})
    assert refused.code == "SIGNUP_INVALID" and refused.details == {"code": "请填写短信中的6位数字验证码"}


def test_a_signup_keeps_the_parsed_values_and_hides_personal_data_from_its_repr():
    id_number = make_id()
    signup = Signup.from_json({"phone": " 138 1234 5678 ", "name": "张三", "id_number": id_number,
                               "password": "goodpass123", "code": " 123456 "})
    assert (signup.phone, signup.name, signup.id_number, signup.code) == (PHONE, "张三", id_number, "123456")
    assert not any(secret in repr(signup) for secret in (PHONE, id_number, "goodpass123", "123456", "张三"))


def test_a_login_is_one_of_three_shapes():
    assert Login.from_json({"username": " Rev01 ", "password": "pw"}) == Login(username="rev01", password="pw")
    assert Login.from_json({"phone": PHONE, "code": "123456"}) == Login(phone=PHONE, code="123456")
    assert Login.from_json({"phone": PHONE, "password": "pw"}) == Login(phone=PHONE, password="pw")
    assert "pw" not in repr(Login(phone=PHONE, password="pw")) and PHONE not in repr(Login(phone=PHONE))


def test_a_login_names_every_bad_field_at_once():
    refused = _refusal(Login.from_json, {"username": " ", "password": ""})
    assert refused.code == "LOGIN_INVALID" and refused.details == {"username": "请填写用户名", "password": "请填写密码"}
    refused = _refusal(Login.from_json, {"phone": "1", "code": "x"})
    assert refused.code == "LOGIN_INVALID" and set(refused.details) == {"phone", "code"}
    refused = _refusal(Login.from_json, {"phone": "1"})
    assert refused.code == "LOGIN_INVALID" and set(refused.details) == {"phone", "password"}


def test_a_login_with_one_bad_field_keeps_that_fields_own_error():
    assert _refusal(Login.from_json, {"phone": "1", "password": "pw"}).code == "VALIDATION_FAILED"
    assert _refusal(Login.from_json, {"phone": PHONE, "code": "x"}).code == "SMS_CODE_MALFORMED"
    too_long = _refusal(Login.from_json, {"phone": PHONE, "password": "p" * 1000})
    assert too_long.code == "LOGIN_INVALID" and set(too_long.details) == {"password"}


def test_a_new_application_names_its_type():
    assert CreateApplication.from_json({"type": "renewal"}) == CreateApplication(RegistrationType.RENEWAL)
    refused = _refusal(CreateApplication.from_json, {"type": "other"})
    assert refused.code == "VALIDATION_FAILED" and set(refused.details) == {"type"}


def test_a_draft_save_keeps_the_fields_as_sent_in_a_read_only_copy():
    body = {"employer": "东城社工", "unknown": 1}
    draft = SaveDraft.from_json(body)
    body["employer"] = "changed"
    assert dict(draft.changes) == {"employer": "东城社工", "unknown": 1}
    with pytest.raises(TypeError):
        draft.changes["employer"] = "x"


def test_only_a_literal_true_ticks_the_declaration():
    assert Submit.from_json({"declaration": True}).declaration is True
    assert not any(Submit.from_json(body).declaration for body in ({}, {"declaration": "true"},
                                                                     {"declaration": 1}))


def test_a_decision_names_every_bad_field_at_once():
    refused = _refusal(Decision.from_json, {"outcome": "maybe", "issues": "photo", "opinion": 5})
    assert refused.code == "DECISION_INVALID" and set(refused.details) == {"outcome", "issues", "opinion"}
    refused = _refusal(Decision.from_json, {"outcome": "maybe"})
    assert refused.code == "DECISION_INVALID" and refused.details == {"outcome": "outcome 只能是 approve 或 reject"}


def test_a_decision_keeps_its_issues_for_the_application_to_check():
    issues = [{"item": "id_photo", "note": "模糊"}]
    decision = Decision.from_json({"outcome": "reject", "opinion": "请重拍", "issues": issues})
    assert decision == Decision("reject", "请重拍", ({"item": "id_photo", "note": "模糊"},))
    assert Decision.from_json({"outcome": "approve", "issues": None}).issues == ()


def test_the_queue_filters_default_to_submitted_in_this_year_and_name_every_bad_one():
    assert QueueQuery.from_query({}) == QueueQuery(None, ApplicationStatus.SUBMITTED, None)
    assert QueueQuery.from_query({"window": "2026", "status": "certified", "type": "late"}) == QueueQuery(
        2026, ApplicationStatus.CERTIFIED, RegistrationType.LATE)
    refused = _refusal(QueueQuery.from_query, {"window": "0999", "status": "draft", "type": "x"})
    assert refused.code == "REVIEW_QUERY_INVALID" and set(refused.details) == {"window", "status", "type"}
    assert ApplicationStatus.DRAFT not in REVIEWABLE


def test_the_stats_window_is_a_four_digit_year():
    assert StatsQuery.from_query({"window": "2027"}).window == 2027 and StatsQuery.from_query({}).window is None
    refused = _refusal(StatsQuery.from_query, {"window": "26"})
    assert refused.code == "REVIEW_QUERY_INVALID" and set(refused.details) == {"window"}


@pytest.mark.parametrize("command", [RequestSmsCode(PHONE), Login(phone=PHONE, password="pw"),
                                     CreateApplication(RegistrationType.FIRST), SaveDraft({}), Submit(True),
                                     Decision("approve"), QueueQuery(), StatsQuery()])
def test_every_command_is_frozen(command):
    field = dataclasses.fields(command)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(command, field, None)
