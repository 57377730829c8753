"""The applicant's journey through the API: sign up → eligibility → draft → upload URL → submit."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from chalicelib.domain.commands import RequestSmsCode
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.services import auth as auth_service
from tests.api.conftest import JSON, auth, last_code, sign_up


def _ready_everything(deps, application_id: str, kinds) -> None:
    """Stand-in for S3 and the photo pipeline: an object arrives for each kind and is ready."""
    application = deps.applications.get(application_id)
    now = datetime.now(timezone.utc)
    for kind in kinds:
        material = application.start_upload(kind, f"arrived-{kind}-{now.timestamp()}", now)
        application.record_material_ready(kind, material.upload_id, width=413, height=626, size_bytes=1000,
                                          sha256="0" * 64, object_key=f"materials/{application_id}/{kind}.jpg",
                                          now=now)
    deps.applications.save(application)


def test_signup_eligibility_draft_upload_and_submit(client, deps, person, open_window):
    token, phone = sign_up(client, deps, person)
    me = client.http.get("/me", headers=auth(token)).json_body
    assert me["name"] == "周晓梅" and me["in_register"] is True
    assert person.id_number not in json.dumps(me)

    eligibility = client.http.get("/me/eligibility", headers=auth(token)).json_body
    assert eligibility["window"]["year"] == open_window.year
    first = next(t for t in eligibility["types"] if t["type"] == "first")
    assert first["eligible"] is True and first["default_pickup"] == "mail"
    assert next(t for t in eligibility["types"] if t["type"] == "renewal")["eligible"] is False

    created = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"}))
    assert created.status_code == 201, created.body
    application = created.json_body
    app_id = application["application_id"]
    assert application["status"] == "draft" and application["fields"]["pickup_method"] == "mail"

    saved = client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
        "phone": phone, "employer": "海淀区社会工作服务中心", "district": "海淀", "education": "bachelor",
        "mailing_address": {"recipient": "周晓梅", "phone": phone, "address": "北京市海淀区中关村大街1号",
                            "postal_code": "100080"}}))
    assert saved.status_code == 200, saved.body
    assert saved.json_body["fields"]["district"] == "海淀区"

    incomplete = client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                  body=json.dumps({"declaration": True}))
    assert incomplete.status_code == 422
    assert set(incomplete.json_body["error"]["details"]) >= {"id_photo", "id_card_front", "id_card_back",
                                                             "qualification_cert"}

    for kind in application["required_materials"]:
        upload = client.http.post(f"/applications/{app_id}/materials/{kind}/upload", headers=auth(token))
        assert upload.status_code == 200, upload.body
        assert upload.json_body["max_bytes"] == 10 * 1024 * 1024
        assert upload.json_body["fields"]["key"].startswith(f"uploads/{app_id}/{kind}/")
    _ready_everything(deps, app_id, application["required_materials"])

    submitted = client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                 body=json.dumps({"declaration": True}))
    assert submitted.status_code == 200, submitted.body
    assert submitted.json_body["status"] == "submitted"
    assert [h["to"] for h in submitted.json_body["history"]] == ["draft", "submitted"]

    messages = client.http.get("/messages", headers=auth(token)).json_body
    assert messages["unread"] == 1 and messages["items"][0]["title"] == "登记申请已提交"
    read = client.http.post(f"/messages/{messages['items'][0]['message_id']}/read", headers=auth(token))
    assert read.status_code == 200 and read.json_body["read"] is True
    assert client.http.get("/messages", headers=auth(token)).json_body["unread"] == 0

    history = client.http.get("/applications", headers=auth(token)).json_body
    assert [a["application_id"] for a in history["items"]] == [app_id]

    again = client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({"education": "master"}))
    assert again.status_code == 409


def test_concurrent_submits_let_exactly_one_through(client, deps, person, open_window):
    token, phone = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "first"})).json_body["application_id"]
    client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
        "phone": phone, "employer": "朝阳社工", "district": "朝阳区", "education": "college", "pickup_method": "electronic"}))
    kinds = ["id_photo", "id_card_front", "id_card_back", "qualification_cert"]
    for kind in kinds:
        client.http.post(f"/applications/{app_id}/materials/{kind}/upload", headers=auth(token))
    _ready_everything(deps, app_id, kinds)

    def submit(_):
        return client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                body=json.dumps({"declaration": True})).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = sorted(pool.map(submit, range(4)))
    assert codes == [200, 409, 409, 409]
    messages = client.http.get("/messages", headers=auth(token)).json_body
    assert len(messages["items"]) == 1


def test_login_with_password_and_with_code(client, deps, person):
    token, phone = sign_up(client, deps, person)
    by_password = client.http.post("/auth/login", headers=JSON,
                                   body=json.dumps({"phone": phone, "password": "goodpass123"}))
    assert by_password.status_code == 200 and by_password.json_body["role"] == "applicant"
    too_soon = client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": phone}))
    assert too_soon.status_code == 429 and int(too_soon.headers["Retry-After"]) <= 60
    later = datetime.now(timezone.utc) + timedelta(seconds=61)
    auth_service.request_sms_code(deps, RequestSmsCode(phone, SmsPurpose.LOGIN), "203.0.113.9", later)
    assert client.http.post("/auth/login", headers=JSON,
                            body=json.dumps({"phone": phone, "code": "000000"})).status_code == 401
    by_code = client.http.post("/auth/login", headers=JSON,
                               body=json.dumps({"phone": phone, "code": last_code(deps, phone)}))
    assert by_code.status_code == 200, by_code.body
    reused = client.http.post("/auth/login", headers=JSON,
                              body=json.dumps({"phone": phone, "code": last_code(deps, phone)}))
    assert reused.status_code == 401
