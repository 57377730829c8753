"""The S3 upload handler through chalice.test.Client, with real objects in the S3 emulator."""
from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
import urllib3
from PIL import Image

from chalicelib.domain.materials import MaterialKind
from chalicelib.services.uploads import MISSING_RETRIES, UploadNotVisibleError
from tests.unit import photo_samples as samples
from tests.api.conftest import auth, sign_up


def _jpeg(width=1200, height=1600) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((width, height), 40).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def draft(client, deps, person):
    token, _ = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})
                              ).json_body["application_id"]
    return token, app_id


def _upload_url(client, token, app_id, kind="id_photo") -> dict:
    response = client.http.post(f"/applications/{app_id}/materials/{kind}/upload", headers=auth(token))
    assert response.status_code == 200, response.body
    return response.json_body


def _post(post: dict, body: bytes) -> str:
    fields = dict(post["fields"], file=("photo.jpg", body, "image/jpeg"))
    assert urllib3.request("POST", post["url"], fields=fields).status in (200, 204)
    return post["fields"]["key"]


def _deliver(client, deps, key: str):
    event = client.events.generate_s3_event(bucket=deps.settings.bucket, key=key)
    return client.lambda_.invoke("on_upload", event)


def _material(client, token, app_id, kind="id_photo") -> dict:
    return client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["materials"][kind]


def _exists(deps, key: str) -> bool:
    return deps.files.size(key) is not None


def test_an_upload_becomes_a_ready_normalised_material_and_the_raw_object_goes(client, deps, draft):
    token, app_id = draft
    key = _post(_upload_url(client, token, app_id), _jpeg())
    _deliver(client, deps, key)
    material = _material(client, token, app_id)
    assert (material["status"], material["width"], material["height"]) == ("ready", 413, 626)
    stored = deps.applications.get(app_id).materials
    jpeg = deps.files.read(next(iter(stored.values())).object_key)
    assert len(jpeg) <= 1_048_576 and Image.open(io.BytesIO(jpeg)).format == "JPEG"
    assert not _exists(deps, key)


def test_the_same_event_twice_gives_one_result(client, deps, draft):
    token, app_id = draft
    key = _post(_upload_url(client, token, app_id), _jpeg())
    _deliver(client, deps, key)
    version = deps.applications.get(app_id).version
    _deliver(client, deps, key)
    assert deps.applications.get(app_id).version == version
    assert _material(client, token, app_id)["status"] == "ready"


def test_an_event_for_a_replaced_upload_arriving_late_is_ignored(client, deps, draft):
    token, app_id = draft
    old_key = _post(_upload_url(client, token, app_id), _jpeg())
    new_key = _post(_upload_url(client, token, app_id), _jpeg(900, 1300))
    _deliver(client, deps, new_key)
    ready = deps.applications.get(app_id)
    _deliver(client, deps, old_key)
    assert deps.applications.get(app_id) == ready
    assert not _exists(deps, old_key)


def test_an_upload_deleted_before_its_event_is_ignored(client, deps, draft):
    token, app_id = draft
    key = _post(_upload_url(client, token, app_id), _jpeg())
    assert client.http.delete(f"/applications/{app_id}/materials/id_photo", headers=auth(token)).status_code == 200
    _deliver(client, deps, key)
    assert "id_photo" not in client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["materials"]


@pytest.mark.parametrize("body, code", [
    (b"<html><script>alert(1)</script></html>", "NOT_AN_IMAGE"),
    (_jpeg(120, 90), "TOO_SMALL"),
    (b"", "EMPTY"),
])
def test_a_refused_upload_shows_its_reason_to_the_applicant(client, deps, draft, body, code):
    token, app_id = draft
    post = _upload_url(client, token, app_id)
    key = post["fields"]["key"]
    deps.files.write(key, body, "image/jpeg")  # the emulator does not enforce the POST policy's size range
    _deliver(client, deps, key)
    material = _material(client, token, app_id)
    assert material["status"] == "rejected" and material["reason_code"] == code and material["reason"]


