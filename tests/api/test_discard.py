"""DELETE /applications/{id}: a draft becomes discarded, its photos leave S3, the window is free again."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import UploadKey
from tests import approvals
from tests.api.conftest import auth, sign_up


def _create(client, token, kind, **extra):
    return client.http.post("/applications", headers=auth(token), body=json.dumps({"type": kind, **extra}))


def test_a_discarded_draft_stays_in_my_history_and_another_type_can_be_started(client, deps, renewer):
    token, _ = sign_up(client, deps, renewer)
    draft = _create(client, token, "reissue", acknowledge_warnings=True)
    assert draft.status_code == 201, draft.body
    app_id = draft.json_body["application_id"]
    assert _create(client, token, "renewal").json_body["error"]["code"] == "LIVE_APPLICATION_EXISTS"
    now = datetime.now(timezone.utc)
    photo = f"materials/{app_id}/{MaterialKind.ID_PHOTO.value}/u1.jpg"
    pending = UploadKey.issue(deps.keys.uploads, app_id, MaterialKind.ID_CARD_FRONT, now).key
    for key in (photo, pending):
        deps.files.write(key, b"\xff\xd8photo\xff\xd9", "image/jpeg")

    gone = client.http.delete(f"/applications/{app_id}", headers=auth(token))
    assert gone.status_code == 204, gone.body
    assert deps.files.keys(f"materials/{app_id}/") == [] and deps.files.keys(f"uploads/{app_id}/") == []

    shown = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert (shown["status"], shown["status_name"], shown["editable"]) == ("discarded", "已放弃", False)
    assert [h["to"] for h in shown["history"]] == ["draft", "discarded"]
    assert shown["history"][-1]["actor"] == "applicant" and shown["materials"] == {}
    listed = client.http.get("/applications", headers=auth(token)).json_body["items"]
    assert [(a["application_id"], a["status_name"], a["type_name"]) for a in listed] == [
        (app_id, "已放弃", shown["type_name"])]

    renewal = _create(client, token, "renewal")
    assert renewal.status_code == 201, renewal.body
    again = client.http.delete(f"/applications/{app_id}", headers=auth(token))
    assert again.status_code == 409 and again.json_body["error"]["code"] == "INVALID_TRANSITION"


def test_someone_elses_draft_answers_404_and_stays_a_draft(client, deps, person, renewer):
    owner, _ = sign_up(client, deps, person)
    stranger, _ = sign_up(client, deps, renewer)
    app_id = _create(client, owner, "first").json_body["application_id"]
    refused = client.http.delete(f"/applications/{app_id}", headers=auth(stranger))
    unknown = client.http.delete(f"/applications/{'0' * 32}", headers=auth(stranger))
    assert refused.status_code == unknown.status_code == 404
    assert refused.json_body == unknown.json_body
    assert client.http.get(f"/applications/{app_id}", headers=auth(owner)).json_body["status"] == "draft"


def test_a_submitted_application_cannot_be_withdrawn(client, deps, person, open_window):
    token, _ = sign_up(client, deps, person)
    app_id = _create(client, token, "first").json_body["application_id"]
    application = deps.applications.get(app_id)
    now = datetime.now(timezone.utc)
    approvals.complete(application, open_window, now)
    deps.applications.save(application)
    submitted = client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                 body=json.dumps({"declaration": True}))
    assert submitted.status_code == 200, submitted.body
    refused = client.http.delete(f"/applications/{app_id}", headers=auth(token))
    assert refused.status_code == 409
    assert refused.json_body["error"]["code"] == "INVALID_TRANSITION"
    assert "已提交" in refused.json_body["error"]["message"]
    assert deps.applications.get(app_id).status.value == "submitted"


def test_discarding_needs_a_token(client):
    response = client.http.delete(f"/applications/{'0' * 32}")
    assert response.status_code == 401
