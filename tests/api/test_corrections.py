"""Correction requests (反馈) through the API: asking, the evidence photo through the S3 event, my list,
the admins' list and decision, eligibility following an accepted correction, and every refusal."""
from __future__ import annotations

import io
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import urllib3
from PIL import Image

from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner
from tests.api.conftest import JSON, auth, sign_up, staff_token
from tests.ids import unique_id


@pytest.fixture
def me(client, deps, person) -> str:
    return sign_up(client, deps, person)[0]


def _ask(client, token, body: dict):
    return client.http.post("/me/corrections", headers=auth(token), body=json.dumps(body))


def _name_request(client, token) -> str:
    response = _ask(client, token, {"field": "name", "proposed_value": "周晓玫", "note": "名册中名字错了一个字"})
    assert response.status_code == 201, response.body
    return response.json_body["correction_id"]


def _decide(client, token, correction_id, body: dict):
    return client.http.post(f"/admin/corrections/{correction_id}/decision", headers=auth(token),
                            body=json.dumps(body))


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((1200, 900), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _mine(client, token) -> list[dict]:
    response = client.http.get("/me/corrections", headers=auth(token))
    assert response.status_code == 200, response.body
    return response.json_body["items"]


def test_an_applicant_asks_for_a_correction_and_sees_it_in_their_list(client, me):
    correction_id = _name_request(client, me)
    [listed] = _mine(client, me)
    assert listed == {**listed, "correction_id": correction_id, "field": "name", "field_label": "姓名",
                      "proposed_value": "周晓玫", "current_value": "周晓梅", "status": "open",
                      "status_text": "待处理", "evidence": None, "decision": None}


def test_a_missing_registration_is_asked_for_with_its_year_and_number(client, me, open_window):
    response = _ask(client, me, {"field": "registration", "proposed_value": {
        "registration_year": open_window.year - 3, "registration_no": "bj-2023-0042"}})
    assert response.status_code == 201, response.body
    assert (response.json_body["proposed_value"], response.json_body["current_value"]) == (
        {"registration_year": open_window.year - 3, "registration_no": "BJ-2023-0042"}, None)


@pytest.mark.parametrize("body, where", [
    ({"field": "gender", "proposed_value": "女"}, "field"),
    ({"field": "level", "proposed_value": "专家"}, "proposed_value"),
    ({"field": "qualification_year", "proposed_value": 1899}, "proposed_value"),
    ({"field": "name", "proposed_value": ""}, "proposed_value"),
    ({"field": "registration", "proposed_value": "2023"}, "proposed_value"),
    ({"field": "registration", "proposed_value": {"registration_year": 2023}}, "proposed_value.registration_no"),
])
def test_a_bad_field_or_value_is_422_naming_it_and_stores_nothing(client, me, body, where):
    response = _ask(client, me, body)
    assert response.status_code == 422, response.body
    assert where in response.json_body["error"]["details"]
    assert _mine(client, me) == []


def test_a_value_the_register_already_holds_is_422(client, me):
    response = _ask(client, me, {"field": "name", "proposed_value": "周晓梅"})
    assert (response.status_code, response.json_body["error"]["code"]) == (422, "CORRECTION_UNCHANGED")


def test_an_over_long_note_is_refused_at_the_edge(client, me):
    response = _ask(client, me, {"field": "name", "proposed_value": "周晓玫", "note": "长" * 501})
    assert response.status_code == 422 and "note" in response.json_body["error"]["details"]


def test_a_second_open_request_for_the_same_field_is_409(client, me):
    _name_request(client, me)
    response = _ask(client, me, {"field": "name", "proposed_value": "周小梅"})
    assert (response.status_code, response.json_body["error"]["code"]) == (409, "CORRECTION_ALREADY_OPEN")
    assert "姓名" in response.json_body["error"]["message"]


def test_two_racing_requests_for_one_field_leave_exactly_one(client, me):
    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(lambda name: _ask(client, me, {"field": "name", "proposed_value": name})
                                   .status_code, ["周晓玫", "周小梅"]))
    assert statuses == [201, 409]
    assert len(_mine(client, me)) == 1


