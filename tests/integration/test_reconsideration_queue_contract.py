"""The reconsideration queue (`ApplicationRepository.reconsideration_page`), run on the in-memory fake
and on the DynamoDB repository: every window's pending requests, oldest request first, a page at a
time; a decided one leaves it; `queue_page` is never asked for that status."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.reconsideration import ReconsiderationOutcome
from chalicelib.domain.register import Practitioner
from chalicelib.domain.windows import SHANGHAI, Window
from tests import approvals, fakes
from tests.ids import unique_id


@pytest.fixture(params=["fake", "dynamodb"])
def applications(request):
    if request.param == "fake":
        return fakes.FakeApplicationRepository()
    return request.getfixturevalue("deps").applications


def _window(year: int) -> Window:
    return Window.create(year, datetime(year, 3, 1, 9, tzinfo=SHANGHAI), datetime(year, 4, 1, tzinfo=SHANGHAI))


def _asked(applications, window: Window, asked_at: datetime) -> Application:
    """A stored application of `window`: rejected by rev1, expired the day before `asked_at`, when
    its reconsideration is asked."""
    person = Practitioner(unique_id("15"), "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT,
                          window.year - 1)
    at = window.opens_at + timedelta(days=1)
    application = Application.start(uuid.uuid4().hex, person, evaluate(person, [], [], window).verdict(
        RegistrationType.FIRST), window, at, actor="applicant")
    approvals.complete(application, window, at)
    application.submit(at, window, declaration=True, actor="applicant")
    application.claim("rev1", at)
    application.reject("rev1", at, "照片不清晰", window=window)
    application.pull_events()
    applications.add(application)
    stored = applications.get(application.application_id)
    stored.expire(asked_at - timedelta(days=1))
    applications.save(stored)
    stored.request_reconsideration("请复核", asked_at, actor="applicant")
    stored.pull_events()
    applications.save(stored)
    return applications.get(application.application_id)


def _walk(applications, limit: int) -> list[str]:
    ids, position = [], None
    while True:
        page = applications.reconsideration_page(position, limit)
        assert len(page.items) <= limit
        ids += [a.application_id for a in page.items]
        position = page.position
        if position is None:
            return ids


def test_requests_of_every_window_are_listed_oldest_request_first_a_page_at_a_time(applications):
    earlier, later = _window(2093), _window(2096)
    base = later.closes_at + timedelta(days=1)
    third = _asked(applications, later, base + timedelta(hours=3))
    first = _asked(applications, earlier, base + timedelta(hours=1))
    second = _asked(applications, later, base + timedelta(hours=2))
    mine = {first.application_id, second.application_id, third.application_id}
    listed = [i for i in _walk(applications, 2) if i in mine]
    assert listed == [first.application_id, second.application_id, third.application_id]
    assert all(a.status is ApplicationStatus.RECONSIDERATION_REQUESTED
               for a in applications.reconsideration_page(None, 50).items)


def test_a_decided_request_leaves_the_queue_and_its_decision_and_fix_period_are_kept(applications):
    window = _window(2099)
    asked = _asked(applications, window, window.closes_at + timedelta(days=2))
    decided = window.closes_at + timedelta(days=3)
    asked.decide_reconsideration("rev2", ReconsiderationOutcome.REOPEN, "请补充", decided)
    asked.pull_events()
    applications.save(asked)
    assert asked.application_id not in _walk(applications, 50)
    stored = applications.get(asked.application_id)
    assert (stored.status, stored.reconsideration.outcome, stored.reconsideration.rejected_by) == (
        ApplicationStatus.REJECTED, ReconsiderationOutcome.REOPEN, "rev1")
    assert stored.fix_until == decided + timedelta(days=7)


def test_the_window_queue_is_never_asked_for_pending_reconsiderations(applications):
    with pytest.raises(ValueError):
        applications.queue_page(2099, ApplicationStatus.RECONSIDERATION_REQUESTED, None, None, 10)
