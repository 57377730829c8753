"""The helpdesk's actions through the API (issue 17 items 6–8): a holder releases a claim, an admin
reassigns one or reopens an application, and disables, enables or unbinds an account — each route and
its refusals, the audit entries, the sessions each account action ends, unbinding followed by signing
up again with the right phone (the person keeps their applications and certificates), and racing
admins (exactly one wins, nothing is lost).

Applications live in the 2100 window, which no other test uses (see tests/api/test_fix_period.py for
the years the jobs' tests hold); the account tests use the shared open window.
"""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.accounts import phone_login
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.review import beijing_time
from chalicelib.domain.windows import SHANGHAI
from tests import approvals
from tests.api.conftest import JSON, auth, sign_up
from tests.api.test_fix_period import in_review, reviewer_token
from tests.together import FirstReadTogether, ReadTogether

YEAR = 2100
NOTE = {"note": "申请人本人到窗口办理，已核实身份"}


@pytest.fixture(scope="module")
def window(stack):
    from chalicelib import bootstrap
    return approvals.spring_window(bootstrap.deps(), YEAR)


@pytest.fixture
def admin_user(client, deps):
    """An admin signed in through the API: (token, username)."""
    from chalicelib.services import staff
    username = f"adm{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "adminpass1", admin=True, now=datetime.now(timezone.utc))
    response = client.http.post("/auth/login", headers=JSON,
                                body=json.dumps({"username": username, "password": "adminpass1"}))
    return response.json_body["token"], username


def _post(client, token, path, body=None):
    return client.http.post(path, headers=auth(token), body=json.dumps(body if body is not None else {}))


def _audit(deps, subject):
    return deps.audit.page(subject, None, 50).items


# --- release -----------------------------------------------------------------------------

def test_the_holder_releases_a_claim_and_it_goes_back_to_the_queue(client, deps, window):
    holder, username = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    deps.applications.save(_with_live_lease(deps, app_id, username))
    released = _post(client, holder, f"/review/applications/{app_id}/release")
    assert released.status_code == 200, released.body
    assert (released.json_body["status"], released.json_body["lease"]) == ("submitted", None)
    stored = deps.applications.get(app_id)
    assert (stored.history[-1].to_status, stored.history[-1].actor) == (ApplicationStatus.SUBMITTED, username)
    assert [(e.actor, e.action) for e in _audit(deps, app_id)] == [(username, "claim released")]
    queue = client.http.get(f"/review/applications?window={YEAR}&status=submitted", headers=auth(holder)).json_body
    assert app_id in [entry["application_id"] for entry in queue["items"]]


def test_another_reviewer_cannot_release_a_claim_and_is_told_in_chinese(client, deps, window):
    _, username = reviewer_token(client, deps)
    other, _ = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    deps.applications.save(_with_live_lease(deps, app_id, username))
    refused = _post(client, other, f"/review/applications/{app_id}/release")
    assert refused.status_code == 409
    assert refused.json_body["error"]["code"] == "CLAIM_NOT_HELD"
    assert "不能释放" in refused.json_body["error"]["message"]
    assert deps.applications.get(app_id).lease.reviewer == username


def _with_live_lease(deps, app_id, username):
    """The application as `username` claimed it just now (in_review claims it on the window's second day)."""
    application = deps.applications.get(app_id)
    application.claim(username, datetime.now(timezone.utc))
    return application


# --- reassign ----------------------------------------------------------------------------

def test_an_admin_reassigns_a_claim_and_the_former_holder_can_no_longer_decide(client, deps, window, admin_user):
    admin, admin_name = admin_user
    former, username = reviewer_token(client, deps)
    successor, successor_name = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    moved = _post(client, admin, f"/admin/applications/{app_id}/reassign", {"reviewer": successor_name})
    assert moved.status_code == 200, moved.body
    assert moved.json_body["lease"]["reviewer"] == successor_name
    [entry] = _audit(deps, app_id)
    assert (entry.actor, entry.action) == (admin_name, f"claim reassigned: {username} -> {successor_name}")
    late = _post(client, former, f"/review/applications/{app_id}/decision", {"outcome": "approve"})
    assert late.status_code == 409
    assert _post(client, successor, f"/review/applications/{app_id}/decision",
                 {"outcome": "approve"}).status_code == 200


