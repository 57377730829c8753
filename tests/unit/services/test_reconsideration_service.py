"""Reconsideration (复核) and the fix period on the fakes: the request, the queue, each decision's effects
(status, history, message, SMS), the certificate run catching an overturned approval, and a race."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.commands import Decision, ReconsiderationDecision, RequestReconsideration, Submit
from chalicelib.domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from chalicelib.domain.reconsideration import ReconsiderationOutcome as Outcome
from chalicelib.domain.review import beijing_time
from chalicelib.services import applicant, reconsideration, review, window_jobs
from tests.certificate_run import issue_due
from tests.unit.services.world import CLOSES_AT, NOW

AFTER_CLOSE = CLOSES_AT + timedelta(minutes=1)
ASKED = AFTER_CLOSE + timedelta(days=2)


def _expired_after_rejection(world):
    account, rejecter = world.applicant(), world.reviewer("rev1")
    rejected = world.rejected(account, rejecter)
    assert rejected.fix_until is None  # rejected weeks before the close: the window was the time to fix it
    assert window_jobs.window_tick(world.deps, AFTER_CLOSE)["expired"] == 1
    return account, rejected.application_id


def _asked(world, at=ASKED):
    account, application_id = _expired_after_rejection(world)
    reconsideration.request(world.deps, account, application_id, RequestReconsideration("照片符合要求"), at)
    return account, application_id


def test_the_expiry_notice_after_a_rejection_tells_the_applicant_of_reconsideration(world):
    account, _ = _expired_after_rejection(world)
    assert "申请复核" in world.messages_of(account)[0].body


def test_a_request_is_saved_with_its_history_message_and_sms(world, fakes):
    account, application_id = _asked(world)
    stored = fakes.applications.get(application_id)
    assert stored.status is S.RECONSIDERATION_REQUESTED
    assert (stored.reconsideration.reason, stored.reconsideration.rejected_by) == ("照片符合要求", "rev1")
    assert world.messages_of(account)[0].title == texts.NOTICES["ReconsiderationRequested"].title
    assert world.texts_to(stored.fields.phone)[-1] == texts.sms_text("ReconsiderationRequested")


def test_someone_elses_application_is_not_found_and_unchanged(world, fakes):
    _, application_id = _expired_after_rejection(world)
    with pytest.raises(NotFoundError):
        reconsideration.request(fakes, world.applicant("李雷"), application_id, RequestReconsideration("理由"), ASKED)
    assert fakes.applications.get(application_id).status is S.EXPIRED


def test_a_second_request_is_a_conflict(world, fakes):
    account, application_id = _asked(world)
    with pytest.raises(ConflictError) as refused:
        reconsideration.request(fakes, account, application_id, RequestReconsideration("再说一次"), ASKED)
    assert refused.value.code == "RECONSIDERATION_ALREADY_REQUESTED"


def test_the_queue_lists_every_windows_requests_oldest_first_a_page_at_a_time(world, fakes, monkeypatch):
    monkeypatch.setattr(reconsideration, "PAGE_SIZE", 2)
    asked = [_asked(world, ASKED + timedelta(hours=n))[1] for n in (2, 0, 1)]
    first = reconsideration.queue(fakes)
    second = reconsideration.queue(fakes, first.position)
    assert [a.application_id for a in first.items + second.items] == [asked[1], asked[2], asked[0]]
    assert second.position is None


def test_the_reviewer_who_rejected_may_not_decide(world, fakes):
    _, application_id = _asked(world)
    with pytest.raises(PermissionDeniedError):
        reconsideration.decide(fakes, world.reviewer("rev1"), application_id,
                               ReconsiderationDecision(Outcome.OVERTURN, "改判"), ASKED)
    assert fakes.applications.get(application_id).status is S.RECONSIDERATION_REQUESTED


@pytest.mark.parametrize("outcome, status, notice", [
    (Outcome.OVERTURN, S.APPROVED, "ReconsiderationDecided.overturn"),
    (Outcome.UPHOLD, S.EXPIRED, "ReconsiderationDecided.uphold"),
    (Outcome.REOPEN, S.REJECTED, "ReconsiderationDecided.reopen"),
])
def test_each_outcome_moves_the_application_and_tells_the_applicant(world, fakes, outcome, status, notice):
    account, application_id = _asked(world)
    decided = ASKED + timedelta(days=1)
    stored = reconsideration.decide(fakes, world.reviewer("rev2"), application_id,
                                    ReconsiderationDecision(outcome, "经复核认定"), decided)
    assert fakes.applications.get(application_id).status is stored.status is status
    assert stored.history[-1].actor == "rev2" and stored.history[-1].from_status is S.RECONSIDERATION_REQUESTED
    message = world.messages_of(account)[0]
    assert message.title == texts.NOTICES[notice].title and "经复核认定" in message.body
    fix = {"fix_until": beijing_time(decided + timedelta(days=7))} if outcome is Outcome.REOPEN else {}
    assert world.texts_to(stored.fields.phone)[-1] == texts.sms_text(notice, **fix)
    assert reconsideration.queue(fakes).items == []


def test_a_reopened_application_is_resubmitted_within_its_new_fix_period(world, fakes):
    account, application_id = _asked(world)
    reconsideration.decide(fakes, world.reviewer("rev2"), application_id,
                           ReconsiderationDecision(Outcome.REOPEN, "请补充材料"), ASKED)
    assert window_jobs.window_tick(fakes, ASKED + timedelta(days=6))["expired"] == 0
    resubmitted = applicant.submit(fakes, account, application_id, Submit(True), ASKED + timedelta(days=6))
    assert resubmitted.status is S.SUBMITTED


def test_an_overturned_approval_is_certified_by_the_next_run_after_the_batch(world, fakes):
    _, application_id = _asked(world)
    batch_done = world.window.certificates_due_at + timedelta(days=1)
    assert issue_due(fakes, batch_done)["issued"] == 0
    reconsideration.decide(fakes, world.reviewer("rev2"), application_id,
                           ReconsiderationDecision(Outcome.OVERTURN, "材料符合要求"), batch_done)
    assert issue_due(fakes, batch_done + timedelta(hours=1))["issued"] == 1
    stored = fakes.applications.get(application_id)
    assert stored.status is S.CERTIFIED and stored.registration_no


def test_of_two_reviewers_deciding_at_once_one_wins(world, fakes):
    _, application_id = _asked(world)
    first, second = fakes.applications.get(application_id), fakes.applications.get(application_id)
    first.decide_reconsideration("rev2", Outcome.OVERTURN, "改判", ASKED)
    second.decide_reconsideration("rev3", Outcome.UPHOLD, "维持", ASKED)
    fakes.applications.save(first)
    with pytest.raises(ConcurrentUpdateError):
        fakes.applications.save(second)
    assert fakes.applications.get(application_id).status is S.APPROVED


# --- the fix period ------------------------------------------------------------------------------

def test_a_late_rejection_gets_a_fix_period_and_the_window_tick_leaves_it_until_then(world, fakes):
    account, reviewer = world.applicant(), world.reviewer()
    late = CLOSES_AT - timedelta(days=2)
    in_review = world.in_review(account, reviewer, at=late - timedelta(hours=1))
    rejected = review.decide(fakes, reviewer, in_review.application_id, Decision("reject", "照片不清晰"), late)
    assert rejected.fix_until == late + timedelta(days=fakes.settings.fix_days)
    sms = world.texts_to(rejected.fields.phone)[-1]
    assert beijing_time(rejected.fix_until) in sms and beijing_time(rejected.fix_until) in world.messages_of(account)[0].body
    assert window_jobs.window_tick(fakes, AFTER_CLOSE)["expired"] == 0
    assert window_jobs.window_tick(fakes, rejected.fix_until - timedelta(minutes=1))["expired"] == 0
    assert window_jobs.window_tick(fakes, rejected.fix_until)["expired"] == 1
    assert fakes.applications.get(rejected.application_id).status is S.EXPIRED


def test_the_fix_days_setting_sets_the_length_of_the_period(world, fakes):
    deps = replace(fakes, settings=fakes.settings._replace(fix_days=10))
    account, reviewer = world.applicant(), world.reviewer()
    in_review = world.in_review(account, reviewer, at=AFTER_CLOSE - timedelta(days=1))
    rejected = review.decide(deps, reviewer, in_review.application_id, Decision("reject", "请补充"), AFTER_CLOSE)
    assert rejected.fix_until == AFTER_CLOSE + timedelta(days=10)


def test_a_rejection_weeks_before_the_close_gets_no_fix_period(world):
    rejected = world.rejected(world.applicant(), world.reviewer(), NOW)
    assert rejected.fix_until is None
