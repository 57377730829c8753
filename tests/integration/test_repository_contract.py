"""One set of assertions, run on the in-memory fakes and on the DynamoDB Local repositories."""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.levels import Level
from chalicelib.domain.ports import Page
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests import fakes
from tests.ids import make_id, unique_id


@pytest.fixture(params=["fake", "dynamodb"])
def repos(request):
    if request.param == "fake":
        return fakes.FakeRegisterRepository(), fakes.FakeWindowRepository(), fakes.FakeApplicationRepository()
    deps = request.getfixturevalue("deps")
    return deps.register, deps.windows, deps.applications


@pytest.fixture(params=["fake", "dynamodb"])
def audit_log(request):
    if request.param == "fake":
        return fakes.FakeAuditLog()
    return request.getfixturevalue("deps").audit


def _person(seq: int, **changes) -> Practitioner:
    values = dict(id_number=make_id(seq=seq), name="周晓梅", certificate_no=f"Z2019{seq:07d}",
                  level=Level.ASSISTANT, qualification_year=2018)
    values.update(changes)
    return Practitioner(**values)


# Window years only these tests use: the tests share one DynamoDB Local, and jobs that sweep a year (window-tick,
# the certificate run) would meet these tests' drafts in theirs (window-tick 2001–2019, certificates 1998–2000 and
# 2031–2050, fix period and reconsideration 2052–2099). Each test takes one its own earlier runs left free.
OWN_YEARS = range(1991, 1996)


def _fresh_seq() -> int:
    return uuid.uuid4().int % 1000


def test_practitioner_upserts_count_new_changed_and_identical_rows(repos):
    register, _, _ = repos
    region = f"1101{uuid.uuid4().int % 90 + 10:02d}"
    a = Practitioner(id_number=make_id(region=region, seq=1), name="周晓梅", certificate_no="Z1",
                     level=Level.ASSISTANT, qualification_year=2018)
    b = Practitioner(id_number=make_id(region=region, seq=3), name="阿依古丽·买买提", certificate_no="Z2",
                     level=Level.SENIOR, qualification_year=2015)
    counts = register.upsert_practitioners([a, b])
    assert (counts.imported, counts.updated, counts.unchanged) == (2, 0, 0)
    moved = Practitioner(**{**a.__dict__, "certificate_no": "Z9"})
    counts = register.upsert_practitioners([moved, b])
    assert (counts.imported, counts.updated, counts.unchanged) == (0, 1, 1)
    assert register.get_practitioner(a.id_number) == moved
    assert register.get_practitioner(b.id_number).name == "阿依古丽·买买提"
    assert register.get_practitioner(make_id(region=region, seq=5)) is None


def test_a_key_repeated_in_one_batch_keeps_the_last_row(repos):
    register, _, _ = repos
    region = f"1102{uuid.uuid4().int % 90 + 10:02d}"
    first = Practitioner(id_number=make_id(region=region), name="李雷", certificate_no="A",
                         level=Level.INTERMEDIATE, qualification_year=2020)
    second = Practitioner(**{**first.__dict__, "name": "李蕾"})
    counts = register.upsert_practitioners([first, second])
    assert counts.imported == 1
    assert register.get_practitioner(first.id_number).name == "李蕾"


def test_registrations_and_ce_records_are_listed_per_person(repos):
    register, _, _ = repos
    person = unique_id("1103")
    register.upsert_registrations([Registration(person, 2019, "BJ2019-000001"),
                                   Registration(person, 2016, "BJ2016-000001")])
    course = CeRecord(person, date(2020, 5, 1), Decimal("12.5"), "社会工作伦理", "北京社工协会")
    counts = register.upsert_ce_records([course, course])
    assert counts.imported == 1
    assert register.upsert_ce_records([course]).unchanged == 1
    assert [r.registration_year for r in register.registrations_of(person)] == [2016, 2019]
    assert register.ce_records_of(person) == [course]


def test_windows_are_created_then_moved(repos):
    _, windows, _ = repos
    year = next(y for y in random.sample(OWN_YEARS, len(OWN_YEARS)) if not list(windows.around(y)))
    opens = datetime(year, 3, 1, 9, 0, tzinfo=SHANGHAI)
    assert windows.put(Window(year, opens, opens + timedelta(days=30))) is True
    assert windows.put(Window(year, opens, opens + timedelta(days=31))) is False
    stored = windows.get(year)
    assert stored.closes_at == opens + timedelta(days=31)
    assert stored.closes_at.utcoffset() == timedelta(hours=8)
    assert [w.year for w in windows.around(year)] == [year]
    assert windows.get(year + 1) is None


