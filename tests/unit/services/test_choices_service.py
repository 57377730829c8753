"""Discarding a draft, warned type choices and the profile's CE progress, as services on the fakes."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.commands import CreateApplication, Submit
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import (
    ConcurrentUpdateError, ConflictError, InvalidTransitionError, NotFoundError, RuleViolationError)
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import UploadKey
from chalicelib.domain.register import CeRecord
from chalicelib.services import applicant
from tests.fakes import FakeObjectStore
from tests.unit.services.world import NOW, YEAR

T = RegistrationType


def test_a_discarded_draft_frees_the_window_for_another_type(world, fakes):
    account = world.applicant(registered_in=YEAR - 3)
    draft = applicant.create_application(fakes, account, CreateApplication(T.REISSUE, True), NOW)
    with pytest.raises(ConflictError):
        applicant.create_application(fakes, account, CreateApplication(T.RENEWAL), NOW)
    discarded = applicant.discard(fakes, account, draft.application_id, NOW + timedelta(minutes=1))
    assert discarded.status is ApplicationStatus.DISCARDED
    stored = fakes.applications.get(draft.application_id)
    assert (stored.status, stored.history[-1].actor) == (ApplicationStatus.DISCARDED, account.account_id)
    renewal = applicant.create_application(fakes, account, CreateApplication(T.RENEWAL), NOW + timedelta(minutes=2))
    assert renewal.status is ApplicationStatus.DRAFT
    mine = applicant.list_applications(fakes, account, None).items
    assert {(a.type, a.status) for a in mine} == {(T.REISSUE, ApplicationStatus.DISCARDED),
                                                   (T.RENEWAL, ApplicationStatus.DRAFT)}


def test_discarding_deletes_every_object_under_the_applications_prefixes_and_nothing_else(world, fakes):
    account = world.applicant()
    draft = world.draft(account)
    pending = UploadKey.issue(fakes.keys.uploads, draft.application_id, MaterialKind.ID_PHOTO, NOW).key
    fakes.files.write(pending, b"raw", "image/jpeg")
    other = world.draft(world.applicant())
    kept = "certificates/BJ2023000001.png"
    fakes.files.write(kept, b"png", "image/png")
    assert any(draft.application_id in key for key in fakes.files.objects)
    applicant.discard(fakes, account, draft.application_id, NOW)
    assert not any(draft.application_id in key for key in fakes.files.objects)
    assert kept in fakes.files.objects
    assert any(other.application_id in key for key in fakes.files.objects)
    assert fakes.applications.get(draft.application_id).materials == {}


class _BrokenStore(FakeObjectStore):
    def delete_many(self, keys):
        raise ConnectionError("S3 is down")


def test_a_failed_object_deletion_leaves_the_discard_standing(world, fakes):
    account = world.applicant()
    draft = world.draft(account)
    broken = dataclasses.replace(fakes, files=_BrokenStore())
    broken.files.objects = dict(fakes.files.objects)
    applicant.discard(broken, account, draft.application_id, NOW)
    assert fakes.applications.get(draft.application_id).status is ApplicationStatus.DISCARDED
    applicant.create_application(fakes, account, CreateApplication(T.FIRST), NOW)


def test_someone_elses_draft_is_not_found_and_a_submitted_one_cannot_be_discarded(world, fakes):
    owner, stranger = world.applicant(), world.applicant()
    draft = world.draft(owner, complete=False)
    with pytest.raises(NotFoundError):
        applicant.discard(fakes, stranger, draft.application_id, NOW)
    submitter = world.applicant()
    submitted = world.submitted(submitter)
    with pytest.raises(InvalidTransitionError):
        applicant.discard(fakes, submitter, submitted.application_id, NOW)
    assert fakes.applications.get(draft.application_id).status is ApplicationStatus.DRAFT
    assert fakes.applications.get(submitted.application_id).status is ApplicationStatus.SUBMITTED


def test_a_stale_discard_loses_to_a_submit_and_keeps_the_guard(world, fakes):
    account = world.applicant()
    draft = world.draft(account)
    stale = fakes.applications.get(draft.application_id)
    won = applicant.submit(fakes, account, draft.application_id, Submit(True), NOW)
    stale.discard(NOW, actor=account.account_id)
    with pytest.raises(ConcurrentUpdateError):
        fakes.applications.save_discarded(stale)
    assert fakes.applications.get(draft.application_id).status is ApplicationStatus.SUBMITTED
    assert won.status is ApplicationStatus.SUBMITTED
    with pytest.raises(ConflictError) as again:
        applicant.create_application(fakes, account, CreateApplication(T.FIRST), NOW)
    assert again.value.code == "LIVE_APPLICATION_EXISTS"


# --- warnings ----------------------------------------------------------------------

def test_a_reissue_while_a_renewal_is_due_needs_the_acknowledgement(world, fakes):
    account = world.applicant(registered_in=YEAR - 3)
    answer = applicant.eligibility(fakes, account, NOW)
    assert [w.code for w in answer.eligibility.verdict(T.REISSUE).warnings] == ["REISSUE_WHILE_DUE"]
    with pytest.raises(RuleViolationError) as refused:
        applicant.create_application(fakes, account, CreateApplication(T.REISSUE), NOW)
    assert refused.value.code == "WARNING_NOT_ACKNOWLEDGED"
    assert fakes.applications.items == {}
    created = applicant.create_application(fakes, account, CreateApplication(T.REISSUE, True), NOW)
    assert created.type is T.REISSUE


def test_an_ineligible_type_is_refused_for_its_reason_whatever_the_acknowledgement(world, fakes):
    account = world.applicant(registered_in=YEAR - 3)
    with pytest.raises(RuleViolationError) as refused:
        applicant.create_application(fakes, account, CreateApplication(T.FIRST, True), NOW)
    assert refused.value.code == "TYPE_NOT_ELIGIBLE"


# --- CE progress -------------------------------------------------------------------

def test_the_profile_shows_the_current_cycles_ce_hours(world, fakes):
    account = world.applicant(registered_in=YEAR - 3)
    fakes.register.upsert_ce_records([
        CeRecord(account.id_number, date(YEAR - 3, 6, 1), Decimal(30), "旧课程", "机构"),
        CeRecord(account.id_number, date(YEAR - 1, 6, 1), Decimal("58"), "课程", "机构")])
    profile = applicant.profile(fakes, account, NOW)
    assert (profile.ce.display, profile.ce.cycle_start_year) == ("58/90", YEAR - 2)
    assert applicant.profile(fakes, world.applicant(in_register=False), NOW).ce is None