def test_an_object_over_ten_megabytes_is_refused_without_decoding(client, deps, draft):
    token, app_id = draft
    key = _upload_url(client, token, app_id)["fields"]["key"]
    deps.files.write(key, b"\xff\xd8" + b"\0" * (10 * 1024 * 1024), "image/jpeg")
    _deliver(client, deps, key)
    assert _material(client, token, app_id)["reason_code"] == "TOO_LARGE"


def test_an_object_that_never_arrives_is_retried_then_changes_nothing(client, deps, draft):
    token, app_id = draft
    _deliver(client, deps, _post(_upload_url(client, token, app_id), _jpeg()))
    ready = deps.applications.get(app_id)
    key = _upload_url(client, token, app_id)["fields"]["key"]
    for _ in range(MISSING_RETRIES):
        with pytest.raises(UploadNotVisibleError):
            _deliver(client, deps, key)
    _deliver(client, deps, key)
    assert deps.applications.get(app_id) == ready


def test_a_key_we_never_issued_changes_nothing(client, deps, draft):
    token, app_id = draft
    deps.files.write("uploads/not/ours.jpg", b"x", "image/jpeg")
    _deliver(client, deps, "uploads/not/ours.jpg")
    assert client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["materials"] == {}
    assert not _exists(deps, "uploads/not/ours.jpg")


def _forged(key: str, other_app_id: str) -> dict:
    prefix, app_id, kind, upload_id = key.split("/")
    micros, nonce, signature = upload_id.split("-")
    return {
        "another application": f"{prefix}/{other_app_id}/{kind}/{upload_id}",
        "another kind": f"{prefix}/{app_id}/id_card_front/{upload_id}",
        "a later issue time": f"{prefix}/{app_id}/{kind}/{int(micros) + 10**9:016d}-{nonce}-{signature}",
        "a made-up signature": f"{prefix}/{app_id}/{kind}/{micros}-{nonce}-{'0' * len(signature)}",
        "no signature": f"{prefix}/{app_id}/{kind}/{micros}-{nonce}",
    }


@pytest.mark.parametrize("forgery", ["another application", "another kind", "a later issue time",
                                     "a made-up signature", "no signature"])
def test_an_upload_key_edited_after_we_issued_it_is_refused_and_deleted(client, deps, draft, forgery):
    token, app_id = draft
    key = _upload_url(client, token, app_id)["fields"]["key"]
    forged = _forged(key, app_id[::-1])[forgery]
    deps.files.write(forged, _jpeg(), "image/jpeg")
    _deliver(client, deps, forged)
    assert client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["materials"] == {}
    assert not _exists(deps, forged)


# --- issuing URLs changes nothing; the quota ---------------------------------------------------

def test_asking_for_an_upload_url_leaves_a_ready_material_ready(client, deps, draft):
    token, app_id = draft
    _deliver(client, deps, _post(_upload_url(client, token, app_id), _jpeg()))
    ready = deps.applications.get(app_id)
    post = _upload_url(client, token, app_id)
    assert post["upload_id"] != ready.materials[MaterialKind.ID_PHOTO].upload_id
    assert deps.applications.get(app_id) == ready
    assert _material(client, token, app_id)["status"] == "ready"


def dying_photos(deps) -> SimpleNamespace:
    """A photo processor whose invocation dies while decoding (size checks as the real one)."""
    def crash(*_args, **_kwargs):
        raise MemoryError("the invocation died while decoding")
    return SimpleNamespace(normalise=crash, rejection_for_size=deps.photos.rejection_for_size)