def test_a_submitted_application_is_assigned_into_review(client, deps, window, admin_user):
    admin, admin_name = admin_user
    _, username = reviewer_token(client, deps)
    _, successor_name = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    released = deps.applications.get(app_id)
    released.release(username, released.lease.until - timedelta(minutes=1))
    deps.applications.save(released)
    moved = _post(client, admin, f"/admin/applications/{app_id}/reassign", {"reviewer": successor_name})
    assert (moved.status_code, moved.json_body["status"]) == (200, "in_review")
    assert deps.applications.get(app_id).history[-1].actor == admin_name


def test_a_claim_is_reassigned_only_to_an_active_reviewer_and_only_while_under_review(client, deps, window, admin_user):
    from chalicelib.services import staff
    admin, _ = admin_user
    _, username = reviewer_token(client, deps)
    _, gone = reviewer_token(client, deps)
    staff.disable_staff(deps, gone)
    _, _, app_id = in_review(client, deps, window, username)
    for name in (gone, "nobody-such", "x" * 40):
        refused = _post(client, admin, f"/admin/applications/{app_id}/reassign", {"reviewer": name})
        assert refused.status_code == 422, (name, refused.body)
        assert "reviewer" in refused.json_body["error"]["details"]
    assert _post(client, admin, f"/admin/applications/{app_id}/reassign", {}).status_code == 422
    assert _audit(deps, app_id) == []
    rejected = deps.applications.get(app_id)
    rejected.reject(username, window.opens_at + timedelta(days=2), "照片不清晰")
    deps.applications.save(rejected)
    wrong_state = _post(client, admin, f"/admin/applications/{app_id}/reassign", {"reviewer": username})
    assert wrong_state.status_code == 409
    unknown = _post(client, admin, f"/admin/applications/{uuid.uuid4().hex}/reassign", {"reviewer": username})
    assert unknown.status_code == 404


# --- reopen ------------------------------------------------------------------------------

def _expired(client, deps, window) -> tuple[str, str, str]:
    """Rejected early in the window, expired at its close: (applicant token, phone, application id)."""
    _, username = reviewer_token(client, deps)
    token, phone, app_id = in_review(client, deps, window, username)
    application = deps.applications.get(app_id)
    application.reject(username, window.opens_at + timedelta(days=2), "照片不清晰")
    application.expire(window.closes_at + timedelta(minutes=3))
    application.pull_events()
    deps.applications.save(application)
    return token, phone, app_id


def test_an_admin_reopens_an_expired_application_the_applicant_is_told_and_resubmits(client, deps, window, admin_user):
    admin, admin_name = admin_user
    token, phone, app_id = _expired(client, deps, window)
    until = (datetime.now(timezone.utc) + timedelta(days=5)).astimezone(SHANGHAI).replace(microsecond=0)
    reopened = _post(client, admin, f"/admin/applications/{app_id}/reopen",
                     {"note": "窗口核实材料无误", "fix_until": until.isoformat()})
    assert reopened.status_code == 200, reopened.body
    assert (reopened.json_body["status"], datetime.fromisoformat(reopened.json_body["fix_until"])) == (
        "rejected", until)
    message = client.http.get("/messages", headers=auth(token)).json_body["items"][0]
    assert message["title"] == "登记申请已重新开放修改"
    assert message["body"] == (f"登记机关已重新开放您的登记申请。说明：窗口核实材料无误。请于{beijing_time(until)}前修改后"
                               "重新提交，逾期未重新提交的申请将过期。")
    assert _queued_sms(deps, phone, until)
    [entry] = _audit(deps, app_id)
    assert entry.actor == admin_name and entry.action.startswith("reopened until") and "窗口核实材料无误" in entry.action
    mine = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body
    assert mine["status"] == "rejected"
    resubmitted = client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                   body=json.dumps({"declaration": True}))
    assert resubmitted.status_code == 200, resubmitted.body


def _queued_sms(deps, phone, until) -> bool:
    """The reopen's SMS waits in the outbox for the dispatcher."""
    from chalicelib.domain.outbox import OutboxStatus
    return any(sms.phone == phone and sms.content.template == "ApplicationReopened"
               and sms.content.params == {"fix_until": beijing_time(until)}
               for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000))


