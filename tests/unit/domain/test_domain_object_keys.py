"""The files bucket's key layout stays byte for byte what stored objects were written under."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import (
    UploadKey,
    certificate_keys,
    issued_at_of,
    slot_folders,
    upload_id_in,
)

SECRET = b"k" * 32
NOW = datetime(2026, 11, 26, 2, 0, 0, 123456, tzinfo=timezone.utc)


def _issued(kind: MaterialKind = MaterialKind.ID_PHOTO) -> UploadKey:
    return UploadKey.issue(SECRET, "app-1", kind, NOW)


def test_an_issued_upload_key_names_application_kind_issue_time_nonce_and_signature():
    upload = _issued()
    assert re.fullmatch(r"uploads/app-1/id_photo/1795658400123456-[0-9a-f]{16}-[0-9a-f]{32}", upload.key)
    assert upload.material_key == f"materials/app-1/id_photo/{upload.upload_id}.jpg"
    assert upload.issued_at == NOW


def test_an_upload_key_parses_back_and_proves_it_was_issued_with_the_secret():
    upload = _issued(MaterialKind.CE_PROOF)
    parsed = UploadKey.parse(upload.key)
    assert parsed == upload and parsed.is_authentic(SECRET)
    assert not parsed.is_authentic(b"x" * 32)


@pytest.mark.parametrize("edit", [
    {"application_id": "app-2"},
    {"kind": MaterialKind.ID_CARD_BACK},
])
def test_an_upload_key_edited_to_point_elsewhere_is_not_authentic(edit):
    assert not replace(_issued(), **edit).is_authentic(SECRET)


def test_an_upload_key_claiming_another_issue_time_is_not_authentic():
    upload = _issued()
    earlier = upload.upload_id.replace("1795658400123456", "1795658400000000")
    assert not replace(upload, upload_id=earlier).is_authentic(SECRET)


@pytest.mark.parametrize("key", [
    "materials/app-1/id_photo/u1.jpg", "uploads/app-1/id_photo", "uploads/app-1/passport/u1",
    "uploads//id_photo/u1", "uploads/app-1/id_photo/u1/extra", "uploads/not/ours.jpg",
])
def test_a_key_outside_the_uploads_layout_does_not_parse(key):
    assert UploadKey.parse(key) is None


def test_an_upload_id_not_in_the_issued_form_has_no_issue_time():
    assert issued_at_of("u1") is None and issued_at_of("BJ2026000123") is None
    assert not UploadKey("app-1", MaterialKind.ID_PHOTO, "u1-abc").is_authentic(SECRET)


def test_a_slot_is_its_raw_uploads_folder_and_its_photos_folder():
    uploads, materials = slot_folders("app-1", MaterialKind.REGISTRATION_CERT)
    assert (uploads, materials) == ("uploads/app-1/registration_cert/", "materials/app-1/registration_cert/")
    upload = _issued(MaterialKind.REGISTRATION_CERT)
    assert upload_id_in(uploads, upload.key) == upload_id_in(materials, upload.material_key) == upload.upload_id


def test_an_e_certificate_is_stored_as_a_pdf_and_a_png_under_its_number():
    assert certificate_keys("BJ2026000123") == ("certificates/BJ2026000123.pdf", "certificates/BJ2026000123.png")
