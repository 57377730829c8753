"""The helpdesk's actions on the fakes (SPEC §2.10): release and reassign claims, reopen an application,
disable, enable and unbind accounts — each saved, audited, its sessions ended where it is an account,
and of two racing actions exactly one wins."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.accounts import Account, Role, phone_login, staff_login
from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from chalicelib.domain.review import beijing_time
from chalicelib.domain.staff_actions import AccountAction, Reassign, Reopen
from chalicelib.services import accounts_admin, claims, reopen, review, window_jobs
from tests.unit.services.world import CLOSES_AT, NOW
from tests.together import FirstReadTogether, ReadTogether

LATER = NOW + timedelta(minutes=5)
AFTER_CLOSE = CLOSES_AT + timedelta(minutes=1)


def _staff(fakes, username: str, role: Role = Role.REVIEWER, *, disabled: bool = False) -> Account:
    account = Account(uuid.uuid4().hex, staff_login(username), role, "-", NOW, username=username, disabled=disabled)
    fakes.accounts.create(account, {})
    return account


def _stored_applicant(world, fakes) -> Account:
    account = world.applicant()
    fakes.accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                                    f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    return account


def _audit(fakes, subject: str) -> list:
    return fakes.audit.page(subject, None, 50).items


# --- claims ------------------------------------------------------------------------------

def test_the_holder_releases_a_claim_and_the_release_is_in_the_history_and_the_audit(world, fakes):
    holder = world.reviewer("rev1")
    application = world.in_review(world.applicant(), holder)
    released = claims.release(fakes, holder, application.application_id, LATER)
    stored = fakes.applications.get(application.application_id)
    assert (released.status, stored.status, stored.lease) == (S.SUBMITTED, S.SUBMITTED, None)
    assert stored.history[-1].actor == "rev1"
    assert [(e.actor, e.action) for e in _audit(fakes, application.application_id)] == [("rev1", "claim released")]
    queued = review.queue(fakes, review.QueueQuery(status=S.SUBMITTED), LATER).items
    assert application.application_id in [a.application_id for a in queued]


def test_another_reviewer_cannot_release_a_claim(world, fakes):
    application = world.in_review(world.applicant(), world.reviewer("rev1"))
    with pytest.raises(ConflictError) as refused:
        claims.release(fakes, world.reviewer("rev2"), application.application_id, LATER)
    assert refused.value.code == "CLAIM_NOT_HELD"
    assert fakes.applications.get(application.application_id).lease.reviewer == "rev1"
    assert _audit(fakes, application.application_id) == []


def test_an_admin_reassigns_a_claim_to_an_active_reviewer_and_it_is_audited(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    _staff(fakes, "rev2")
    application = world.in_review(world.applicant(), world.reviewer("rev1"))
    moved = claims.reassign(fakes, admin, application.application_id, Reassign("rev2"), LATER)
    assert (moved.status, moved.lease.reviewer) == (S.IN_REVIEW, "rev2")
    assert fakes.applications.get(application.application_id).lease.reviewer == "rev2"
    [entry] = _audit(fakes, application.application_id)
    assert (entry.actor, entry.action) == ("admin1", "claim reassigned: rev1 -> rev2")


def test_an_admin_assigns_a_submitted_application(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    _staff(fakes, "rev2")
    application = world.submitted(world.applicant())
    moved = claims.reassign(fakes, admin, application.application_id, Reassign("rev2"), LATER)
    assert (moved.status, moved.lease.reviewer, moved.history[-1].actor) == (S.IN_REVIEW, "rev2", "admin1")


@pytest.mark.parametrize("name", ["nobody", "gone", "applicant"])
def test_a_claim_goes_only_to_an_active_staff_member(world, fakes, name):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    _staff(fakes, "gone", disabled=True)
    fakes.accounts.create(Account(uuid.uuid4().hex, staff_login("applicant"), Role.APPLICANT, "-", NOW), {})
    application = world.in_review(world.applicant(), world.reviewer("rev1"))
    with pytest.raises(ValidationError) as refused:
        claims.reassign(fakes, admin, application.application_id, Reassign(name), LATER)
    assert (refused.value.code, set(refused.value.details)) == ("REASSIGN_INVALID", {"reviewer"})
    assert fakes.applications.get(application.application_id).lease.reviewer == "rev1"


def test_a_decided_application_cannot_be_reassigned(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    _staff(fakes, "rev2")
    application = world.approved(world.applicant(), world.reviewer("rev1"))
    with pytest.raises(InvalidTransitionError):
        claims.reassign(fakes, admin, application.application_id, Reassign("rev2"), LATER)


def test_two_admins_reassigning_at_once_leave_exactly_one_holder(world, fakes):
    admins = [_staff(fakes, "admin1", Role.ADMIN), _staff(fakes, "admin2", Role.ADMIN)]
    for name in ("rev2", "rev3"):
        _staff(fakes, name)
    application = world.in_review(world.applicant(), world.reviewer("rev1"))
    racing = fakes.__class__(**{**fakes.__dict__, "applications": ReadTogether(fakes.applications, 2)})

    def move(pair):
        admin, reviewer = pair
        try:
            return claims.reassign(racing, admin, application.application_id, Reassign(reviewer), LATER).lease.reviewer
        except ConcurrentUpdateError:
            return None

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(move, zip(admins, ("rev2", "rev3"))))
    winners = [o for o in outcomes if o is not None]
    assert len(winners) == 1
    assert fakes.applications.get(application.application_id).lease.reviewer == winners[0]
    assert len(_audit(fakes, application.application_id)) == 1


def test_a_release_racing_another_reviewers_claim_leaves_one_of_them_and_loses_nothing(world, fakes):
    holder, other = world.reviewer("rev1"), world.reviewer("rev2")
    application = world.in_review(world.applicant(), holder)
    racing = fakes.__class__(**{**fakes.__dict__, "applications": ReadTogether(fakes.applications, 2)})

    def attempt(act):
        try:
            act()
            return True
        except ConflictError:  # the claim: CLAIMED (the lease was live when read); the release: a lost write
            return False

    with ThreadPoolExecutor(2) as pool:
        released, claimed = pool.map(attempt, (
            lambda: claims.release(racing, holder, application.application_id, LATER),
            lambda: review.claim(racing, other, application.application_id, LATER)))
    assert (released, claimed) == (True, False)
    stored = fakes.applications.get(application.application_id)
    assert (stored.status, stored.lease) == (S.SUBMITTED, None)
    assert [h.to_status for h in stored.history][-2:] == [S.IN_REVIEW, S.SUBMITTED]


# --- reopen ------------------------------------------------------------------------------

def _expired_after_rejection(world):
    account = world.applicant()
    rejected = world.rejected(account, world.reviewer("rev1"))
    assert window_jobs.window_tick(world.deps, AFTER_CLOSE)["expired"] == 1
    return account, rejected.application_id


def test_an_admin_reopens_an_expired_application_the_applicant_is_told_and_it_is_audited(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    account, application_id = _expired_after_rejection(world)
    until = AFTER_CLOSE + timedelta(days=7)
    note = "窗口核实材料无误，联系电话13800138000"
    reopened = reopen.reopen(fakes, admin, application_id, Reopen(note, until), AFTER_CLOSE + timedelta(hours=1))
    stored = fakes.applications.get(application_id)
    assert (reopened.status, stored.status, stored.fix_until) == (S.REJECTED, S.REJECTED, until)
    title, body = texts.notice("ApplicationReopened", note=note, fix_until=beijing_time(until))
    message = world.messages_of(account)[0]
    assert (message.title, message.body) == (title, body)
    assert world.texts_to(stored.fields.phone)[-1] == texts.sms_text("ApplicationReopened",
                                                                     fix_until=beijing_time(until))
    [entry] = _audit(fakes, application_id)
    assert entry.actor == "admin1" and "窗口核实材料无误" in entry.action
    assert "13800138000" not in entry.action and "138****8000" in entry.action
    window_jobs.window_tick(fakes, AFTER_CLOSE + timedelta(days=1))  # its fix period holds off the expiry
    assert fakes.applications.get(application_id).status is S.REJECTED


@pytest.mark.parametrize("stage", ["submitted", "approved"])
def test_no_other_state_is_reopened(world, fakes, stage):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    account, reviewer = world.applicant(), world.reviewer("rev1")
    application = world.submitted(account) if stage == "submitted" else world.approved(account, reviewer)
    with pytest.raises(InvalidTransitionError):
        reopen.reopen(fakes, admin, application.application_id, Reopen("说明", LATER + timedelta(days=3)), LATER)
    assert _audit(fakes, application.application_id) == []


def test_a_reopen_refuses_when_another_application_holds_the_window(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    _, application_id = _expired_after_rejection(world)
    stored = fakes.applications.get(application_id)
    fakes.applications.live[(stored.id_number, stored.window_year)] = uuid.uuid4().hex  # a newer one's guard
    with pytest.raises(ConflictError) as refused:
        reopen.reopen(fakes, admin, application_id, Reopen("说明", AFTER_CLOSE + timedelta(days=3)), AFTER_CLOSE)
    assert refused.value.code == "LIVE_APPLICATION_EXISTS"
    assert fakes.applications.get(application_id).status is S.EXPIRED


def _reopen_notices(world, account, phone, until):
    """The reopen's messages and SMS the applicant got."""
    title = texts.NOTICES["ApplicationReopened"].title
    sms = texts.sms_text("ApplicationReopened", fix_until=beijing_time(until))
    return [m for m in world.messages_of(account) if m.title == title], [t for t in world.texts_to(phone) if t == sms]


