"""The review queue lists only states a reviewer works on (SPEC §3): never drafts."""
from __future__ import annotations

import json
import re

import pytest

from tests.api.conftest import auth, sign_up
from tests.api.test_review import _staff_token

CJK = re.compile(r"[\u4e00-\u9fff]")
REVIEWABLE = ["submitted", "in_review", "approved", "rejected", "certified"]


@pytest.fixture
def reviewer(client, deps):
    return _staff_token(client, deps)[0]


@pytest.mark.parametrize("status", REVIEWABLE)
def test_the_queue_lists_each_state_a_reviewer_works_on(client, reviewer, status):
    response = client.http.get(f"/review/applications?status={status}", headers=auth(reviewer))
    assert response.status_code == 200, response.body
    assert all(entry["status"] == status for entry in response.json_body["items"])


@pytest.mark.parametrize("status", ["draft", "expired", "junk", "SUBMITTED", "submitted%20"])
def test_drafts_expired_and_unknown_states_are_refused_with_a_chinese_reason(client, reviewer, status):
    response = client.http.get(f"/review/applications?status={status}", headers=auth(reviewer))
    assert response.status_code == 422, response.body
    error = response.json_body["error"]
    assert error["code"] == "REVIEW_QUERY_INVALID" and CJK.search(error["message"])
    assert set(error["details"]) == {"status"} and "submitted" in error["details"]["status"]
    assert "draft" not in error["details"]["status"]


def test_a_draft_never_reaches_the_queue(client, deps, person, reviewer):
    token, _ = sign_up(client, deps, person)
    draft = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})).json_body
    listed = client.http.get("/review/applications?type=first", headers=auth(reviewer)).json_body["items"]
    assert draft["application_id"] not in [entry["application_id"] for entry in listed]
    assert client.http.get("/review/applications?status=draft", headers=auth(reviewer)).status_code == 422


@pytest.mark.parametrize("query, field", [("type=junk", "type"), ("window=abc", "window"),
                                          ("window=" + "1" * 3000, "window"), ("window=-2026", "window"),
                                          ("window=0202", "window")])
def test_other_bad_filters_are_a_422_naming_the_filter(client, reviewer, query, field):
    response = client.http.get(f"/review/applications?{query}", headers=auth(reviewer))
    assert response.status_code == 422, response.body
    assert response.json_body["error"]["code"] == "REVIEW_QUERY_INVALID"
    assert field in response.json_body["error"]["details"]


def test_every_bad_filter_is_named_at_once(client, reviewer):
    response = client.http.get("/review/applications?status=draft&type=junk&window=abc", headers=auth(reviewer))
    assert response.status_code == 422, response.body
    assert set(response.json_body["error"]["details"]) == {"status", "type", "window"}
