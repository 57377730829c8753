"""Errors and abuse on the applicant API: every refusal in the spec's shape, never a 500."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from chalicelib.adapters.tokens import TokenService
from tests.api.conftest import JSON, auth, last_code, sign_up, unique_phone


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.body
    return response.json_body["error"]


@pytest.fixture
def applicant(client, deps, person):
    token, phone = sign_up(client, deps, person)
    return token, phone, person


def test_another_applicants_application_is_not_found(client, deps, person, renewer):
    mine, _ = sign_up(client, deps, person)
    theirs, _ = sign_up(client, deps, renewer)
    app_id = client.http.post("/applications", headers=auth(mine), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    for method, path in (("get", f"/applications/{app_id}"), ("patch", f"/applications/{app_id}"),
                         ("post", f"/applications/{app_id}/submit"),
                         ("post", f"/applications/{app_id}/materials/id_photo/upload")):
        response = getattr(client.http, method)(path, headers=auth(theirs), body=json.dumps({}))
        assert _error(response, 404)["code"] == "NOT_FOUND"


def test_no_authorization_header_is_401_at_the_gateway(client):
    # API Gateway (and chalice local) refuse a request without the token header
    # before any of our code runs, in the gateway's own body shape.
    assert client.http.get("/me").status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer not-a-jwt", "Bearer a.b.c"])
def test_garbled_tokens_are_401(client, header):
    assert _error(client.http.get("/me", headers={"Authorization": header}), 401)["code"]


def test_forged_expired_tampered_and_alg_none_tokens_are_401(client, deps, applicant):
    token, _, _ = applicant
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = TokenService(b"k" * 32).issue(claims["sub"], "applicant", datetime.now(timezone.utc))
    expired = deps.tokens.issue(claims["sub"], "applicant", datetime.now(timezone.utc) - timedelta(days=1))
    header, payload, signature = token.split(".")
    tampered = ".".join([header, jwt.utils.base64url_encode(json.dumps({**claims, "role": "admin"}).encode()
                                                            ).decode(), signature])
    unsigned = jwt.encode({**claims}, key=None, algorithm="none")
    for bad in (forged, expired, tampered, unsigned):
        assert _error(client.http.get("/me", headers=auth(bad)), 401)


def test_a_staff_token_on_applicant_routes_is_403(client, deps, applicant):
    token, _, _ = applicant
    claims = jwt.decode(token, options={"verify_signature": False})
    staff = deps.tokens.issue(claims["sub"], "reviewer", datetime.now(timezone.utc))
    assert _error(client.http.get("/me", headers=auth(staff)), 403)["code"] == "FORBIDDEN"


def test_bad_json_is_400_and_oversized_bodies_413(client, applicant):
    token, _, _ = applicant
    assert _error(client.http.post("/applications", headers=auth(token), body=b"{oops"), 400)["code"] == "BAD_JSON"
    huge = json.dumps({"type": "first", "pad": "x" * 1_100_000})
    assert _error(client.http.post("/applications", headers=auth(token), body=huge), 413)


def test_wrong_types_and_unknown_fields_are_422_naming_each(client, applicant):
    token, _, _ = applicant
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    error = _error(client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
        "phone": 12345, "district": "浦东新区", "mailing_address": {"postal_code": "1000"},
        "status": "approved", "name": "别人", "colour": "red"})), 422)
    assert set(error["details"]) == {"phone", "district", "mailing_address.postal_code", "status", "name",
                                     "colour"}
    unchanged = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert unchanged["status"] == "draft" and unchanged["fields"]["phone"] is None
    assert _error(client.http.post("/applications", headers=auth(token),
                                   body=json.dumps({"type": "first", "extra": 1})), 422)["details"] == {
        "extra": "不支持的字段"}


def test_a_type_that_does_not_apply_is_422_with_the_reason(client, applicant):
    token, _, _ = applicant
    error = _error(client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "renewal"})), 422)
    assert error["code"] == "TYPE_NOT_ELIGIBLE" and error["message"]
    assert _error(client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "vip"})),
                  422)["details"]["type"]


def test_a_second_application_for_the_window_is_409(client, applicant):
    token, _, _ = applicant
    assert client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})).status_code == 201
    error = _error(client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})), 409)
    assert error["code"] == "LIVE_APPLICATION_EXISTS"


def test_materials_outside_the_type_are_refused(client, applicant):
    token, _, _ = applicant
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    assert _error(client.http.post(f"/applications/{app_id}/materials/registration_cert/upload",
                                   headers=auth(token)), 422)["code"] == "MATERIAL_NOT_ALLOWED"
    assert _error(client.http.post(f"/applications/{app_id}/materials/selfie/upload", headers=auth(token)), 404)
    assert _error(client.http.post(f"/applications/{app_id}/materials/registration_cert/attach-certificate",
                                   headers=auth(token)), 422)["code"] == "NO_E_CERTIFICATE"


def test_upload_url_policy_limits_size_key_and_time(client, deps, applicant):
    token, _, _ = applicant
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    post = client.http.post(f"/applications/{app_id}/materials/id_photo/upload", headers=auth(token)).json_body
    import base64
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"key": post["fields"]["key"]} in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(0) < expires - datetime.now(timezone.utc) <= timedelta(minutes=5)
    # Only an object that arrives creates (or replaces) the material, never the URL alone.
    assert client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["materials"] == {}


def test_signup_refuses_a_bound_id_a_bad_code_and_a_weak_password(client, deps, person):
    sign_up(client, deps, person)
    phone = unique_phone()
    client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": phone, "purpose": "signup"}))
    body = {"phone": phone, "code": last_code(deps, phone), "name": person.name, "id_number": person.id_number,
            "password": "12345678"}
    assert "password" in _error(client.http.post("/auth/signup", headers=JSON, body=json.dumps(body)), 422)["details"]
    assert _error(client.http.post("/auth/signup", headers=JSON,
                                   body=json.dumps({**body, "password": "goodpass123", "code": "999999"})), 401)
    assert _error(client.http.post("/auth/signup", headers=JSON, body=json.dumps({
        **body, "password": "goodpass123", "id_number": person.id_number[:-1] + "0"
        if person.id_number[-1] != "0" else person.id_number[:-1] + "1"})), 422)["details"]["id_number"]


def test_the_id_binding_race_lets_one_account_through(client, deps, person):
    from concurrent.futures import ThreadPoolExecutor
    from chalicelib.domain.accounts import Account, Role, phone_login
    from chalicelib.domain.errors import ConflictError

    def create(n):
        phone = unique_phone()
        account = Account(f"race-{person.id_number}-{n}", phone_login(phone), Role.APPLICANT, "x",
                          datetime.now(timezone.utc), phone=phone, id_number=person.id_number)
        try:
            deps.accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                                           f"identity#{person.id_number}": "ID_ALREADY_BOUND"})
            return "created"
        except ConflictError as exc:
            return exc.code

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(create, range(4)))
    assert outcomes == ["ID_ALREADY_BOUND"] * 3 + ["created"]


def test_repeated_wrong_passwords_lock_the_account(client, deps, applicant):
    _, phone, _ = applicant
    for _ in range(5):
        assert _error(client.http.post("/auth/login", headers=JSON,
                                       body=json.dumps({"phone": phone, "password": "wrongpass1"})), 401)
    locked = client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "password": "goodpass123"}))
    assert _error(locked, 401)["code"] == "BAD_CREDENTIALS"  # locked answers like a wrong password


def test_an_unknown_phone_gets_the_same_answer_as_a_known_one(client, applicant):
    _, phone, _ = applicant
    unknown = client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": unique_phone(),
                                                                              "password": "wrongpass1"}))
    known = client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "password": "wrongpass1"}))
    assert unknown.status_code == known.status_code == 401
    assert unknown.json_body == known.json_body


def test_someone_outside_the_register_is_told_so(client, deps, open_window):
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    from tests.ids import make_id
    stranger = Practitioner(make_id(region="130101", seq=7), "陈默", "X", Level.ASSISTANT, 2020)
    token, _ = sign_up(client, deps, stranger)
    me = client.http.get("/me", headers=auth(token)).json_body
    assert me["in_register"] is False and me["notice"]
    assert _error(client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})),
                  422)["code"] == "NOT_IN_REGISTER"


def test_codes_are_capped_per_source_ip_per_day(deps):
    from chalicelib.domain.credentials import SMS_DAILY_CAP_PER_IP
    from chalicelib.domain.errors import RateLimitedError
    from chalicelib.domain.commands import RequestSmsCode
    from chalicelib.services.auth import request_sms_code
    now, address = datetime.now(timezone.utc), f"203.0.113.{uuid.uuid4().int % 256}-{uuid.uuid4().hex[:6]}"
    for _ in range(SMS_DAILY_CAP_PER_IP):
        request_sms_code(deps, RequestSmsCode(unique_phone()), address, now)
    with pytest.raises(RateLimitedError) as caught:
        request_sms_code(deps, RequestSmsCode(unique_phone()), address, now)
    assert 0 < caught.value.retry_after <= 24 * 3600


def test_a_code_request_over_http_is_202_and_the_code_arrives_by_sms(client, deps):
    phone = unique_phone()
    response = client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": phone}))
    assert response.status_code == 202 and response.json_body == {"status": "sent"}
    assert len(last_code(deps, phone)) == 6