def test_a_double_click_on_reopen_reopens_once_and_tells_the_applicant_once(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    account, application_id = _expired_after_rejection(world)
    command = Reopen("窗口核实材料无误", AFTER_CLOSE + timedelta(days=7))
    first = reopen.reopen(fakes, admin, application_id, command, AFTER_CLOSE + timedelta(hours=1))
    again = reopen.reopen(fakes, admin, application_id, command, AFTER_CLOSE + timedelta(hours=1, seconds=1))
    stored = fakes.applications.get(application_id)
    assert (again.status, again.fix_until, again.version, len(again.history)) == (
        S.REJECTED, command.fix_until, stored.version, len(first.history))
    messages, sms = _reopen_notices(world, account, stored.fields.phone, command.fix_until)
    assert (len(messages), len(sms), len(_audit(fakes, application_id))) == (1, 1, 1)


def test_two_reopens_racing_with_the_same_fix_period_both_answer_and_the_applicant_is_told_once(world, fakes):
    admins = [_staff(fakes, "admin1", Role.ADMIN), _staff(fakes, "admin2", Role.ADMIN)]
    account, application_id = _expired_after_rejection(world)
    command = Reopen("窗口核实材料无误", AFTER_CLOSE + timedelta(days=7))
    racing = fakes.__class__(**{**fakes.__dict__, "applications": FirstReadTogether(fakes.applications, 2)})

    def act(admin):
        return reopen.reopen(racing, admin, application_id, command, AFTER_CLOSE + timedelta(hours=1))

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(act, admins))
    assert [(a.status, a.fix_until) for a in answers] == [(S.REJECTED, command.fix_until)] * 2
    stored = fakes.applications.get(application_id)
    assert [h.to_status for h in stored.history][-2:] == [S.EXPIRED, S.REJECTED]
    messages, sms = _reopen_notices(world, account, stored.fields.phone, command.fix_until)
    assert (len(messages), len(sms), len(_audit(fakes, application_id))) == (1, 1, 1)


