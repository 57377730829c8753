"""Reconsideration (复核, SPEC §2.6) on the entity: asked once within 15 days of expiring after a
rejection, decided by a reviewer other than the one who rejected, each outcome's move."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.commands import ReconsiderationDecision, RequestReconsideration
from chalicelib.domain.errors import (
    ConflictError,
    InvalidTransitionError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)
from chalicelib.domain.reconsideration import (
    RECONSIDERATION_DAYS,
    ReconsiderationDecided,
    ReconsiderationOutcome,
    ReconsiderationRequested,
)
from chalicelib.domain.review import DEFAULT_FIX_DAYS
from tests.unit.domain.applications import WINDOW, approved, rejected, start

EXPIRED_AT = WINDOW.closes_at + timedelta(minutes=5)
ASKED_AT = EXPIRED_AT + timedelta(days=3)


def _expired_after_rejection():
    app = rejected()  # by rev-a, early in the window: no fix period
    app.expire(EXPIRED_AT)
    app.pull_events()
    return app


def _asked():
    app = _expired_after_rejection()
    app.request_reconsideration("照片是按要求拍摄的", ASKED_AT, actor="applicant")
    app.pull_events()
    return app


def test_an_application_expired_after_a_rejection_may_be_reconsidered_on_request():
    app = _expired_after_rejection()
    app.request_reconsideration("  照片是按要求拍摄的  ", ASKED_AT, actor="applicant")
    assert app.status is S.RECONSIDERATION_REQUESTED
    assert (app.reconsideration.reason, app.reconsideration.rejected_by) == ("照片是按要求拍摄的", "rev-a")
    assert app.history[-1].from_status is S.EXPIRED and app.history[-1].actor == "applicant"
    assert [type(e) for e in app.pull_events()] == [ReconsiderationRequested]


def test_the_request_may_come_on_the_fifteenth_day_but_not_a_minute_later():
    on_time = _expired_after_rejection()
    on_time.request_reconsideration("理由", EXPIRED_AT + timedelta(days=RECONSIDERATION_DAYS), actor="applicant")
    late = _expired_after_rejection()
    with pytest.raises(RuleViolationError) as refused:
        late.request_reconsideration("理由", EXPIRED_AT + timedelta(days=RECONSIDERATION_DAYS, minutes=1),
                                     actor="applicant")
    assert refused.value.code == "RECONSIDERATION_TOO_LATE" and "15天" in refused.value.message
    assert late.status is S.EXPIRED


def test_a_second_request_is_refused_whatever_became_of_the_first():
    app = _asked()
    with pytest.raises(ConflictError) as pending:
        app.request_reconsideration("再次申请", ASKED_AT, actor="applicant")
    assert pending.value.code == "RECONSIDERATION_ALREADY_REQUESTED"
    app.decide_reconsideration("rev-b", ReconsiderationOutcome.UPHOLD, "维持原结论", ASKED_AT)
    with pytest.raises(ConflictError) as upheld:
        app.request_reconsideration("再次申请", ASKED_AT, actor="applicant")
    assert upheld.value.code == "RECONSIDERATION_ALREADY_REQUESTED"


def test_a_draft_that_expired_unsubmitted_cannot_be_reconsidered():
    app = start()
    app.expire(EXPIRED_AT)
    with pytest.raises(ConflictError) as refused:
        app.request_reconsideration("理由", ASKED_AT, actor="applicant")
    assert refused.value.code == "RECONSIDERATION_NOT_AFTER_REJECTION"


@pytest.mark.parametrize("make", [rejected, approved], ids=["rejected", "approved"])
def test_only_an_expired_application_can_be_reconsidered(make):
    with pytest.raises(InvalidTransitionError):
        make().request_reconsideration("理由", ASKED_AT, actor="applicant")


@pytest.mark.parametrize("reason", [None, "", "   ", "长" * 1001])
def test_the_reason_is_required_and_bounded(reason):
    app = _expired_after_rejection()
    with pytest.raises(ValidationError):
        app.request_reconsideration(reason, ASKED_AT, actor="applicant")
    assert app.status is S.EXPIRED and app.reconsideration is None


def test_the_reviewer_who_rejected_may_not_decide_the_reconsideration():
    app = _asked()
    with pytest.raises(PermissionDeniedError) as refused:
        app.decide_reconsideration("rev-a", ReconsiderationOutcome.OVERTURN, "改判", ASKED_AT)
    assert refused.value.code == "RECONSIDERATION_OWN_REJECTION"
    assert app.status is S.RECONSIDERATION_REQUESTED


@pytest.mark.parametrize("outcome, status", [
    (ReconsiderationOutcome.OVERTURN, S.APPROVED),
    (ReconsiderationOutcome.UPHOLD, S.EXPIRED),
    (ReconsiderationOutcome.REOPEN, S.REJECTED),
])
def test_each_outcome_moves_the_application_and_records_the_decision(outcome, status):
    app = _asked()
    decided = ASKED_AT + timedelta(days=1)
    app.decide_reconsideration("rev-b", outcome, "复核意见。", decided)
    assert app.status is status
    assert (app.reconsideration.outcome, app.reconsideration.reviewer, app.reconsideration.opinion) == (
        outcome, "rev-b", "复核意见。")
    assert app.history[-1].from_status is S.RECONSIDERATION_REQUESTED and app.history[-1].actor == "rev-b"
    [event] = app.pull_events()
    assert isinstance(event, ReconsiderationDecided) and event.outcome is outcome
    expected_fix = decided + timedelta(days=DEFAULT_FIX_DAYS) if outcome is ReconsiderationOutcome.REOPEN else None
    assert app.fix_until == event.fix_until == expected_fix


def test_a_reopened_application_may_be_resubmitted_in_its_new_fix_period_with_the_window_closed():
    app = _asked()
    app.decide_reconsideration("rev-b", ReconsiderationOutcome.REOPEN, "请补充材料", ASKED_AT, fix_days=10)
    assert app.fix_until == ASKED_AT + timedelta(days=10)
    app.submit(ASKED_AT + timedelta(days=9), WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED


def test_a_decision_needs_an_opinion_and_a_pending_request():
    app = _asked()
    with pytest.raises(ValidationError):
        app.decide_reconsideration("rev-b", ReconsiderationOutcome.UPHOLD, " ", ASKED_AT)
    app.decide_reconsideration("rev-b", ReconsiderationOutcome.UPHOLD, "维持", ASKED_AT)
    with pytest.raises(InvalidTransitionError):
        app.decide_reconsideration("rev-c", ReconsiderationOutcome.OVERTURN, "改判", ASKED_AT)


# --- the commands at the edge ------------------------------------------------------------------

@pytest.mark.parametrize("body, fields", [
    ({}, {"reason"}), ({"reason": ["列表"]}, {"reason"}), ({"reason": "长" * 1001}, {"reason"}),
])
def test_a_request_without_a_usable_reason_names_the_field(body, fields):
    with pytest.raises(ValidationError) as refused:
        RequestReconsideration.from_json(body)
    assert refused.value.code == "RECONSIDERATION_INVALID" and set(refused.value.details) == fields


@pytest.mark.parametrize("body, fields", [
    ({"outcome": "approve", "opinion": "好"}, {"outcome"}), ({"outcome": ["uphold"], "opinion": 5}, {"outcome", "opinion"}),
    ({"outcome": "reopen"}, {"opinion"}),
])
def test_a_decision_names_every_bad_field_at_once(body, fields):
    with pytest.raises(ValidationError) as refused:
        ReconsiderationDecision.from_json(body)
    assert refused.value.code == "RECONSIDERATION_DECISION_INVALID" and set(refused.value.details) == fields


def test_a_decision_parses_its_outcome_and_cleans_its_opinion():
    assert ReconsiderationDecision.from_json({"outcome": "reopen", "opinion": " 请补充 "}) == ReconsiderationDecision(
        ReconsiderationOutcome.REOPEN, "请补充")
