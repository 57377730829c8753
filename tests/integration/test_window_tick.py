"""The `window-tick` job against DynamoDB Local's queue index, the CLI and the schedule; its
rules (expiry, reminders, budgets, skips) are proved on fakes in tests/unit/services/test_window_jobs.py.

Each test opens a window of its own year (odd years 2001–2019, drawn without
replacement, so neither a window nor the year before it — which the job also
looks at — is another test's) and passes explicit clocks.
"""
from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest

from chalicelib.cli import main
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner
from chalicelib.domain.windows import Window
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.services.window_jobs import window_tick
from tests import approvals
from tests.fakes import FakeClock
from tests.ids import unique_id

_YEARS = iter(random.sample(range(2001, 2021, 2), 10))
NOTHING = {"expired": 0, "reminded": 0, "skipped": 0}


@pytest.fixture
def window(deps) -> Window:
    return approvals.spring_window(deps, next(_YEARS))


def _application(deps, window: Window, status: ApplicationStatus = ApplicationStatus.DRAFT,
                 fields: dict | None = None) -> Application:
    """A first registration in `window`, driven through the domain to `status` and stored."""
    id_number = unique_id("13")
    person = Practitioner(id_number, "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, window.year - 1)
    deps.register.upsert_practitioners([person])
    at = window.opens_at + timedelta(days=1)
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, at, actor="applicant")
    if fields:
        application.update_fields(fields, at, window)
    if status is not ApplicationStatus.DRAFT:
        approvals.complete(application, window, at)
        application.submit(at, window, declaration=True, actor="applicant")
    if status in (ApplicationStatus.IN_REVIEW, ApplicationStatus.REJECTED):
        application.claim("rev1", at)
    if status is ApplicationStatus.REJECTED:
        application.reject("rev1", at, "照片不清晰", [{"item": "id_photo", "note": "请上传免冠照"}])
    application.pull_events()
    deps.applications.add(application)
    assert application.status is status
    return deps.applications.get(application.application_id)


def _titles(deps, application: Application) -> list[str]:
    return [m.title for m in deps.messages.list(application.id_number, None, 50).items]


def _texts_to(deps, phone: str, window: Window) -> list[str]:
    """Outbox rows for `phone`; due in the window's (long past) year, so the oldest rows."""
    rows = deps.outbox.due(OutboxStatus.PENDING, window.closes_at + timedelta(days=30), 1000)
    return [row.text for row in rows if row.phone == phone]


def test_a_draft_expires_when_its_window_closes_not_a_second_before(deps, window):
    phone = approvals.phone()
    draft = _application(deps, window, fields={"phone": phone})
    close = window.closes_at

    window_tick(deps, close - timedelta(seconds=1))
    assert deps.applications.get(draft.application_id).status is ApplicationStatus.DRAFT

    assert window_tick(deps, close)["expired"] == 1
    expired = deps.applications.get(draft.application_id)
    assert expired.status is ApplicationStatus.EXPIRED
    last = expired.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.at) == (
        ApplicationStatus.DRAFT, ApplicationStatus.EXPIRED, "system", close)
    assert _titles(deps, draft)[0] == "登记申请已过期"
    assert any("申请已过期" in text for text in _texts_to(deps, phone, window))

    assert window_tick(deps, close + timedelta(seconds=1)) == NOTHING
    assert deps.applications.get(draft.application_id).version == expired.version


def test_rejected_ones_expire_while_submitted_and_in_review_ones_stay_reviewable_and_a_rerun_changes_nothing(
        deps, window):
    apps = {status: _application(deps, window, status) for status in (
        ApplicationStatus.DRAFT, ApplicationStatus.REJECTED, ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_REVIEW)}
    after = window.closes_at + timedelta(hours=1)

    assert window_tick(deps, after) == {"expired": 2, "reminded": 0, "skipped": 0}
    first = {status: deps.applications.get(app.application_id) for status, app in apps.items()}
    assert {status: app.status for status, app in first.items()} == {
        ApplicationStatus.DRAFT: ApplicationStatus.EXPIRED, ApplicationStatus.REJECTED: ApplicationStatus.EXPIRED,
        ApplicationStatus.SUBMITTED: ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_REVIEW: ApplicationStatus.IN_REVIEW}
    for status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
        assert first[status].version == apps[status].version
    assert [r.outcome.value for r in first[ApplicationStatus.REJECTED].review_rounds] == ["rejected"]

    assert window_tick(deps, after + timedelta(minutes=5)) == NOTHING
    assert {s: deps.applications.get(a.application_id).version for s, a in apps.items()} == {
        s: a.version for s, a in first.items()}


class _RacingApplications:
    """The real repository, except that right after a page naming `victim` is read,
    someone else saves `victim` (once) — a real concurrent update."""

    def __init__(self, real, victim: str) -> None:
        self._real, self._victim = real, victim

    def queue_page(self, *args):
        page = self._real.queue_page(*args)
        if self._victim in {a.application_id for a in page.items}:
            self._real.save(self._real.get(self._victim))
            self._victim = None
        return page

    def __getattr__(self, name):
        return getattr(self._real, name)


def test_swreg_jobs_run_window_tick_takes_a_clock(deps, window, capsys):
    draft = _application(deps, window)
    args = ["--stage", "test", "jobs", "run", "window-tick", "--now"]
    assert main(args + [f"{window.year}-03-31T23:59:59"]) == 0
    assert "expired 0, reminded 1, skipped 0" in capsys.readouterr().out
    assert main(args + [f"{window.year}-04-01T00:00"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"window-tick as of {window.year}-04-01T00:00:00+08:00: ")
    assert "expired 1, reminded 0, skipped 0" in out
    assert deps.applications.get(draft.application_id).status is ApplicationStatus.EXPIRED


def _scheduled_event(client):
    return client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, region="us-east-1",
        resources=["arn:aws:events:us-east-1:123456789012:rule/window-tick"])


def test_the_schedule_runs_every_five_minutes_and_expires_through_the_lambda_handler(
        client, deps, window, swap):
    from chalice.app import ScheduledEventConfig

    from app import app
    schedules = {s.name: s.schedule_expression for s in app.event_sources
                 if isinstance(s, ScheduledEventConfig)}
    assert schedules["window-tick"] == "rate(5 minutes)"

    draft = _application(deps, window)
    # The handler reads the `Clock` port once; it stands just after this window's close.
    swap(clock=FakeClock(window.closes_at + timedelta(minutes=3)))
    assert client.lambda_.invoke("window-tick", _scheduled_event(client)).payload == {
        "expired": 1, "reminded": 0, "skipped": 0}
    assert client.lambda_.invoke("window-tick", _scheduled_event(client)).payload == NOTHING
    assert deps.applications.get(draft.application_id).status is ApplicationStatus.EXPIRED
