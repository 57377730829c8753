"""Auth under abuse (issue 12, items 1-4 and 16): a lockout that holds under concurrency and
reveals nothing, per-address limits in front of per-account ones, codes without a purpose,
and sign-up refusals told apart.

Every client request here comes from an address of its own (the test client otherwise sends
all from 127.0.0.1, whose failed-login allowance the rest of the suite shares), and limits are
shrunk on a Deps of the test's own, the suite's restored after.
"""
from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.cli import main
from chalicelib.domain import credentials
from chalicelib.domain.commands import Login, RequestSmsCode
from chalicelib.domain.errors import AuthenticationError, RateLimitedError
from chalicelib.services import auth as auth_service
from chalicelib.services import staff
from tests.api.conftest import JSON, last_code, sign_up, unique_phone
from tests.fakes import FakeClock

CJK = re.compile(r"[\u4e00-\u9fff]")


def fresh_address() -> str:
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


@pytest.fixture
def address(monkeypatch):
    """`address(ip)`: the test client's requests come from `ip` from now on."""
    from chalice.local import LambdaEventConverter

    def use(ip: str) -> str:
        monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", ip)
        return ip
    use(fresh_address())
    return use


@pytest.fixture
def clock(swap):
    """`clock(moment)`: the app's clock reads `moment`."""
    return lambda moment: swap(clock=FakeClock(moment))


@pytest.fixture
def limits(deps, swap):
    """`limits(**settings)`: the app runs on a Deps with those settings until the test ends."""
    return lambda **changes: swap(settings=deps.settings._replace(**changes))


def _login(client, **body):
    return client.http.post("/auth/login", headers=JSON, body=json.dumps(body))


def _code_for(client, phone: str, **extra):
    return client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": phone, **extra}))


def _signup(client, deps, phone: str, practitioner, name: str | None = None):
    return client.http.post("/auth/signup", headers=JSON, body=json.dumps({
        "phone": phone, "code": last_code(deps, phone), "name": name or practitioner.name,
        "id_number": practitioner.id_number, "password": "goodpass123"}))


def _refusal(call) -> str:
    try:
        call()
    except AuthenticationError as exc:
        return exc.code
    return "let in"


def _in_parallel(call, times: int = 32) -> list:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(call, range(times)))


# --- 1. the lockout holds under concurrency ----------------------------------------------------

def test_32_parallel_wrong_passwords_lock_an_applicant_and_reach_the_password_at_most_five_times(
        client, deps, person, address, monkeypatch):
    _, phone = sign_up(client, deps, person)
    checked, verify = [], credentials.verify_password

    def counting_verify(password, stored):
        if stored != credentials.DUMMY_HASH:
            checked.append(password)
        return verify(password, stored)
    monkeypatch.setattr(credentials, "verify_password", counting_verify)
    now, net = datetime.now(timezone.utc), fresh_address()
    refusals = _in_parallel(lambda n: _refusal(lambda: auth_service.login(
        deps, Login(phone=phone, password=f"wrongpass{n}"), f"{net}:{n}", now)))
    assert refusals == ["BAD_CREDENTIALS"] * 32
    assert len(checked) <= credentials.LOGIN_MAX_FAILURES

    right = _login(client, phone=phone, password="goodpass123")
    nobody = _login(client, phone=unique_phone(), password="goodpass123")
    assert right.status_code == nobody.status_code == 401 and right.body == nobody.body


def test_32_parallel_wrong_passwords_lock_a_reviewer_from_that_address_only_until_unlocked(
        client, limits, address, capsys):
    deps = limits(login_failures_per_ip_per_hour=1000)
    username, now = f"rev{uuid.uuid4().hex[:8]}", datetime.now(timezone.utc)
    staff.add_staff(deps, username, "reviewpass1", admin=False, now=now)
    attacker, office = fresh_address(), fresh_address()
    refusals = _in_parallel(lambda n: _refusal(lambda: auth_service.login(
        deps, Login(username=username, password=f"guess{n}"), attacker, now)))
    assert refusals == ["BAD_CREDENTIALS"] * 32

    address(attacker)
    locked = _login(client, username=username, password="reviewpass1")
    assert locked.status_code == 401 and locked.json_body["error"]["code"] == "BAD_CREDENTIALS"
    address(office)
    assert _login(client, username=username, password="reviewpass1").json_body["role"] == "reviewer"

    assert main(["--stage", "test", "reviewer", "unlock", username]) == 0
    assert f"{username} unlocked" in capsys.readouterr().out
    address(attacker)
    assert _login(client, username=username, password="reviewpass1").status_code == 200