def test_a_bare_date_reopens_until_the_end_of_that_day(client, deps, window, admin_user):
    admin, _ = admin_user
    _, _, app_id = _expired(client, deps, window)
    day = (datetime.now(timezone.utc) + timedelta(days=3)).astimezone(SHANGHAI).date()
    reopened = _post(client, admin, f"/admin/applications/{app_id}/reopen",
                     {"note": "窗口核实", "fix_until": day.isoformat()})
    assert reopened.status_code == 200, reopened.body
    assert datetime.fromisoformat(reopened.json_body["fix_until"]) == datetime(
        day.year, day.month, day.day, tzinfo=SHANGHAI) + timedelta(days=1)


def test_a_reopen_is_refused_for_bad_input_and_for_any_other_state(client, deps, window, admin_user):
    admin, _ = admin_user
    _, _, app_id = _expired(client, deps, window)
    past = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    for body, fields in (({"fix_until": past, "note": "说明"}, {"fix_until"}),
                         ({"note": "", "fix_until": "不是日期"}, {"note", "fix_until"}),
                         ({"note": "说明"}, {"fix_until"})):
        refused = _post(client, admin, f"/admin/applications/{app_id}/reopen", body)
        assert refused.status_code == 422, refused.body
        assert set(refused.json_body["error"]["details"]) == fields
    assert _post(client, admin, f"/admin/applications/{app_id}/reopen",
                 {"note": "说" * 501, "fix_until": "2100-01-01"}).status_code == 422
    _, username = reviewer_token(client, deps)
    _, _, in_review_id = in_review(client, deps, window, username)
    future = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    wrong_state = _post(client, admin, f"/admin/applications/{in_review_id}/reopen", {"note": "说明", "fix_until": future})
    assert wrong_state.status_code == 409
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED
    assert _audit(deps, app_id) == []


def _reopen_sms(deps, phone) -> list:
    from chalicelib.domain.outbox import OutboxStatus
    return [sms for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000)
            if sms.phone == phone and sms.content.template == "ApplicationReopened"]


def test_a_double_click_on_reopen_answers_both_and_texts_the_applicant_once(client, deps, window, admin_user):
    admin, _ = admin_user
    token, phone, app_id = _expired(client, deps, window)
    body = {"note": "窗口核实材料无误", "fix_until": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()}
    first = _post(client, admin, f"/admin/applications/{app_id}/reopen", body)
    again = _post(client, admin, f"/admin/applications/{app_id}/reopen", body)
    assert (first.status_code, again.status_code) == (200, 200), again.body
    assert again.json_body["fix_until"] == first.json_body["fix_until"]
    assert len(_reopen_sms(deps, phone)) == 1 and len(_audit(deps, app_id)) == 1
    titles = [m["title"] for m in client.http.get("/messages", headers=auth(token)).json_body["items"]]
    assert titles.count("登记申请已重新开放修改") == 1


def test_two_admins_reopening_alike_at_once_both_succeed_and_the_applicant_is_texted_once(
        client, deps, window, admin_user, swap):
    admin, _ = admin_user
    _, phone, app_id = _expired(client, deps, window)
    body = {"note": "窗口核实材料无误", "fix_until": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()}
    swap(applications=FirstReadTogether(deps.applications, 2))
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: _post(client, admin, f"/admin/applications/{app_id}/reopen", body), range(2)))
    assert [a.status_code for a in answers] == [200, 200], [a.body for a in answers]
    assert len(_reopen_sms(deps, phone)) == 1 and len(_audit(deps, app_id)) == 1
    stored = deps.applications.get(app_id)
    assert [h.to_status for h in stored.history][-2:] == [ApplicationStatus.EXPIRED, ApplicationStatus.REJECTED]


