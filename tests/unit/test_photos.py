"""Photo normalisation: what an applicant's camera, phone or scanner produces becomes a small clean JPEG, or a reason."""
from __future__ import annotations

import hashlib
import io
import random
import re
import warnings

import pytest
from PIL import ExifTags, Image, ImageFile

from chalicelib.adapters import photos
from chalicelib.adapters.photos import MAX_OUTPUT_BYTES, MAX_UPLOAD_BYTES, normalise
from chalicelib.domain.ports import NormalisedPhoto, PhotoRejectedError
from tests.unit import photo_samples as samples

DOCUMENT_KINDS = ("id_card_front", "id_card_back", "qualification_cert", "registration_cert", "ce_proof")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
QUADRANT_CENTRES = {"top_left": (175, 125), "top_right": (525, 125), "bottom_left": (175, 375),
                    "bottom_right": (525, 375)}          # of a 700×500 samples.quadrants() picture


def _opened(photo: NormalisedPhoto) -> Image.Image:
    image = Image.open(io.BytesIO(photo.jpeg))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert image.size == (photo.width, photo.height)
    assert len(photo.jpeg) <= MAX_OUTPUT_BYTES
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()
    return image


def _refusal(data: bytes, kind: str = "id_card_front") -> PhotoRejectedError:
    with pytest.raises(PhotoRejectedError) as caught:
        normalise(data, kind)
    assert re.fullmatch(r"[A-Z]+(_[A-Z]+)*", caught.value.code)
    assert CHINESE.search(caught.value.reason)
    return caught.value


def _near(actual, expected, tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected))


# --- camera photos -----------------------------------------------------------------------------

def test_a_12_megapixel_camera_photo_becomes_an_exact_413_by_626_id_photo_under_1mb():
    camera = samples.camera_jpeg()
    assert len(camera) > 3 * 1024 * 1024
    image = _opened(normalise(camera, "id_photo"))
    assert image.size == (413, 626)


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_a_camera_photo_of_a_document_is_scaled_to_1600_px_on_its_long_side(kind):
    assert _opened(normalise(samples.camera_jpeg(), kind)).size == (1600, 1200)


def test_the_output_carries_no_exif_gps_or_comment_from_the_camera():
    camera = Image.open(io.BytesIO(samples.camera_jpeg()))
    assert camera.getexif().get_ifd(ExifTags.IFD.GPSInfo) and "comment" in camera.info    # the sample has them
    for kind in ("id_photo", "id_card_front"):
        image = _opened(normalise(samples.camera_jpeg(), kind))
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "comment", "icc_profile", "xmp", "dpi"} & set(image.info)


def test_a_small_document_is_never_enlarged():
    assert _opened(normalise(samples.encode(samples.camera_image(500, 300), "PNG"), "ce_proof")).size == (500, 300)


