"""The review loop through the API: queue, claim, the file, decide, resubmit, stats."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.services import staff
from tests.api.conftest import JSON, auth, sign_up
from tests.api.test_applicant_journey import _ready_everything

KINDS = ["id_photo", "id_card_front", "id_card_back", "qualification_cert"]


def _staff_token(client, deps, admin=False) -> tuple[str, str]:
    username = f"rev{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "reviewpass1", admin=admin, now=datetime.now(timezone.utc))
    response = client.http.post("/auth/login", headers=JSON,
                                body=json.dumps({"username": username, "password": "reviewpass1"}))
    assert response.status_code == 200, response.body
    return response.json_body["token"], username


def _submitted(client, deps, person) -> tuple[str, str]:
    token, phone = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "first"})).json_body["application_id"]
    client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
        "phone": phone, "employer": "西城社工", "district": "西城区", "education": "bachelor",
        "pickup_method": "electronic"}))
    for kind in KINDS:
        client.http.post(f"/applications/{app_id}/materials/{kind}/upload", headers=auth(token))
    _ready_everything(deps, app_id, KINDS)
    assert client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                            body=json.dumps({"declaration": True})).status_code == 200
    return token, app_id


def test_reject_fix_resubmit_approve_keeps_both_rounds(client, deps, person):
    applicant, app_id = _submitted(client, deps, person)
    reviewer, username = _staff_token(client, deps)
    queue = client.http.get("/review/applications?status=submitted&type=first", headers=auth(reviewer)).json_body
    assert app_id in [entry["application_id"] for entry in queue["items"]]

    assert client.http.post(f"/review/applications/{app_id}/claim", headers=auth(reviewer)).status_code == 200
    file = client.http.get(f"/review/applications/{app_id}", headers=auth(reviewer)).json_body
    assert file["id_number"] == person.id_number and file["register"]["name"] == person.name
    assert file["audit"][-1]["actor"] == username and file["audit"][-1]["action"] == "viewed"

    rejected = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer), body=json.dumps({
        "outcome": "reject", "opinion": "照片不清晰",
        "issues": [{"item": "id_photo", "note": "请上传免冠照"}, {"item": "employer", "note": "请写全称"}]}))
    assert rejected.status_code == 200, rejected.body
    mine = client.http.get(f"/applications/{app_id}", headers=auth(applicant)).json_body
    assert mine["status"] == "rejected"
    assert [i["item"] for i in mine["review_rounds"][0]["issues"]] == ["id_photo", "employer"]
    assert username not in json.dumps(mine, ensure_ascii=False)
    message = client.http.get("/messages", headers=auth(applicant)).json_body["items"][0]
    assert message["title"] == "您的登记申请不通过" and "照片不清晰" in message["body"]

    client.http.patch(f"/applications/{app_id}", headers=auth(applicant),
                      body=json.dumps({"employer": "北京市西城区社会工作服务中心"}))
    client.http.post(f"/applications/{app_id}/materials/id_photo/upload", headers=auth(applicant))
    _ready_everything(deps, app_id, ["id_photo"])
    assert client.http.post(f"/applications/{app_id}/submit", headers=auth(applicant),
                            body=json.dumps({"declaration": True})).status_code == 200
    client.http.post(f"/review/applications/{app_id}/claim", headers=auth(reviewer))
    approved = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer),
                                body=json.dumps({"outcome": "approve"}))
    assert approved.status_code == 200
    final = client.http.get(f"/applications/{app_id}", headers=auth(applicant)).json_body
    assert final["status"] == "approved"
    assert [r["outcome"] for r in final["review_rounds"]] == ["rejected", "approved"]
    titles = [m["title"] for m in client.http.get("/messages", headers=auth(applicant)).json_body["items"]]
    assert titles[0] == "您的登记申请通过"


def test_a_second_reviewer_cannot_claim_a_live_lease_or_decide(client, deps, person):
    _, app_id = _submitted(client, deps, person)
    first, _ = _staff_token(client, deps)
    second, _ = _staff_token(client, deps)
    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(lambda t: client.http.post(f"/review/applications/{app_id}/claim",
                                                           headers=auth(t)).status_code, [first, second]))
    assert codes == [200, 409]
    holder = first if client.http.post(f"/review/applications/{app_id}/claim", headers=auth(first)
                                       ).status_code == 200 else second
    other = second if holder == first else first
    assert client.http.post(f"/review/applications/{app_id}/decision", headers=auth(other),
                            body=json.dumps({"outcome": "approve"})).status_code == 409


def test_approve_and_reject_racing_leave_exactly_one_decision(client, deps, person):
    _, app_id = _submitted(client, deps, person)
    reviewer, _ = _staff_token(client, deps)
    client.http.post(f"/review/applications/{app_id}/claim", headers=auth(reviewer))
    bodies = [{"outcome": "approve"}, {"outcome": "reject", "opinion": "材料不全"}]
    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(lambda b: client.http.post(f"/review/applications/{app_id}/decision",
                                                           headers=auth(reviewer), body=json.dumps(b)).status_code,
                                bodies))
    assert codes == [200, 409]
    decided = deps.applications.get(app_id)
    assert decided.status.value in ("approved", "rejected")
    assert [entry.to_status.value for entry in decided.history][-1] == decided.status.value
    assert len([h for h in decided.history if h.to_status.value in ("approved", "rejected")]) == 1


@pytest.mark.parametrize("method, path", [
    ("get", "/review/applications"), ("post", "/review/applications/x/claim"),
    ("get", "/review/applications/x"), ("post", "/review/applications/x/decision"), ("get", "/review/stats")])
def test_an_applicant_token_on_review_routes_is_403(client, deps, person, method, path):
    token, _ = sign_up(client, deps, person)
    response = getattr(client.http, method)(path, headers=auth(token), body=json.dumps({"outcome": "approve"}))
    assert response.status_code == 403 and response.json_body["error"]["code"] == "FORBIDDEN"


def test_stats_count_by_status_and_type(client, deps, person, open_window):
    _submitted(client, deps, person)
    reviewer, _ = _staff_token(client, deps)
    stats = client.http.get(f"/review/stats?window={open_window.year}", headers=auth(reviewer)).json_body
    assert stats["by_status"]["submitted"] >= 1 and stats["by_type"]["first"] >= 1


def test_stats_after_a_journey_equal_a_recount_and_read_the_counters_in_one_request(client, deps, person,
                                                                                     open_window):
    from unittest import mock

    import botocore.client

    from chalicelib.domain.application import ApplicationStatus
    from chalicelib.domain.eligibility import RegistrationType
    _, app_id = _submitted(client, deps, person)
    reviewer, _ = _staff_token(client, deps)
    client.http.post(f"/review/applications/{app_id}/claim", headers=auth(reviewer))
    client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer),
                     body=json.dumps({"outcome": "approve"}))
    calls = []
    real_call = botocore.client.BaseClient._make_api_call

    def spy(self, operation, params):  # every AWS request the stats call makes, whichever client
        calls.append((operation, json.dumps(params, default=str)))
        return real_call(self, operation, params)

    with mock.patch.object(botocore.client.BaseClient, "_make_api_call", spy):
        stats = client.http.get(f"/review/stats?window={open_window.year}", headers=auth(reviewer)).json_body
    recount = {f"{s.value}/{t.value}": n for s in ApplicationStatus for t in RegistrationType
               if (n := deps.applications.recount_one(open_window.year, s, t))}
    assert stats["by_status_and_type"] == recount and stats["by_status"]["approved"] >= 1
    counted = [operation for operation, params in calls if "applications" in params or "counters" in params]
    assert counted == ["BatchGetItem"]


def test_a_disabled_reviewer_cannot_log_in(client, deps):
    _, username = _staff_token(client, deps)
    staff.disable_staff(deps, username)
    assert client.http.post("/auth/login", headers=JSON, body=json.dumps(
        {"username": username, "password": "reviewpass1"})).status_code == 401


def test_a_draft_is_not_open_to_reviewers(client, deps, person):
    token, _ = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    reviewer, _ = _staff_token(client, deps)
    assert client.http.get(f"/review/applications/{app_id}", headers=auth(reviewer)).status_code == 404