def test_an_application_whose_review_rounds_are_used_up_is_not_reopened_and_the_admin_is_told_why(
        client, deps, window, admin_user):
    from chalicelib.domain.review import MAX_REVIEW_ROUNDS
    admin, _ = admin_user
    _, username = reviewer_token(client, deps)
    _, phone, app_id = in_review(client, deps, window, username)
    application = deps.applications.get(app_id)
    at = window.opens_at + timedelta(days=2)
    application.reject(username, at, "照片不清晰")
    while len(application.review_rounds) < MAX_REVIEW_ROUNDS:
        application.submit(at, window, declaration=True, actor="applicant")
        application.claim(username, at)
        application.reject(username, at, "照片仍不清晰")
    application.expire(window.closes_at + timedelta(minutes=3))
    application.pull_events()
    deps.applications.save(application)
    refused = _post(client, admin, f"/admin/applications/{app_id}/reopen",
                    {"note": "窗口核实", "fix_until": (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()})
    assert (refused.status_code, refused.json_body["error"]["code"]) == (422, "REOPEN_ROUNDS_EXHAUSTED")
    assert f"已审核{MAX_REVIEW_ROUNDS}轮" in refused.json_body["error"]["message"]
    assert "不能重新开放" in refused.json_body["error"]["message"]
    assert deps.applications.get(app_id).status is ApplicationStatus.EXPIRED
    assert _reopen_sms(deps, phone) == [] and _audit(deps, app_id) == []


def test_a_refused_release_or_reopen_names_the_move_in_chinese(client, deps, window, admin_user):
    admin, _ = admin_user
    holder, username = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    deps.applications.save(_with_live_lease(deps, app_id, username))
    assert _post(client, holder, f"/review/applications/{app_id}/release").status_code == 200
    twice = _post(client, holder, f"/review/applications/{app_id}/release")
    assert (twice.status_code, twice.json_body["error"]["message"]) == (
        409, "当前状态为“已提交”，不能释放审核。请刷新页面查看最新状态。")
    reopen = _post(client, admin, f"/admin/applications/{app_id}/reopen",
                   {"note": "说明", "fix_until": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()})
    assert (reopen.status_code, reopen.json_body["error"]["message"]) == (
        409, "当前状态为“已提交”，不能重新开放。请刷新页面查看最新状态。")


# --- accounts ----------------------------------------------------------------------------

def _login(client, phone, password="goodpass123"):
    return client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "password": password}))


def test_disable_ends_the_sessions_and_refuses_login_as_a_wrong_password_and_enable_undoes_it(
        client, deps, person, admin_user):
    admin, admin_name = admin_user
    token, phone = sign_up(client, deps, person)
    account_id = deps.accounts.by_login(phone_login(phone)).account_id
    disabled = _post(client, admin, f"/admin/accounts/{account_id}/disable", NOTE)
    assert disabled.status_code == 200, disabled.body
    assert disabled.json_body == {"account_id": account_id, "role": "applicant", "disabled": True, "unbound": False}
    assert person.id_number not in disabled.body.decode() and phone not in disabled.body.decode()
    assert client.http.get("/me", headers=auth(token)).status_code == 401
    refused, wrong = _login(client, phone), _login(client, phone, "wrongpass123")
    assert refused.status_code == wrong.status_code == 401
    assert refused.json_body["error"] == wrong.json_body["error"]
    enabled = _post(client, admin, f"/admin/accounts/{account_id}/enable", NOTE)
    assert (enabled.status_code, enabled.json_body["disabled"]) == (200, False)
    assert client.http.get("/me", headers=auth(token)).status_code == 401  # the old session stays ended
    again = _login(client, phone)
    assert again.status_code == 200
    assert client.http.get("/me", headers=auth(again.json_body["token"])).status_code == 200
    entries = _audit(deps, f"account#{account_id}")
    assert [(e.actor, e.action) for e in entries] == [(admin_name, f"account enabled: {NOTE['note']}"),
                                                      (admin_name, f"account disabled: {NOTE['note']}")]


def test_unbind_then_sign_up_again_with_the_right_phone_keeps_the_applications_and_certificates(
        client, deps, person, admin_user):
    admin, admin_name = admin_user
    token, wrong_phone = sign_up(client, deps, person)
    created = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"}))
    assert created.status_code == 201, created.body
    registration_no = f"BJ{uuid.uuid4().int % 10**9:09d}"
    pdf_key, png_key = certificate_keys(registration_no)
    assert deps.certificates.add(Certificate(registration_no, person.id_number, created.json_body["application_id"],
                                             person.name, person.certificate_no, person.level, 2020, 2023,
                                             datetime.now(timezone.utc), pdf_key, png_key))
    account_id = deps.accounts.by_login(phone_login(wrong_phone)).account_id

    unbound = _post(client, admin, f"/admin/accounts/{account_id}/unbind",
                    {"note": f"绑定了他人手机号{wrong_phone}，本人持身份证到窗口申请解绑"})
    assert unbound.status_code == 200, unbound.body
    assert (unbound.json_body["disabled"], unbound.json_body["unbound"]) == (True, True)
    assert client.http.get("/me", headers=auth(token)).status_code == 401
    assert _login(client, wrong_phone).status_code == 401
    [entry] = _audit(deps, f"account#{account_id}")
    assert entry.actor == admin_name and wrong_phone not in entry.action and person.id_number not in entry.action

    right_token, _ = sign_up(client, deps, person)  # a new phone, the same ID number
    mine = client.http.get("/applications", headers=auth(right_token)).json_body["items"]
    assert created.json_body["application_id"] in [a["application_id"] for a in mine]
    certificates = client.http.get("/certificates", headers=auth(right_token)).json_body["items"]
    assert registration_no in [c["registration_no"] for c in certificates]
    assert _post(client, admin, f"/admin/accounts/{account_id}/unbind", NOTE).status_code == 409
    assert _post(client, admin, f"/admin/accounts/{account_id}/enable", NOTE).status_code == 409


