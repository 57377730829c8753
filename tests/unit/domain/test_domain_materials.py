"""Material kinds and statuses carry the labels the applicant sees; an application's material
slots take uploads, the pipeline's results and removals (`MaterialSlots`, through the entity)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import RuleViolationError
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind, MaterialStatus
from tests.unit.domain.applications import NOW, WINDOW, complete, start, upload

K = MaterialKind


def test_every_material_kind_and_status_has_a_chinese_label():
    assert all(kind.chinese for kind in MaterialKind)
    assert all(status.chinese for status in MaterialStatus)


def test_every_application_needs_photo_id_card_and_qualification_certificate():
    assert set(BASE_MATERIALS) == {MaterialKind.ID_PHOTO, MaterialKind.ID_CARD_FRONT,
                                   MaterialKind.ID_CARD_BACK, MaterialKind.QUALIFICATION_CERT}


# --- the slots, through the entity: uploads, the pipeline's results, removal ------------

def test_an_upload_is_pending_until_the_pipeline_reports_on_it():
    app = start()
    material = app.start_upload("id_photo", "u1", NOW)
    assert (material.kind, material.status, material.upload_id) == (K.ID_PHOTO, MaterialStatus.PENDING, "u1")
    assert app.record_material_ready(K.ID_PHOTO, "u1", width=413, height=626, size_bytes=80_000,
                                     sha256="cd" * 32, object_key="m/u1.jpg", now=NOW) is True
    ready = app.materials[K.ID_PHOTO]
    assert (ready.status, ready.width, ready.height, ready.object_key) == (MaterialStatus.READY, 413, 626, "m/u1.jpg")


def test_a_refused_upload_keeps_the_reason_the_applicant_can_act_on():
    app = start()
    app.start_upload(K.ID_CARD_FRONT, "u1", NOW)
    assert app.record_material_rejected(K.ID_CARD_FRONT, "u1", "IMAGE_TOO_SMALL", "图片太小，短边至少300像素", NOW)
    material = app.materials[K.ID_CARD_FRONT]
    assert (material.status, material.reason_code) == (MaterialStatus.REJECTED, "IMAGE_TOO_SMALL")


def test_late_or_repeated_pipeline_results_are_ignored():
    app = start()
    app.start_upload(K.ID_PHOTO, "old", NOW)
    app.start_upload(K.ID_PHOTO, "new", NOW)
    ready = dict(width=413, height=626, size_bytes=1, sha256="x", object_key="k", now=NOW)
    assert app.record_material_ready(K.ID_PHOTO, "old", **ready) is False
    assert app.record_material_rejected(K.ID_PHOTO, "old", "BAD", "坏", NOW) is False
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.PENDING
    assert app.record_material_ready(K.ID_PHOTO, "new", **ready) is True
    assert app.record_material_ready(K.ID_PHOTO, "new", **ready) is False
    assert app.record_material_rejected(K.ID_PHOTO, "new", "BAD", "坏", NOW) is False
    assert app.record_material_ready(K.ID_CARD_BACK, "new", **ready) is False
    assert app.record_material_ready("not_a_kind", "new", **ready) is False
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.READY


def test_uploading_again_or_deleting_replaces_the_material():
    app = start()
    upload(app, K.ID_PHOTO, "u1")
    app.start_upload(K.ID_PHOTO, "u2", NOW)
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.PENDING
    assert app.remove_material(K.ID_PHOTO, NOW) is True
    assert app.remove_material(K.ID_PHOTO, NOW) is False
    assert K.ID_PHOTO not in app.materials


def test_asking_to_upload_checks_the_rules_and_changes_nothing():
    app = start()
    upload(app, K.ID_PHOTO)
    updated_at, material = app.updated_at, app.materials[K.ID_PHOTO]
    assert app.allow_upload("id_photo") is K.ID_PHOTO
    assert (app.updated_at, app.materials[K.ID_PHOTO]) == (updated_at, material)
    with pytest.raises(RuleViolationError) as caught:
        app.allow_upload(K.CE_PROOF)
    assert caught.value.code == "MATERIAL_NOT_ALLOWED" and "请" in caught.value.message


def test_an_upload_issued_before_the_slots_floor_never_replaces_the_material():
    app = start()
    minute = timedelta(minutes=1)
    assert app.start_upload(K.ID_PHOTO, "newer", NOW, issued_at=NOW) is not None
    assert app.start_upload(K.ID_PHOTO, "older", NOW + minute, issued_at=NOW - minute) is None
    assert app.start_upload(K.ID_PHOTO, "newer", NOW + minute, issued_at=NOW) is None  # redelivered
    assert app.materials[K.ID_PHOTO].upload_id == "newer"
    app.remove_material(K.ID_PHOTO, NOW + 2 * minute)
    assert app.start_upload(K.ID_PHOTO, "before-the-x", NOW + 3 * minute, issued_at=NOW + minute) is None
    assert K.ID_PHOTO not in app.materials
    assert app.start_upload(K.ID_PHOTO, "after-the-x", NOW + 3 * minute, issued_at=NOW + 3 * minute) is not None


@pytest.mark.parametrize("type_, kind", [
    (RegistrationType.FIRST, K.REGISTRATION_CERT), (RegistrationType.FIRST, K.CE_PROOF),
    (RegistrationType.REISSUE, K.REGISTRATION_CERT), (RegistrationType.FIRST, "passport"),
])
def test_a_material_the_type_does_not_take_is_refused(type_, kind):
    with pytest.raises(RuleViolationError) as caught:
        start(type_).start_upload(kind, "u1", NOW)
    assert caught.value.code == "MATERIAL_NOT_ALLOWED"


def test_the_pipelines_result_after_submit_changes_nothing():
    app = start()
    complete(app)
    app.start_upload(K.ID_PHOTO, "late", NOW)
    upload(app, K.ID_PHOTO, "final")
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    assert app.record_material_rejected(K.ID_PHOTO, "final", "BAD", "坏", NOW) is False
