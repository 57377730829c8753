"""Passwords, SMS codes and the login lockout (SPEC §3 Auth, issue 4)."""
from __future__ import annotations

import base64
from datetime import datetime, timezone

import pytest

from chalicelib.domain import credentials
from chalicelib.domain.credentials import (
    DUMMY_HASH,
    LOGIN_LOCKOUT,
    LOGIN_MAX_FAILURES,
    LoginAttempt,
    SmsPurpose,
    hash_password,
    hash_sms_code,
    new_sms_code,
    parse_sms_code,
    parse_sms_purpose,
    verify_password,
)
from chalicelib.domain.errors import ValidationError

NOW = datetime(2022, 3, 1, 9, 0, tzinfo=timezone.utc)
PEPPER = b"p" * 32
PHONE = "13800138000"


@pytest.fixture(scope="module")
def stored() -> str:
    """One hash shared by the module: scrypt costs ~50 ms a call."""
    return hash_password("correct horse 马")


def test_hash_records_its_parameters_and_verifies_the_same_password(stored):
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert verify_password("correct horse 马", stored)


def test_wrong_password_does_not_verify(stored):
    assert not verify_password("correct horse 马 ", stored)
    assert not verify_password("", stored)


def test_the_same_password_hashed_twice_differs_by_its_salt(stored):
    again = hash_password("correct horse 马")
    assert again != stored
    assert again.split("$")[4] != stored.split("$")[4]


def test_a_differently_composed_unicode_password_still_verifies():
    composed, decomposed = "caf\u00e9-password", "cafe\u0301-password"
    assert verify_password(decomposed, hash_password(composed))


def _with(stored: str, index: int, value: str) -> str:
    parts = stored.split("$")
    parts[index] = value
    return "$".join(parts)


@pytest.mark.parametrize("tamper", [
    lambda s: _with(s, 5, base64.b64encode(b"\0" * 32).decode()),  # other digest
    lambda s: _with(s, 4, base64.b64encode(b"\1" * 16).decode()),  # other salt
    lambda s: _with(s, 1, "8192"),                                  # other cost
    lambda s: _with(s, 0, "bcrypt"),
    lambda s: _with(s, 1, "16383"),                                 # n not a power of two
    lambda s: _with(s, 1, "99999999999999999999999"),
    lambda s: _with(s, 2, "0"),
    lambda s: _with(s, 3, "1000"),                                  # a CPU bomb
    lambda s: _with(s, 4, "not base64!"),
    lambda s: _with(s, 5, ""),
    lambda s: s.rsplit("$", 1)[0],
    lambda s: s + "$extra",
    lambda s: "",
    lambda s: "plaintext-password",
    lambda s: None,
])
def test_tampered_or_malformed_stored_values_never_verify(stored, tamper):
    assert verify_password("correct horse 马", tamper(stored)) is False


def test_the_dummy_hash_is_well_formed_and_matches_no_ordinary_password():
    assert DUMMY_HASH.split("$")[:4] == ["scrypt", str(credentials.SCRYPT_N), str(credentials.SCRYPT_R),
                                         str(credentials.SCRYPT_P)]
    assert not verify_password("password123", DUMMY_HASH)


def test_sms_codes_are_always_six_digits_and_spread_over_the_range():
    codes = [new_sms_code() for _ in range(5000)]
    assert all(len(code) == 6 and code.isascii() and code.isdigit() for code in codes)
    assert len(set(codes)) > 4900
    assert any(code.startswith("0") for code in codes)


def test_the_code_hash_binds_the_code_to_phone_purpose_and_pepper():
    base = hash_sms_code("012345", PHONE, SmsPurpose.LOGIN, PEPPER)
    assert base == hash_sms_code("012345", PHONE, "login", PEPPER)
    assert len(base) == 64 and "012345" not in base
    assert base != hash_sms_code("012346", PHONE, SmsPurpose.LOGIN, PEPPER)
    assert base != hash_sms_code("012345", "13800138001", SmsPurpose.LOGIN, PEPPER)
    assert base != hash_sms_code("012345", PHONE, SmsPurpose.SIGNUP, PEPPER)
    assert base != hash_sms_code("012345", PHONE, SmsPurpose.RESET, PEPPER)
    assert base != hash_sms_code("012345", PHONE, SmsPurpose.LOGIN, b"q" * 32)


def test_sms_limits_match_the_issue():
    assert credentials.SMS_CODE_TTL.total_seconds() == 300
    assert credentials.SMS_CODE_MAX_ATTEMPTS == 5
    assert credentials.SMS_COOLDOWN.total_seconds() == 60
    assert (credentials.SMS_DAILY_CAP_PER_PHONE, credentials.SMS_DAILY_CAP_PER_IP) == (10, 50)


def test_a_code_request_names_signup_login_or_no_purpose():
    assert parse_sms_purpose(None) is None
    assert parse_sms_purpose("signup") is SmsPurpose.SIGNUP and parse_sms_purpose("login") is SmsPurpose.LOGIN
    assert parse_sms_purpose("reset") is SmsPurpose.RESET
    assert parse_sms_purpose("change_phone") is SmsPurpose.CHANGE_PHONE


@pytest.mark.parametrize("purpose", ["LOGIN", "Reset", "", 1, ["login"]])
def test_any_other_purpose_is_refused_in_chinese_naming_the_field(purpose):
    with pytest.raises(ValidationError) as caught:
        parse_sms_purpose(purpose)
    assert caught.value.code == "SMS_CODE_REQUEST_INVALID" and "signup" in caught.value.details["purpose"]


@pytest.mark.parametrize("raw, code", [("012345", "012345"), (" 123456 ", "123456")])
def test_a_six_digit_code_is_read_as_typed(raw, code):
    assert parse_sms_code(raw) == code


@pytest.mark.parametrize("raw", [None, "", "12345", "1234567", "12345a", "１２３４５６", 123456])
def test_anything_but_six_ascii_digits_is_not_a_code(raw):
    with pytest.raises(ValidationError) as caught:
        parse_sms_code(raw)
    assert caught.value.code == "SMS_CODE_MALFORMED" and caught.value.details["code"]


def test_while_locked_no_password_is_checked_and_the_refusal_does_not_relock():
    locked = LoginAttempt(None)
    assert not locked.may_check_password and not locked.locks_when_refused


def test_tries_up_to_the_limit_check_the_password():
    for number in range(1, LOGIN_MAX_FAILURES + 1):
        assert LoginAttempt(number).may_check_password


def test_only_a_refused_try_at_the_limit_or_beyond_locks():
    assert not any(LoginAttempt(n).locks_when_refused for n in range(1, LOGIN_MAX_FAILURES))
    assert LoginAttempt(LOGIN_MAX_FAILURES).locks_when_refused


def test_tries_numbered_beyond_the_limit_are_refused_unchecked_and_lock():
    # Parallel tries each get their own number from the atomic counter: the ones past the
    # limit never reach the password, and any of them writes the lock if the one at the
    # limit did not.
    for number in (LOGIN_MAX_FAILURES + 1, 32):
        assert not LoginAttempt(number).may_check_password and LoginAttempt(number).locks_when_refused


def test_a_lock_lasts_fifteen_minutes():
    assert LoginAttempt(LOGIN_MAX_FAILURES).lock_until(NOW) == NOW + LOGIN_LOCKOUT
    assert LOGIN_LOCKOUT.total_seconds() == 15 * 60