def test_a_material_shows_pending_once_its_object_arrives_and_a_redelivery_finishes_it(client, deps, draft, swap):
    token, app_id = draft
    _deliver(client, deps, _post(_upload_url(client, token, app_id), _jpeg()))
    key = _post(_upload_url(client, token, app_id), _jpeg(900, 1300))
    assert _material(client, token, app_id)["status"] == "ready"  # a URL, even a used one, changes nothing

    swap(photos=dying_photos(deps))
    with pytest.raises(MemoryError):
        _deliver(client, deps, key)
    assert _material(client, token, app_id)["status"] == "pending"
    swap(photos=deps.photos)
    _deliver(client, deps, key)
    material = deps.applications.get(app_id).materials[MaterialKind.ID_PHOTO]
    assert (material.status.value, material.upload_id) == ("ready", key.rsplit("/", 1)[1])


def test_upload_urls_per_material_per_day_are_limited_with_retry_after_and_a_chinese_message(
        client, deps, draft, swap):
    token, app_id = draft
    swap(settings=deps.settings._replace(upload_urls_per_material_per_day=3))
    for _ in range(3):
        _upload_url(client, token, app_id)
    refused = client.http.post(f"/applications/{app_id}/materials/id_photo/upload", headers=auth(token))
    assert refused.status_code == 429
    error = refused.json_body["error"]
    assert error["code"] == "UPLOAD_DAILY_CAP" and "请明天再上传" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) == error["details"]["retry_after"] <= 24 * 3600
    assert _upload_url(client, token, app_id, "id_card_front")["upload_id"]  # another material has its own quota


@pytest.mark.parametrize("make, kind, expected", [
    (lambda: samples.camera_jpeg(), "id_card_front", ("ready", None)),
    (lambda: samples.png_with_alpha(), "id_card_back", ("ready", None)),
    (lambda: samples.oriented_jpeg(samples.quadrants(800, 1200), 6), "qualification_cert", ("ready", None)),
    (lambda: samples.cmyk_jpeg(), "id_card_front", ("ready", None)),
    (lambda: samples.webp(), "id_card_front", ("ready", None)),
    (lambda: samples.png_16bit(), "id_card_front", ("ready", None)),
    (lambda: samples.palette_png(), "id_card_front", ("ready", None)),
    (lambda: samples.truncated_jpeg(), "id_card_front", ("rejected", "TRUNCATED")),
    (lambda: samples.png_bomb(), "id_card_front", ("rejected", "BOMB")),
    (lambda: samples.png_text_bomb(), "id_card_front", ("rejected", "NOT_AN_IMAGE")),
    (lambda: samples.animated_gif(), "id_card_front", ("rejected", "NOT_AN_IMAGE")),
    (lambda: samples.SVG_WITH_SCRIPT, "id_card_front", ("rejected", "NOT_AN_IMAGE")),
    (lambda: samples.pdf(), "id_card_front", ("rejected", "NOT_AN_IMAGE")),
    (lambda: samples.heic_header(), "id_card_front", ("rejected", "HEIC_UNSUPPORTED")),
], ids=["camera-12mp", "png-alpha", "exif-6", "cmyk", "webp", "png-16bit", "palette", "truncated", "bomb",
        "text-bomb", "gif", "svg", "pdf", "heic"])
def test_each_kind_of_file_people_upload_through_the_pipeline(client, deps, draft, make, kind, expected):
    token, app_id = draft
    key = _post(_upload_url(client, token, app_id, kind), make())
    _deliver(client, deps, key)
    material = _material(client, token, app_id, kind)
    assert (material["status"], material["reason_code"]) == expected, material
    if expected[0] == "ready":
        stored = deps.applications.get(app_id).materials[MaterialKind(kind)]
        out = Image.open(io.BytesIO(deps.files.read(stored.object_key)))
        assert out.format == "JPEG" and max(out.size) <= 1600 and stored.size_bytes <= 1_048_576
        assert not out.getexif() and "exif" not in out.info
    if kind == "qualification_cert" and expected[0] == "ready":
        assert material["height"] > material["width"]  # stored landscape with orientation 6: shown upright, portrait
