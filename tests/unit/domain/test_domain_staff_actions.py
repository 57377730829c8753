"""The helpdesk's moves on the entities (SPEC §2.6, §2.10): the holder releases a claim, an admin
reassigns one, an admin reopens an expired or rejected application with a fix period; an admin
disables, enables or unbinds an account. And the commands that carry what the admin asked."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import texts
from chalicelib.domain.accounts import Account, Role, phone_login, staff_login
from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, RuleViolationError, ValidationError
from chalicelib.domain.events import ApplicationReopened
from chalicelib.domain.review import DEFAULT_LEASE, MAX_REVIEW_ROUNDS
from chalicelib.domain.staff_actions import MAX_FIX_PERIOD, AccountAction, Reassign, Reopen
from chalicelib.domain.windows import SHANGHAI
from tests.unit.domain.applications import AFTER_CLOSE, NOW, WINDOW, approved, in_review, rejected, start, submitted

LATER = NOW + timedelta(minutes=5)


# --- release -----------------------------------------------------------------------------

def test_the_holder_releases_a_live_claim_and_the_application_waits_in_the_queue_again():
    app = in_review("rev-a")
    app.release("rev-a", LATER)
    assert (app.status, app.lease, app.submitted_at) == (S.SUBMITTED, None, NOW)
    last = app.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.note) == (S.IN_REVIEW, S.SUBMITTED, "rev-a",
                                                                         "释放审核，退回待审核队列")
    assert (app.current_round.reviewer, app.current_round.claimed_at) == (None, None)
    app.claim("rev-b", LATER)  # anybody may claim it now
    assert (app.status, app.lease.reviewer, app.current_round.reviewer) == (S.IN_REVIEW, "rev-b", "rev-b")


def test_only_the_holder_of_a_live_claim_may_release_it():
    app = in_review("rev-a")
    with pytest.raises(ConflictError) as other:
        app.release("rev-b", LATER)
    with pytest.raises(ConflictError) as lapsed:
        app.release("rev-a", NOW + DEFAULT_LEASE)
    assert other.value.code == lapsed.value.code == "CLAIM_NOT_HELD"
    assert "不能释放" in other.value.message
    assert app.status is S.IN_REVIEW and app.lease.reviewer == "rev-a"


@pytest.mark.parametrize("make", [submitted, rejected, approved])
def test_an_application_not_in_review_cannot_be_released(make):
    app = make()
    with pytest.raises(InvalidTransitionError):
        app.release("rev-a", LATER)


def test_an_application_in_review_cannot_be_submitted_by_the_applicant():
    app = in_review()
    with pytest.raises(InvalidTransitionError):
        app.submit(LATER, WINDOW, declaration=True, actor="applicant")


# --- reassign ----------------------------------------------------------------------------

def test_an_admin_reassigns_a_live_claim_to_another_reviewer_with_a_fresh_lease_and_no_status_change():
    app = in_review("rev-a")
    entries = len(app.history)
    lease = app.reassign("rev-b", LATER, actor="admin1")
    assert (lease.reviewer, lease.until) == ("rev-b", LATER + DEFAULT_LEASE)
    assert (app.status, len(app.history), app.current_round.reviewer) == (S.IN_REVIEW, entries, "rev-b")
    with pytest.raises(ConflictError):
        app.approve("rev-a", LATER)  # the former holder may no longer decide
    app.approve("rev-b", LATER)
    assert app.status is S.APPROVED


def test_an_admin_assigns_a_submitted_application_which_goes_into_review_with_a_history_entry():
    app = submitted()
    app.reassign("rev-b", LATER, actor="admin1")
    last = app.history[-1]
    assert (app.status, app.lease.reviewer) == (S.IN_REVIEW, "rev-b")
    assert (last.from_status, last.to_status, last.actor, last.note) == (S.SUBMITTED, S.IN_REVIEW, "admin1",
                                                                         "管理员指派给审核人员rev-b")


@pytest.mark.parametrize("make", [start, rejected, approved])
def test_only_a_submitted_or_in_review_application_can_be_reassigned(make):
    app = make()
    with pytest.raises(InvalidTransitionError):
        app.reassign("rev-b", LATER, actor="admin1")


# --- reopen ------------------------------------------------------------------------------

def _expired_after_rejection():
    app = rejected()
    app.expire(AFTER_CLOSE)
    return app


@pytest.mark.parametrize("make", [_expired_after_rejection, rejected])
def test_an_admin_reopens_an_expired_or_rejected_application_with_a_fix_period_and_the_applicant_is_told(make):
    app = make()
    app.pull_events()
    until = AFTER_CLOSE + timedelta(days=10)
    app.reopen("窗口核实材料无误", until, AFTER_CLOSE, actor="admin1")
    assert (app.status, app.fix_until) == (S.REJECTED, until)
    assert app.in_fix_period(AFTER_CLOSE) and not app.in_fix_period(until)
    last = app.history[-1]
    assert (last.to_status, last.actor) == (S.REJECTED, "admin1")
    assert last.note == "登记机关重新开放修改（2022年4月11日01:00前可重新提交）：窗口核实材料无误"
    assert app.pull_events() == [ApplicationReopened("app-1", app.id_number, AFTER_CLOSE, note="窗口核实材料无误",
                                                     fix_until=until)]


def test_a_reopened_application_is_resubmitted_in_its_fix_period_with_the_window_closed():
    app = _expired_after_rejection()
    app.reopen("窗口核实", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    app.update_fields({"employer": "北京市西城区社会工作服务中心"}, AFTER_CLOSE, WINDOW)
    app.submit(AFTER_CLOSE, WINDOW, declaration=True, actor="applicant")
    assert (app.status, app.fix_until, len(app.review_rounds)) == (S.SUBMITTED, None, 2)


def test_an_expired_draft_may_be_reopened_too():
    app = start()
    app.expire(AFTER_CLOSE)
    app.reopen("系统故障未能提交", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    assert app.status is S.REJECTED


@pytest.mark.parametrize("make", [start, submitted, in_review, approved])
def test_no_other_state_can_be_reopened(make):
    app = make()
    with pytest.raises(InvalidTransitionError):
        app.reopen("说明", LATER + timedelta(days=3), LATER, actor="admin1")


def test_a_repeated_reopen_with_the_same_note_and_fix_period_changes_nothing_and_tells_nobody_again():
    app = _expired_after_rejection()
    until = AFTER_CLOSE + timedelta(days=3)
    assert app.reopen("窗口核实", until, AFTER_CLOSE, actor="admin1") is True
    app.pull_events()
    history = list(app.history)
    assert app.reopen(" 窗口核实 ", until, AFTER_CLOSE + timedelta(seconds=2), actor="admin2") is False
    assert (app.history, app.events, app.updated_at, app.fix_until) == (history, [], AFTER_CLOSE, until)


@pytest.mark.parametrize("note, days", [("窗口核实", 5), ("补充说明", 3)])
def test_a_reopen_with_another_note_or_fix_period_is_a_new_reopen(note, days):
    app = _expired_after_rejection()
    app.reopen("窗口核实", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    app.pull_events()
    assert app.reopen(note, AFTER_CLOSE + timedelta(days=days), AFTER_CLOSE, actor="admin1") is True
    assert [type(e) for e in app.pull_events()] == [ApplicationReopened]
    assert [h.to_status for h in app.history][-2:] == [S.REJECTED, S.REJECTED]


def test_a_reopen_after_a_later_rejection_is_not_taken_for_a_repeat():
    app = rejected()
    until = NOW + timedelta(days=20)
    app.reopen("窗口核实", until, NOW, actor="admin1")
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    app.claim("rev-a", NOW)
    app.reject("rev-a", NOW, "照片仍不清晰", [{"item": "id_photo", "note": "请重新拍摄"}])
    app.fix_until = until  # even were the fix period the same, the last move is a reviewer's rejection
    app.pull_events()
    assert app.reopen("窗口核实", until, NOW, actor="admin1") is True


def _rejected_in_every_round():
    app = rejected()
    while len(app.review_rounds) < MAX_REVIEW_ROUNDS:
        app.submit(NOW, WINDOW, declaration=True, actor="applicant")
        app.claim("rev-a", NOW)
        app.reject("rev-a", NOW, "照片仍不清晰", [{"item": "id_photo", "note": "请重新拍摄"}])
    return app


@pytest.mark.parametrize("expired", [False, True])
def test_an_application_whose_review_rounds_are_used_up_is_not_reopened(expired):
    app = _rejected_in_every_round()
    if expired:
        app.expire(AFTER_CLOSE)
    status, history = app.status, list(app.history)
    with pytest.raises(RuleViolationError) as refused:
        app.reopen("窗口核实", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    assert refused.value.code == "REOPEN_ROUNDS_EXHAUSTED"
    assert refused.value.message == texts.error_message("REOPEN_ROUNDS_EXHAUSTED", rounds=MAX_REVIEW_ROUNDS)
    assert f"已审核{MAX_REVIEW_ROUNDS}轮" in refused.value.message and "不能重新开放" in refused.value.message
    assert (app.status, app.history) == (status, history)


def test_refusing_a_reopen_a_release_or_a_reassignment_names_the_move_refused():
    with pytest.raises(InvalidTransitionError) as reopen:
        approved().reopen("说明", LATER + timedelta(days=3), LATER, actor="admin1")
    assert reopen.value.message == "当前状态为“审核通过”，不能重新开放。请刷新页面查看最新状态。"
    assert reopen.value.details == {"current": "approved", "target": "rejected"}
    with pytest.raises(InvalidTransitionError) as release:
        submitted().release("rev-a", LATER)
    assert release.value.message == "当前状态为“已提交”，不能释放审核。请刷新页面查看最新状态。"
    assert release.value.details == {"current": "submitted", "target": "submitted"}
    with pytest.raises(InvalidTransitionError) as reassign:
        approved().reassign("rev-b", LATER, actor="admin1")
    assert reassign.value.message == "当前状态为“审核通过”，不能指派审核人员。请刷新页面查看最新状态。"
    with pytest.raises(InvalidTransitionError) as submit:  # a submit keeps its own words
        in_review().submit(LATER, WINDOW, declaration=True, actor="applicant")
    assert "不能提交" in submit.value.message


@pytest.mark.parametrize("note, until, fields", [
    ("", AFTER_CLOSE + timedelta(days=3), {"note"}),
    ("说" * 501, AFTER_CLOSE + timedelta(days=3), {"note"}),
    ("说明", AFTER_CLOSE, {"fix_until"}),
    ("说明", AFTER_CLOSE + MAX_FIX_PERIOD + timedelta(minutes=1), {"fix_until"}),
])
def test_a_reopen_needs_a_note_and_a_fix_period_ahead_and_changes_nothing_otherwise(note, until, fields):
    app = _expired_after_rejection()
    with pytest.raises(ValidationError) as refused:
        app.reopen(note, until, AFTER_CLOSE, actor="admin1")
    assert set(refused.value.details) == fields
    assert app.status is S.EXPIRED


# --- the commands ------------------------------------------------------------------------

def test_reopen_reads_a_bare_date_as_the_end_of_that_day_in_beijing():
    command = Reopen.from_json({"note": " 窗口核实 ", "fix_until": "2022-04-10"})
    assert command.note == "窗口核实"
    assert command.fix_until == datetime(2022, 4, 11, tzinfo=SHANGHAI)
    with_time = Reopen.from_json({"note": "窗口核实", "fix_until": "2022-04-10T18:00:00+08:00"})
    assert with_time.fix_until == datetime(2022, 4, 10, 10, tzinfo=timezone.utc)


def test_reopen_names_every_bad_field_at_once():
    with pytest.raises(ValidationError) as refused:
        Reopen.from_json({"note": "", "fix_until": "next week"})
    assert (refused.value.code, set(refused.value.details)) == ("REOPEN_INVALID", {"note", "fix_until"})


def test_reassign_and_account_actions_name_their_missing_field():
    assert Reassign.from_json({"reviewer": " Rev.A "}) == Reassign("rev.a")
    with pytest.raises(ValidationError) as no_reviewer:
        Reassign.from_json({})
    with pytest.raises(ValidationError) as no_note:
        AccountAction.from_json({"note": "   "})
    assert set(no_reviewer.value.details) == {"reviewer"} and set(no_note.value.details) == {"note"}


# --- accounts ----------------------------------------------------------------------------

def _applicant() -> Account:
    return Account("acc-1", phone_login("13800138000"), Role.APPLICANT, "hash", NOW, phone="13800138000",
                   id_number="110105199003077710", session_version=3)


def test_disable_and_enable_each_end_every_session():
    account = _applicant()
    account.disable()
    assert (account.disabled, account.session_version, account.admits(3, None)) == (True, 4, False)
    account.enable()
    assert (account.disabled, account.session_version, account.admits(4, None)) == (False, 5, False)


def test_unbind_frees_the_login_disables_the_account_for_good_and_ends_its_sessions():
    account = _applicant()
    assert account.unbind() == phone_login("13800138000")
    assert (account.login_key, account.disabled, account.is_unbound) == ("unbound#acc-1", True, True)
    assert (account.phone, account.id_number) == ("13800138000", "110105199003077710")  # kept as a record
    assert not account.admits(3, None)
    for move in (account.unbind, account.enable, account.disable):
        with pytest.raises(ConflictError) as again:
            move()
        assert again.value.code == "ACCOUNT_ALREADY_UNBOUND"


def test_a_staff_account_cannot_be_unbound():
    staff = Account("acc-2", staff_login("rev1"), Role.REVIEWER, "hash", NOW, username="rev1")
    with pytest.raises(RuleViolationError) as refused:
        staff.unbind()
    assert refused.value.code == "ACCOUNT_NOT_UNBINDABLE" and staff.login_key == staff_login("rev1")


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01T00:00:00+14:00", "2022-13-01", "", None, 20220410])
def test_a_fix_until_out_of_the_calendar_or_not_a_time_is_a_field_error_never_a_crash(raw):
    with pytest.raises(ValidationError) as refused:
        Reopen.from_json({"note": "说明", "fix_until": raw})
    assert set(refused.value.details) == {"fix_until"}