def test_someone_not_in_the_register_is_told_so(client, deps, open_window):
    outsider = Practitioner(unique_id("41"), "李四", "Z1", Level.ASSISTANT, 2020)
    token, _ = sign_up(client, deps, outsider)  # not in the register (yet): nothing to correct
    response = _ask(client, token, {"field": "name", "proposed_value": "李思"})
    assert (response.status_code, response.json_body["error"]["code"]) == (422, "NOT_IN_REGISTER")


def test_the_evidence_photo_goes_through_the_upload_pipeline(client, deps, me):
    correction_id = _name_request(client, me)
    response = client.http.post(f"/me/corrections/{correction_id}/evidence/upload", headers=auth(me))
    assert response.status_code == 200, response.body
    post = response.json_body
    key = post["fields"]["key"]
    assert key.startswith(f"uploads/corrections/{correction_id}/") and post["max_bytes"] == 10 * 1024 * 1024
    assert urllib3.request("POST", post["url"], fields=dict(
        post["fields"], file=("evidence.jpg", _jpeg(), "image/jpeg"))).status in (200, 204)
    client.lambda_.invoke("on_upload", client.events.generate_s3_event(bucket=deps.settings.bucket, key=key))
    [listed] = _mine(client, me)
    assert listed["evidence"] == {"status": "ready", "reason": None}
    assert deps.files.size(key) is None  # the raw upload went; the normalised photo stays under evidence/
    assert deps.files.keys(f"evidence/{correction_id}/")


def test_another_persons_request_is_not_found(client, deps, me, open_window):
    correction_id = _name_request(client, me)
    other = Practitioner(unique_id("42"), "王五", "Z2", Level.ASSISTANT, open_window.year - 1)
    deps.register.upsert_practitioners([other])
    stranger, _ = sign_up(client, deps, other)
    for path in (f"/me/corrections/{correction_id}/evidence/upload", f"/me/corrections/{uuid.uuid4().hex}/evidence/upload",
                 "/me/corrections/not-an-id/evidence/upload"):
        response = client.http.post(path, headers=auth(stranger))
        assert response.status_code == 404, (path, response.body)
    assert _mine(client, stranger) == []


def test_admin_routes_refuse_reviewers_and_applicants_and_need_a_token(client, deps, me):
    correction_id = _name_request(client, me)
    reviewer = staff_token(client, deps, admin=False)
    for token in (reviewer, me):
        assert client.http.get("/admin/corrections", headers=auth(token)).status_code == 403
        assert _decide(client, token, correction_id, {"outcome": "accept"}).status_code == 403
    assert client.http.get("/admin/corrections").status_code == 401
    assert client.http.post("/me/corrections", headers=JSON, body="{}").status_code == 401
    assert _mine(client, me)[0]["status"] == "open"


def test_the_admins_list_shows_open_requests_first_come_following_its_cursor(client, deps, me, admin):
    correction_id = _name_request(client, me)
    found, cursor = [], None
    while True:
        response = client.http.get("/admin/corrections" + (f"?cursor={cursor}" if cursor else ""),
                                   headers=auth(admin))
        assert response.status_code == 200, response.body
        found += response.json_body["items"]
        cursor = response.json_body["cursor"]
        if cursor is None:
            break
    mine = [item for item in found if item["correction_id"] == correction_id]
    assert mine and mine[0]["id_number_masked"].count("*") == 8
    assert [item["status"] for item in found] == ["open"] * len(found)
    created = [item["created_at"] for item in found]
    assert created == sorted(created)


def test_the_admins_list_refuses_an_unknown_status_and_a_cursor_of_another_status(client, admin):
    assert client.http.get("/admin/corrections?status=lost", headers=auth(admin)).status_code == 422
    assert client.http.get("/admin/corrections?cursor=forged", headers=auth(admin)).status_code == 400