def test_unlocking_a_reviewer_who_does_not_exist_says_so_in_chinese(deps, capsys):
    assert main(["--stage", "test", "reviewer", "unlock", "nobody-here"]) == 2
    assert CJK.search(capsys.readouterr().err)


# --- 2. the lockout reveals nothing and cannot keep the phone's owner out ----------------------

def test_a_locked_account_a_wrong_password_and_no_account_answer_alike(client, deps, person, renewer, address):
    _, locked_phone = sign_up(client, deps, person)
    _, other_phone = sign_up(client, deps, renewer)
    username = f"rev{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "reviewpass1", admin=False, now=datetime.now(timezone.utc))
    for _ in range(credentials.LOGIN_MAX_FAILURES):
        _login(client, phone=locked_phone, password="wrongpass1")
        _login(client, username=username, password="wrongpass1")

    answers = [
        _login(client, phone=locked_phone, password="goodpass123"),    # locked, right password
        _login(client, phone=other_phone, password="wrongpass1"),      # wrong password
        _login(client, phone=unique_phone(), password="goodpass123"),  # no such phone
        _login(client, username=username, password="reviewpass1"),    # staff, locked
        _login(client, username=f"x{uuid.uuid4().hex[:8]}", password="reviewpass1"),  # no such username
    ]
    assert {answer.status_code for answer in answers} == {401}
    assert len({answer.body for answer in answers}) == 1
    error = answers[0].json_body["error"]
    assert error["code"] == "BAD_CREDENTIALS" and CJK.search(error["message"]) and "Retry-After" not in \
        answers[0].headers


def test_a_password_lockout_does_not_block_code_login(client, deps, person, address, clock):
    _, phone = sign_up(client, deps, person)
    for _ in range(credentials.LOGIN_MAX_FAILURES):
        _login(client, phone=phone, password="wrongpass1")
    assert _login(client, phone=phone, password="goodpass123").status_code == 401
    clock(datetime.now(timezone.utc) + timedelta(minutes=2))  # past the sign-up code's cooldown
    assert _code_for(client, phone).status_code == 202
    by_code = _login(client, phone=phone, code=last_code(deps, phone))
    assert by_code.status_code == 200 and by_code.json_body["role"] == "applicant"


# --- 3. per-address limits in front of per-account ones ------------------------------------------

def test_password_spraying_from_one_address_gets_429_after_the_threshold_and_successes_do_not_count(
        client, person, limits, address, clock):
    deps = limits(login_failures_per_ip_per_hour=3)
    _, phone = sign_up(client, deps, person)
    clock(datetime.now(timezone.utc).replace(minute=30, second=0, microsecond=0))
    for _ in range(2):
        assert _login(client, phone=unique_phone(), password="summer2024").status_code == 401
    for _ in range(3):
        assert _login(client, phone=phone, password="goodpass123").status_code == 200
    assert _login(client, phone=unique_phone(), password="summer2024").status_code == 401

    refused = _login(client, phone=unique_phone(), password="summer2024")
    assert refused.status_code == 429 and refused.json_body["error"]["code"] == "LOGIN_TOO_MANY_FAILURES"
    assert refused.headers["Retry-After"] == "1800"  # the rest of the hour
    assert _login(client, phone=phone, password="goodpass123").status_code == 429  # in front of the account
    address(fresh_address())
    assert _login(client, phone=unique_phone(), password="summer2024").status_code == 401


def test_a_code_request_refused_by_the_address_limit_leaves_the_phones_allowance(deps):
    now, crowded = datetime.now(timezone.utc), fresh_address()
    for _ in range(credentials.SMS_DAILY_CAP_PER_IP):
        auth_service.request_sms_code(deps, RequestSmsCode(unique_phone()), crowded, now)
    target = unique_phone()
    with pytest.raises(RateLimitedError) as caught:
        auth_service.request_sms_code(deps, RequestSmsCode(target), crowded, now)
    assert caught.value.code == "SMS_IP_DAILY_CAP"
    auth_service.request_sms_code(deps, RequestSmsCode(target), fresh_address(), now)  # no cooldown was taken
    assert len(last_code(deps, target)) == 6


