"""Reconsideration (复核) through the API: the applicant's request and every refusal of it, the
reviewers' queue and its paging, the decision by a reviewer other than the one who rejected, each
outcome's effects (an overturn certified after the +14-day batch), and two reviewers racing.

The tests share one window of their own (a year drawn as tests/api/test_fix_period.py draws its
windows', whose helpers they also use) and move the `Clock`; none counts what window-tick or the
certificate run did to other tests' applications.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.review import beijing_time
from chalicelib.services import reconsideration as service
from tests import approvals
from tests.api.conftest import auth, sign_up
from tests.api.test_fix_period import _YEARS, at, in_review, reject, reviewer_token, run_job, submit  # noqa: F401
from tests.certificate_run import issue_due

REASON = {"reason": "照片是按办事指南要求拍摄的，请复核。"}


@pytest.fixture(scope="module")
def window(stack):
    from chalicelib import bootstrap
    return approvals.spring_window(bootstrap.deps(), next(_YEARS))


def _expired_after_rejection(client, deps, window, at):
    """Rejected early in the window by one reviewer, expired at the close: (applicant token,
    application id, the rejecting reviewer's token, another reviewer's token)."""
    at(datetime.now(timezone.utc))  # signing up and signing in are checked against the real clock
    rejecter, username = reviewer_token(client, deps)
    other, _ = reviewer_token(client, deps)
    token, _, app_id = in_review(client, deps, window, username)
    at(window.opens_at + timedelta(days=2))
    reject(client, rejecter, app_id)
    at(window.closes_at + timedelta(minutes=3))
    run_job(client, "window-tick")
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED
    at(window.closes_at + timedelta(days=1))  # the applicant reads the expiry notice, and asks
    return token, app_id, rejecter, other


def _ask(client, token, app_id, body=REASON):
    return client.http.post(f"/applications/{app_id}/reconsideration", headers=auth(token), body=json.dumps(body))


def _decide(client, token, app_id, outcome, opinion="经复核，材料符合要求"):
    return client.http.post(f"/review/applications/{app_id}/reconsideration-decision", headers=auth(token),
                            body=json.dumps({"outcome": outcome, "opinion": opinion}))


def test_the_applicant_asks_and_every_reviewer_sees_the_request_with_who_rejected(client, deps, window, at):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    asked = _ask(client, token, app_id)
    assert asked.status_code == 202, asked.body
    assert asked.json_body["status"] == "reconsideration_requested"
    assert asked.json_body["reconsideration"]["reason"] == REASON["reason"]
    assert "rejected_by" not in asked.json_body["reconsideration"]  # the applicant never sees a reviewer's name
    message = client.http.get("/messages", headers=auth(token)).json_body["items"][0]
    assert message["title"] == "复核申请已收到"
    entries = _whole_queue(client, other)
    [entry] = [e for e in entries if e["application_id"] == app_id]
    assert entry["status"] == "reconsideration_requested" and entry["reconsideration"]["rejected_by"]


def test_a_second_request_is_a_conflict(client, deps, window, at):
    token, app_id, _, _ = _expired_after_rejection(client, deps, window, at)
    assert _ask(client, token, app_id).status_code == 202
    second = _ask(client, token, app_id)
    assert second.status_code == 409
    assert second.json_body["error"]["code"] == "RECONSIDERATION_ALREADY_REQUESTED"


def test_a_request_after_fifteen_days_is_refused_naming_the_deadline(client, deps, window, at):
    token, app_id, _, _ = _expired_after_rejection(client, deps, window, at)
    expired_at = deps.applications.get(app_id).history[-1].at
    at(expired_at + timedelta(days=15, minutes=1))
    late = _ask(client, token, app_id)
    assert late.status_code == 422
    assert late.json_body["error"]["code"] == "RECONSIDERATION_TOO_LATE"
    assert beijing_time(expired_at + timedelta(days=15)) in late.json_body["error"]["message"]
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED


def test_someone_elses_application_is_not_found(client, deps, window, at):
    stranger, _ = sign_up(client, deps, approvals.practitioner(deps, window))  # signing up reads the real clock
    _, app_id, _, _ = _expired_after_rejection(client, deps, window, at)
    answer = _ask(client, stranger, app_id)
    assert answer.status_code == 404 and answer.json_body["error"]["code"] == "NOT_FOUND"
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED


def test_an_application_that_expired_as_a_draft_cannot_be_reconsidered(client, deps, window, at):
    person = approvals.practitioner(deps, window)
    token, _ = sign_up(client, deps, person)
    at(window.opens_at + timedelta(days=1))
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "first"})).json_body["application_id"]
    at(window.closes_at + timedelta(minutes=3))
    run_job(client, "window-tick")
    refused = _ask(client, token, app_id)
    assert refused.status_code == 409
    assert refused.json_body["error"]["code"] == "RECONSIDERATION_NOT_AFTER_REJECTION"


@pytest.mark.parametrize("body, field", [({}, "reason"), ({"reason": "  "}, "reason"),
                                         ({"reason": "长" * 1001}, "reason")])
def test_a_missing_or_too_long_reason_is_a_422_that_changes_nothing(client, deps, window, at, body, field):
    token, app_id, _, _ = _expired_after_rejection(client, deps, window, at)
    refused = _ask(client, token, app_id, body)
    assert refused.status_code == 422, refused.body
    assert field in refused.json_body["error"]["details"]
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED


def test_the_reviewer_who_rejected_may_not_decide(client, deps, window, at):
    token, app_id, rejecter, _ = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    refused = _decide(client, rejecter, app_id, "overturn")
    assert refused.status_code == 403
    assert refused.json_body["error"]["code"] == "RECONSIDERATION_OWN_REJECTION"
    assert deps.applications.get(app_id).status is ApplicationStatus.RECONSIDERATION_REQUESTED


def test_an_applicant_may_not_list_or_decide_reconsiderations(client, deps, window, at):
    token, app_id, _, _ = _expired_after_rejection(client, deps, window, at)
    assert client.http.get("/review/reconsiderations", headers=auth(token)).status_code == 403
    assert _decide(client, token, app_id, "overturn").status_code == 403


@pytest.mark.parametrize("body", [{"outcome": "approve", "opinion": "好"}, {"outcome": "uphold"},
                                  {"outcome": "uphold", "opinion": "  "}])
def test_a_bad_decision_is_a_422_that_changes_nothing(client, deps, window, at, body):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    refused = client.http.post(f"/review/applications/{app_id}/reconsideration-decision", headers=auth(other),
                               body=json.dumps(body))
    assert refused.status_code == 422, refused.body
    assert deps.applications.get(app_id).status is ApplicationStatus.RECONSIDERATION_REQUESTED


def test_overturn_approves_and_the_next_certificate_run_issues_it_after_the_batch(client, deps, window, at):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    after_batch = window.certificates_due_at + timedelta(days=3)
    at(after_batch)
    decided = _decide(client, other, app_id, "overturn")
    assert decided.status_code == 200, decided.body
    assert decided.json_body["status"] == "approved"
    titles = [m["title"] for m in client.http.get("/messages", headers=auth(token)).json_body["items"]]
    assert titles[0] == "复核结果：您的登记申请通过"
    # The run itself (its Lambda handler's time budget is the test client's): this window's batch was
    # due three days ago, and the overturned approval is caught all the same.
    assert issue_due(deps, after_batch + timedelta(hours=1))["issued"] >= 1
    mine = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert mine["status"] == "certified" and mine["registration_no"]
    assert [h["to"] for h in mine["history"]][-3:] == ["reconsideration_requested", "approved", "certified"]
    assert mine["history"][-2]["actor"] == "reviewer"


def test_uphold_expires_it_for_good(client, deps, window, at):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    at(window.closes_at + timedelta(days=2))
    decided = _decide(client, other, app_id, "uphold", "维持原审核结论")
    assert decided.status_code == 200 and decided.json_body["status"] == "expired"
    mine = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert mine["reconsideration"]["outcome"] == "uphold" and mine["reconsideration"]["opinion"] == "维持原审核结论"
    assert client.http.get("/messages", headers=auth(token)).json_body["items"][0]["title"] == "复核结果：维持不通过"
    again = _ask(client, token, app_id)
    assert again.status_code == 409 and again.json_body["error"]["code"] == "RECONSIDERATION_ALREADY_REQUESTED"


def test_reopen_returns_it_to_rejected_with_a_new_fix_period_to_resubmit_in(client, deps, window, at):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    reopened_at = window.closes_at + timedelta(days=5)
    at(reopened_at)
    decided = _decide(client, other, app_id, "reopen", "请重新上传两寸照片")
    assert decided.status_code == 200 and decided.json_body["status"] == "rejected"
    fix_until = reopened_at + timedelta(days=deps.settings.fix_days)
    mine = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert datetime.fromisoformat(mine["fix_until"]) == fix_until
    message = client.http.get("/messages", headers=auth(token)).json_body["items"][0]
    assert message["title"] == "复核结果：请修改后重新提交" and beijing_time(fix_until) in message["body"]
    at(fix_until - timedelta(minutes=1))
    assert submit(client, token, app_id).status_code == 200


def test_a_decided_reconsideration_cannot_be_decided_again(client, deps, window, at):
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    assert _decide(client, other, app_id, "uphold").status_code == 200
    again = _decide(client, other, app_id, "overturn")
    assert again.status_code == 409
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED


def test_two_reviewers_deciding_at_once_one_wins_and_the_other_gets_409(client, deps, window, at):
    third, _ = reviewer_token(client, deps)
    token, app_id, _, other = _expired_after_rejection(client, deps, window, at)
    _ask(client, token, app_id)
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda pair: _decide(client, pair[0], app_id, pair[1]),
                                [(other, "overturn"), (third, "uphold")]))
    assert sorted(a.status_code for a in answers) == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json_body["status"]
    assert deps.applications.get(app_id).status.value == winner
    assert len([h for h in deps.applications.get(app_id).history
                if h.from_status is ApplicationStatus.RECONSIDERATION_REQUESTED]) == 1


def _whole_queue(client, token) -> list[dict]:
    entries, cursor = [], None
    while True:
        page = client.http.get("/review/reconsiderations" + (f"?cursor={cursor}" if cursor else ""),
                               headers=auth(token))
        assert page.status_code == 200, page.body
        entries += page.json_body["items"]
        cursor = page.json_body["cursor"]
        if cursor is None:
            return entries


def test_the_queue_pages_oldest_request_first_with_sealed_cursors(client, deps, window, at, monkeypatch):
    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    asked = []
    for hours in (5, 1, 3):
        token, app_id, _, reviewer = _expired_after_rejection(client, deps, window, at)
        at(window.closes_at + timedelta(days=1, hours=hours))
        assert _ask(client, token, app_id).status_code == 202
        asked.append(app_id)
    listed = [e["application_id"] for e in _whole_queue(client, reviewer) if e["application_id"] in asked]
    assert listed == [asked[1], asked[2], asked[0]]
    first = client.http.get("/review/reconsiderations", headers=auth(reviewer)).json_body
    assert len(first["items"]) == 2 and first["cursor"]
    at(datetime.now(timezone.utc))
    other, _ = reviewer_token(client, deps)
    replayed = client.http.get(f"/review/reconsiderations?cursor={first['cursor']}", headers=auth(other))
    assert replayed.status_code == 400 and replayed.json_body["error"]["code"] == "BAD_CURSOR"
    forged = client.http.get("/review/reconsiderations?cursor=AAAA", headers=auth(reviewer))
    assert forged.status_code == 400