def _draft(now: datetime) -> Application:
    person = _person(_fresh_seq(), id_number=unique_id("1104"),
                     qualification_year=now.year - 1)
    window = Window(now.year, now - timedelta(days=1), now + timedelta(days=30))
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    return Application.start(str(uuid.uuid4()), person, verdict, window, now, actor=person.id_number)


NOW = datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI)


def test_an_application_round_trips_whole(repos):
    _, _, applications = repos
    draft = _draft(NOW)
    draft.update_fields({"phone": "13812345678", "district": "海淀区",
                         "mailing_address": {"recipient": "周晓梅", "postal_code": "100080"}},
                        NOW, Window(NOW.year, NOW - timedelta(days=1), NOW + timedelta(days=30)))
    draft.start_upload("id_photo", "upload-1", NOW)
    applications.add(draft)
    loaded = applications.get(draft.application_id)
    assert loaded == draft
    assert loaded.version == draft.version == 1


def test_a_second_application_for_the_same_window_is_refused(repos):
    _, _, applications = repos
    first = _draft(NOW)
    applications.add(first)
    again = _draft(NOW)
    again.id_number = first.id_number
    with pytest.raises(ConflictError) as caught:
        applications.add(again)
    assert caught.value.code == "LIVE_APPLICATION_EXISTS"
    with pytest.raises(NotFoundError):
        applications.get(again.application_id)


def test_a_stale_copy_cannot_overwrite_a_newer_save(repos):
    _, _, applications = repos
    draft = _draft(NOW)
    applications.add(draft)
    mine, theirs = applications.get(draft.application_id), applications.get(draft.application_id)
    window = Window(NOW.year, NOW - timedelta(days=1), NOW + timedelta(days=30))
    theirs.update_fields({"employer": "朝阳区社工事务所"}, NOW, window)
    applications.save(theirs)
    mine.update_fields({"employer": "海淀区社工服务中心"}, NOW, window)
    with pytest.raises(ConcurrentUpdateError):
        applications.save(mine)
    assert applications.get(draft.application_id).fields.employer == "朝阳区社工事务所"


def test_an_applicants_history_is_paged_newest_first(repos):
    _, _, applications = repos
    drafts = []
    for offset in range(3):
        draft = _draft(NOW.replace(year=2030 + offset))
        if drafts:
            draft.id_number = drafts[0].id_number
        applications.add(draft)
        drafts.append(draft)
    pages, position = [], None
    while True:
        page = applications.list_for_applicant(drafts[0].id_number, position, 2)
        pages.append([a.application_id for a in page.items])
        position = page.position
        if position is None:
            break
        assert drafts[0].id_number not in position  # the partition value comes from the caller
    assert pages == [[drafts[2].application_id, drafts[1].application_id], [drafts[0].application_id]]


def test_the_last_page_has_no_position_even_when_the_list_fills_it_exactly(repos):
    _, _, applications = repos
    first = _draft(NOW.replace(year=2030))
    second = _draft(NOW.replace(year=2031))
    second.id_number = first.id_number
    applications.add(first)
    applications.add(second)
    page = applications.list_for_applicant(first.id_number, None, 2)
    assert [a.application_id for a in page.items] == [second.application_id, first.application_id]
    assert page.position is None


def _year_without_applications(applications) -> int:
    return next(y for y in random.sample(OWN_YEARS, len(OWN_YEARS)) if not applications.counts(y))


def test_a_window_queue_is_paged_oldest_first(repos):
    _, _, applications = repos
    year = _year_without_applications(applications)
    drafts = [_draft(NOW.replace(year=year) + timedelta(minutes=m)) for m in (3, 1, 2, 5, 4)]
    for draft in drafts:
        applications.add(draft)
    oldest_first = [d.application_id for d in sorted(drafts, key=lambda d: d.created_at)]
    pages, position = [], None
    while True:
        page = applications.queue_page(year, ApplicationStatus.DRAFT, None, position, 2)
        pages.append([a.application_id for a in page.items])
        position = page.position
        if position is None:
            break
        assert all(d.id_number not in position for d in drafts)
    assert pages == [oldest_first[0:2], oldest_first[2:4], oldest_first[4:]]
    by_type = applications.queue_page(year, ApplicationStatus.DRAFT, RegistrationType.FIRST, None, 10)
    assert [a.application_id for a in by_type.items] == oldest_first and by_type.position is None
    assert applications.queue_page(year, ApplicationStatus.SUBMITTED, None, None, 10).items == []