def test_a_correction_accepted_then_eligibility_is_recomputed(client, deps, me, admin, person, open_window):
    before = client.http.get("/me/eligibility", headers=auth(me)).json_body
    assert {t["type"]: t["eligible"] for t in before["types"]}["first"] is True
    response = _ask(client, me, {"field": "registration", "proposed_value": {
        "registration_year": open_window.year - 3, "registration_no": f"BJ{open_window.year - 3}000042"}})
    correction_id = response.json_body["correction_id"]
    decided = _decide(client, admin, correction_id, {"outcome": "accept", "note": "已核对纸质证书"})
    assert decided.status_code == 200, decided.body
    assert decided.json_body["status"] == "accepted" and decided.json_body["decision"]["decided_by"]
    after = {t["type"]: t["eligible"] for t in client.http.get("/me/eligibility", headers=auth(me)).json_body["types"]}
    assert (after["first"], after["renewal"]) == (False, True)
    profile = client.http.get("/me", headers=auth(me)).json_body
    assert f"BJ{open_window.year - 3}000042" in json.dumps(profile)
    [message] = [m for m in client.http.get("/messages", headers=auth(me)).json_body["items"]
                 if m["title"] == "登记信息已更正"]
    assert "已核对纸质证书" in message["body"]
    assert _mine(client, me)[0]["status"] == "accepted"


def test_an_accepted_name_correction_changes_the_register_row(client, deps, me, admin, person):
    correction_id = _name_request(client, me)
    assert _decide(client, admin, correction_id, {"outcome": "accept"}).status_code == 200
    assert deps.register.get_practitioner(person.id_number).name == "周晓玫"
    assert client.http.get("/me", headers=auth(me)).json_body["name"] == "周晓玫"


def test_a_declined_request_keeps_the_row_and_tells_the_applicant_why(client, deps, me, admin, person):
    correction_id = _name_request(client, me)
    refused = _decide(client, admin, correction_id, {"outcome": "decline"})
    assert (refused.status_code, list(refused.json_body["error"]["details"])) == (422, ["note"])
    declined = _decide(client, admin, correction_id, {"outcome": "decline", "note": "证明材料看不清"})
    assert declined.status_code == 200 and declined.json_body["status"] == "declined"
    assert deps.register.get_practitioner(person.id_number) == person
    titles = [m["title"] for m in client.http.get("/messages", headers=auth(me)).json_body["items"]]
    assert "登记信息更正申请未通过" in titles


def test_a_bad_decision_body_is_422_and_an_unknown_request_404(client, me, admin):
    correction_id = _name_request(client, me)
    assert _decide(client, admin, correction_id, {"outcome": "maybe"}).status_code == 422
    assert _decide(client, admin, uuid.uuid4().hex, {"outcome": "accept"}).status_code == 404
    assert _mine(client, me)[0]["status"] == "open"


def test_deciding_twice_or_at_once_exactly_one_wins(client, deps, me, admin, person):
    correction_id = _name_request(client, me)
    other_admin = staff_token(client, deps, admin=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda args: _decide(client, *args), [
            (admin, correction_id, {"outcome": "accept"}),
            (other_admin, correction_id, {"outcome": "decline", "note": "不予更正"})]))
    assert sorted(r.status_code for r in responses) == [200, 409]
    [won] = [r for r in responses if r.status_code == 200]
    assert (deps.register.get_practitioner(person.id_number).name == "周晓玫") is (
        won.json_body["status"] == "accepted")
    again = _decide(client, admin, correction_id, {"outcome": "accept"})
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "CORRECTION_ALREADY_DECIDED")
    assert client.http.post(f"/me/corrections/{correction_id}/evidence/upload", headers=auth(me)).status_code == 409


def test_my_list_is_newest_first_and_refuses_a_forged_cursor(client, me):
    for field, value in (("name", "周晓玫"), ("level", "senior"), ("certificate_no", "Z1234")):
        assert _ask(client, me, {"field": field, "proposed_value": value}).status_code == 201
    assert [c["field"] for c in _mine(client, me)] == ["certificate_no", "level", "name"]
    assert client.http.get("/me/corrections?cursor=AAAA", headers=auth(me)).status_code == 400
