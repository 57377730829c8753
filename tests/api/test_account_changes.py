"""A signed-in applicant changes the password or the phone (issue 15 items 2 and 3, SPEC §2.9, §3):
`POST /me/password`, and `POST /auth/sms-codes {purpose: "change_phone"}` then `POST /me/phone`.
Each ends every other session while the caller's token keeps working; racing changes cannot both win.

Requests come from an address of each test's own and run on a rate limiter of its own (see
test_account_recovery.py).
"""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.adapters.dynamo.models import OutboxItem
from chalicelib.domain import credentials
from tests.api.conftest import JSON, auth, last_code, sign_up, unique_phone
from tests.fakes import FakeRateLimiter


@pytest.fixture(autouse=True)
def own_limits(swap, monkeypatch):
    from chalice.local import LambdaEventConverter
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", f"2001:db8:15::{uuid.uuid4().hex[:4]}")
    swap(rate_limiter=FakeRateLimiter())


def _login(client, phone: str, password: str = "goodpass123"):
    return client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "password": password}))


def _change_password(client, token: str, current: str = "goodpass123", new: str = "newpass2026"):
    return client.http.post("/me/password", headers=auth(token),
                            body=json.dumps({"current_password": current, "new_password": new}))


def _phone_code(client, token: str | None, new_phone: str):
    headers = auth(token) if token else JSON
    return client.http.post("/auth/sms-codes", headers=headers,
                            body=json.dumps({"phone": new_phone, "purpose": "change_phone"}))


def _change_phone(client, token: str, new_phone: str, code: str):
    return client.http.post("/me/phone", headers=auth(token), body=json.dumps({"new_phone": new_phone, "code": code}))


def _error(answer) -> tuple[int, str]:
    return answer.status_code, answer.json_body["error"]["code"]


def _me(client, token: str) -> int:
    return client.http.get("/me", headers=auth(token)).status_code


# --- change the password --------------------------------------------------------------------------

def test_a_password_change_ends_other_sessions_and_keeps_the_callers(client, deps, person):
    mine, phone = sign_up(client, deps, person)
    other = _login(client, phone).json_body["token"]
    answer = _change_password(client, mine)
    assert answer.status_code == 204 and not answer.body
    assert _me(client, mine) == 200
    assert _error(client.http.get("/me", headers=auth(other))) == (401, "SESSION_REVOKED")
    assert _login(client, phone, "newpass2026").status_code == 200
    assert _error(_login(client, phone)) == (401, "BAD_CREDENTIALS")


def test_a_second_change_from_another_session_ends_the_session_kept_by_the_first(client, deps, person):
    first, phone = sign_up(client, deps, person)
    assert _change_password(client, first).status_code == 204
    second = _login(client, phone, "newpass2026").json_body["token"]
    assert _change_password(client, second, "newpass2026", "third2026x").status_code == 204
    assert (_me(client, first), _me(client, second)) == (401, 200)


def test_a_wrong_current_password_is_422_and_counts_towards_the_lockout(client, deps, person):
    token, phone = sign_up(client, deps, person)
    for _ in range(credentials.LOGIN_MAX_FAILURES):
        refused = _change_password(client, token, current="wrongpass1")
        assert _error(refused) == (422, "CURRENT_PASSWORD_WRONG")
        assert "current_password" in refused.json_body["error"]["details"]
    # now locked: even the right current password is refused alike, and so is a login
    assert _error(_change_password(client, token)) == (422, "CURRENT_PASSWORD_WRONG")
    assert _error(_login(client, phone)) == (401, "BAD_CREDENTIALS")
    assert _me(client, token) == 200


def test_a_weak_new_password_is_422_stating_the_rule_and_counts_nothing(client, deps, person):
    token, phone = sign_up(client, deps, person)
    for weak, rule in (("abcdefgh", "字母和数字"), (f"x{phone}", "手机号"),
                       (f"xy{person.id_number[-6:]}", "身份证号"), ("a1", "至少8位")):
        refused = _change_password(client, token, new=weak)
        assert _error(refused) == (422, "PASSWORD_POLICY"), weak
        assert rule in refused.json_body["error"]["details"]["new_password"]
        assert "至少8位" in refused.json_body["error"]["message"]
    assert _change_password(client, token).status_code == 204


def test_a_bad_password_change_body_is_422_naming_each_field(client, deps, person):
    token, _ = sign_up(client, deps, person)
    refused = client.http.post("/me/password", headers=auth(token), body=json.dumps({"new_password": 7}))
    assert _error(refused) == (422, "PASSWORD_CHANGE_INVALID")
    assert set(refused.json_body["error"]["details"]) == {"current_password", "new_password"}


def test_changing_the_password_needs_a_token(client):
    refused = client.http.post("/me/password", headers=JSON,
                               body=json.dumps({"current_password": "goodpass123", "new_password": "newpass2026"}))
    assert _error(refused) == (401, "MISSING_TOKEN")


def test_of_two_parallel_password_changes_exactly_one_wins(client, deps, person):
    first, phone = sign_up(client, deps, person)
    second = _login(client, phone).json_body["token"]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda pair: _change_password(client, pair[0], new=pair[1]),
                                [(first, "first2026"), (second, "second2026")]))
    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [204, 409]
    won = statuses.index(204)
    assert _login(client, phone, ["first2026", "second2026"][won]).status_code == 200
    account = deps.accounts.by_login(f"phone#{phone}")
    assert account.session_version == 1
    assert (_me(client, [first, second][won]), _me(client, [first, second][1 - won])) == (200, 401)