def test_account_actions_need_a_note_and_refuse_staff_unbinding_and_the_admins_own_account(
        client, deps, person, admin_user):
    admin, admin_name = admin_user
    _, phone = sign_up(client, deps, person)
    account_id = deps.accounts.by_login(phone_login(phone)).account_id
    for body in ({}, {"note": "  "}, {"note": "长" * 501}):
        refused = _post(client, admin, f"/admin/accounts/{account_id}/disable", body)
        assert refused.status_code == 422, refused.body
        assert "note" in refused.json_body["error"]["details"]
    _, reviewer_name = reviewer_token(client, deps)
    from chalicelib.domain.accounts import staff_login
    reviewer_id = deps.accounts.by_login(staff_login(reviewer_name)).account_id
    staff = _post(client, admin, f"/admin/accounts/{reviewer_id}/unbind", NOTE)
    assert (staff.status_code, staff.json_body["error"]["code"]) == (422, "ACCOUNT_NOT_UNBINDABLE")
    own_id = deps.accounts.by_login(staff_login(admin_name)).account_id
    own = _post(client, admin, f"/admin/accounts/{own_id}/disable", NOTE)
    assert (own.status_code, own.json_body["error"]["code"]) == (422, "ACCOUNT_IS_YOURS")
    assert _post(client, admin, f"/admin/accounts/{uuid.uuid4().hex}/disable", NOTE).status_code == 404
    assert _post(client, admin, "/admin/accounts/not-an-id/disable", NOTE).status_code == 404
    assert _audit(deps, f"account#{account_id}") == []


# --- races -------------------------------------------------------------------------------

def test_two_admins_reassigning_at_once_leave_exactly_one_holder(client, deps, window, swap):
    from chalicelib.services import staff
    tokens = []
    for _ in range(2):
        username = f"adm{uuid.uuid4().hex[:8]}"
        staff.add_staff(deps, username, "adminpass1", admin=True, now=datetime.now(timezone.utc))
        tokens.append(client.http.post("/auth/login", headers=JSON, body=json.dumps(
            {"username": username, "password": "adminpass1"})).json_body["token"])
    _, holder = reviewer_token(client, deps)
    targets = [reviewer_token(client, deps)[1] for _ in range(2)]
    _, _, app_id = in_review(client, deps, window, holder)
    swap(applications=ReadTogether(deps.applications, 2))
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda pair: _post(client, pair[0], f"/admin/applications/{app_id}/reassign",
                                                   {"reviewer": pair[1]}), zip(tokens, targets)))
    assert sorted(a.status_code for a in answers) == [200, 409]
    [won] = [a for a in answers if a.status_code == 200]
    assert deps.applications.get(app_id).lease.reviewer == won.json_body["lease"]["reviewer"]
    assert len(_audit(deps, app_id)) == 1


def test_a_holder_releasing_while_another_reviewer_claims_leaves_exactly_one_outcome(client, deps, window, swap):
    holder, username = reviewer_token(client, deps)
    other, _ = reviewer_token(client, deps)
    _, _, app_id = in_review(client, deps, window, username)
    deps.applications.save(_with_live_lease(deps, app_id, username))
    swap(applications=ReadTogether(deps.applications, 2))
    with ThreadPoolExecutor(2) as pool:
        released, claimed = pool.map(lambda call: call(), (
            lambda: _post(client, holder, f"/review/applications/{app_id}/release"),
            lambda: _post(client, other, f"/review/applications/{app_id}/claim")))
    assert (released.status_code, claimed.status_code) == (200, 409)
    stored = deps.applications.get(app_id)
    assert (stored.status, stored.lease) == (ApplicationStatus.SUBMITTED, None)
    assert [h.to_status for h in stored.history][-2:] == [ApplicationStatus.IN_REVIEW, ApplicationStatus.SUBMITTED]
