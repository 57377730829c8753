"""The operators' exports (services/exports.py) on the fakes: which applications a window's file
holds, what each row says, the audit of every export, and the counts."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.commands import StatsQuery, Submit
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services import applicant, exports, review
from tests.unit.services.world import CLOSES_AT, NOW, YEAR

AFTER_CLOSE = CLOSES_AT + timedelta(days=30)


def _ids(deps, export) -> list[str]:
    return [a.application_id for a in exports.applications(deps, export, page_size=2)]


def _by_id(deps, export) -> dict[str, dict[str, str]]:
    rows = [dict(zip(exports.COLUMNS, row)) for row in exports.start(deps, export, "op", NOW)]
    return {row["application_id"]: row for row in rows}


def _expire(deps, application_id: str) -> None:
    application = deps.applications.get(application_id)
    application.expire(AFTER_CLOSE)
    deps.applications.save(application)


@pytest.fixture
def window_of_every_kind(world):
    """One application in each state an export can meet, by name."""
    reviewer, deps = world.reviewer(), world.deps
    apps = {
        "draft": world.draft(world.applicant()),
        "submitted": world.submitted(world.applicant()),
        "in_review": world.in_review(world.applicant(), reviewer),
        "approved": world.approved(world.applicant(), reviewer),
        "rejected": world.rejected(world.applicant(), reviewer),
    }
    person = world.applicant()
    discarded = world.draft(person, complete=False)
    apps["discarded"] = applicant.discard(deps, person, discarded.application_id, NOW)
    apps["expired_draft"] = world.draft(world.applicant(), complete=False)
    _expire(deps, apps["expired_draft"].application_id)
    apps["expired_after_rejection"] = world.rejected(world.applicant(), reviewer)
    _expire(deps, apps["expired_after_rejection"].application_id)
    certified = world.approved(world.applicant(), reviewer)
    certified.certify("BJ2026000001", NOW + timedelta(days=40))
    deps.applications.save(certified)
    apps["certified"] = certified
    return {name: app.application_id for name, app in apps.items()}


def test_a_default_export_holds_every_submitted_application_and_no_draft(world, window_of_every_kind):
    ids = _ids(world.deps, exports.ApplicationExport(YEAR))
    expected = {name: i for name, i in window_of_every_kind.items()
                if name not in ("draft", "discarded", "expired_draft")}
    assert sorted(ids) == sorted(expected.values())
    assert len(ids) == len(set(ids))


def test_a_status_asked_for_by_name_exports_all_of_it_drafts_included(world, window_of_every_kind):
    apps, deps = window_of_every_kind, world.deps
    assert _ids(deps, exports.ApplicationExport(YEAR, ApplicationStatus.DRAFT)) == [apps["draft"]]
    assert _ids(deps, exports.ApplicationExport(YEAR, ApplicationStatus.DISCARDED)) == [apps["discarded"]]
    assert sorted(_ids(deps, exports.ApplicationExport(YEAR, ApplicationStatus.EXPIRED))) == sorted(
        [apps["expired_draft"], apps["expired_after_rejection"]])
    assert _ids(deps, exports.ApplicationExport(YEAR, ApplicationStatus.SUBMITTED)) == [apps["submitted"]]


def test_a_row_names_types_states_and_choices_in_chinese_with_full_id_number_and_phone(world):
    person, reviewer = world.applicant("李建国"), world.reviewer("rev7")
    approved = world.approved(person, reviewer, phone="13912345678", kind=RegistrationType.FIRST)
    row = _by_id(world.deps, exports.ApplicationExport(YEAR))[approved.application_id]
    decided = (NOW + timedelta(minutes=5)).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert row == {
        "application_id": approved.application_id, "type": "首登记", "status": "审核通过",
        "submitted_at": NOW.strftime("%Y-%m-%d %H:%M"), "decided_at": decided, "reviewer": "rev7",
        "name": "李建国", "id_number": person.id_number, "phone": "13912345678", "employer": "西城社工",
        "district": "西城区", "education": "大学本科", "pickup_method": "电子证", "registration_no": "",
    }


def test_the_header_names_each_column_in_chinese_as_the_form_does():
    header = dict(zip(exports.COLUMNS, exports.header()))
    assert header["id_number"] == "身份证号" and header["registration_no"] == "登记证书编号"
    assert header["employer"] == "工作单位" and header["pickup_method"] == "取证方式"
    assert len(set(header.values())) == len(exports.COLUMNS)


def test_an_application_in_review_shows_its_holder_and_no_decision(world):
    in_review = world.in_review(world.applicant(), world.reviewer("rev2"))
    row = _by_id(world.deps, exports.ApplicationExport(YEAR))[in_review.application_id]
    assert (row["status"], row["reviewer"], row["decided_at"]) == ("审核中", "rev2", "")


def test_a_resubmitted_application_shows_nothing_of_the_rejection_before_it(world):
    person = world.applicant()
    rejected = world.rejected(person, world.reviewer())
    resubmitted = applicant.submit(world.deps, person, rejected.application_id, Submit(True),
                                   NOW + timedelta(hours=1))
    row = _by_id(world.deps, exports.ApplicationExport(YEAR))[resubmitted.application_id]
    assert (row["status"], row["reviewer"], row["decided_at"]) == ("已提交", "", "")


def test_a_certified_application_carries_its_registration_number(world, window_of_every_kind):
    rows = _by_id(world.deps, exports.ApplicationExport(YEAR, ApplicationStatus.CERTIFIED))
    assert rows[window_of_every_kind["certified"]]["registration_no"] == "BJ2026000001"
    assert rows[window_of_every_kind["certified"]]["status"] == "已发证"


def test_another_windows_applications_stay_out_even_from_the_cross_window_reconsideration_queue(world):
    reviewer, deps = world.reviewer(), world.deps
    here = world.rejected(world.applicant(), reviewer)
    other_year = YEAR + 1
    deps.windows.put(Window.create(other_year, datetime(other_year, 3, 1, 9, tzinfo=SHANGHAI),
                                   datetime(other_year, 4, 1, tzinfo=SHANGHAI)))
    there = deps.applications.get(here.application_id)
    there.window_year = other_year
    there.application_id = "elsewhere"
    deps.applications.items["elsewhere"] = there
    for application_id in (here.application_id, "elsewhere"):
        application = deps.applications.get(application_id)
        application.expire(AFTER_CLOSE)
        application.request_reconsideration("审核意见有误", AFTER_CLOSE + timedelta(days=1), actor="applicant")
        deps.applications.save(application)
    asked = exports.ApplicationExport(YEAR, ApplicationStatus.RECONSIDERATION_REQUESTED)
    assert _ids(deps, asked) == [here.application_id]
    assert _ids(deps, exports.ApplicationExport(YEAR)) == [here.application_id]


def test_every_page_of_a_large_window_is_exported_once(world):
    reviewer = world.reviewer()
    made = {world.submitted(world.applicant(), NOW + timedelta(minutes=i)).application_id for i in range(5)}
    made |= {world.approved(world.applicant(), reviewer).application_id for _ in range(3)}
    assert sorted(_ids(world.deps, exports.ApplicationExport(YEAR))) == sorted(made)


def test_an_unknown_status_is_refused_naming_every_allowed_one():
    with pytest.raises(ValidationError) as refused:
        exports.ApplicationExport.from_args(YEAR, "approve")
    assert refused.value.code == "EXPORT_QUERY_INVALID"
    reason = refused.value.details["status"]
    assert reason.startswith("--status 只能是")
    assert all(f"{s.value}（{s.chinese}）" in reason for s in ApplicationStatus)


def test_a_status_can_be_asked_for_by_its_chinese_name():
    assert exports.ApplicationExport.from_args(YEAR, "审核通过").status is ApplicationStatus.APPROVED
    assert exports.ApplicationExport.from_args(YEAR, "in_review").status is ApplicationStatus.IN_REVIEW
    assert exports.ApplicationExport.from_args(YEAR, None).status is None


def test_every_export_is_audited_when_it_starts_and_ends_without_anyones_data(world):
    person = world.applicant()
    submitted = world.submitted(person, phone="13700001111")
    export = exports.ApplicationExport(YEAR)
    rows = exports.start(world.deps, export, "zhang.san", NOW)
    assert len(world.deps.audit.entries[exports.AUDIT_SUBJECT]) == 1  # before any row is read
    written = list(rows)
    exports.finish(world.deps, export, "zhang.san", len(written), NOW + timedelta(seconds=3))
    entries = world.deps.audit.page(exports.AUDIT_SUBJECT, None, 10).items
    assert [e.actor for e in entries] == ["zhang.san", "zhang.san"]
    assert entries[0].action.endswith(f"window {YEAR}, status submitted+: 1 rows written")
    for entry in entries:
        assert person.id_number not in entry.action and "13700001111" not in entry.action
        assert submitted.name not in entry.action


def test_the_expected_size_counts_the_exported_statuses(world, window_of_every_kind):
    deps = world.deps
    # submitted, in review, approved, rejected, both expired, certified: expired drafts counted too ("about")
    assert exports.expected(deps, exports.ApplicationExport(YEAR)) == 7
    assert exports.expected(deps, exports.ApplicationExport(YEAR, ApplicationStatus.DRAFT)) == 1
    assert exports.expected(deps, exports.ApplicationExport(YEAR + 5)) == 0


def test_stats_are_the_reviewers_counts(world, window_of_every_kind):
    counts = exports.stats(world.deps, YEAR, NOW)
    assert counts == review.stats(world.deps, StatsQuery(window=YEAR), NOW)
    assert counts["by_status"]["expired"] == 2 and counts["by_type"]["first"] == 9