# --- change the phone ----------------------------------------------------------------------------

def _outbox_rows_to(phone: str) -> list[OutboxItem]:
    return list(OutboxItem.scan(OutboxItem.phone == phone))


def test_a_phone_change_moves_the_login_tells_the_old_number_and_keeps_the_callers_session(
        client, deps, person):
    mine, old_phone = sign_up(client, deps, person)
    other = _login(client, old_phone).json_body["token"]
    new_phone = unique_phone()
    assert _phone_code(client, mine, new_phone).status_code == 202
    answer = _change_phone(client, mine, new_phone, last_code(deps, new_phone))
    assert answer.status_code == 200 and answer.json_body == {"phone": new_phone}
    assert client.http.get("/me", headers=auth(mine)).json_body["phone"] == new_phone
    assert _error(client.http.get("/me", headers=auth(other))) == (401, "SESSION_REVOKED")
    assert _login(client, new_phone).status_code == 200
    assert _error(_login(client, old_phone)) == (401, "BAD_CREDENTIALS")
    [notice] = _outbox_rows_to(old_phone)
    assert (notice.template, notice.status) == ("PhoneChanged", "PENDING") and "手机号" in notice.text


def test_a_number_that_belongs_to_another_account_is_409_without_saying_whose(client, deps, person, renewer):
    mine, my_phone = sign_up(client, deps, person)
    _, taken = sign_up(client, deps, renewer)
    _phone_code(client, mine, taken)
    refused = _change_phone(client, mine, taken, last_code(deps, taken))
    assert _error(refused) == (409, "PHONE_TAKEN")
    assert refused.json_body["error"]["details"] == {}
    assert renewer.name not in json.dumps(refused.json_body, ensure_ascii=False)
    assert _login(client, my_phone).status_code == 200 and _me(client, mine) == 200
    assert _outbox_rows_to(my_phone) == []


def test_a_change_phone_code_needs_a_token(client, deps):
    new_phone = unique_phone()
    refused = _phone_code(client, None, new_phone)
    assert _error(refused) == (401, "MISSING_TOKEN")
    with pytest.raises(IndexError):
        last_code(deps, new_phone)


def test_a_wrong_used_or_other_purpose_code_is_422_and_changes_nothing(client, deps, person, swap):
    token, phone = sign_up(client, deps, person)
    new_phone = unique_phone()
    client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": new_phone, "purpose": "login"}))
    login_code = last_code(deps, new_phone)
    assert _error(_change_phone(client, token, new_phone, login_code)) == (422, "INVALID_CODE")
    assert _login(client, phone).status_code == 200
    swap(rate_limiter=FakeRateLimiter())  # past the login code's cooldown
    assert _phone_code(client, token, new_phone).status_code == 202
    code = last_code(deps, new_phone)
    assert _change_phone(client, token, new_phone, code).status_code == 200
    again = _change_phone(client, token, unique_phone(), code)
    assert _error(again) == (422, "INVALID_CODE") and "code" in again.json_body["error"]["details"]


def test_a_code_asked_for_by_one_account_cannot_move_another(client, deps, person, renewer):
    mine, _ = sign_up(client, deps, person)
    theirs, their_phone = sign_up(client, deps, renewer)
    new_phone = unique_phone()
    _phone_code(client, mine, new_phone)
    assert _error(_change_phone(client, theirs, new_phone, last_code(deps, new_phone))) == (422, "INVALID_CODE")
    assert _login(client, their_phone).status_code == 200


def test_the_phone_the_account_already_has_is_refused(client, deps, person):
    token, phone = sign_up(client, deps, person)
    assert _error(_phone_code(client, token, phone)) == (422, "PHONE_UNCHANGED")
    assert _error(_change_phone(client, token, phone, "123456")) == (422, "PHONE_UNCHANGED")


def test_a_bad_phone_change_body_is_422_naming_each_field(client, deps, person):
    token, _ = sign_up(client, deps, person)
    refused = client.http.post("/me/phone", headers=auth(token), body=json.dumps({"new_phone": "12", "code": "x"}))
    assert _error(refused) == (422, "PHONE_CHANGE_INVALID")
    assert set(refused.json_body["error"]["details"]) == {"new_phone", "code"}


def test_of_two_parallel_phone_changes_exactly_one_wins(client, deps, person):
    first, phone = sign_up(client, deps, person)
    second = _login(client, phone).json_body["token"]
    targets = [unique_phone(), unique_phone()]
    codes = []
    for token, target in zip((first, second), targets):
        _phone_code(client, token, target)
        codes.append(last_code(deps, target))
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda n: _change_phone(client, (first, second)[n], targets[n], codes[n]), range(2)))
    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [200, 409]
    won = statuses.index(200)
    account = deps.accounts.get(deps.accounts.by_login(f"phone#{targets[won]}").account_id)
    assert (account.phone, account.session_version) == (targets[won], 1)
    assert deps.accounts.by_login(f"phone#{targets[1 - won]}") is None
    assert deps.accounts.by_login(f"phone#{phone}") is None
    assert len(_outbox_rows_to(phone)) == 1
