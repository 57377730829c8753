"""The reviewer's use cases on the fakes: the queue, claiming, the audited file, deciding with notices."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.commands import Decision, QueueQuery
from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.services import review

from tests.unit.services.world import NOW, YEAR


def test_the_queue_lists_submitted_applications_oldest_first_and_never_a_draft(world, fakes):
    later = world.submitted(world.applicant("李雷"), NOW + timedelta(hours=1))
    earlier = world.submitted(world.applicant("韩梅梅"), NOW)
    world.draft(world.applicant("王芳"))
    page = review.queue(fakes, QueueQuery(window=YEAR), NOW + timedelta(hours=2))
    assert [a.application_id for a in page.items] == [earlier.application_id, later.application_id]
    assert page.position is None
    assert review.queue(fakes, QueueQuery(window=YEAR, status=ApplicationStatus.APPROVED), NOW).items == []


def test_the_queue_defaults_to_this_year_in_beijing(world, fakes):
    submitted = world.submitted(world.applicant())
    assert [a.application_id for a in review.queue(fakes, QueueQuery(), NOW).items] == [submitted.application_id]
    assert review.queue(fakes, QueueQuery(window=YEAR + 1), NOW).items == []


def test_claiming_puts_the_application_in_review_under_the_reviewers_lease(world, fakes):
    submitted = world.submitted(world.applicant())
    review.claim(fakes, world.reviewer("rev1"), submitted.application_id, NOW)
    stored = fakes.applications.get(submitted.application_id)
    assert (stored.status, stored.lease.reviewer) == (ApplicationStatus.IN_REVIEW, "rev1")
    assert stored.lease.is_live(NOW + timedelta(minutes=1))


def test_a_second_reviewer_cannot_claim_while_the_first_ones_lease_is_live(world, fakes):
    submitted = world.submitted(world.applicant())
    review.claim(fakes, world.reviewer("rev1"), submitted.application_id, NOW)
    with pytest.raises(ConflictError) as taken:
        review.claim(fakes, world.reviewer("rev2"), submitted.application_id, NOW + timedelta(minutes=1))
    assert (taken.value.code, taken.value.details["reviewer"]) == ("CLAIMED", "rev1")
    assert fakes.applications.get(submitted.application_id).lease.reviewer == "rev1"


def test_looking_at_a_file_is_audited_and_shows_the_register_and_photo_links(world, fakes):
    account = world.applicant()
    submitted = world.submitted(account)
    seen = review.review_file(fakes, world.reviewer("rev1"), submitted.application_id, NOW + timedelta(minutes=1))
    assert seen.practitioner.id_number == account.id_number
    assert set(seen.photo_urls) == {kind.value for kind in submitted.required_materials}
    assert [(entry.actor, entry.action) for entry in seen.audit] == [("rev1", "viewed")]
    again = review.review_file(fakes, world.reviewer("rev2"), submitted.application_id, NOW + timedelta(minutes=2))
    assert [entry.actor for entry in again.audit] == ["rev2", "rev1"]


def test_a_draft_is_not_found_by_a_reviewer_and_the_look_is_not_audited(world, fakes):
    draft = world.draft(world.applicant())
    with pytest.raises(NotFoundError):
        review.review_file(fakes, world.reviewer(), draft.application_id, NOW)
    assert fakes.audit.entries == {}


def test_approving_stores_the_decision_with_its_message_and_its_sms(world, fakes):
    account, reviewer = world.applicant(), world.reviewer("rev1")
    in_review = world.in_review(account, reviewer)
    review.decide(fakes, reviewer, in_review.application_id, Decision("approve", "材料齐全"),
                  NOW + timedelta(hours=1))
    stored = fakes.applications.get(in_review.application_id)
    assert (stored.status, stored.history[-1].actor, stored.history[-1].note) == (
        ApplicationStatus.APPROVED, "rev1", "材料齐全")
    approval, submission = world.messages_of(account)
    assert (submission.title, approval.title) == ("登记申请已提交", "您的登记申请通过")
    assert world.texts_to(stored.fields.phone) == [texts.sms_text("ApplicationSubmitted"),
                                                   texts.sms_text("ApplicationApproved")]


def test_rejecting_tells_the_applicant_the_opinion_and_each_item_at_fault(world, fakes):
    account, reviewer = world.applicant(), world.reviewer("rev1")
    in_review = world.in_review(account, reviewer)
    review.decide(fakes, reviewer, in_review.application_id,
                  Decision("reject", "照片不合格。", ({"item": "id_photo", "note": "背景不是白色"},)),
                  NOW + timedelta(hours=1))
    stored = fakes.applications.get(in_review.application_id)
    assert stored.status is ApplicationStatus.REJECTED
    rejection = world.messages_of(account)[0]
    assert "照片不合格" in rejection.body and "背景不是白色" in rejection.body and "。。" not in rejection.body
    assert world.texts_to(stored.fields.phone)[-1] == texts.sms_text("ApplicationRejected", opinion="照片不合格")


def test_a_rejection_naming_an_item_not_on_the_application_changes_nothing(world, fakes):
    account, reviewer = world.applicant(), world.reviewer("rev1")
    in_review = world.in_review(account, reviewer)
    with pytest.raises(ValidationError) as refused:
        review.decide(fakes, reviewer, in_review.application_id,
                      Decision("reject", "不合格", ({"item": "no_such_item"},)), NOW)
    assert "issues[0].item" in refused.value.details
    assert fakes.applications.get(in_review.application_id).status is ApplicationStatus.IN_REVIEW
    assert len(world.messages_of(account)) == 1  # the submission's only


def test_only_the_reviewer_holding_the_lease_may_decide(world, fakes):
    in_review = world.in_review(world.applicant(), world.reviewer("rev1"))
    with pytest.raises(ConflictError):
        review.decide(fakes, world.reviewer("rev2"), in_review.application_id, Decision("approve"), NOW)
    assert fakes.applications.get(in_review.application_id).status is ApplicationStatus.IN_REVIEW
