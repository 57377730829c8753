"""One set of assertions, run on `FakePhotoProcessor` and on the Pillow processor in `Deps.photos`.

They pin what services may rely on (`ports.PhotoProcessor`): the output sizes, a
JPEG whose hash is its own, and refusals by code, so the fake cannot drift.
What only pixels can show (orientation, colour, bombs) is `test_photos.py`'s.
"""
from __future__ import annotations

import hashlib
import re

import pytest

from chalicelib import bootstrap
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.ports import PhotoRejectedError
from chalicelib.settings import Settings
from tests import fakes
from tests.unit import photo_samples as samples

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_OUTPUT_BYTES = 1_048_576
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(params=["fake", "pillow"])
def photos(request):
    if request.param == "fake":
        return fakes.FakePhotoProcessor()
    return bootstrap.build(Settings.from_env()).photos


def _refusal(photos, data: bytes, kind: MaterialKind = MaterialKind.ID_CARD_FRONT) -> PhotoRejectedError:
    with pytest.raises(PhotoRejectedError) as caught:
        photos.normalise(data, kind)
    assert CHINESE.search(caught.value.reason)
    return caught.value


def _is_own_jpeg(photo) -> bool:
    return (photo.jpeg.startswith(b"\xff\xd8") and photo.jpeg.endswith(b"\xff\xd9")
            and len(photo.jpeg) <= MAX_OUTPUT_BYTES and photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest())


def test_an_id_photo_comes_out_as_a_413_by_626_jpeg_whose_hash_is_its_own(photos):
    photo = photos.normalise(samples.camera_jpeg(1200, 1600), MaterialKind.ID_PHOTO)
    assert (photo.width, photo.height) == (413, 626)
    assert _is_own_jpeg(photo)


@pytest.mark.parametrize("upload", [samples.camera_jpeg(2400, 1800), samples.png_with_alpha(2000, 1500),
                                    samples.webp(1800, 1200)], ids=["jpeg", "png", "webp"])
def test_a_document_photo_comes_out_as_a_jpeg_at_most_1600_pixels_on_its_long_side(photos, upload):
    photo = photos.normalise(upload, MaterialKind.QUALIFICATION_CERT)
    assert max(photo.width, photo.height) <= 1600
    assert _is_own_jpeg(photo)


def test_an_empty_upload_is_refused_as_empty(photos):
    assert _refusal(photos, b"").code == "EMPTY"
    assert photos.rejection_for_size(0).code == "EMPTY"


def test_an_upload_over_10_mb_is_refused_as_too_large_before_any_byte_is_read(photos):
    refusal = photos.rejection_for_size(MAX_UPLOAD_BYTES + 1)
    assert refusal.code == "TOO_LARGE" and CHINESE.search(refusal.reason)
    assert photos.rejection_for_size(MAX_UPLOAD_BYTES) is None
    assert _refusal(photos, b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES)).code == "TOO_LARGE"


@pytest.mark.parametrize("upload", [samples.pdf(), samples.static_gif(), b"<html><body>hi</body></html>"],
                         ids=["pdf", "gif", "html"])
def test_a_file_that_is_no_jpeg_png_or_webp_is_refused_as_not_an_image(photos, upload):
    assert _refusal(photos, upload).code == "NOT_AN_IMAGE"
