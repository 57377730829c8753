"""The upload pipeline on the fakes: an object becomes a ready or refused material, once; nothing stale stays."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.materials import MaterialKind, MaterialStatus
from chalicelib.domain.object_keys import UploadKey
from chalicelib.services import applicant, uploads

from tests.unit.services.world import NOW

JPEG = b"\xff\xd8\xff\xe0" + b"a photo" * 100


def _arrived(fakes, draft, data: bytes = JPEG, at=NOW, kind=MaterialKind.ID_PHOTO) -> UploadKey:
    """An upload of `kind` issued at `at` whose object has landed in the bucket."""
    upload = uploads.issue_upload_key(fakes, draft.application_id, kind, at)
    fakes.files.write(upload.key, data, "application/octet-stream")
    return upload


def _material(fakes, draft, kind=MaterialKind.ID_PHOTO):
    return fakes.applications.get(draft.application_id).materials.get(kind)


def test_an_uploaded_photo_becomes_a_ready_material_and_only_its_normalised_jpeg_is_kept(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    upload = _arrived(fakes, draft)
    assert uploads.process_upload(fakes, upload.key, NOW + timedelta(seconds=5)) == "ready"
    material = _material(fakes, draft)
    assert (material.status, material.upload_id, material.object_key) == (
        MaterialStatus.READY, upload.upload_id, upload.material_key)
    assert (material.width, material.height) == fakes.photos.ID_PHOTO_SIZE
    assert fakes.files.keys("") == [upload.material_key]
    assert fakes.files.read(upload.material_key).startswith(b"\xff\xd8")
    assert fakes.photos.normalised == [MaterialKind.ID_PHOTO]


def test_a_file_that_is_not_an_image_is_recorded_as_refused_with_its_reason(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    upload = _arrived(fakes, draft, b"%PDF-1.4 not a photo")
    assert uploads.process_upload(fakes, upload.key, NOW) == "rejected:NOT_AN_IMAGE"
    material = _material(fakes, draft)
    assert (material.status, material.reason_code) == (MaterialStatus.REJECTED, "NOT_AN_IMAGE")
    assert "JPEG" in material.reason
    assert fakes.files.keys("") == []


def test_an_object_under_a_key_we_never_issued_is_deleted_and_changes_nothing(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    genuine = uploads.issue_upload_key(fakes, draft.application_id, MaterialKind.ID_PHOTO, NOW)
    forged = genuine.key[:-1] + ("0" if genuine.key[-1] != "0" else "1")
    fakes.files.write(forged, JPEG, "image/jpeg")
    assert uploads.process_upload(fakes, forged, NOW) == "ignored"
    assert fakes.files.keys("") == []
    assert fakes.applications.get(draft.application_id) == draft


def test_a_redelivered_event_changes_nothing(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    upload = _arrived(fakes, draft)
    uploads.process_upload(fakes, upload.key, NOW)
    stored = fakes.applications.get(draft.application_id)
    assert uploads.process_upload(fakes, upload.key, NOW + timedelta(minutes=1)) == "ignored"
    assert fakes.applications.get(draft.application_id) == stored
    assert fakes.photos.normalised == [MaterialKind.ID_PHOTO]


def test_an_upload_issued_before_the_one_that_arrived_last_never_replaces_it(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    older, newer = _arrived(fakes, draft, at=NOW), _arrived(fakes, draft, at=NOW + timedelta(seconds=1))
    assert uploads.process_upload(fakes, newer.key, NOW + timedelta(seconds=2)) == "ready"
    assert uploads.process_upload(fakes, older.key, NOW + timedelta(seconds=3)) == "ignored"
    assert _material(fakes, draft).upload_id == newer.upload_id
    assert fakes.files.keys("") == [newer.material_key]


def test_an_object_not_visible_yet_is_retried_twice_then_given_up_without_a_change(world, fakes):
    draft = world.draft(world.applicant(), complete=False)
    upload = uploads.issue_upload_key(fakes, draft.application_id, MaterialKind.ID_PHOTO, NOW)
    for _ in range(uploads.MISSING_RETRIES):
        with pytest.raises(uploads.UploadNotVisibleError):
            uploads.process_upload(fakes, upload.key, NOW)
    assert uploads.process_upload(fakes, upload.key, NOW) == "ignored"
    assert fakes.applications.get(draft.application_id) == draft


def test_an_upload_arriving_after_submission_is_deleted_and_the_submitted_photo_stays(world, fakes):
    account = world.applicant()
    submitted = world.submitted(account)
    before = _material(fakes, submitted)
    upload = _arrived(fakes, submitted)
    assert uploads.process_upload(fakes, upload.key, NOW + timedelta(minutes=1)) == "ignored"
    assert _material(fakes, submitted) == before
    assert upload.key not in fakes.files.objects and fakes.photos.normalised == []


def test_removing_a_material_deletes_its_upload_and_photo_from_the_bucket(world, fakes):
    account = world.applicant()
    draft = world.draft(account, complete=False)
    upload = _arrived(fakes, draft)
    uploads.process_upload(fakes, upload.key, NOW)
    applicant.delete_material(fakes, account, draft.application_id, "id_photo", NOW + timedelta(minutes=1))
    assert _material(fakes, draft) is None
    assert fakes.files.keys("") == []
