"""The fix period through the API (SPEC §2.6): a rejection late in or after its window gives
`fix_until`, shown on the application and dated in the message and the SMS; resubmission works on
the last day and is refused a minute later; window-tick leaves the application until then.

Each test uses a window of its own year (every third year from 2052, drawn without replacement, so
neither it nor the two years before, which window-tick and the certificate run also look at, is
another test's) and moves the `Clock`. tests/api/test_reconsideration.py shares these helpers.
"""
from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.review import beijing_time
from chalicelib.domain.windows import Window
from chalicelib.services import staff
from tests import approvals
from tests.api.conftest import JSON, auth, sign_up
from tests.fakes import FakeClock

_YEARS = iter(random.sample(range(2052, 2100, 3), 16))


@pytest.fixture
def window(deps) -> Window:
    return approvals.spring_window(deps, next(_YEARS))


@pytest.fixture
def at(swap):
    """`at(moment)`: every request from now on happens at `moment` (the `Clock` port)."""
    return lambda moment: swap(clock=FakeClock(moment))


def reviewer_token(client, deps) -> tuple[str, str]:
    """A reviewer signed in through the API: (token, username)."""
    username = f"rev{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "reviewpass1", admin=False, now=datetime.now(timezone.utc))
    response = client.http.post("/auth/login", headers=JSON,
                                body=json.dumps({"username": username, "password": "reviewpass1"}))
    assert response.status_code == 200, response.body
    return response.json_body["token"], username


def in_review(client, deps, window: Window, reviewer: str) -> tuple[str, str, str]:
    """A signed-up applicant's complete application of `window`, submitted on its second day and
    claimed by `reviewer`: (applicant token, phone, application id)."""
    person = approvals.practitioner(deps, window)
    token, phone = sign_up(client, deps, person)
    start = window.opens_at + timedelta(days=1)
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, start, actor="applicant")
    photo = f"materials/{application.application_id}/id_photo/u1.jpg"  # what a certificate prints
    deps.files.write(photo, approvals.id_photo_jpeg(), "image/jpeg")
    approvals.complete(application, window, start, {"phone": phone}, keys={MaterialKind.ID_PHOTO: photo})
    application.submit(start, window, declaration=True, actor="applicant")
    application.claim(reviewer, start)
    application.pull_events()
    deps.applications.add(application)
    return token, phone, application.application_id


def reject(client, token: str, application_id: str) -> dict:
    response = client.http.post(f"/review/applications/{application_id}/decision", headers=auth(token),
                                body=json.dumps({"outcome": "reject", "opinion": "照片不清晰",
                                                 "issues": [{"item": "id_photo", "note": "请上传免冠照"}]}))
    assert response.status_code == 200, response.body
    return response.json_body


def run_job(client, name: str):
    """The scheduled job `name` through its Lambda handler, as EventBridge would call it."""
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, region="us-east-1",
        resources=[f"arn:aws:events:us-east-1:123456789012:rule/{name}"])
    return client.lambda_.invoke(name, event).payload


def submit(client, token: str, application_id: str):
    return client.http.post(f"/applications/{application_id}/submit", headers=auth(token),
                            body=json.dumps({"declaration": True}))


def _rejected_late(client, deps, window, at) -> tuple[str, str, str, datetime]:
    """Rejected two days before the close: (applicant token, phone, id, decided at)."""
    reviewer, username = reviewer_token(client, deps)
    token, phone, app_id = in_review(client, deps, window, username)
    decided = window.closes_at - timedelta(days=2)
    at(decided)
    reject(client, reviewer, app_id)
    return token, phone, app_id, decided


def test_a_rejection_two_days_before_the_close_shows_its_fix_period_and_dates_the_message(
        client, deps, window, at):
    token, _, app_id, decided = _rejected_late(client, deps, window, at)
    fix_until = decided + timedelta(days=deps.settings.fix_days)
    mine = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert (mine["status"], datetime.fromisoformat(mine["fix_until"])) == ("rejected", fix_until)
    message = client.http.get("/messages", headers=auth(token)).json_body["items"][0]
    assert f"请于{beijing_time(fix_until)}前修改后重新提交" in message["body"]


def test_resubmission_on_the_last_day_of_the_fix_period_is_accepted_with_the_window_closed(
        client, deps, window, at):
    token, _, app_id, decided = _rejected_late(client, deps, window, at)
    last_minute = decided + timedelta(days=deps.settings.fix_days) - timedelta(minutes=1)
    at(last_minute)
    assert window.has_closed(last_minute)
    edited = client.http.patch(f"/applications/{app_id}", headers=auth(token),
                               body=json.dumps({"employer": "北京市西城区社会工作服务中心"}))
    assert edited.status_code == 200, edited.body
    resubmitted = submit(client, token, app_id)
    assert resubmitted.status_code == 200, resubmitted.body
    assert resubmitted.json_body["status"] == "submitted"


def test_resubmission_one_minute_after_the_fix_period_is_refused_with_the_date_and_changes_nothing(
        client, deps, window, at):
    token, _, app_id, decided = _rejected_late(client, deps, window, at)
    fix_until = decided + timedelta(days=deps.settings.fix_days)
    at(fix_until + timedelta(minutes=1))
    refused = submit(client, token, app_id)
    assert refused.status_code == 422
    error = refused.json_body["error"]
    assert error["code"] == "SUBMIT_INCOMPLETE" and beijing_time(fix_until) in error["details"]["window"]
    edit = client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({"employer": "某机构"}))
    assert edit.status_code == 422 and edit.json_body["error"]["code"] == "WINDOW_CLOSED"
    assert deps.applications.get(app_id).status is ApplicationStatus.REJECTED


def test_window_tick_expires_a_rejected_application_only_once_its_fix_period_has_passed(
        client, deps, window, at):
    _, _, app_id, decided = _rejected_late(client, deps, window, at)
    fix_until = decided + timedelta(days=deps.settings.fix_days)
    for moment in (window.closes_at + timedelta(minutes=3), fix_until - timedelta(minutes=1)):
        at(moment)
        assert run_job(client, "window-tick")["expired"] == 0
        assert deps.applications.get(app_id).status is ApplicationStatus.REJECTED
    at(fix_until + timedelta(minutes=3))
    assert run_job(client, "window-tick")["expired"] == 1
    expired = deps.applications.get(app_id)
    assert expired.status is ApplicationStatus.EXPIRED
    assert expired.history[-1].from_status is ApplicationStatus.REJECTED


def test_a_rejection_weeks_before_the_close_has_no_fix_period(client, deps, window, at):
    reviewer, username = reviewer_token(client, deps)
    token, _, app_id = in_review(client, deps, window, username)
    at(window.opens_at + timedelta(days=3))
    assert reject(client, reviewer, app_id)["application_id"] == app_id
    assert client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["fix_until"] is None
