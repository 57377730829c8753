"""Review: claiming a submitted application with a lease, deciding it, the rules a decision must
meet (an opinion, issues naming the application's own items, the caps) and resubmission after a
rejection, which starts the next round."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, RuleViolationError, ValidationError
from chalicelib.domain.events import ApplicationApproved, ApplicationRejected
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.review import (
    MAX_DECISION_TEXT,
    MAX_ISSUES,
    NOTE_MAX_LENGTH,
    OPINION_MAX_LENGTH,
    ReviewIssue,
    ReviewOutcome,
    approval_opinion,
    parse_rejection,
)
from tests.unit.domain.applications import (
    AFTER_CLOSE,
    NOW,
    PERSON,
    WINDOW,
    approved,
    in_review,
    rejected,
    start,
    submitted,
    upload,
)

S = ApplicationStatus
K = MaterialKind
ITEMS = frozenset({"employer", "id_photo"})


# --- through the entity: claiming, deciding, and the next round --------------------------

def test_claiming_takes_a_submitted_application_into_review_with_a_lease():
    app = submitted()
    lease = app.claim("rev-a", NOW, timedelta(minutes=10))
    assert (app.status, lease.reviewer, lease.until) == (S.IN_REVIEW, "rev-a", NOW + timedelta(minutes=10))
    assert (app.current_round.reviewer, app.current_round.claimed_at) == ("rev-a", NOW)
    assert app.history[-1].to_status is S.IN_REVIEW and app.history[-1].actor == "rev-a"


def test_renewing_or_taking_over_a_lease_is_not_a_transition():
    app = in_review("rev-a")
    entries = len(app.history)
    later = NOW + timedelta(minutes=20)
    assert app.claim("rev-a", later).until == later + timedelta(minutes=30)
    with pytest.raises(ConflictError) as caught:
        app.claim("rev-b", later + timedelta(minutes=29))
    assert caught.value.code == "CLAIMED" and caught.value.details["reviewer"] == "rev-a"
    takeover = later + timedelta(minutes=30)
    assert app.claim("rev-b", takeover).reviewer == "rev-b"
    assert (app.current_round.reviewer, app.current_round.claimed_at) == ("rev-b", takeover)
    assert len(app.history) == entries and app.status is S.IN_REVIEW


@pytest.mark.parametrize("make", [start, approved, rejected])
def test_only_submitted_applications_can_be_claimed(make):
    with pytest.raises(InvalidTransitionError):
        make().claim("rev-a", NOW)


def test_only_the_lease_holder_decides():
    app = in_review("rev-a")
    with pytest.raises(ConflictError) as caught:
        app.approve("rev-b", NOW)
    assert caught.value.code == "NOT_CLAIMED"
    with pytest.raises(ConflictError):
        app.reject("rev-b", NOW, "不通过")
    app.approve("rev-a", NOW + timedelta(hours=2))  # the lease ran out but nobody took over
    assert app.status is S.APPROVED


def test_an_unclaimed_application_cannot_be_decided():
    with pytest.raises(InvalidTransitionError):
        submitted().approve("rev-a", NOW)


def test_approval_closes_the_round_and_raises_an_event():
    app = in_review()
    app.pull_events()
    app.approve("rev-a", NOW, opinion="材料齐全")
    assert (app.status, app.lease) == (S.APPROVED, None)
    round_ = app.current_round
    assert (round_.outcome, round_.opinion, round_.decided_at) == (ReviewOutcome.APPROVED, "材料齐全", NOW)
    # the application chose mail: the approval notice speaks of the paper certificate too
    assert app.pull_events() == [ApplicationApproved("app-1", PERSON, NOW, opinion="材料齐全", mailed=True)]


def test_rejection_needs_an_opinion_and_names_only_items_of_this_application():
    app = in_review()
    with pytest.raises(ValidationError) as caught:
        app.reject("rev-a", NOW, "  ", [{"item": "registration_cert"}, {"item": "phone", "note": "号码停机"},
                                         {"item": "salary"}, "照片"])
    assert set(caught.value.details) == {"opinion", "issues[0].item", "issues[2].item", "issues[3]"}
    assert app.status is S.IN_REVIEW


def test_rejection_closes_the_round_with_its_issues_and_raises_an_event():
    app = in_review()
    app.pull_events()
    issues = [ReviewIssue("id_photo", "背景有杂物"), {"item": "mailing_address.postal_code", "note": ""}]
    app.reject("rev-a", NOW, "请按意见修改", issues)
    expected = (ReviewIssue("id_photo", "背景有杂物"), ReviewIssue("mailing_address.postal_code", ""))
    assert app.status is S.REJECTED and app.lease is None
    assert (app.current_round.outcome, app.current_round.issues) == (ReviewOutcome.REJECTED, expected)
    assert app.history[-1].note == "请按意见修改"
    assert app.pull_events() == [ApplicationRejected("app-1", PERSON, NOW, opinion="请按意见修改", issues=expected)]


def test_rejected_application_can_be_resubmitted_while_window_open():
    app = rejected()
    upload(app, K.ID_PHOTO, "retake")
    later = NOW + timedelta(days=1)
    app.submit(later, WINDOW, declaration=True, actor="applicant")
    assert app.status is S.SUBMITTED
    assert [(r.number, r.outcome) for r in app.review_rounds] == [(1, ReviewOutcome.REJECTED), (2, None)]
    assert app.history[-1].note == "修改后重新提交"


def test_rejected_application_cannot_be_resubmitted_after_the_window_closes():
    app = rejected()
    with pytest.raises(RuleViolationError) as caught:
        app.submit(AFTER_CLOSE, WINDOW, declaration=True, actor="applicant")
    assert set(caught.value.details) == {"window"}


# --- the decision's rules on their own -------------------------------------------------

def test_an_approvals_opinion_is_optional_and_cleaned_when_given():
    assert approval_opinion(None) is None and approval_opinion("  ") is None
    assert approval_opinion(" 材料齐全 ") == "材料齐全"
    with pytest.raises(ValidationError) as caught:
        approval_opinion("审" * (OPINION_MAX_LENGTH + 1))
    assert set(caught.value.details) == {"opinion"}


def test_more_issues_than_the_cap_are_refused_before_any_is_read():
    with pytest.raises(ValidationError) as caught:
        parse_rejection("请修改", [{"item": "salary"}] * (MAX_ISSUES + 1), ITEMS)
    assert set(caught.value.details) == {"issues"}


def test_an_issues_note_has_its_own_limit_and_a_blank_note_is_empty():
    opinion, issues = parse_rejection("请修改", [{"item": "employer", "note": None}], ITEMS)
    assert (opinion, issues) == ("请修改", (ReviewIssue("employer", ""),))
    with pytest.raises(ValidationError) as caught:
        parse_rejection("请修改", [{"item": "employer", "note": "请" * (NOTE_MAX_LENGTH + 1)}], ITEMS)
    assert set(caught.value.details) == {"issues[0].note"}


def test_the_opinion_and_notes_together_stay_within_the_text_budget():
    note = "请" * ((MAX_DECISION_TEXT - OPINION_MAX_LENGTH) // MAX_ISSUES)
    largest = [{"item": "employer", "note": note}] * MAX_ISSUES
    assert len(parse_rejection("审" * OPINION_MAX_LENGTH, largest, ITEMS)[1]) == MAX_ISSUES
    with pytest.raises(ValidationError) as caught:
        parse_rejection("审" * OPINION_MAX_LENGTH, [*largest[1:], {"item": "employer", "note": note + "请"}], ITEMS)
    assert set(caught.value.details) == {"issues"}
