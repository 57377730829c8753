"""Password reset by SMS (issue 15 item 1, SPEC §2.9, §3 Auth): `POST /auth/sms-codes {purpose: "reset"}`,
then `POST /auth/password-reset`. The answers never tell whether a phone has an account; codes are
single-use, bound to their purpose and expire; a reset ends every earlier session.

Each test's requests come from an address of its own (the test client otherwise sends all from one
address, whose allowances the suite shares); most also run on a rate limiter of their own, so a
second code for the sign-up phone is not held back by the sign-up code's cooldown.
"""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import credentials
from tests.api.conftest import JSON, auth, last_code, sign_up, unique_phone
from tests.fakes import FakeClock, FakeRateLimiter


@pytest.fixture
def address(monkeypatch):
    """The test client's requests come from an address of this test's own."""
    from chalice.local import LambdaEventConverter
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"2001:db8:15::{uuid.uuid4().hex[:4]}")


@pytest.fixture
def own_limits(swap, address):
    swap(rate_limiter=FakeRateLimiter())


def _code_for(client, phone: str, purpose: str | None = "reset", headers: dict = JSON):
    body = {"phone": phone} if purpose is None else {"phone": phone, "purpose": purpose}
    return client.http.post("/auth/sms-codes", headers=headers, body=json.dumps(body))


def _reset(client, phone: str, code: str, new_password: str = "newpass2026"):
    return client.http.post("/auth/password-reset", headers=JSON,
                            body=json.dumps({"phone": phone, "code": code, "new_password": new_password}))


def _login(client, phone: str, password: str):
    return client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "password": password}))


def _error(answer) -> tuple[int, str]:
    return answer.status_code, answer.json_body["error"]["code"]


def _texts_to(deps, phone: str) -> int:
    try:
        last_code(deps, phone)
    except IndexError:
        return 0
    return 1