def test_two_different_reopens_racing_leave_one_and_refuse_the_other(world, fakes):
    admins = [_staff(fakes, "admin1", Role.ADMIN), _staff(fakes, "admin2", Role.ADMIN)]
    account, application_id = _expired_after_rejection(world)
    commands = [Reopen("窗口核实", AFTER_CLOSE + timedelta(days=days)) for days in (5, 7)]
    racing = fakes.__class__(**{**fakes.__dict__, "applications": FirstReadTogether(fakes.applications, 2)})

    def act(pair):
        try:
            return reopen.reopen(racing, pair[0], application_id, pair[1], AFTER_CLOSE + timedelta(hours=1))
        except ConcurrentUpdateError:
            return None

    with ThreadPoolExecutor(2) as pool:
        answers = [a for a in pool.map(act, zip(admins, commands)) if a is not None]
    assert len(answers) == 1
    assert fakes.applications.get(application_id).fix_until == answers[0].fix_until
    messages, sms = _reopen_notices(world, account, answers[0].fields.phone, answers[0].fix_until)
    assert (len(messages), len(sms)) == (1, 1)


# --- accounts ----------------------------------------------------------------------------

NOTE = AccountAction("本人到窗口办理，身份证号110105199003077710")


def test_disable_ends_every_session_and_enable_undoes_it_each_audited_without_pii(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    account = _stored_applicant(world, fakes)
    accounts_admin.disable(fakes, admin, account.account_id, NOTE, NOW)
    stored = fakes.accounts.get(account.account_id)
    assert (stored.disabled, stored.session_version) == (True, 1)
    accounts_admin.enable(fakes, admin, account.account_id, NOTE, LATER)
    stored = fakes.accounts.get(account.account_id)
    assert (stored.disabled, stored.session_version) == (False, 2)
    entries = _audit(fakes, f"account#{account.account_id}")
    assert [e.action.split(":")[0] for e in entries] == ["account enabled", "account disabled"]
    assert all("110105199003077710" not in e.action and "本人到窗口办理" in e.action for e in entries)


def test_unbind_frees_the_phone_and_the_id_number_for_a_new_sign_up(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    account = _stored_applicant(world, fakes)
    accounts_admin.unbind(fakes, admin, account.account_id, NOTE, NOW)
    stored = fakes.accounts.get(account.account_id)
    assert (stored.disabled, stored.is_unbound, stored.session_version) == (True, True, 1)
    assert fakes.accounts.by_login(account.login_key) is None
    again = Account(uuid.uuid4().hex, phone_login("13700137000"), Role.APPLICANT, "-", NOW, phone="13700137000",
                    id_number=account.id_number)
    fakes.accounts.create(again, {again.login_key: "PHONE_ALREADY_REGISTERED",
                                  f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    assert fakes.accounts.bound_to(account.id_number).account_id == again.account_id
    with pytest.raises(ConflictError):
        accounts_admin.unbind(fakes, admin, account.account_id, NOTE, LATER)


def test_staff_accounts_are_not_unbound_and_an_admin_does_not_act_on_their_own(world, fakes):
    admin = _staff(fakes, "admin1", Role.ADMIN)
    reviewer = _staff(fakes, "rev1")
    with pytest.raises(RuleViolationError) as staff:
        accounts_admin.unbind(fakes, admin, reviewer.account_id, NOTE, NOW)
    with pytest.raises(RuleViolationError) as own:
        accounts_admin.disable(fakes, admin, admin.account_id, NOTE, NOW)
    with pytest.raises(NotFoundError):
        accounts_admin.enable(fakes, admin, uuid.uuid4().hex, NOTE, NOW)
    assert (staff.value.code, own.value.code) == ("ACCOUNT_NOT_UNBINDABLE", "ACCOUNT_IS_YOURS")
    assert fakes.accounts.get(reviewer.account_id).login_key == staff_login("rev1")
