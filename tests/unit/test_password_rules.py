"""The password rules, stated once (SPEC §2.9, issue 15 item 4): at least 8 characters with letters and
digits; not containing the phone number, the ID number or its last 6 characters. The same function
serves sign-up, reset, change and staff passwords; its refusal names the field and the rule."""
from __future__ import annotations

import pytest

from chalicelib.domain.commands import ChangePassword, ResetPassword, Signup
from chalicelib.domain.credentials import check_password_policy
from chalicelib.domain.errors import ValidationError

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"  # a valid check character X


@pytest.mark.parametrize("password", [
    "abcd1234", "Passw0rd!", "密码是八个字符吧1", "a" * 127 + "1", "1234567a", "correct horse 9",
    "13812345abc",   # the start of the phone is not the phone
    "zhang491231x",  # ID digits, but not its last six
])
def test_a_password_that_keeps_every_rule_is_returned_unchanged(password):
    assert check_password_policy(password, phone=PHONE, id_number=ID_NUMBER) == password


@pytest.mark.parametrize("password, rule", [
    (None, "请填写密码"),
    ("", "请填写密码"),
    ("abc123", "至少8位"),
    ("a" * 128 + "1", "不能超过128位"),
    ("12345678", "同时包含字母和数字"),
    ("abcdefgh", "同时包含字母和数字"),
    ("        ", "同时包含字母和数字"),
    ("!!!!1111", "同时包含字母和数字"),
    ("a13812345678", "不能包含手机号"),
    ("pw 138 1234 5678", "不能包含手机号"),
    ("１３８１２３４５６７８ab", "不能包含手机号"),  # full-width digits are the same number
    (ID_NUMBER, "不能包含身份证号"),
    (ID_NUMBER.lower(), "不能包含身份证号"),
    ("wang31002x", "后6位"),
    ("pass31002X!", "后6位"),
])
def test_a_password_that_breaks_a_rule_is_refused_with_that_rule_in_chinese(password, rule):
    with pytest.raises(ValidationError) as caught:
        check_password_policy(password, phone=PHONE, id_number=ID_NUMBER)
    assert caught.value.code == "PASSWORD_POLICY"
    assert rule in caught.value.details["password"]
    assert "至少8位" in caught.value.message and "字母和数字" in caught.value.message  # the whole rule, stated


def test_without_an_account_context_only_the_rules_of_the_password_itself_apply():
    assert check_password_policy("a13812345678") == "a13812345678"  # a staff password: no phone to avoid


def test_the_refusal_names_the_field_the_caller_asks_for():
    with pytest.raises(ValidationError) as caught:
        check_password_policy("short", field="new_password")
    assert set(caught.value.details) == {"new_password"}


def test_signup_holds_the_password_to_the_phone_and_id_number_it_signs_up_with():
    with pytest.raises(ValidationError) as caught:
        Signup.from_json({"phone": PHONE, "code": "123456", "name": "周晓梅", "id_number": ID_NUMBER,
                          "password": "me31002x1"})
    assert "后6位" in caught.value.details["password"]
    with pytest.raises(ValidationError) as caught:
        Signup.from_json({"phone": PHONE, "code": "123456", "name": "周晓梅", "id_number": ID_NUMBER,
                          "password": "x13812345678"})
    assert "手机号" in caught.value.details["password"]


def test_a_reset_holds_the_new_password_to_its_phone_before_any_code_is_checked():
    with pytest.raises(ValidationError) as caught:
        ResetPassword.from_json({"phone": PHONE, "code": "123456", "new_password": "x13812345678"})
    assert caught.value.code == "PASSWORD_POLICY" and "至少8位" in caught.value.message
    assert "手机号" in caught.value.details["new_password"]


def test_a_change_names_each_bad_field():
    with pytest.raises(ValidationError) as caught:
        ChangePassword.from_json({"current_password": "", "new_password": "12345678"})
    assert caught.value.code == "PASSWORD_CHANGE_INVALID"
    assert set(caught.value.details) == {"current_password", "new_password"}