def test_a_reset_code_sets_a_new_password_and_the_old_one_stops_working(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    assert _code_for(client, phone).status_code == 202
    answer = _reset(client, phone, last_code(deps, phone))
    assert answer.status_code == 204 and not answer.body
    assert _login(client, phone, "newpass2026").status_code == 200
    assert _error(_login(client, phone, "goodpass123")) == (401, "BAD_CREDENTIALS")


def test_a_token_issued_before_the_reset_is_refused_and_one_issued_after_works(client, deps, person, own_limits):
    before, phone = sign_up(client, deps, person)
    assert client.http.get("/me", headers=auth(before)).status_code == 200
    _code_for(client, phone)
    assert _reset(client, phone, last_code(deps, phone)).status_code == 204
    refused = client.http.get("/me", headers=auth(before))
    assert _error(refused) == (401, "SESSION_REVOKED") and "重新登录" in refused.json_body["error"]["message"]
    after = _login(client, phone, "newpass2026").json_body["token"]
    assert client.http.get("/me", headers=auth(after)).status_code == 200


def test_a_code_request_for_a_phone_without_an_account_answers_alike_and_sends_nothing(
        client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    stranger = unique_phone()
    with_account, without = _code_for(client, phone), _code_for(client, stranger)
    assert (with_account.status_code, with_account.body) == (without.status_code, without.body)
    assert with_account.status_code == 202
    assert _texts_to(deps, stranger) == 0


def test_a_reset_for_a_phone_without_an_account_answers_exactly_like_a_wrong_code(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    right = last_code(deps, phone)
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    no_account, wrong_code = _reset(client, unique_phone(), right), _reset(client, phone, wrong)
    assert _error(no_account) == (401, "INVALID_CODE")
    assert (no_account.status_code, no_account.body) == (wrong_code.status_code, wrong_code.body)
    assert _reset(client, phone, right).status_code == 204  # one wrong try does not kill the code


def test_a_reset_code_works_once(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    code = last_code(deps, phone)
    assert _reset(client, phone, code).status_code == 204
    assert _error(_reset(client, phone, code, "another2027")) == (401, "INVALID_CODE")
    assert _login(client, phone, "newpass2026").status_code == 200


def test_an_expired_reset_code_is_refused(client, deps, person, own_limits, swap):
    _, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    swap(clock=FakeClock(datetime.now(timezone.utc) + credentials.SMS_CODE_TTL + timedelta(seconds=1)))
    assert _error(_reset(client, phone, last_code(deps, phone))) == (401, "INVALID_CODE")


@pytest.mark.parametrize("purpose", ["login", None])
def test_a_login_code_cannot_reset_a_password(client, deps, person, own_limits, purpose):
    _, phone = sign_up(client, deps, person)
    assert _code_for(client, phone, purpose).status_code == 202  # without purpose: a login code
    assert _error(_reset(client, phone, last_code(deps, phone))) == (401, "INVALID_CODE")
    assert _login(client, phone, "goodpass123").status_code == 200


def test_a_reset_code_cannot_log_in_or_sign_up(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    login = client.http.post("/auth/login", headers=JSON,
                             body=json.dumps({"phone": phone, "code": last_code(deps, phone)}))
    assert _error(login) == (401, "INVALID_CODE")


def test_a_weak_new_password_is_422_with_the_rule_and_leaves_the_code_usable(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    code = last_code(deps, phone)
    for weak, rule in (("12345678", "字母和数字"), (f"ab{phone}", "手机号"),
                       (f"ab{person.id_number[-6:]}", "身份证号")):
        refused = _reset(client, phone, code, weak)
        assert refused.status_code == 422, weak
        error = refused.json_body["error"]
        assert error["code"] == "PASSWORD_POLICY" and "至少8位，须同时包含字母和数字" in error["message"]
        assert rule in error["details"]["new_password"]
    assert _reset(client, phone, code).status_code == 204


def test_a_bad_reset_body_is_422_naming_each_field_and_changes_nothing(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    refused = client.http.post("/auth/password-reset", headers=JSON,
                               body=json.dumps({"phone": "12", "code": "x", "new_password": 5}))
    assert _error(refused) == (422, "PASSWORD_RESET_INVALID")
    assert set(refused.json_body["error"]["details"]) == {"phone", "code", "new_password"}
    extra = client.http.post("/auth/password-reset", headers=JSON,
                             body=json.dumps({"phone": phone, "code": "123456", "new_password": "newpass2026",
                                              "token": "x"}))
    assert extra.status_code == 422
    assert _login(client, phone, "goodpass123").status_code == 200


def test_reset_codes_are_held_to_the_same_limits_with_or_without_an_account(client, deps, person, address):
    _, phone = sign_up(client, deps, person)  # its sign-up code started the phone's cooldown
    stranger = unique_phone()
    assert _code_for(client, stranger).status_code == 202
    for target in (phone, stranger):
        refused = _code_for(client, target)
        assert _error(refused) == (429, "SMS_TOO_FREQUENT") and "Retry-After" in refused.headers


def test_two_parallel_resets_with_one_code_change_the_password_once(client, deps, person, own_limits):
    before, phone = sign_up(client, deps, person)
    _code_for(client, phone)
    code = last_code(deps, phone)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda password: _reset(client, phone, code, password),
                                ["first2026", "second2026"]))
    assert sorted(answer.status_code for answer in answers) == [204, 401]
    winner = ["first2026", "second2026"][[a.status_code for a in answers].index(204)]
    assert _login(client, phone, winner).status_code == 200
    account = deps.accounts.by_login(f"phone#{phone}")
    assert account.session_version == 1 and account.kept_session is None


def test_a_reset_lifts_the_password_lockout(client, deps, person, own_limits):
    _, phone = sign_up(client, deps, person)
    for _ in range(credentials.LOGIN_MAX_FAILURES):
        _login(client, phone, "wrongpass1")
    assert _error(_login(client, phone, "goodpass123")) == (401, "BAD_CREDENTIALS")  # locked
    _code_for(client, phone)
    assert _reset(client, phone, last_code(deps, phone)).status_code == 204
    assert _login(client, phone, "newpass2026").status_code == 200