@pytest.mark.parametrize("kind", ("id_photo", "id_card_front"))
@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation, kind):
    """Stored sideways or mirrored the way cameras do (6 = a landscape file of a portrait shot), at a size
    where the reduced JPEG decode is used, the output matches the upright picture quadrant by quadrant."""
    upright = samples.quadrants(3400, 2600)
    image = _opened(normalise(samples.oriented_jpeg(upright, orientation), kind))
    assert image.size == ((413, 626) if kind == "id_photo" else (1600, 1224))
    w, h = image.size
    assert _near(image.getpixel((w // 4, h // 4)), samples.QUADRANT_COLOURS["top_left"])
    assert _near(image.getpixel((w * 3 // 4, h // 4)), samples.QUADRANT_COLOURS["top_right"])
    assert _near(image.getpixel((w // 4, h * 3 // 4)), samples.QUADRANT_COLOURS["bottom_left"])
    assert _near(image.getpixel((w * 3 // 4, h * 3 // 4)), samples.QUADRANT_COLOURS["bottom_right"])


def test_a_landscape_camera_file_tagged_orientation_6_becomes_a_portrait_document():
    stored = samples.encode(samples.camera_image(2000, 1500), "JPEG", quality=90, exif=samples.camera_exif(6))
    assert _opened(normalise(stored, "qualification_cert")).size == (1200, 1600)


def test_a_photo_with_a_damaged_exif_block_is_kept_as_stored():
    assert _opened(normalise(samples.jpeg_with_corrupt_exif(), "id_card_front")).size == (800, 600)


def test_a_phone_photo_with_a_depth_picture_appended_mpo_is_accepted():
    assert _opened(normalise(samples.mpo(), "id_card_back")).size == (1200, 900)


# --- modes and formats -------------------------------------------------------------------------

def test_transparency_is_flattened_onto_white():
    image = _opened(normalise(samples.png_with_alpha(), "id_card_front"))
    assert _near(image.getpixel((5, 5)), (255, 255, 255), 3)
    assert _near(image.getpixel((400, 300)), (200, 0, 0))


def test_a_cmyk_jpeg_becomes_rgb_with_its_colour():
    image = _opened(normalise(samples.cmyk_jpeg(), "qualification_cert"))
    red, green, blue = image.getpixel((400, 300))
    assert red < 60 and green > 180 and blue > 180


def test_a_webp_photo_is_accepted():
    assert _opened(normalise(samples.webp(), "id_card_front")).size == (900, 700)


def test_a_16_bit_greyscale_png_keeps_its_tones_instead_of_clipping_to_white():
    image = _opened(normalise(samples.png_16bit(), "ce_proof"))
    assert image.getpixel((5, 240))[0] < 20
    assert 100 < image.getpixel((320, 240))[0] < 156
    assert image.getpixel((634, 240))[0] > 235


def test_a_palette_png_keeps_its_colours():
    image = _opened(normalise(samples.palette_png(), "registration_cert"))
    for name, point in QUADRANT_CENTRES.items():
        assert _near(image.getpixel(point), samples.QUADRANT_COLOURS[name])


def test_a_palette_png_with_a_transparent_colour_shows_it_as_white():
    source = Image.open(io.BytesIO(samples.palette_png(transparent=True)))
    transparent = {name for name, point in QUADRANT_CENTRES.items()
                   if source.getpixel(point) == source.info["transparency"]}
    assert len(transparent) == 1
    image = _opened(normalise(samples.palette_png(transparent=True), "registration_cert"))
    for name, point in QUADRANT_CENTRES.items():
        expected = (255, 255, 255) if name in transparent else samples.QUADRANT_COLOURS[name]
        assert _near(image.getpixel(point), expected)


def test_an_embedded_colour_profile_is_converted_to_srgb_and_not_carried():
    tagged = samples.with_icc(samples.quadrants(700, 500), samples.srgb_profile())
    assert "icc_profile" in Image.open(io.BytesIO(tagged)).info
    image = _opened(normalise(tagged, "ce_proof"))
    assert "icc_profile" not in image.info
    for name, point in QUADRANT_CENTRES.items():
        assert _near(image.getpixel(point), samples.QUADRANT_COLOURS[name])


def test_a_broken_colour_profile_does_not_cost_the_applicant_their_photo():
    image = _opened(normalise(samples.with_icc(samples.camera_image(800, 600), b"not a profile"), "ce_proof"))
    assert image.size == (800, 600)


def test_an_incompressible_picture_still_fits_the_budget():
    assert _opened(normalise(samples.noise_png(), "qualification_cert")).size == (1600, 1600)


def test_when_even_the_lowest_quality_is_too_big_the_picture_shrinks_until_it_fits(monkeypatch):
    monkeypatch.setattr(photos, "MAX_OUTPUT_BYTES", 200_000)
    photo = normalise(samples.noise_png(), "qualification_cert")
    assert len(photo.jpeg) <= 200_000 and photo.width < 1600 and photo.width == photo.height


def test_an_id_photo_of_pure_noise_fits_at_full_size():
    """Why an id_photo never has to shrink (and so is always exactly 413×626)."""
    assert _opened(normalise(samples.noise_png(), "id_photo")).size == (413, 626)


# --- sizes -------------------------------------------------------------------------------------

def test_size_checks_before_download():
    assert photos.rejection_for_size(0).code == "EMPTY"
    assert photos.rejection_for_size(11 * 1024 * 1024).code == "TOO_LARGE"
    assert photos.rejection_for_size(MAX_UPLOAD_BYTES + 1).reason == "照片大小超过10MB，请压缩后重新上传"
    assert photos.rejection_for_size(MAX_UPLOAD_BYTES) is None
    assert photos.rejection_for_size(1) is None


def test_empty_and_oversized_bytes_are_refused_without_decoding():
    assert _refusal(b"").code == "EMPTY"
    assert _refusal(samples.camera_jpeg() + bytes(11 * 1024 * 1024 - len(samples.camera_jpeg()))).code == "TOO_LARGE"


@pytest.mark.parametrize("size, kind", [((120, 90), "id_card_front"), ((299, 1000), "ce_proof"),
                                        ((199, 400), "id_photo"), ((300, 299), "id_photo")])
def test_a_picture_too_small_to_read_is_refused(size, kind):
    refusal = _refusal(samples.encode(samples.camera_image(*size), "PNG"), kind)
    assert refusal.code == "TOO_SMALL" and f"{size[0]}×{size[1]}" in refusal.reason


def test_the_id_photo_minimum_is_judged_upright():
    sideways = samples.encode(samples.camera_image(300, 200), "JPEG", exif=samples.camera_exif(6))
    assert _opened(normalise(sideways, "id_photo")).size == (413, 626)
    assert _refusal(samples.encode(samples.camera_image(300, 200), "JPEG"), "id_photo").code == "TOO_SMALL"


# --- hostile and broken files -----------------------------------------------------------------

@pytest.mark.parametrize("size", [(8000, 6000), (10000, 10000), (40000, 40000)],
                         ids=["48MP-our-limit", "100MP-pillow-warns", "1.6Gpx-pillow-errors"])
def test_a_decompression_bomb_is_refused_from_its_header_and_no_limit_leaks(size):
    before = (Image.MAX_IMAGE_PIXELS, list(warnings.filters), ImageFile.LOAD_TRUNCATED_IMAGES)
    assert _refusal(samples.png_bomb(*size)).code == "BOMB"
    assert (Image.MAX_IMAGE_PIXELS, list(warnings.filters), ImageFile.LOAD_TRUNCATED_IMAGES) == before


def test_a_tiny_webp_that_would_decode_to_20_megapixels_is_refused():
    tiny = samples.encode(Image.new("RGB", (5000, 4000), (200, 100, 50)), "WEBP", lossless=True, method=0)
    assert len(tiny) < 100
    refusal = _refusal(tiny)
    assert refusal.code == "BOMB" and "1600万像素" in refusal.reason


def test_a_truncated_jpeg_is_refused_though_it_passes_verify():
    truncated = samples.truncated_jpeg()
    Image.open(io.BytesIO(truncated)).verify()
    assert _refusal(truncated, "id_photo").code == "TRUNCATED"


def test_a_truncated_png_is_refused():
    png = samples.encode(samples.camera_image(800, 600), "PNG")
    assert _refusal(png[: len(png) // 2]).code == "TRUNCATED"


def test_truncated_images_are_refused_even_if_someone_switched_pillow_to_load_them(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert _refusal(samples.truncated_jpeg()).code == "TRUNCATED"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize("after_pixels", (False, True))
def test_a_png_text_chunk_bomb_is_not_an_image(after_pixels):
    assert _refusal(samples.png_text_bomb(after_pixels)).code == "NOT_AN_IMAGE"


@pytest.mark.parametrize("data", [
    pytest.param(samples.animated_gif(), id="animated-gif"),
    pytest.param(samples.static_gif(), id="gif"),
    pytest.param(samples.SVG_WITH_SCRIPT, id="svg-with-script"),
    pytest.param(samples.pdf(), id="pdf"),
    pytest.param(samples.HTML, id="html"),
    pytest.param(samples.avif(), id="avif"),
    pytest.param(random.Random(3).randbytes(5000), id="random-bytes"),
])
def test_anything_but_jpeg_png_or_webp_is_not_an_image_whatever_it_is_called(data):
    refusal = _refusal(data, "id_photo")
    assert refusal.code == "NOT_AN_IMAGE" and "JPEG" in refusal.reason


def test_a_heic_photo_is_refused_with_how_to_convert_it():
    refusal = _refusal(samples.heic_header(), "id_photo")
    assert refusal.code == "HEIC_UNSUPPORTED"
    assert "兼容性最佳" in refusal.reason and "JPEG" in refusal.reason


@pytest.mark.parametrize("source", ["JPEG", "PNG", "WEBP"])
def test_damaged_files_end_in_a_refusal_or_a_photo_never_another_error(source):
    original = samples.encode(samples.camera_image(400, 320), source)
    rng = random.Random(source)
    for _ in range(60):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            _opened(normalise(bytes(damaged), "id_card_front"))
        except PhotoRejectedError as refusal:
            assert refusal.code in {"NOT_AN_IMAGE", "TRUNCATED", "TOO_SMALL", "BOMB"}
