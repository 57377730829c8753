"""The review file's audit log comes a bounded page at a time, newest first, behind a sealed cursor."""
from __future__ import annotations

import re

from chalicelib.services import review as review_service
from tests.api.conftest import auth
from tests.api.test_cursors import another_person  # noqa: F401  (a fixture)
from tests.api.test_review import _staff_token, _submitted

CJK = re.compile(r"[\u4e00-\u9fff]")


def _file(client, token, app_id, audit_cursor=None):
    query = f"?audit_cursor={audit_cursor}" if audit_cursor else ""
    return client.http.get(f"/review/applications/{app_id}{query}", headers=auth(token))


def test_the_review_file_shows_the_newest_audit_page_and_a_cursor_for_the_rest(client, deps, person, monkeypatch):
    _, app_id = _submitted(client, deps, person)
    first, first_name = _staff_token(client, deps)
    second, second_name = _staff_token(client, deps)
    monkeypatch.setattr(review_service, "AUDIT_PAGE_SIZE", 2)
    assert _file(client, first, app_id).status_code == 200
    assert _file(client, first, app_id).status_code == 200
    newest = _file(client, second, app_id).json_body  # the third look: it sees itself first
    assert [(e["actor"], e["action"]) for e in newest["audit"]] == [(second_name, "viewed"), (first_name, "viewed")]
    assert newest["audit"][0]["at"] >= newest["audit"][1]["at"]
    assert newest["audit_cursor"] and app_id not in newest["audit_cursor"]

    rest = _file(client, second, app_id, newest["audit_cursor"])
    assert rest.status_code == 200, rest.body
    assert [e["actor"] for e in rest.json_body["audit"]] == [first_name]  # the oldest look; nothing is repeated
    assert rest.json_body["audit_cursor"] is None
    assert rest.json_body["id_number"] == person.id_number  # the same file, only the audit page moved on


def test_an_audit_cursor_works_only_for_its_application_and_its_reviewer(client, deps, person, another_person,
                                                                           monkeypatch):
    _, app_id = _submitted(client, deps, person)
    _, other_app = _submitted(client, deps, another_person)
    reviewer, _ = _staff_token(client, deps)
    colleague, _ = _staff_token(client, deps)
    monkeypatch.setattr(review_service, "AUDIT_PAGE_SIZE", 1)
    monkeypatch.setattr(review_service, "PAGE_SIZE", 1)
    _file(client, reviewer, app_id)
    cursor = _file(client, reviewer, app_id).json_body["audit_cursor"]
    assert cursor
    queue_cursor = client.http.get("/review/applications", headers=auth(reviewer)).json_body["cursor"]
    assert queue_cursor
    for token, target, forged in ((reviewer, other_app, cursor), (colleague, app_id, cursor),
                                  (reviewer, app_id, cursor[:-2]), (reviewer, app_id, "x" * 4000),
                                  (reviewer, app_id, queue_cursor)):
        response = _file(client, token, target, forged)
        assert response.status_code == 400, response.body
        assert response.json_body["error"]["code"] == "BAD_CURSOR"
        assert CJK.search(response.json_body["error"]["message"])
