"""Page cursors through the API: opaque, tamper-evident, bound to route and caller, no personal data (SPEC §3)."""
from __future__ import annotations

import base64
import dataclasses
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.dynamo.messages import message_item
from chalicelib.domain.application import Application
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.notifications import Message, new_message_id
from chalicelib.domain.register import Practitioner
from chalicelib.domain.windows import Window
from chalicelib.services import applicant as applicant_service
from chalicelib.services import review as review_service
from tests.api.conftest import auth, sign_up
from tests.api.test_review import _staff_token, _submitted
from tests.ids import unique_id

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def another_person(deps, open_window):
    """A second practitioner due for first registration, like `person`."""
    practitioner = Practitioner(unique_id("13"),
                                "李娜", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, open_window.year - 1)
    deps.register.upsert_practitioners([practitioner])
    return practitioner


def _bad_cursor(response) -> None:
    assert response.status_code == 400, response.body
    error = response.json_body["error"]
    assert error["code"] == "BAD_CURSOR" and CJK.search(error["message"]), error


def _decoded(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))


def _older_draft(deps, person, years_back: int) -> Application:
    """An application of an earlier window, stored directly (the API only opens this year's)."""
    now = datetime.now(timezone.utc) - timedelta(days=365 * years_back)
    window = Window(now.year, now - timedelta(days=1), now + timedelta(days=20))
    then = dataclasses.replace(person, qualification_year=now.year - 1)  # first registration was due then
    verdict = evaluate(then, [], [], window).verdict(RegistrationType.FIRST)
    draft = Application.start(str(uuid.uuid4()), then, verdict, window, now, actor=person.id_number)
    deps.applications.add(draft)
    return draft


@pytest.fixture
def applicant_with_history(client, deps, person, monkeypatch):
    """A signed-in applicant with three applications, listed one per page."""
    token, phone = sign_up(client, deps, person)
    created = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"}))
    assert created.status_code == 201, created.body
    older = [_older_draft(deps, person, 2), _older_draft(deps, person, 4)]
    monkeypatch.setattr(applicant_service, "PAGE_SIZE", 1)
    return token, phone, [created.json_body["application_id"]] + [a.application_id for a in older]


def test_my_applications_page_through_sealed_cursors_newest_first(client, applicant_with_history):
    token, _, newest_first = applicant_with_history
    seen, cursor, pages = [], None, 0
    while True:
        response = client.http.get("/applications" + (f"?cursor={cursor}" if cursor else ""), headers=auth(token))
        assert response.status_code == 200, response.body
        seen += [a["application_id"] for a in response.json_body["items"]]
        cursor, pages = response.json_body["cursor"], pages + 1
        if cursor is None:
            break
        assert len(cursor) <= 1024 and re.fullmatch(r"[A-Za-z0-9_-]+", cursor)
    assert seen == newest_first and pages == 3


def test_a_cursor_carries_no_id_number_phone_or_readable_key(client, person, applicant_with_history):
    token, phone, _ = applicant_with_history
    cursor = client.http.get("/applications", headers=auth(token)).json_body["cursor"]
    raw = _decoded(cursor)
    for secret in (person.id_number, phone, person.id_number[-6:]):
        assert secret not in cursor and secret.encode() not in raw
    assert b"id_number" not in raw and b"LastEvaluatedKey" not in raw


@pytest.mark.parametrize("junk", [
    "garbage",
    "%%%",
    "====",
    "A" * 4000,
    "翻页",
    base64.urlsafe_b64encode(b"\x00" * 40).decode(),
    # the old form: DynamoDB's LastEvaluatedKey as base64 JSON
    base64.urlsafe_b64encode(json.dumps({"application_id": {"S": "x"}, "id_number": {"S": "110101199003077777"},
                                         "created_sort": {"S": "2020-01-01T00:00:00.000000Z#x"}}).encode()).decode(),
])
def test_junk_cursors_are_a_400_bad_cursor_on_every_list(client, deps, person, junk):
    token, _ = sign_up(client, deps, person)
    reviewer, _ = _staff_token(client, deps)
    for path, who in (("/applications", token), ("/messages", token), ("/review/applications", reviewer)):
        _bad_cursor(client.http.get(f"{path}?cursor={junk}", headers=auth(who)))


def test_an_altered_or_truncated_cursor_is_refused(client, applicant_with_history):
    token, _, _ = applicant_with_history
    cursor = client.http.get("/applications", headers=auth(token)).json_body["cursor"]
    middle = len(cursor) // 2
    flipped = cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1:]
    for forged in (flipped, cursor[:-1], cursor[:-4], cursor[:20], cursor + "A", cursor + "AAAA"):
        _bad_cursor(client.http.get(f"/applications?cursor={forged}", headers=auth(token)))
    assert client.http.get(f"/applications?cursor={cursor}", headers=auth(token)).status_code == 200


def test_a_cursor_is_refused_on_another_route(client, deps, applicant_with_history):
    token, _, _ = applicant_with_history
    cursor = client.http.get("/applications", headers=auth(token)).json_body["cursor"]
    _bad_cursor(client.http.get(f"/messages?cursor={cursor}", headers=auth(token)))


def test_a_cursor_is_refused_for_another_applicant(client, deps, applicant_with_history, renewer):
    token, _, _ = applicant_with_history
    cursor = client.http.get("/applications", headers=auth(token)).json_body["cursor"]
    other, _ = sign_up(client, deps, renewer)
    _bad_cursor(client.http.get(f"/applications?cursor={cursor}", headers=auth(other)))


def test_my_messages_page_newest_first_without_my_id_number_in_the_cursor(client, deps, person, monkeypatch):
    token, _ = sign_up(client, deps, person)
    at = datetime.now(timezone.utc)
    ids = []
    for minutes in (3, 2, 1):
        message = Message(owner=person.id_number, message_id=new_message_id(at - timedelta(minutes=minutes)),
                          title="测试消息", body=f"{minutes}分钟前", created_at=at - timedelta(minutes=minutes))
        message_item(message).save()
        ids.append(message.message_id)
    monkeypatch.setattr(applicant_service, "PAGE_SIZE", 2)
    first = client.http.get("/messages", headers=auth(token)).json_body
    assert [m["message_id"] for m in first["items"]] == [ids[2], ids[1]] and first["unread"] == 3
    assert person.id_number.encode() not in _decoded(first["cursor"])
    second = client.http.get(f"/messages?cursor={first['cursor']}", headers=auth(token)).json_body
    assert [m["message_id"] for m in second["items"]] == [ids[0]] and second["cursor"] is None


def test_the_review_queue_pages_with_a_cursor_bound_to_the_reviewer(client, deps, person, another_person,
                                                                     monkeypatch):
    _submitted(client, deps, person)
    _submitted(client, deps, another_person)
    first_reviewer, _ = _staff_token(client, deps)
    other_reviewer, _ = _staff_token(client, deps)
    monkeypatch.setattr(review_service, "PAGE_SIZE", 1)
    first = client.http.get("/review/applications", headers=auth(first_reviewer)).json_body
    assert len(first["items"]) == 1 and first["cursor"]
    second = client.http.get(f"/review/applications?cursor={first['cursor']}", headers=auth(first_reviewer))
    assert second.status_code == 200, second.body
    assert second.json_body["items"][0]["application_id"] != first["items"][0]["application_id"]
    _bad_cursor(client.http.get(f"/review/applications?cursor={first['cursor']}", headers=auth(other_reviewer)))