def test_the_hourly_sms_budget_refuses_everyone_with_retry_after(client, limits, address, clock):
    deps = limits(sms_per_hour=2)
    clock(datetime(2034, 1, 1, 8, 20, tzinfo=timezone.utc))  # an hour nothing else sends codes in
    sent = [unique_phone(), unique_phone()]
    assert [_code_for(client, phone).status_code for phone in sent] == [202, 202]
    for _ in range(2):
        refused = _code_for(client, unique_phone())
        assert refused.status_code == 429 and refused.json_body["error"]["code"] == "SMS_HOURLY_CAP"
        assert refused.headers["Retry-After"] == "2400"
        address(fresh_address())
    assert all(len(last_code(deps, phone)) == 6 for phone in sent)


def test_a_code_request_refused_by_the_hourly_budget_leaves_the_phones_allowance(client, limits, address, clock):
    limits(sms_per_hour=1)
    clock(datetime(2034, 1, 1, 9, 59, 30, tzinfo=timezone.utc))
    assert _code_for(client, unique_phone()).status_code == 202
    phone = unique_phone()
    assert _code_for(client, phone).json_body["error"]["code"] == "SMS_HOURLY_CAP"
    clock(datetime(2034, 1, 1, 10, 0, 1, tzinfo=timezone.utc))  # a new hour, within 60 s of the refusal
    address(fresh_address())
    assert _code_for(client, phone).status_code == 202


# --- 4. a code without a purpose ---------------------------------------------------------------

def test_a_code_asked_for_without_purpose_signs_up_a_phone_without_an_account(client, deps, person, address):
    phone = unique_phone()
    assert _code_for(client, phone).status_code == 202
    created = _signup(client, deps, phone, person)
    assert created.status_code == 201, created.body
    assert _login(client, phone=phone, password="goodpass123").status_code == 200


def test_without_purpose_a_phone_with_an_account_gets_a_login_code_and_the_same_answer(
        client, deps, person, renewer, address, clock):
    _, registered = sign_up(client, deps, person)
    clock(datetime.now(timezone.utc) + timedelta(minutes=2))  # past the sign-up code's cooldown
    newcomer = unique_phone()
    for_newcomer, for_registered = _code_for(client, newcomer), _code_for(client, registered)
    assert for_newcomer.status_code == for_registered.status_code == 202
    assert for_newcomer.body == for_registered.body and for_newcomer.headers == for_registered.headers

    by_code = _login(client, phone=registered, code=last_code(deps, registered))
    assert by_code.status_code == 200 and by_code.json_body["role"] == "applicant"
    assert _signup(client, deps, newcomer, renewer).status_code == 201


@pytest.mark.parametrize("purpose", ["recover", "RESET", "admin", 7])
def test_a_purpose_not_in_the_spec_is_422_in_chinese_and_sends_nothing(client, deps, address, purpose):
    phone = unique_phone()
    refused = _code_for(client, phone, purpose=purpose)
    assert refused.status_code == 422
    error = refused.json_body["error"]
    assert error["code"] == "SMS_CODE_REQUEST_INVALID" and CJK.search(error["message"])
    assert CJK.search(error["details"]["purpose"])
    with pytest.raises(IndexError):
        last_code(deps, phone)


# --- 16. sign-up refusals told apart ---------------------------------------------------------------

def test_a_taken_phone_and_a_bound_id_number_are_told_apart_without_showing_the_other_phone(
        client, deps, person, renewer, address, clock):
    _, phone = sign_up(client, deps, person)
    clock(datetime.now(timezone.utc) + timedelta(minutes=2))  # past the sign-up code's cooldown

    another = unique_phone()
    _code_for(client, another)
    bound = _signup(client, deps, another, person)           # the same ID number, a new phone
    _code_for(client, phone)                                 # no purpose: a login code, which sign-up takes
    taken = _signup(client, deps, phone, renewer)            # the same phone, another ID number
    assert bound.status_code == taken.status_code == 409
    bound_error, taken_error = bound.json_body["error"], taken.json_body["error"]
    assert (bound_error["code"], taken_error["code"]) == ("ID_ALREADY_BOUND", "PHONE_ALREADY_REGISTERED")
    assert bound_error["message"] != taken_error["message"]
    assert CJK.search(bound_error["message"]) and CJK.search(taken_error["message"])
    assert phone[-4:] not in bound.body.decode() and phone[-4:] not in taken.body.decode()


def test_a_name_that_differs_from_the_register_is_name_mismatch_in_chinese(client, deps, person, address):
    phone = unique_phone()
    _code_for(client, phone, purpose="signup")
    refused = _signup(client, deps, phone, person, name="王五")
    assert refused.status_code == 422
    error = refused.json_body["error"]
    assert error["code"] == "NAME_MISMATCH" and CJK.search(error["message"]) and CJK.search(error["details"]["name"])
