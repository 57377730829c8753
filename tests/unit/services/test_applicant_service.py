"""The applicant's use cases on the fakes: create, save a draft, submit with notices, upload URLs, e-certificates."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.commands import CreateApplication, SaveDraft, Submit
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import (
    ConcurrentUpdateError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RuleViolationError,
)
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import UploadKey, certificate_keys
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services import applicant

from tests.unit.services.world import CLOSES_AT, NOW, YEAR

FIRST = CreateApplication(RegistrationType.FIRST)


def test_a_practitioner_in_the_register_starts_a_draft_for_the_open_window(world, fakes):
    account = world.applicant()
    created = applicant.create_application(fakes, account, FIRST, NOW)
    stored = fakes.applications.get(created.application_id)
    assert (stored.status, stored.type, stored.window_year, stored.id_number) == (
        ApplicationStatus.DRAFT, RegistrationType.FIRST, YEAR, account.id_number)
    assert [a.application_id for a in applicant.list_applications(fakes, account, None).items] == [
        created.application_id]


def test_a_second_application_for_the_same_window_is_refused(world, fakes):
    account = world.applicant()
    applicant.create_application(fakes, account, FIRST, NOW)
    with pytest.raises(ConflictError) as refused:
        applicant.create_application(fakes, account, FIRST, NOW)
    assert refused.value.code == "LIVE_APPLICATION_EXISTS"
    assert len(fakes.applications.items) == 1


def test_no_draft_is_started_for_someone_outside_the_register_or_when_no_window_is_open(world, fakes):
    with pytest.raises(RuleViolationError) as stranger:
        applicant.create_application(fakes, world.applicant(in_register=False), FIRST, NOW)
    with pytest.raises(RuleViolationError) as closed:
        applicant.create_application(fakes, world.applicant(), FIRST, CLOSES_AT)
    assert (stranger.value.code, closed.value.code) == ("NOT_IN_REGISTER", "NO_OPEN_WINDOW")
    assert fakes.applications.items == {}


def test_a_saved_draft_keeps_its_fields_and_a_stale_copy_cannot_overwrite_it(world, fakes):
    account = world.applicant()
    draft = world.draft(account, complete=False)
    applicant.update_application(fakes, account, draft.application_id, SaveDraft({"employer": "东城社工"}), NOW)
    stored = fakes.applications.get(draft.application_id)
    assert (stored.fields.employer, stored.version) == ("东城社工", draft.version + 1)
    draft.update_fields({"employer": "海淀社工"}, NOW, world.window)
    with pytest.raises(ConcurrentUpdateError):
        fakes.applications.save(draft)
    assert fakes.applications.get(draft.application_id).fields.employer == "东城社工"


def test_another_persons_application_is_not_found_like_an_unknown_one(world, fakes):
    draft = world.draft(world.applicant())
    with pytest.raises(NotFoundError):
        applicant.get_application(fakes, world.applicant("李雷"), draft.application_id)
    with pytest.raises(NotFoundError):
        applicant.update_application(fakes, world.applicant("李雷"), draft.application_id,
                                     SaveDraft({"employer": "x"}), NOW)
    with pytest.raises(NotFoundError):
        applicant.get_application(fakes, world.applicant(), "no-such-application")


def test_submitting_a_complete_draft_stores_the_status_with_its_message_and_its_sms(world, fakes):
    account = world.applicant()
    draft = world.draft(account, phone="13800138000")
    applicant.submit(fakes, account, draft.application_id, Submit(True), NOW)
    stored = fakes.applications.get(draft.application_id)
    assert (stored.status, stored.submitted_at, stored.history[-1].to_status) == (
        ApplicationStatus.SUBMITTED, NOW, ApplicationStatus.SUBMITTED)
    message, = world.messages_of(account)
    assert message.application_id == draft.application_id and not message.read
    assert world.texts_to("13800138000") == [texts.sms_text("ApplicationSubmitted")]
    assert world.texts_to(account.phone) == []


def test_an_incomplete_draft_or_a_missing_declaration_is_not_submitted_and_nobody_is_told(world, fakes):
    account = world.applicant()
    incomplete = world.draft(account, complete=False)
    with pytest.raises(RuleViolationError) as refused:
        applicant.submit(fakes, account, incomplete.application_id, Submit(False), NOW)
    assert refused.value.code == "SUBMIT_INCOMPLETE"
    assert {"declaration", "phone", "id_photo"} <= set(refused.value.details)
    assert fakes.applications.get(incomplete.application_id).status is ApplicationStatus.DRAFT
    assert world.messages_of(account) == [] and fakes.outbox.texts == {}


def test_reading_a_message_lowers_the_unread_count(world, fakes):
    account = world.applicant()
    world.submitted(account)
    page, unread = applicant.messages(fakes, account, None)
    assert unread == 1
    applicant.read_message(fakes, account, page.items[0].message_id)
    assert applicant.messages(fakes, account, None)[1] == 0


def test_an_upload_url_is_for_a_key_we_signed_and_changes_nothing_on_the_application(world, fakes):
    account = world.applicant()
    draft = world.draft(account, complete=False)
    answer = applicant.upload_url(fakes, account, draft.application_id, "id_photo", NOW)
    upload = UploadKey.parse(answer["fields"]["key"])
    assert (upload.application_id, upload.kind, upload.upload_id) == (
        draft.application_id, MaterialKind.ID_PHOTO, answer["upload_id"])
    assert upload.is_authentic(fakes.keys.uploads) and upload.issued_at == NOW
    assert (answer["max_bytes"], answer["expires_in"]) == (applicant.UPLOAD_MAX_BYTES, applicant.UPLOAD_EXPIRES_IN)
    assert fakes.applications.get(draft.application_id) == draft


def test_upload_urls_for_one_material_stop_at_the_daily_quota_until_midnight_in_beijing(world, fakes):
    account = world.applicant()
    draft = world.draft(account, complete=False)
    late = datetime(YEAR, 3, 10, 23, 59, 30, tzinfo=SHANGHAI)
    for _ in range(fakes.settings.upload_urls_per_material_per_day):
        applicant.upload_url(fakes, account, draft.application_id, "id_photo", late)
    with pytest.raises(RateLimitedError) as capped:
        applicant.upload_url(fakes, account, draft.application_id, "id_photo", late)
    assert (capped.value.code, capped.value.retry_after) == ("UPLOAD_DAILY_CAP", 30)
    applicant.upload_url(fakes, account, draft.application_id, "id_card_front", late)  # another material's own quota
    applicant.upload_url(fakes, account, draft.application_id, "id_photo", late + timedelta(seconds=30))


def test_no_upload_url_for_an_unknown_material_or_a_submitted_application(world, fakes):
    account = world.applicant()
    submitted = world.submitted(account)
    with pytest.raises(NotFoundError):
        applicant.upload_url(fakes, account, submitted.application_id, "selfie", NOW)
    with pytest.raises(ConflictError) as frozen:
        applicant.upload_url(fakes, account, submitted.application_id, "id_photo", NOW)
    assert frozen.value.code == "NOT_EDITABLE"


def _certificate(account, number: str, issued_at: datetime, **changes) -> Certificate:
    pdf_key, png_key = certificate_keys(number)
    return Certificate(registration_no=number, id_number=account.id_number, application_id="earlier",
                       name="周晓梅", certificate_no="Z1", level=Level.INTERMEDIATE, registration_year=YEAR - 3,
                       valid_until=YEAR, issued_at=issued_at, pdf_key=pdf_key, png_key=png_key, **changes)


def _png(width: int, height: int) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + width.to_bytes(4, "big")
            + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00")


def test_attaching_the_e_certificate_points_the_material_at_the_newest_one_not_revoked(world, fakes):
    account = world.applicant(registered_in=YEAR - 3)
    draft = applicant.create_application(fakes, account, CreateApplication(RegistrationType.RENEWAL), NOW)
    with pytest.raises(RuleViolationError) as none_yet:
        applicant.attach_certificate(fakes, account, draft.application_id, NOW)
    assert none_yet.value.code == "NO_E_CERTIFICATE"

    older = _certificate(account, "BJ2023000001", NOW - timedelta(days=900))
    revoked = _certificate(account, "BJ2024000002", NOW - timedelta(days=500),
                           revoked_at=NOW, revocation_reason="错发")
    for certificate in (older, revoked):
        fakes.certificates.add(certificate)
        fakes.files.write(certificate.png_key, _png(1240, 1754), "image/png")
    applicant.attach_certificate(fakes, account, draft.application_id, NOW)
    material = fakes.applications.get(draft.application_id).materials[MaterialKind.REGISTRATION_CERT]
    assert (material.object_key, material.width, material.height) == (older.png_key, 1240, 1754)
    assert fakes.files.read(older.png_key) == _png(1240, 1754)  # pointed to, never copied or swept