def test_a_windows_applications_are_counted_by_status_and_type(repos):
    _, _, applications = repos
    year = _year_without_applications(applications)
    for minute in range(3):
        applications.add(_draft(NOW.replace(year=year) + timedelta(minutes=minute)))
    assert applications.counts(year) == {(ApplicationStatus.DRAFT, RegistrationType.FIRST): 3}
    assert applications.counts(1989) == {}  # before the first window year (1990): no test's applications


def test_an_audit_log_is_read_a_bounded_page_at_a_time_newest_first(audit_log):
    subject = str(uuid.uuid4())
    for minute in range(5):
        audit_log.record(subject, f"rev{minute}", "viewed", NOW + timedelta(minutes=minute))
    pages, position = [], None
    while True:
        page = audit_log.page(subject, position, 2)
        pages.append([entry.actor for entry in page.items])
        position = page.position
        if position is None:
            break
        assert subject not in position
    assert pages == [["rev4", "rev3"], ["rev2", "rev1"], ["rev0"]]
    newest = audit_log.page(subject, None, 1).items[0]
    assert (newest.at, newest.action) == (NOW + timedelta(minutes=4), "viewed")
    assert audit_log.page(str(uuid.uuid4()), None, 2) == Page([], None)


def test_an_unknown_application_is_not_found(repos):
    with pytest.raises(NotFoundError):
        repos[2].get("no-such-application")


def test_concurrent_creations_for_one_window_leave_exactly_one(deps):
    from concurrent.futures import ThreadPoolExecutor
    first = _draft(NOW)
    rivals = [first] + [_draft(NOW) for _ in range(5)]
    for rival in rivals[1:]:
        rival.id_number = first.id_number

    def add(application):
        try:
            deps.applications.add(application)
            return "created"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(len(rivals)) as pool:
        outcomes = list(pool.map(add, rivals))
    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    assert len(deps.applications.list_for_applicant(first.id_number, None, 10).items) == 1


def _window(now: datetime) -> Window:
    return Window(now.year, now - timedelta(days=1), now + timedelta(days=30))


def _another_type(draft: Application) -> Application:
    """A second draft of the same practitioner in the same window."""
    again = _draft(NOW)
    again.id_number = draft.id_number
    return again


def test_a_discarded_draft_releases_the_window_in_the_same_write(repos):
    _, _, applications = repos
    draft = _draft(NOW)
    applications.add(draft)
    draft.discard(NOW, actor="applicant")
    applications.save_discarded(draft)
    assert applications.get(draft.application_id).status is ApplicationStatus.DISCARDED
    assert draft.version == 2
    second = _another_type(draft)
    applications.add(second)
    with pytest.raises(ConflictError):
        applications.add(_another_type(draft))
    assert {a.status for a in applications.list_for_applicant(draft.id_number, None, 10).items} == {
        ApplicationStatus.DISCARDED, ApplicationStatus.DRAFT}


def test_a_discard_from_a_stale_copy_changes_nothing_and_keeps_the_guard(repos):
    _, _, applications = repos
    draft = _draft(NOW)
    applications.add(draft)
    stale, fresh = applications.get(draft.application_id), applications.get(draft.application_id)
    fresh.update_fields({"employer": "朝阳区社工事务所"}, NOW, _window(NOW))
    applications.save(fresh)
    stale.discard(NOW, actor="applicant")
    with pytest.raises(ConcurrentUpdateError):
        applications.save_discarded(stale)
    assert applications.get(draft.application_id).status is ApplicationStatus.DRAFT
    with pytest.raises(ConflictError):
        applications.add(_another_type(draft))


def test_a_discard_racing_a_submit_leaves_exactly_one_of_them(repos):
    from concurrent.futures import ThreadPoolExecutor

    from tests import approvals
    _, _, applications = repos
    draft = _draft(NOW)
    approvals.complete(draft, _window(NOW), NOW)
    applications.add(draft)
    discarding, submitting = applications.get(draft.application_id), applications.get(draft.application_id)
    discarding.discard(NOW, actor="applicant")
    submitting.submit(NOW, _window(NOW), True, actor="applicant")

    def write(move):
        try:
            move()
            return "written"
        except ConcurrentUpdateError:
            return "refused"

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(write, (lambda: applications.save_discarded(discarding),
                                         lambda: applications.save(submitting))))
    assert sorted(outcomes) == ["refused", "written"]
    status = applications.get(draft.application_id).status
    rival = _another_type(draft)
    if outcomes[0] == "written":
        assert status is ApplicationStatus.DISCARDED
        applications.add(rival)
    else:
        assert status is ApplicationStatus.SUBMITTED
        with pytest.raises(ConflictError):
            applications.add(rival)
