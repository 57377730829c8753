"""Photos do not linger (issue 12): a replaced or removed material's raw upload and normalised
photo leave the bucket, while an object a material only points to (an e-certificate's PNG) stays.

Each test lists the S3 emulator's bucket for the application's own keys after the change.
"""
from __future__ import annotations

import json

import pytest

from chalicelib.domain.materials import MaterialKind, MaterialStatus
from tests.api.conftest import auth, sign_up
from tests.api.test_certificates import _stored
from tests.api.test_uploads import _deliver, _jpeg, _post, _upload_url, draft, dying_photos  # noqa: F401 (fixture)


def _bucket(deps, app_id: str) -> set[str]:
    """Every key in the bucket that belongs to the application."""
    from chalicelib import bootstrap
    s3, bucket = bootstrap.stores(deps.settings).s3, deps.settings.bucket
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {item["Key"] for page in pages for item in page.get("Contents", []) if app_id in item["Key"]}


def _photo_key(deps, app_id: str, kind: str = "id_photo") -> str:
    return next(m.object_key for k, m in deps.applications.get(app_id).materials.items() if k.value == kind)


def _uploaded(client, deps, token: str, app_id: str, kind: str = "id_photo", size=(1200, 1600)) -> str:
    """Upload a photo through a presigned POST and deliver its event; returns the raw key."""
    key = _post(_upload_url(client, token, app_id, kind), _jpeg(*size))
    _deliver(client, deps, key)
    return key


def test_a_replaced_photo_leaves_the_bucket_raw_upload_and_normalised_photo_both(client, deps, draft):
    token, app_id = draft
    _uploaded(client, deps, token, app_id)
    first = _photo_key(deps, app_id)
    assert _bucket(deps, app_id) == {first}
    _uploaded(client, deps, token, app_id, size=(900, 1300))
    second = _photo_key(deps, app_id)
    assert second != first
    assert _bucket(deps, app_id) == {second}


def test_a_removed_photo_leaves_the_bucket(client, deps, draft):
    token, app_id = draft
    _uploaded(client, deps, token, app_id)
    _uploaded(client, deps, token, app_id, "id_card_front")
    removed = client.http.delete(f"/applications/{app_id}/materials/id_photo", headers=auth(token))
    assert removed.status_code == 200 and "id_photo" not in removed.json_body["materials"]
    assert _bucket(deps, app_id) == {_photo_key(deps, app_id, "id_card_front")}


def test_a_refused_photo_replaced_by_a_good_one_leaves_nothing_behind(client, deps, draft):
    token, app_id = draft
    refused = _upload_url(client, token, app_id)["fields"]["key"]
    deps.files.write(refused, b"<html>not a photo</html>", "image/jpeg")
    _deliver(client, deps, refused)
    assert deps.applications.get(app_id).materials  # rejected, with its reason
    _uploaded(client, deps, token, app_id)
    assert _bucket(deps, app_id) == {_photo_key(deps, app_id)}


def test_an_upload_that_arrives_after_its_material_was_removed_is_deleted_unseen(client, deps, draft):
    token, app_id = draft
    _uploaded(client, deps, token, app_id)
    late = _post(_upload_url(client, token, app_id), _jpeg(900, 1300))
    assert client.http.delete(f"/applications/{app_id}/materials/id_photo", headers=auth(token)).status_code == 200
    assert _bucket(deps, app_id) == set()  # the "×" also took the upload still waiting for its event
    deps.files.write(late, _jpeg(900, 1300), "image/jpeg")  # S3 delivers the object late, all the same
    _deliver(client, deps, late)
    assert "id_photo" not in deps.applications.get(app_id).materials
    assert _bucket(deps, app_id) == set()


def test_an_older_upload_whose_event_comes_last_is_deleted_and_the_newer_photo_stays(client, deps, draft):
    token, app_id = draft
    older = _post(_upload_url(client, token, app_id), _jpeg())
    newer = _uploaded(client, deps, token, app_id, size=(900, 1300))
    kept = _photo_key(deps, app_id)
    assert kept.endswith(newer.rsplit("/", 1)[1] + ".jpg")
    _deliver(client, deps, older)
    assert _photo_key(deps, app_id) == kept
    assert _bucket(deps, app_id) == {kept}


def test_a_photo_replaced_while_still_being_processed_leaves_nothing_behind(client, deps, draft, swap):
    token, app_id = draft
    first = _post(_upload_url(client, token, app_id), _jpeg())
    swap(photos=dying_photos(deps))
    with pytest.raises(MemoryError):
        _deliver(client, deps, first)
    swap(photos=deps.photos)
    _uploaded(client, deps, token, app_id, size=(900, 1300))
    _deliver(client, deps, first)  # S3 redelivers the failed event
    assert _bucket(deps, app_id) == {_photo_key(deps, app_id)}
    assert deps.applications.get(app_id).materials[MaterialKind.ID_PHOTO].status is MaterialStatus.READY


# --- an object a material points to but does not own --------------------------------------------

def _renewal_with_certificate(client, deps, renewer) -> tuple[str, str, str]:
    """(token, application id, the e-certificate PNG's key) with the certificate attached."""
    certificate = _stored(deps, renewer)
    token, _ = sign_up(client, deps, renewer)
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "renewal"})
                              ).json_body["application_id"]
    attached = client.http.post(f"/applications/{app_id}/materials/registration_cert/attach-certificate",
                                headers=auth(token))
    assert attached.status_code == 200, attached.body
    return token, app_id, certificate.png_key


def test_replacing_an_attached_e_certificate_with_a_photo_keeps_the_certificate(client, deps, renewer):
    token, app_id, png_key = _renewal_with_certificate(client, deps, renewer)
    _uploaded(client, deps, token, app_id, "registration_cert")
    assert _photo_key(deps, app_id, "registration_cert").startswith("materials/")
    assert deps.files.size(png_key) is not None
    assert _bucket(deps, app_id) == {_photo_key(deps, app_id, "registration_cert")}


def test_removing_an_attached_e_certificate_keeps_the_certificate(client, deps, renewer):
    token, app_id, png_key = _renewal_with_certificate(client, deps, renewer)
    removed = client.http.delete(f"/applications/{app_id}/materials/registration_cert", headers=auth(token))
    assert removed.status_code == 200
    assert deps.files.size(png_key) is not None


def test_attaching_the_e_certificate_over_an_uploaded_photo_deletes_the_photo(client, deps, renewer):
    certificate = _stored(deps, renewer)
    token, _ = sign_up(client, deps, renewer)
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "renewal"})
                              ).json_body["application_id"]
    _uploaded(client, deps, token, app_id, "registration_cert")
    assert _bucket(deps, app_id)
    assert client.http.post(f"/applications/{app_id}/materials/registration_cert/attach-certificate",
                            headers=auth(token)).status_code == 200
    assert _photo_key(deps, app_id, "registration_cert") == certificate.png_key
    assert _bucket(deps, app_id) == set()
    assert deps.files.size(certificate.png_key) is not None
